package io.promfed.promql;

/**
 * Kahan–Neumaier compensated summation ({@code util/kahansum}), which Prometheus uses for {@code
 * sum}, {@code avg}, {@code sum_over_time}, {@code avg_over_time}, variances and regressions;
 * matching it keeps our results equal to Prometheus's in the last bits.
 *
 * <p>Hot loops keep the running sum and compensation in local {@code double}s and call {@link
 * #compensation}, so summing allocates nothing. Stateless.
 */
final class KahanSum {

  private KahanSum() {}

  /**
   * The new compensation after adding {@code inc} to {@code sum}, where {@code t = sum + inc} is
   * the new uncompensated sum ({@code kahansum.Inc}).
   */
  static double compensation(double sum, double inc, double t, double c) {
    if (Double.isInfinite(t)) {
      return 0;
    }
    if (Math.abs(sum) >= Math.abs(inc)) {
      return c + ((sum - t) + inc);
    }
    return c + ((inc - t) + sum);
  }
}
