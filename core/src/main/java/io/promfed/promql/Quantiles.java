package io.promfed.promql;

import java.util.Arrays;

/**
 * Quantile helpers ({@code promql/quantile.go}): classic-histogram bucket quantiles with
 * Prometheus's monotonicity fix, bucket fractions, and the quantile of a set of values. Stateless.
 */
final class Quantiles {

  /**
   * Relative difference between adjacent bucket counts that is treated as floating-point noise and
   * silently evened out ({@code smallDeltaTolerance}).
   */
  static final double SMALL_DELTA_TOLERANCE = 1e-12;

  private static final double MIN_NORMAL = Double.MIN_NORMAL;

  private Quantiles() {}

  /** The buckets of one classic histogram at one step: upper bounds and cumulative counts. */
  static final class Buckets {
    double[] upper = new double[8];
    double[] count = new double[8];
    int size;

    /** Set by {@link #bucketQuantile} when counts had to be made monotonic. */
    boolean forcedMonotonic;

    void add(double u, double c) {
      if (size == upper.length) {
        upper = Arrays.copyOf(upper, size * 2);
        count = Arrays.copyOf(count, size * 2);
      }
      upper[size] = u;
      count[size] = c;
      size++;
    }

    void clear() {
      size = 0;
      forcedMonotonic = false;
    }

    /** Sorts by upper bound (insertion sort: buckets are few and usually sorted already). */
    void sort() {
      for (int i = 1; i < size; i++) {
        double u = upper[i];
        double c = count[i];
        int j = i - 1;
        while (j >= 0 && upper[j] > u) {
          upper[j + 1] = upper[j];
          count[j + 1] = count[j];
          j--;
        }
        upper[j + 1] = u;
        count[j + 1] = c;
      }
    }

    /** Merges buckets with the same upper bound ({@code coalesceBuckets}); input sorted. */
    void coalesce() {
      if (size == 0) {
        return;
      }
      int i = 0;
      double lastU = upper[0];
      double lastC = count[0];
      for (int k = 1; k < size; k++) {
        if (upper[k] == lastU) {
          lastC += count[k];
        } else {
          upper[i] = lastU;
          count[i] = lastC;
          i++;
          lastU = upper[k];
          lastC = count[k];
        }
      }
      upper[i] = lastU;
      count[i] = lastC;
      size = i + 1;
    }

    /**
     * Evens out insignificant differences and removes decreases between successive buckets ({@code
     * ensureMonotonicAndIgnoreSmallDeltas}); returns whether a decrease was removed.
     */
    boolean ensureMonotonic(double tolerance) {
      boolean forced = false;
      double prev = count[0];
      for (int i = 1; i < size; i++) {
        double curr = count[i];
        if (curr == prev) {
          continue;
        }
        if (almostEqual(prev, curr, tolerance)) {
          count[i] = prev;
          continue;
        }
        if (curr < prev) {
          count[i] = prev;
          forced = true;
          continue;
        }
        prev = curr;
      }
      return forced;
    }
  }

  /**
   * The {@code q} quantile of classic buckets ({@code BucketQuantile}): linear interpolation in the
   * bucket holding the rank, a lower bound of 0 for the first bucket when its upper bound is
   * positive, the second-highest upper bound when the rank falls in the +Inf bucket. NaN without a
   * +Inf bucket, with fewer than two buckets, or with no observations.
   */
  static double bucketQuantile(double q, Buckets b) {
    if (Double.isNaN(q)) {
      return Double.NaN;
    }
    if (q < 0) {
      return Double.NEGATIVE_INFINITY;
    }
    if (q > 1) {
      return Double.POSITIVE_INFINITY;
    }
    b.sort();
    if (b.upper[b.size - 1] != Double.POSITIVE_INFINITY) {
      return Double.NaN;
    }
    b.coalesce();
    b.forcedMonotonic = b.ensureMonotonic(SMALL_DELTA_TOLERANCE);
    if (b.size < 2) {
      return Double.NaN;
    }
    double observations = b.count[b.size - 1];
    if (observations == 0) {
      return Double.NaN;
    }
    double rank = q * observations;
    int idx = 0;
    while (idx < b.size - 1 && !(b.count[idx] >= rank)) {
      idx++;
    }
    if (idx == b.size - 1) {
      return b.upper[b.size - 2];
    }
    if (idx == 0 && b.upper[0] <= 0) {
      return b.upper[0];
    }
    double bucketStart = 0;
    double bucketEnd = b.upper[idx];
    double count = b.count[idx];
    if (idx > 0) {
      bucketStart = b.upper[idx - 1];
      count -= b.count[idx - 1];
      rank -= b.count[idx - 1];
    }
    return bucketStart + (bucketEnd - bucketStart) * (rank / count);
  }

