package io.promfed.model.textparse;

import java.math.BigInteger;
import java.nio.charset.StandardCharsets;

/**
 * Go's {@code strconv.ParseFloat(s, 64)} over a byte range, without allocating on the common path.
 *
 * <p>Two dialects: {@link #parsePrometheus} is Prometheus's textparse {@code parseFloat}
 * (model/textparse/promparse.go), which first rejects any {@code p}, {@code P} or {@code _} and so
 * never accepts hexadecimal floats or digit separators; {@link #parseGo} is plain {@code
 * ParseFloat}, which Prometheus uses when it normalises {@code le}/{@code quantile} label values.
 *
 * <p>Accepted syntax, as in strconv/atof.go: an optional sign; {@code inf} or {@code infinity} in
 * any case, signed or not; {@code nan} in any case, unsigned only; decimal digits with at most one
 * dot and at least one digit, then an optional {@code e}/{@code E} exponent with at least one
 * digit. A result that rounds beyond the largest double is a range error (Go returns {@code
 * ErrRange}); underflow quietly gives zero.
 *
 * <p>Values are computed like Go does: mantissas up to 2<sup>53</sup> with small powers of ten are
 * one exact IEEE operation; otherwise the Eisel-Lemire algorithm (Go's eisel_lemire.go; tables
 * computed once here); only when that cannot decide (ties, more than 19 significant digits that
 * don't settle, overflow/underflow) do we fall back to {@link Double#parseDouble}, which allocates
 * one short string. All three are correctly rounded, so every path gives Go's double.
 *
 * <p>Outside this package, {@link #parseGo(String)} with {@link #status()} is Go's {@code f, err :=
 * strconv.ParseFloat(s, 64)}: PromQL number literals and {@code le} label values use it.
 *
 * <p>Not thread-safe: {@link #status()} describes the last call. One instance per parser.
 */
public final class GoFloatParser {

  /** Parsed. */
  public static final int OK = 0;

  /** Not a float at all (Go's {@code ErrSyntax}); the value is 0. */
  public static final int SYNTAX = 1;

  /** Overflows a double (Go's {@code ErrRange}); the value is ±Inf, as in Go. */
  public static final int RANGE = 2;

  /** Contains {@code p}, {@code P} or {@code _}, which Prometheus rejects before parsing. */
  static final int UNSUPPORTED = 3;

  private int status;

  /** One {@link #status()} per instance; a parser keeps one for all its lines. */
  public GoFloatParser() {}

  /** How the last call ended: {@link #OK}, {@link #SYNTAX}, {@link #RANGE} or unsupported. */
  public int status() {
    return status;
  }

  /** Prometheus's {@code parseFloat}: Go syntax minus hex floats and underscores. */
  double parsePrometheus(byte[] b, int start, int end) {
    double v = parse(b, start, end, false);
    if (status == SYNTAX) {
      for (int i = start; i < end; i++) {
        byte c = b[i];
        if (c == 'p' || c == 'P' || c == '_') {
          status = UNSUPPORTED;
          break;
        }
      }
    }
    return v;
  }

  /** Go's {@code strconv.ParseFloat(s, 64)}, hex floats and underscores included. */
  double parseGo(byte[] b, int start, int end) {
    return parse(b, start, end, true);
  }

  /** Convenience for label values (already Strings); not on a hot path. */
  public double parseGo(String s) {
    byte[] b = s.getBytes(StandardCharsets.UTF_8);
    return parseGo(b, 0, b.length);
  }

  private double syntax() {
    status = SYNTAX;
    return 0;
  }

