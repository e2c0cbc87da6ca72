package io.promfed.promql.parser;

/**
 * Prometheus durations ({@code prometheus/common/model.Duration}): parse {@code 1h30m}, {@code
 * 500ms}, {@code 2w} and format milliseconds back the way Prometheus prints them. Units must go
 * from biggest to smallest ({@code y w d h m s ms}); a year is 365 days. Stateless and thread-safe.
 */
public final class Durations {

  private static final String[] UNITS = {"y", "w", "d", "h", "m", "s", "ms"};
  private static final long[] UNIT_MS = {
    365L * 24 * 3600 * 1000,
    7L * 24 * 3600 * 1000,
    24L * 3600 * 1000,
    3600L * 1000,
    60L * 1000,
    1000L,
    1L
  };

  /** The largest duration Go's {@code time.Duration} can hold, in milliseconds. */
  private static final long MAX_MS = Long.MAX_VALUE / 1_000_000L;

  private Durations() {}

  /**
   * Parses a duration string into milliseconds.
   *
   * @throws IllegalArgumentException with Prometheus's message ({@code not a valid duration string:
   *     "5m1h"}, {@code unknown unit "hs" in duration "5y1hs"}, {@code duration out of range})
   */
  public static long parseMillis(String s) {
    if (s.equals("0")) {
      return 0;
    }
    if (s.isEmpty()) {
      throw new IllegalArgumentException("empty duration string");
    }
    long total = 0;
    int lastUnit = -1;
    int i = 0;
    while (i < s.length()) {
      if (!isDigit(s.charAt(i))) {
        throw notValid(s);
      }
      int start = i;
      while (i < s.length() && isDigit(s.charAt(i))) {
        i++;
      }
      long v;
      try {
        v = Long.parseLong(s.substring(start, i));
      } catch (NumberFormatException e) {
        throw notValid(s);
      }
      int unitStart = i;
      while (i < s.length() && !isDigit(s.charAt(i))) {
        i++;
      }
      if (unitStart == i) {
        throw notValid(s);
      }
      String unit = s.substring(unitStart, i);
      int u = indexOf(unit);
      if (u < 0) {
        throw new IllegalArgumentException(
            "unknown unit " + GoFormat.quote(unit) + " in duration " + GoFormat.quote(s));
      }
      if (u <= lastUnit) {
        throw notValid(s);
      }
      lastUnit = u;
      if (v > MAX_MS / UNIT_MS[u]) {
        throw new IllegalArgumentException("duration out of range");
      }
      total += v * UNIT_MS[u];
      if (total > MAX_MS) {
        throw new IllegalArgumentException("duration out of range");
      }
    }
    return total;
  }

  /**
   * Formats milliseconds like {@code model.Duration.String()}: {@code 1h30m}, {@code 90d}, {@code
   * 0s}; years and weeks only when they divide the value exactly.
   */
  public static String format(long ms) {
    if (ms == 0) {
      return "0s";
    }
    StringBuilder sb = new StringBuilder();
    if (ms < 0) {
      sb.append('-');
      ms = -ms;
    }
    for (int u = 0; u < UNITS.length; u++) {
      long mult = UNIT_MS[u];
      boolean exact = u < 2;
      if (exact && ms % mult != 0) {
        continue;
      }
      long v = ms / mult;
      if (v > 0) {
        sb.append(v).append(UNITS[u]);
        ms -= v * mult;
      }
    }
    return sb.toString();
  }

  private static int indexOf(String unit) {
    for (int i = 0; i < UNITS.length; i++) {
      if (UNITS[i].equals(unit)) {
        return i;
      }
    }
    return -1;
  }

  private static boolean isDigit(char c) {
    return c >= '0' && c <= '9';
  }

  private static IllegalArgumentException notValid(String s) {
    return new IllegalArgumentException("not a valid duration string: " + GoFormat.quote(s));
  }
}