  /**
   * The fraction of observations between {@code lower} and {@code upper} in classic buckets ({@code
   * BucketFraction}), interpolating linearly inside buckets.
   */
  static double bucketFraction(double lower, double upper, Buckets b) {
    b.sort();
    if (b.upper[b.size - 1] != Double.POSITIVE_INFINITY) {
      return Double.NaN;
    }
    b.coalesce();
    double count = b.count[b.size - 1];
    if (count == 0 || Double.isNaN(lower) || Double.isNaN(upper)) {
      return Double.NaN;
    }
    if (lower >= upper) {
      return 0;
    }
    double rank = 0;
    double lowerRank = 0;
    double upperRank = 0;
    boolean lowerSet = false;
    boolean upperSet = false;
    double lowerBound = b.upper[0] <= 0 ? Double.NEGATIVE_INFINITY : 0;
    for (int i = 0; i < b.size; i++) {
      if (i > 0) {
        lowerBound = b.upper[i - 1];
      }
      double upperBound = b.upper[i];
      double c = b.count[i];
      if (!lowerSet && lowerBound >= lower) {
        lowerRank = rank;
        lowerSet = true;
      }
      if (!upperSet && lowerBound >= upper) {
        upperRank = rank;
        upperSet = true;
      }
      if (lowerSet && upperSet) {
        break;
      }
      if (!lowerSet && lowerBound < lower && upperBound > lower) {
        lowerRank = interpolate(rank, c, lowerBound, upperBound, lower);
        lowerSet = true;
      }
      if (!upperSet && lowerBound < upper && upperBound > upper) {
        upperRank = interpolate(rank, c, lowerBound, upperBound, upper);
        upperSet = true;
      }
      if (lowerSet && upperSet) {
        break;
      }
      rank = c;
    }
    if (!lowerSet || lowerRank > count) {
      lowerRank = count;
    }
    if (!upperSet || upperRank > count) {
      upperRank = count;
    }
    return (upperRank - lowerRank) / count;
  }

  private static double interpolate(
      double rank, double count, double lowerBound, double upperBound, double v) {
    // An infinitely wide bucket contributes nothing (see BucketFraction in quantile.go).
    if (lowerBound == Double.NEGATIVE_INFINITY) {
      return count;
    }
    return rank + (count - rank) * (v - lowerBound) / (upperBound - lowerBound);
  }

  /**
   * The {@code q} quantile of {@code values[0..n)} ({@code quantile}): sorts the values (NaN first,
   * as Prometheus's heap order does) and interpolates between the closest ranks.
   */
  static double quantile(double q, double[] values, int n) {
    if (n == 0 || Double.isNaN(q)) {
      return Double.NaN;
    }
    if (q < 0) {
      return Double.NEGATIVE_INFINITY;
    }
    if (q > 1) {
      return Double.POSITIVE_INFINITY;
    }
    sortNaNFirst(values, n);
    double rank = q * (n - 1);
    double lowerIndex = Math.max(0, Math.floor(rank));
    double upperIndex = Math.min(n - 1, lowerIndex + 1);
    double weight = rank - Math.floor(rank);
    return values[(int) lowerIndex] * (1 - weight) + values[(int) upperIndex] * weight;
  }

  /** Sorts ascending with NaNs first ({@code vectorByValueHeap} order). */
  static void sortNaNFirst(double[] values, int n) {
    int nan = 0;
    for (int i = 0; i < n; i++) {
      if (Double.isNaN(values[i])) {
        values[i] = values[nan];
        values[nan] = Double.NaN;
        nan++;
      }
    }
    Arrays.sort(values, nan, n);
  }

  /** Prometheus's {@code almost.Equal} (relative tolerance, NaN equals NaN). */
  static boolean almostEqual(double a, double b, double epsilon) {
    if (Double.isNaN(a) && Double.isNaN(b)) {
      return true;
    }
    if (a == b) {
      return true;
    }
    double absSum = Math.abs(a) + Math.abs(b);
    double diff = Math.abs(a - b);
    if (a == 0 || b == 0 || absSum < MIN_NORMAL) {
      return diff < epsilon * MIN_NORMAL;
    }
    return diff / Math.min(absSum, Double.MAX_VALUE) < epsilon;
  }
}
