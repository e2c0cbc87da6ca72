package io.promfed.model.value;

/**
 * Prometheus's staleness marker: a float sample with the exact NaN bit pattern {@code
 * 0x7ff0000000000002} (model/value/value.go). Java canonicalises NaNs in {@link
 * Double#doubleToLongBits}, so the marker must always be tested with the raw bits.
 */
public final class StaleNaN {

  public static final long BITS = 0x7ff0000000000002L;

  /** The ordinary NaN Prometheus writes for a NaN sample value. */
  public static final long NORMAL_NAN_BITS = 0x7ff8000000000001L;

  public static final double VALUE = Double.longBitsToDouble(BITS);

  private StaleNaN() {}

  public static boolean is(double v) {
    return Double.doubleToRawLongBits(v) == BITS;
  }
}