  private double parse(byte[] b, int start, int end, boolean go) {
    status = OK;
    int i = start;
    if (i >= end) {
      return syntax();
    }
    boolean neg = false;
    boolean signed = false;
    if (b[i] == '+' || b[i] == '-') {
      neg = b[i] == '-';
      signed = true;
      i++;
    }
    if (i < end) {
      int c = b[i] | 0x20;
      if (c == 'i') {
        // "inf" or "infinity", nothing else (strconv/atof.go special()).
        int n = end - i;
        if ((n == 3 && equalsIgnoreCase(b, i, "inf"))
            || (n == 8 && equalsIgnoreCase(b, i, "infinity"))) {
          return neg ? Double.NEGATIVE_INFINITY : Double.POSITIVE_INFINITY;
        }
        return syntax();
      }
      if (c == 'n') {
        if (!signed && end - i == 3 && equalsIgnoreCase(b, i, "nan")) {
          return Double.NaN;
        }
        return syntax();
      }
    }
    if (go && end - i > 2 && b[i] == '0' && (b[i + 1] | 0x20) == 'x') {
      return parseHex(b, start, end);
    }

    long mantissa = 0; // unsigned, like Go's uint64: 19 digits may exceed Long.MAX_VALUE
    int nd = 0; // significant digits seen
    int ndMant = 0; // digits kept in mantissa (at most 19)
    int dp = 0; // decimal point position relative to the digits
    boolean sawDot = false;
    boolean sawDigits = false;
    boolean trunc = false;
    boolean underscores = false;
    for (; i < end; i++) {
      int c = b[i];
      if (c >= '0' && c <= '9') {
        sawDigits = true;
        if (c == '0' && nd == 0) { // leading zero
          dp--;
          continue;
        }
        nd++;
        if (ndMant < 19) {
          mantissa = mantissa * 10 + (c - '0');
          ndMant++;
        } else if (c != '0') {
          trunc = true;
        }
      } else if (c == '.') {
        if (sawDot) {
          break;
        }
        sawDot = true;
        dp = nd;
      } else if (c == '_' && go) {
        underscores = true;
      } else {
        break;
      }
    }
    if (!sawDigits) {
      return syntax();
    }
    if (!sawDot) {
      dp = nd;
    }
    if (i < end && (b[i] | 0x20) == 'e') {
      i++;
      if (i >= end) {
        return syntax();
      }
      int esign = 1;
      if (b[i] == '+') {
        i++;
      } else if (b[i] == '-') {
        i++;
        esign = -1;
      }
      if (i >= end || b[i] < '0' || b[i] > '9') {
        return syntax();
      }
      int e = 0;
      for (; i < end && ((b[i] >= '0' && b[i] <= '9') || (go && b[i] == '_')); i++) {
        if (b[i] == '_') {
          underscores = true;
          continue;
        }
        if (e < 10000) { // beyond this every double is 0 or ∞ anyway (Go caps the same way)
          e = e * 10 + (b[i] - '0');
        }
      }
      dp += e * esign;
    }
    if (i != end) {
      return syntax();
    }
    if (underscores && !underscoreOk(b, start, end)) {
      return syntax();
    }
    if (mantissa == 0) {
      return neg ? -0.0 : 0.0;
    }
    int exp10 = dp - ndMant;

    if (!trunc) {
      double f = exact(mantissa, exp10, neg);
      if (!Double.isNaN(f)) {
        return f;
      }
      f = eiselLemire(mantissa, exp10, neg);
      if (!Double.isNaN(f)) {
        return f;
      }
    } else {
      // 19 digits kept, more dropped: if rounding both the truncated and the next mantissa gives
      // the same double, the dropped digits cannot matter (Go does the same).
      double f = eiselLemire(mantissa, exp10, neg);
      if (!Double.isNaN(f) && f == eiselLemire(mantissa + 1, exp10, neg)) {
        return f;
      }
    }
    return slow(b, start, end, underscores);
  }

  private static boolean equalsIgnoreCase(byte[] b, int i, String lower) {
    for (int k = 0; k < lower.length(); k++) {
      if ((b[i + k] | 0x20) != lower.charAt(k)) {
        return false;
      }
    }
    return true;
  }

