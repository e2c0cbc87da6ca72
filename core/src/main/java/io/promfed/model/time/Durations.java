package io.promfed.model.time;

import io.promfed.model.gostrconv.GoQuote;
import java.time.Duration;

/**
 * Prometheus's duration syntax, {@code model.Duration} in prometheus/common {@code model/time.go}:
 * one or more {@code <digits><unit>} terms with units {@code y w d h m s ms} in strictly decreasing
 * order ({@code 1h30m}, {@code 15s}, {@code 100ms}; a year is 365d, a week 7d, a day 24h), or a
 * bare {@code 0}. No sign, no fractions. Stateless and thread-safe.
 *
 * <p>The one implementation for both the config file ({@link #parse}, {@link #format} on {@link
 * Duration}) and PromQL ({@link #parseMillis}, {@link #formatMillis} on milliseconds): Prometheus
 * calls the same {@code model.ParseDuration} and {@code model.Duration.String()} from both.
 */
public final class Durations {

  private static final long NANOS_PER_MS = 1_000_000L;
  private static final String[] UNITS = {"y", "w", "d", "h", "m", "s", "ms"};
  private static final long[] UNIT_NANOS = {
    365L * 24 * 3600 * 1_000_000_000L,
    7L * 24 * 3600 * 1_000_000_000L,
    24L * 3600 * 1_000_000_000L,
    3600L * 1_000_000_000L,
    60L * 1_000_000_000L,
    1_000_000_000L,
    NANOS_PER_MS
  };

  private Durations() {}

  /**
   * Parses like {@code model.ParseDuration}.
   *
   * @throws IllegalArgumentException with Prometheus's message: {@code empty duration string},
   *     {@code not a valid duration string: "1m1h"}, {@code unknown unit "x" in duration "5x"} or
   *     {@code duration out of range}
   */
  public static Duration parse(String s) {
    if (s.equals("0")) {
      return Duration.ZERO;
    }
    if (s.isEmpty()) {
      throw new IllegalArgumentException("empty duration string");
    }
    long total = 0; // an unsigned sum that must stay <= Long.MAX_VALUE
    int lastUnit = -1;
    int i = 0;
    int n = s.length();
    while (i < n) {
      if (!isDigit(s.charAt(i))) {
        throw notValid(s);
      }
      int start = i;
      while (i < n && isDigit(s.charAt(i))) {
        i++;
      }
      long v;
      try {
        v = Long.parseUnsignedLong(s, start, i, 10); // Go: strconv.ParseUint(s, 10, 64)
      } catch (NumberFormatException e) {
        throw notValid(s);
      }
      int unitStart = i;
      while (i < n && !isDigit(s.charAt(i))) {
        i++;
      }
      if (i == unitStart) {
        throw notValid(s);
      }
      String unit = s.substring(unitStart, i);
      int u = unitIndex(unit);
      if (u < 0) {
        throw new IllegalArgumentException(
            "unknown unit " + GoQuote.quote(unit) + " in duration " + GoQuote.quote(s));
      }
      if (u <= lastUnit) { // units must go from biggest to smallest
        throw notValid(s);
      }
      lastUnit = u;
      long mult = UNIT_NANOS[u];
      // Go: if v > 1<<63/unit.mult → out of range (1<<63 as an unsigned value).
      if (Long.compareUnsigned(v, Long.divideUnsigned(Long.MIN_VALUE, mult)) > 0) {
        throw new IllegalArgumentException("duration out of range");
      }
      total += v * mult; // cannot wrap: total <= 2^63-1 and v*mult <= 2^63
      if (total < 0) {
        throw new IllegalArgumentException("duration out of range");
      }
    }
    return Duration.ofNanos(total);
  }

  /**
   * {@link #parse} in milliseconds, for PromQL ranges, offsets and steps. Exact: every unit is a
   * whole number of milliseconds.
   *
   * @throws IllegalArgumentException with the messages of {@link #parse}
   */
  public static long parseMillis(String s) {
    return parse(s).toMillis();
  }

  /**
   * Formats like {@code model.Duration.String()}, which is what Prometheus writes into {@code
   * __scrape_interval__}/{@code __scrape_timeout__}: milliseconds precision, {@code y} and {@code
   * w} only when they divide the whole value, then {@code d h m s ms}; zero is {@code 0s}.
   */
  public static String format(Duration d) {
    return formatMillis(d.toMillis());
  }

  /** {@link #format} for a duration in milliseconds, as PromQL's printer uses it. */
  public static String formatMillis(long ms) {
    if (ms == 0) {
      return "0s";
    }
    StringBuilder sb = new StringBuilder();
    if (ms < 0) {
      sb.append('-');
      ms = -ms;
    }
    for (int u = 0; u < UNITS.length; u++) {
      long mult = UNIT_NANOS[u] / NANOS_PER_MS;
      boolean exactOnly = u < 2; // years and weeks only when exact: 90d reads better than 12w6d
      if (exactOnly && ms % mult != 0) {
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

  private static int unitIndex(String unit) {
    for (int u = 0; u < UNITS.length; u++) {
      if (UNITS[u].equals(unit)) {
        return u;
      }
    }
    return -1;
  }

  private static boolean isDigit(char c) {
    return c >= '0' && c <= '9';
  }

  private static IllegalArgumentException notValid(String s) {
    return new IllegalArgumentException("not a valid duration string: " + GoQuote.quote(s));
  }
}
