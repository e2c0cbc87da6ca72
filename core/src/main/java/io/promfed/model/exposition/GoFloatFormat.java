package io.promfed.model.exposition;

import java.math.BigInteger;
import java.nio.charset.StandardCharsets;

/**
 * Prometheus-identical number formatting: Go's {@code strconv.AppendFloat(f, 'g', -1, 64)} and the
 * variants Prometheus builds on it. Every value Prometheus writes as text goes through one of:
 *
 * <ul>
 *   <li>{@link #appendG}: {@code strconv.FormatFloat(f, 'g', -1, 64)}: the shortest decimal that
 *       parses back to the same double (closest to the exact value on ties of length, then the even
 *       digit), written with an exponent ({@code 2.5391432e+07}) when the decimal exponent is below
 *       -4 or at least 6, otherwise positionally ({@code 123456}, {@code 0.0001}). Note the
 *       threshold is 6, not the 21 of Go's {@code fmt} {@code %v}: strconv/ftoa.go sets {@code
 *       eprec = 6} for shortest {@code 'g'}. Specials are {@code NaN}, {@code +Inf}, {@code -Inf};
 *       negative zero is {@code -0}.
 *   <li>{@link #appendText}: the text exposition format, prometheus/common expfmt/text_create.go
 *       {@code writeFloat}: as {@code 'g'}, except that {@code 1}, {@code 0} (so also negative
 *       zero) and {@code -1} are special-cased, which makes {@code -0} print as {@code 0}.
 *   <li>{@link #appendJson}: the HTTP API's sample values, prometheus util/jsonutil/marshal.go
 *       {@code MarshalFloat} (without the surrounding quotes): {@code 'f'} with shortest precision,
 *       or {@code 'e'} when {@code |v| < 1e-6} or {@code |v| >= 1e21}.
 *   <li>{@link #formatOpenMetrics}: prometheus model/labels/float.go {@code
 *       FormatOpenMetricsFloat}, used to normalise {@code le} and {@code quantile} label values:
 *       {@code 'g'} with {@code .0} appended when the result has neither a dot nor an exponent.
 *   <li>{@link #formatF}: {@code strconv.FormatFloat(f, 'f', -1, 64)}, the same shortest digits
 *       never written with an exponent, which is how PromQL prints {@code count_values} label
 *       values, number literals in printed expressions and {@code Scalar}/series strings.
 * </ul>
 *
 * <p>Go's {@code %g} and {@code %v} of a float64 are the shortest {@code 'g'} above, so error and
 * warning texts built with them ({@code quantile value should be between 0 and 1, got %g}) use
 * {@link #formatG} too.
 *
 * <p>The shortest digits come from our own implementation of the Ryū algorithm (Ulf Adams, PLDI
 * 2018), whose tables are computed once at class initialisation; integers below 2<sup>53</sup> take
 * a shortcut. The {@code append*} methods allocate nothing: they write ASCII into the caller's
 * array, which must have {@link #MAX_LENGTH} bytes free at the offset, and return the offset after
 * the last byte written. Thread-safe (stateless).
 */
public final class GoFloatFormat {

  /** The most bytes any {@code append*} method writes ({@code -0.0000012345678901234567} is 25). */
  public static final int MAX_LENGTH = 32;

  /**
   * The most bytes {@code 'f'} writes: the smallest subnormals print as {@code -0.} then 323 zeros
   * then up to 17 digits; the largest doubles need only 310.
   */
  private static final int MAX_F_LENGTH = 3 + 323 + 17;

  private static final byte[] NAN = {'N', 'a', 'N'};
  private static final byte[] POS_INF = {'+', 'I', 'n', 'f'};
  private static final byte[] NEG_INF = {'-', 'I', 'n', 'f'};

  private static final int MODE_G = 0;
  private static final int MODE_E = 1;
  private static final int MODE_F = 2;

  private GoFloatFormat() {}

  /** {@code strconv.FormatFloat(v, 'g', -1, 64)}. */
  public static String formatG(double v) {
    byte[] b = new byte[MAX_LENGTH];
    return new String(b, 0, appendG(v, b, 0), StandardCharsets.ISO_8859_1);
  }

