package io.promfed.promql;

/**
 * Kahan–Neumaier compensated summation ({@code util/kahansum}), which Prometheus uses for {@code
 * sum}, {@code avg}, {@code sum_over_time}, {@code avg_over_time}, variances and regressions;
 * matching it keeps our results equal to Prometheus's in the last bits. Not thread-safe.
 */
final class KahanSum {

  double sum;
  double c;

  KahanSum() {}

  KahanSum(double sum, double c) {
    this.sum = sum;
    this.c = c;
  }

  /** Adds {@code inc} ({@code kahansum.Inc}). */
  void add(double inc) {
    double t = sum + inc;
    if (Double.isInfinite(t)) {
      c = 0;
    } else if (Math.abs(sum) >= Math.abs(inc)) {
      c += (sum - t) + inc;
    } else {
      c += (inc - t) + sum;
    }
    sum = t;
  }

  void reset() {
    sum = 0;
    c = 0;
  }

  /** The compensated sum. */
  double value() {
    return sum + c;
  }
}
