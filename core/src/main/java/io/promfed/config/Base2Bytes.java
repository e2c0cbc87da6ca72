package io.promfed.config;

/**
 * Byte sizes as in {@code body_size_limit}: {@code units.ParseBase2Bytes} from alecthomas/units
 * ({@code bytes.go}, {@code util.go}), which Prometheus uses for {@code units.Base2Bytes}. Both
 * {@code KiB} and {@code KB} mean 1024 ({@code B, KB/KiB, MB/MiB, GB/GiB, TB/TiB, PB/PiB, EB/EiB});
 * terms may have fractions and be chained ({@code 1.5MB}, {@code 1GB512MB}); lower-case {@code kB}
 * and a bare number other than {@code 0} are rejected. Stateless and thread-safe.
 */
public final class Base2Bytes {

  private static final String[] PREFIXES = {"K", "M", "G", "T", "P", "E"};

  private Base2Bytes() {}

  /**
   * Parses a size in bytes. Like upstream, tries the {@code iB} units first, then the {@code B}
   * ones, and reports the error of the second attempt.
   *
   * @throws IllegalArgumentException with the library's message, e.g. {@code units: unknown unit in
   *     100} (sic, two spaces: the unit is empty) or {@code units: invalid -}
   */
  public static long parse(String s) {
    try {
      return parseUnit(s, "iB");
    } catch (IllegalArgumentException e) {
      return parseUnit(s, "B");
    }
  }

  /** {@code ParseUnit} with {@code MakeUnitMap(suffix, "B", 1024)}. */
  private static long parseUnit(String orig, String suffix) {
    String s = orig;
    boolean neg = false;
    if (!s.isEmpty() && (s.charAt(0) == '-' || s.charAt(0) == '+')) {
      neg = s.charAt(0) == '-';
      s = s.substring(1);
    }
    if (s.equals("0")) {
      return 0;
    }
    if (s.isEmpty()) {
      throw invalid(orig);
    }
    double f = 0;
    int i = 0;
    int n = s.length();
    while (i < n) {
      char c = s.charAt(i);
      if (!(c == '.' || isDigit(c))) {
        throw invalid(orig);
      }
      int start = i;
      long x = 0;
      while (i < n && isDigit(s.charAt(i))) {
        if (x >= (Long.MAX_VALUE - 10) / 10) {
          throw invalid(orig); // leadingInt overflow
        }
        x = x * 10 + (s.charAt(i) - '0');
        i++;
      }
      double g = x;
      boolean pre = i != start;
      boolean post = false;
      if (i < n && s.charAt(i) == '.') {
        i++;
        int fracStart = i;
        long frac = 0;
        while (i < n && isDigit(s.charAt(i))) {
          if (frac >= (Long.MAX_VALUE - 10) / 10) {
            throw invalid(orig);
          }
          frac = frac * 10 + (s.charAt(i) - '0');
          i++;
        }
        double scale = 1.0;
        for (int k = i - fracStart; k > 0; k--) {
          scale *= 10;
        }
        g += frac / scale;
        post = i != fracStart;
      }
      if (!pre && !post) {
        throw invalid(orig);
      }
      int unitStart = i;
      while (i < n && s.charAt(i) != '.' && !isDigit(s.charAt(i))) {
        i++;
      }
      String unit = s.substring(unitStart, i);
      double mult = multiplier(unit, suffix);
      if (mult == 0) {
        throw new IllegalArgumentException("units: unknown unit " + unit + " in " + orig);
      }
      f += g * mult;
    }
    if (neg) {
      f = -f;
    }
    if (f < -0x1p63 || f > 0x1p63) {
      throw new IllegalArgumentException("units: overflow parsing unit");
    }
    if (f == 0x1p63) {
      // Passes upstream's check (float64(1<<63-1) rounds up to 2^63); Go on amd64 then converts it
      // to MinInt64, e.g. "8EB" = -9223372036854775808. Reproduced for exactness.
      return Long.MIN_VALUE;
    }
    return (long) f;
  }

  /** The unit map of {@code MakeUnitMap(suffix, "B", 1024)}; 0 when the unit is unknown. */
  private static double multiplier(String unit, String suffix) {
    if (unit.equals("B")) {
      return 1;
    }
    double m = 1;
    for (String prefix : PREFIXES) {
      m *= 1024;
      if (unit.equals(prefix + suffix)) {
        return m;
      }
    }
    return 0;
  }

  private static boolean isDigit(char c) {
    return c >= '0' && c <= '9';
  }

  private static IllegalArgumentException invalid(String orig) {
    return new IllegalArgumentException("units: invalid " + orig);
  }
}