  /**
   * Writes {@code strconv.FormatFloat(v, 'g', -1, 64)} at {@code dst[off]}; returns the offset
   * after it. {@code dst} needs {@link #MAX_LENGTH} bytes free at {@code off}.
   */
  public static int appendG(double v, byte[] dst, int off) {
    return append(v, dst, off, MODE_G);
  }

  /** The value as the text exposition format writes it (expfmt {@code writeFloat}). */
  public static String formatText(double v) {
    byte[] b = new byte[MAX_LENGTH];
    return new String(b, 0, appendText(v, b, 0), StandardCharsets.ISO_8859_1);
  }

  /**
   * Writes the value as expfmt's {@code writeFloat} does; returns the offset after it. Differs from
   * {@link #appendG} only for negative zero, which is written {@code 0}.
   */
  public static int appendText(double v, byte[] dst, int off) {
    if (v == 0) { // Go's `case f == 0` is also true for -0
      dst[off] = '0';
      return off + 1;
    }
    return append(v, dst, off, MODE_G);
  }

  /** The value as the HTTP API writes sample values (jsonutil {@code MarshalFloat}, unquoted). */
  public static String formatJson(double v) {
    byte[] b = new byte[MAX_LENGTH];
    return new String(b, 0, appendJson(v, b, 0), StandardCharsets.ISO_8859_1);
  }

  /**
   * Writes the value as jsonutil's {@code MarshalFloat} does, without the quotes: {@code 'e'} for
   * non-zero magnitudes below 1e-6 or from 1e21 up, {@code 'f'} otherwise, both shortest.
   */
  public static int appendJson(double v, byte[] dst, int off) {
    double abs = Math.abs(v);
    boolean e = abs != 0 && (abs < 1e-6 || abs >= 1e21);
    return append(v, dst, off, e ? MODE_E : MODE_F);
  }

  /**
   * {@code strconv.FormatFloat(v, 'f', -1, 64)}: shortest digits, never an exponent ({@code 1e+21}
   * is {@code 1000000000000000000000}); {@code NaN}, {@code +Inf}, {@code -Inf}, {@code -0}.
   */
  public static String formatF(double v) {
    byte[] b = new byte[MAX_F_LENGTH];
    return new String(b, 0, append(v, b, 0, MODE_F), StandardCharsets.ISO_8859_1);
  }

  /** prometheus model/labels/float.go {@code FormatOpenMetricsFloat}: {@code 1} → {@code 1.0}. */
  public static String formatOpenMetrics(double v) {
    if (v == 1) {
      return "1.0";
    } else if (v == 0) {
      return "0.0";
    } else if (v == -1) {
      return "-1.0";
    }
    byte[] b = new byte[MAX_LENGTH + 2];
    int n = append(v, b, 0, MODE_G);
    if (Double.isFinite(v)) {
      boolean plain = true;
      for (int i = 0; i < n; i++) {
        if (b[i] == '.' || b[i] == 'e') {
          plain = false;
          break;
        }
      }
      if (plain) {
        b[n++] = '.';
        b[n++] = '0';
      }
    }
    return new String(b, 0, n, StandardCharsets.ISO_8859_1);
  }

  // ---------------------------------------------------------------------------------------------
  // Shortest digits, then layout.

  private static final long TWO_POW_53 = 1L << 53;

  private static int append(double v, byte[] dst, int off, int mode) {
    long bits = Double.doubleToRawLongBits(v);
    int ieeeExponent = (int) (bits >>> 52) & 0x7ff;
    long ieeeMantissa = bits & 0xfffffffffffffL;
    if (ieeeExponent == 0x7ff) {
      byte[] s = ieeeMantissa != 0 ? NAN : bits < 0 ? NEG_INF : POS_INF;
      System.arraycopy(s, 0, dst, off, s.length);
      return off + s.length;
    }
    int pos = off;
    if (bits < 0) {
      dst[pos++] = '-';
    }
    if (ieeeExponent == 0 && ieeeMantissa == 0) {
      dst[pos] = '0'; // Go: nd = 0, dp = 0 → "0" in every mode
      return pos + 1;
    }
    double abs = Math.abs(v);
    if (abs < TWO_POW_53 && abs == (long) abs) {
      // An integer below 2^53 is its own shortest representation: its neighbours are at most 1
      // apart, so no decimal with fewer significant digits rounds to it. Go takes the same shortcut
      // (ftoaryu.go, "exact integer with fewer bits than the mantissa").
      return layout((long) abs, 0, dst, pos, mode);
    }
    return shortest(ieeeMantissa, ieeeExponent, dst, pos, mode);
  }