  /** strconv/atoi.go underscoreOK: underscores only between digits (or after a base prefix). */
  private static boolean underscoreOk(byte[] b, int start, int end) {
    char saw = '^';
    int i = start;
    if (i < end && (b[i] == '+' || b[i] == '-')) {
      i++;
    }
    boolean hex = false;
    if (end - i >= 2 && b[i] == '0') {
      int x = b[i + 1] | 0x20;
      if (x == 'b' || x == 'o' || x == 'x') {
        i += 2;
        saw = '0';
        hex = x == 'x';
      }
    }
    for (; i < end; i++) {
      int c = b[i];
      int lc = c | 0x20;
      if ((c >= '0' && c <= '9') || (hex && lc >= 'a' && lc <= 'f')) {
        saw = '0';
        continue;
      }
      if (c == '_') {
        if (saw != '0') {
          return false;
        }
        saw = '_';
        continue;
      }
      if (saw == '_') {
        return false;
      }
      saw = '!';
    }
    return saw != '_';
  }

  /** Go's hexadecimal float syntax: 0x mantissa (with a dot at most once) and a mandatory p. */
  private double parseHex(byte[] b, int start, int end) {
    int i = start;
    if (b[i] == '+' || b[i] == '-') {
      i++;
    }
    i += 2; // 0x
    boolean sawDigits = false;
    boolean sawDot = false;
    boolean underscores = false;
    for (; i < end; i++) {
      int c = b[i];
      int lc = c | 0x20;
      if ((c >= '0' && c <= '9') || (lc >= 'a' && lc <= 'f')) {
        sawDigits = true;
      } else if (c == '.' && !sawDot) {
        sawDot = true;
      } else if (c == '_') {
        underscores = true;
      } else {
        break;
      }
    }
    if (!sawDigits || i >= end || (b[i] | 0x20) != 'p') {
      return syntax();
    }
    i++;
    if (i < end && (b[i] == '+' || b[i] == '-')) {
      i++;
    }
    if (i >= end || b[i] < '0' || b[i] > '9') {
      return syntax();
    }
    for (; i < end && ((b[i] >= '0' && b[i] <= '9') || b[i] == '_'); i++) {
      if (b[i] == '_') {
        underscores = true;
      }
    }
    if (i != end || (underscores && !underscoreOk(b, start, end))) {
      return syntax();
    }
    return slow(b, start, end, underscores); // Java's hex float syntax is Go's, minus '_'
  }

  private double slow(byte[] b, int start, int end, boolean stripUnderscores) {
    StringBuilder sb = new StringBuilder(end - start);
    for (int i = start; i < end; i++) {
      if (!(stripUnderscores && b[i] == '_')) {
        sb.append((char) b[i]);
      }
    }
    double f = Double.parseDouble(sb.toString());
    if (Double.isInfinite(f)) {
      status = RANGE;
    }
    return f;
  }

  // -------------------------------------------------------------------------------------------
  // Exact fast path (strconv/atof.go atof64exact).

  private static final double[] POW10 = new double[23];

  static {
    double p = 1;
    for (int i = 0; i < POW10.length; i++) {
      POW10[i] = p;
      p *= 10;
    }
  }

  /** The double for mantissa × 10^exp10 if one exact IEEE operation gives it, else NaN. */
  private static double exact(long mantissa, int exp10, boolean neg) {
    // Unsigned: 19 digits can exceed Long.MAX_VALUE. Every integer up to 2^53 is an exact double.
    if (Long.compareUnsigned(mantissa, 1L << 53) > 0) {
      return Double.NaN;
    }
    double f = mantissa;
    if (neg) {
      f = -f;
    }
    if (exp10 == 0) {
      return f;
    }
    if (exp10 > 0 && exp10 <= 15 + 22) {
      // int × 10^k: if the mantissa leaves room, move part of the power into it exactly.
      if (exp10 > 22) {
        f *= POW10[exp10 - 22];
        exp10 = 22;
      }
      if (f > 1e15 || f < -1e15) {
        return Double.NaN;
      }
      return f * POW10[exp10];
    }
    if (exp10 < 0 && exp10 >= -22) {
      return f / POW10[-exp10];
    }
    return Double.NaN;
  }

