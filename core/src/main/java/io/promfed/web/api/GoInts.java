package io.promfed.web.api;

import io.promfed.model.gostrconv.GoQuote;

/**
 * Go's {@code strconv} integer and boolean parsing, with its error messages, for API parameters
 * ({@code limit}, {@code group_limit}, {@code exclude_alerts}). Stateless.
 */
final class GoInts {

  private GoInts() {}

  /**
   * {@code strconv.Atoi}: an optional sign and decimal digits. Go's {@code int} is 64 bits; values
   * beyond an {@code int} are clamped, which no limit can tell apart.
   *
   * @throws NumberFormatException {@code strconv.Atoi: parsing "<s>": invalid syntax} or {@code …
   *     value out of range}
   */
  static int atoi(String s) {
    long v = parse(s, "Atoi", Long.MIN_VALUE, Long.MAX_VALUE);
    return (int) Math.max(Integer.MIN_VALUE, Math.min(Integer.MAX_VALUE, v));
  }

  /** {@code strconv.ParseInt(s, 10, 32)}. */
  static int parseInt32(String s) {
    return (int) parse(s, "ParseInt", Integer.MIN_VALUE, Integer.MAX_VALUE);
  }

  /** Whether {@code strconv.ParseBool} accepts {@code s}. */
  static boolean isBool(String s) {
    return switch (s) {
      case "1", "t", "T", "TRUE", "true", "True", "0", "f", "F", "FALSE", "false", "False" -> true;
      default -> false;
    };
  }

  private static long parse(String s, String func, long min, long max) {
    int i = 0;
    boolean neg = false;
    if (!s.isEmpty() && (s.charAt(0) == '+' || s.charAt(0) == '-')) {
      neg = s.charAt(0) == '-';
      i = 1;
    }
    if (i == s.length()) {
      throw error(func, s, "invalid syntax");
    }
    long v = 0;
    boolean overflow = false;
    for (; i < s.length(); i++) {
      char c = s.charAt(i);
      if (c < '0' || c > '9') {
        throw error(func, s, "invalid syntax");
      }
      if (!overflow) {
        // Accumulate negatively so that the minimum fits.
        if (v < (Long.MIN_VALUE + (c - '0')) / 10) {
          overflow = true;
        } else {
          v = v * 10 - (c - '0');
        }
      }
    }
    if (overflow) {
      throw error(func, s, "value out of range");
    }
    if (!neg) {
      if (v == Long.MIN_VALUE) {
        throw error(func, s, "value out of range");
      }
      v = -v;
    }
    if (v < min || v > max) {
      throw error(func, s, "value out of range");
    }
    return v;
  }

  private static NumberFormatException error(String func, String s, String why) {
    return new NumberFormatException(
        "strconv." + func + ": parsing " + GoQuote.quote(s) + ": " + why);
  }
}