  /** Lays out digits × 10^exp10 after dropping trailing zeros, as Go's ryuDigits does. */
  private static int layout(long digits, int exp10, byte[] dst, int pos, int mode) {
    while (digits % 10 == 0) {
      digits /= 10;
      exp10++;
    }
    int nd = decimalLength(digits);
    int dp = nd + exp10; // Go's decimalSlice.dp: value = 0.d1d2… × 10^dp
    return layout(digits, nd, dp, dst, pos, mode);
  }

  /** Lays out digits as Go's formatDigits does for shortest precision (strconv/ftoa.go). */
  private static int layout(long digits, int nd, int dp, byte[] dst, int pos, int mode) {
    int exp = dp - 1;
    boolean useE = mode == MODE_E || (mode == MODE_G && (exp < -4 || exp >= 6));
    if (useE) {
      // d[.ddd]e±XX: write the digits one to the right, then pull the first one left of the dot.
      writeDigits(digits, nd, dst, pos + 1);
      dst[pos] = dst[pos + 1];
      if (nd > 1) {
        dst[pos + 1] = '.';
        pos += nd + 1;
      } else {
        pos += 1;
      }
      dst[pos++] = 'e';
      int e = exp;
      if (e < 0) {
        dst[pos++] = '-';
        e = -e;
      } else {
        dst[pos++] = '+';
      }
      if (e < 10) {
        dst[pos++] = '0';
        dst[pos++] = (byte) ('0' + e);
      } else if (e < 100) {
        dst[pos++] = (byte) ('0' + e / 10);
        dst[pos++] = (byte) ('0' + e % 10);
      } else {
        dst[pos++] = (byte) ('0' + e / 100);
        dst[pos++] = (byte) ('0' + e / 10 % 10);
        dst[pos++] = (byte) ('0' + e % 10);
      }
      return pos;
    }
    if (dp <= 0) { // 0.000ddd
      dst[pos++] = '0';
      dst[pos++] = '.';
      for (int i = 0; i < -dp; i++) {
        dst[pos++] = '0';
      }
      writeDigits(digits, nd, dst, pos);
      return pos + nd;
    }
    if (dp >= nd) { // ddd000
      writeDigits(digits, nd, dst, pos);
      pos += nd;
      for (int i = nd; i < dp; i++) {
        dst[pos++] = '0';
      }
      return pos;
    }
    // dd.ddd: write one to the right, shift the integer part left over the gap, put the dot.
    writeDigits(digits, nd, dst, pos + 1);
    for (int i = 0; i < dp; i++) {
      dst[pos + i] = dst[pos + i + 1];
    }
    dst[pos + dp] = '.';
    return pos + nd + 1;
  }

  private static void writeDigits(long v, int nd, byte[] dst, int pos) {
    int i = pos + nd;
    while (i - pos >= 2) { // two digits per division
      int r = (int) (v % 100) * 2;
      v /= 100;
      dst[--i] = DIGIT_PAIRS[r + 1];
      dst[--i] = DIGIT_PAIRS[r];
    }
    if (i > pos) {
      dst[--i] = (byte) ('0' + v);
    }
  }

  private static final byte[] DIGIT_PAIRS = new byte[200];

  static {
    for (int i = 0; i < 100; i++) {
      DIGIT_PAIRS[2 * i] = (byte) ('0' + i / 10);
      DIGIT_PAIRS[2 * i + 1] = (byte) ('0' + i % 10);
    }
  }

  private static int decimalLength(long v) {
    int n = 1;
    long p = 10;
    while (n < 19 && v >= p) {
      n++;
      p *= 10;
    }
    return n;
  }

  // ---------------------------------------------------------------------------------------------
  // Ryū, double precision. Our own rendering of the published algorithm: find the interval of
  // decimals that round to the double, scale it by a power of ten chosen so that ~17 digits
  // remain, then remove digits while the interval still contains a shorter number, tracking
  // whether the removed digits were all zero so ties round exactly like Go (half to even).