  // -------------------------------------------------------------------------------------------
  // Eisel-Lemire (Daniel Lemire, "Number Parsing at a Gigabyte per Second", 2021), as Go uses it.

  private static final int POW10_MIN_EXP10 = -348;
  private static final int POW10_MAX_EXP10 = 347;

  /** 128-bit mantissas of 10^e, rounded down, top bit set, as (low, high) pairs. */
  private static final long[] POW10_128 = new long[(POW10_MAX_EXP10 - POW10_MIN_EXP10 + 1) * 2];

  static {
    BigInteger mask64 = BigInteger.ONE.shiftLeft(64).subtract(BigInteger.ONE);
    for (int e = POW10_MIN_EXP10; e <= POW10_MAX_EXP10; e++) {
      BigInteger v;
      if (e >= 0) {
        BigInteger p = BigInteger.TEN.pow(e);
        int shift = p.bitLength() - 128;
        v = shift > 0 ? p.shiftRight(shift) : p.shiftLeft(-shift);
      } else {
        BigInteger p = BigInteger.TEN.pow(-e);
        v = BigInteger.ONE.shiftLeft(127 + p.bitLength()).divide(p);
      }
      int idx = (e - POW10_MIN_EXP10) * 2;
      POW10_128[idx] = v.and(mask64).longValue();
      POW10_128[idx + 1] = v.shiftRight(64).longValue();
    }
  }

  private static long unsignedMultiplyHigh(long a, long b) {
    return Math.multiplyHigh(a, b) + ((a >> 63) & b) + ((b >> 63) & a);
  }

  /** mantissa × 10^exp10 correctly rounded, or NaN when the fast algorithm cannot decide. */
  private static double eiselLemire(long man, int exp10, boolean neg) {
    if (man == 0) {
      return neg ? -0.0 : 0.0;
    }
    if (exp10 < POW10_MIN_EXP10 || exp10 > POW10_MAX_EXP10) {
      return Double.NaN;
    }
    int clz = Long.numberOfLeadingZeros(man);
    man <<= clz;
    long retExp2 = ((217706L * exp10) >> 16) + 64 + 1023 - clz;
    int idx = (exp10 - POW10_MIN_EXP10) * 2;
    long powLo = POW10_128[idx];
    long powHi = POW10_128[idx + 1];
    long xHi = unsignedMultiplyHigh(man, powHi);
    long xLo = man * powHi;
    if ((xHi & 0x1FF) == 0x1FF && Long.compareUnsigned(xLo + man, man) < 0) {
      // The 64-bit approximation may be off by one in the last bit: widen to 128 bits.
      long yHi = unsignedMultiplyHigh(man, powLo);
      long yLo = man * powLo;
      long mergedHi = xHi;
      long mergedLo = xLo + yHi;
      if (Long.compareUnsigned(mergedLo, xLo) < 0) {
        mergedHi++;
      }
      if ((mergedHi & 0x1FF) == 0x1FF
          && mergedLo + 1 == 0
          && Long.compareUnsigned(yLo + man, man) < 0) {
        return Double.NaN;
      }
      xHi = mergedHi;
      xLo = mergedLo;
    }
    long msb = xHi >>> 63;
    long retMantissa = xHi >>> (msb + 9);
    retExp2 -= 1 ^ msb;
    if (xLo == 0 && (xHi & 0x1FF) == 0 && (retMantissa & 3) == 1) {
      return Double.NaN; // exactly half way: let the slow path apply round-half-even
    }
    retMantissa += retMantissa & 1;
    retMantissa >>>= 1;
    if ((retMantissa >>> 53) > 0) {
      retMantissa >>>= 1;
      retExp2 += 1;
    }
    if (Long.compareUnsigned(retExp2 - 1, 0x7FF - 1) >= 0) {
      return Double.NaN; // subnormal, zero or overflow: slow path
    }
    long retBits = (retExp2 << 52) | (retMantissa & 0x000FFFFFFFFFFFFFL);
    if (neg) {
      retBits |= 0x8000000000000000L;
    }
    return Double.longBitsToDouble(retBits);
  }
}