  private static final int POW5_INV_BITCOUNT = 125;
  private static final int POW5_BITCOUNT = 125;
  private static final int POW5_INV_TABLE_SIZE = 342;
  private static final int POW5_TABLE_SIZE = 326;

  // 128-bit table entries as (low, high) pairs.
  private static final long[] POW5_INV_SPLIT = new long[POW5_INV_TABLE_SIZE * 2];
  private static final long[] POW5_SPLIT = new long[POW5_TABLE_SIZE * 2];

  static {
    BigInteger mask64 = BigInteger.ONE.shiftLeft(64).subtract(BigInteger.ONE);
    for (int i = 0; i < POW5_TABLE_SIZE; i++) {
      BigInteger pow = BigInteger.valueOf(5).pow(i);
      int shift = pow.bitLength() - POW5_BITCOUNT; // keep the top 125 bits of 5^i
      BigInteger v = shift >= 0 ? pow.shiftRight(shift) : pow.shiftLeft(-shift);
      POW5_SPLIT[2 * i] = v.and(mask64).longValue();
      POW5_SPLIT[2 * i + 1] = v.shiftRight(64).longValue();
    }
    for (int i = 0; i < POW5_INV_TABLE_SIZE; i++) {
      BigInteger pow = BigInteger.valueOf(5).pow(i);
      int j = pow.bitLength() - 1 + POW5_INV_BITCOUNT; // ⌊2^j / 5^i⌋ + 1, 125 or 126 bits
      BigInteger v = BigInteger.ONE.shiftLeft(j).divide(pow).add(BigInteger.ONE);
      POW5_INV_SPLIT[2 * i] = v.and(mask64).longValue();
      POW5_INV_SPLIT[2 * i + 1] = v.shiftRight(64).longValue();
    }
  }

  private static int pow5bits(int e) {
    return (int) ((e * 1217359L) >>> 19) + 1;
  }

  private static int log10Pow2(int e) {
    return (int) ((e * 78913L) >>> 18);
  }

  private static int log10Pow5(int e) {
    return (int) ((e * 732923L) >>> 20);
  }

  private static int pow5Factor(long v) {
    int count = 0;
    while (v % 5 == 0) {
      v /= 5;
      count++;
    }
    return count;
  }

  /** (m × mul) >> j for a 64-bit m below 2^62 and a 128-bit mul, j ≥ 64. */
  private static long mulShift64(long m, long mulLo, long mulHi, int j) {
    long b0Hi = Math.multiplyHigh(m, mulLo) + ((mulLo >> 63) & m); // unsigned high half
    long b2Lo = m * mulHi;
    long b2Hi = Math.multiplyHigh(m, mulHi);
    long lo = b2Lo + b0Hi;
    long hi = b2Hi + (Long.compareUnsigned(lo, b2Lo) < 0 ? 1 : 0);
    int s = j - 64;
    if (s == 0) {
      return lo;
    } else if (s < 64) {
      return (lo >>> s) | (hi << (64 - s));
    }
    return hi >>> (s - 64);
  }

  /** Writes the shortest decimal that rounds to the (finite, non-zero) double; returns the end. */
  private static int shortest(long ieeeMantissa, int ieeeExponent, byte[] dst, int pos, int mode) {
    int e2;
    long m2;
    if (ieeeExponent == 0) {
      e2 = 1 - 1023 - 52 - 2;
      m2 = ieeeMantissa;
    } else {
      e2 = ieeeExponent - 1023 - 52 - 2;
      m2 = (1L << 52) | ieeeMantissa;
    }
    // Round half to even when parsing means the interval's ends belong to an even mantissa.
    boolean acceptBounds = (m2 & 1) == 0;
    long mv = 4 * m2;
    // The lower neighbour is closer when the mantissa is a power of two (except the smallest).
    int mmShift = (ieeeMantissa != 0 || ieeeExponent <= 1) ? 1 : 0;

    long vr;
    long vp;
    long vm;
    int e10;
    boolean vmIsTrailingZeros = false;
    boolean vrIsTrailingZeros = false;
    if (e2 >= 0) {
      int q = log10Pow2(e2) - (e2 > 3 ? 1 : 0);
      e10 = q;
      int k = POW5_INV_BITCOUNT + pow5bits(q) - 1;
      int i = -e2 + q + k;
      long lo = POW5_INV_SPLIT[2 * q];
      long hi = POW5_INV_SPLIT[2 * q + 1];
      vr = mulShift64(4 * m2, lo, hi, i);
      vp = mulShift64(4 * m2 + 2, lo, hi, i);
      vm = mulShift64(4 * m2 - 1 - mmShift, lo, hi, i);
      if (q <= 21) {
        // Only here can the scaled values be exact integers; track which are.
        if (mv % 5 == 0) {
          vrIsTrailingZeros = pow5Factor(mv) >= q;
        } else if (acceptBounds) {
          vmIsTrailingZeros = pow5Factor(mv - 1 - mmShift) >= q;
        } else {
          vp -= pow5Factor(mv + 2) >= q ? 1 : 0;
        }
      }
    } else {
      int q = log10Pow5(-e2) - (-e2 > 1 ? 1 : 0);
      e10 = q + e2;
      int i = -e2 - q;
      int k = pow5bits(i) - POW5_BITCOUNT;
      int j = q - k;
      long lo = POW5_SPLIT[2 * i];
      long hi = POW5_SPLIT[2 * i + 1];
      vr = mulShift64(4 * m2, lo, hi, j);
      vp = mulShift64(4 * m2 + 2, lo, hi, j);
      vm = mulShift64(4 * m2 - 1 - mmShift, lo, hi, j);
      if (q <= 1) {
        // mv has at least q trailing zero bits, so vr is exact.
        vrIsTrailingZeros = true;
        if (acceptBounds) {
          vmIsTrailingZeros = mmShift == 1;
        } else {
          --vp;
        }
      } else if (q < 63) {
        vrIsTrailingZeros = (mv & ((1L << q) - 1)) == 0;
      }
    }

    int removed = 0;
    int lastRemovedDigit = 0;
    long output;
    if (vmIsTrailingZeros || vrIsTrailingZeros) {
      // Rare: exact values are involved, so ties and the inclusive lower bound matter.
      while (true) {
        long vpDiv10 = vp / 10;
        long vmDiv10 = vm / 10;
        if (vpDiv10 <= vmDiv10) {
          break;
        }
        int vmMod10 = (int) (vm - 10 * vmDiv10);
        long vrDiv10 = vr / 10;
        int vrMod10 = (int) (vr - 10 * vrDiv10);
        vmIsTrailingZeros &= vmMod10 == 0;
        vrIsTrailingZeros &= lastRemovedDigit == 0;
        lastRemovedDigit = vrMod10;
        vr = vrDiv10;
        vp = vpDiv10;
        vm = vmDiv10;
        ++removed;
      }
      if (vmIsTrailingZeros) {
        while (true) {
          long vmDiv10 = vm / 10;
          int vmMod10 = (int) (vm - 10 * vmDiv10);
          if (vmMod10 != 0) {
            break;
          }
          long vpDiv10 = vp / 10;
          long vrDiv10 = vr / 10;
          int vrMod10 = (int) (vr - 10 * vrDiv10);
          vrIsTrailingZeros &= lastRemovedDigit == 0;
          lastRemovedDigit = vrMod10;
          vr = vrDiv10;
          vp = vpDiv10;
          vm = vmDiv10;
          ++removed;
        }
      }
      if (vrIsTrailingZeros && lastRemovedDigit == 5 && vr % 2 == 0) {
        lastRemovedDigit = 4; // exactly half way: round to even
      }
      output =
          vr
              + (((vr == vm && (!acceptBounds || !vmIsTrailingZeros)) || lastRemovedDigit >= 5)
                  ? 1
                  : 0);
    } else {
      boolean roundUp = false;
      while (true) {
        long vpDiv10 = vp / 10;
        long vmDiv10 = vm / 10;
        if (vpDiv10 <= vmDiv10) {
          break;
        }
        long vrDiv10 = vr / 10;
        int vrMod10 = (int) (vr - 10 * vrDiv10);
        roundUp = vrMod10 >= 5;
        vr = vrDiv10;
        vp = vpDiv10;
        vm = vmDiv10;
        ++removed;
      }
      output = vr + ((vr == vm || roundUp) ? 1 : 0);
    }
    return layout(output, e10 + removed, dst, pos, mode);
  }
}
