package io.promfed.web.api;

import io.promfed.model.gostrconv.GoQuote;
import io.promfed.model.time.Durations;
import io.promfed.model.textparse.GoFloatParser;
import java.time.LocalDateTime;
import java.time.ZoneOffset;

/**
 * Time and duration parameters as Prometheus's API parses them (web/api/v1/api.go {@code
 * parseTime}, {@code parseDuration}) and times as Go's {@code time.Time} marshals them. Times are
 * kept as Go keeps them, whole seconds plus nanoseconds, because RFC 3339 parameters may carry
 * nanoseconds and the 11,000-points guard divides nanosecond durations. Stateless.
 */
final class ApiTimes {

  /**
   * A point in time: seconds since the epoch (any {@code long}) and nanoseconds in {@code [0,
   * 1e9)}, like Go's {@code time.Time} in UTC.
   */
  record GoTime(long seconds, int nanos) {

    /** {@code timestamp.FromTime}: what storage queriers receive. */
    long toMillis() {
      return seconds * 1000 + nanos / 1_000_000;
    }

    /**
     * The engine's {@code timeMilliseconds}: {@code UnixNano() / 1e6}. It rounds toward zero where
     * {@link #toMillis()} rounds down, and it wraps around beyond the years 1678 and 2262, where
     * nanoseconds overflow an int64, exactly as Go's arithmetic does.
     */
    long toEngineMillis() {
      return (seconds * 1_000_000_000L + nanos) / 1_000_000L;
    }

    boolean isBefore(GoTime o) {
      return seconds < o.seconds || (seconds == o.seconds && nanos < o.nanos);
    }

    /** {@code t.Sub(u)} in nanoseconds, saturating like Go's {@code time.Time.Sub}. */
    long minusNanos(GoTime o) {
      try {
        long ds = Math.subtractExact(seconds, o.seconds);
        return Math.addExact(Math.multiplyExact(ds, 1_000_000_000L), (long) nanos - o.nanos);
      } catch (ArithmeticException overflow) {
        return isBefore(o) ? Long.MIN_VALUE : Long.MAX_VALUE;
      }
    }

    /** Go's {@code time.Unix(sec, nsec)}: normalises the nanoseconds (wrapping like Go). */
    static GoTime unix(long sec, long nsec) {
      if (nsec < 0 || nsec >= 1_000_000_000L) {
        long n = nsec / 1_000_000_000L;
        sec += n;
        nsec -= n * 1_000_000_000L;
        if (nsec < 0) {
          nsec += 1_000_000_000L;
          sec--;
        }
      }
      return new GoTime(sec, (int) nsec);
    }

    static GoTime ofMillis(long ms) {
      return new GoTime(Math.floorDiv(ms, 1000), (int) Math.floorMod(ms, 1000) * 1_000_000);
    }
  }

  /**
   * Prometheus's {@code MinTime}, the default start of optional ranges: {@code
   * time.Unix(math.MinInt64/1000+62135596801, 0)}, chosen so that it still formats.
   */
  static final GoTime MIN_TIME = new GoTime(Long.MIN_VALUE / 1000 + 62135596801L, 0);

  /** Prometheus's {@code MaxTime}: {@code time.Unix(math.MaxInt64/1000-62135596801, 999999999)}. */
  static final GoTime MAX_TIME = new GoTime(Long.MAX_VALUE / 1000 - 62135596801L, 999_999_999);

  /**
   * The two boundary times as RFC 3339 strings. Go's parser reads only four-digit years, so
   * Prometheus accepts these two by string comparison (client_golang#614).
   */
  static final String MIN_TIME_FORMATTED = formatRfc3339Nano(MIN_TIME);

  static final String MAX_TIME_FORMATTED = formatRfc3339Nano(MAX_TIME);

  private static final double MAX_INT64_AS_DOUBLE = 9.223372036854775807E18; // 2^63

  private ApiTimes() {}

  /**
   * {@code parseTime}: float seconds (the fraction rounded to milliseconds), else RFC 3339 with
   * optional nanoseconds, else one of the two boundary strings.
   *
   * @throws IllegalArgumentException {@code cannot parse "<s>" to a valid timestamp}
   */
  static GoTime parseTime(String s) {
    double f = parseGoFloat(s);
    if (!Double.isNaN(f) || isNaNLiteral(s)) {
      // math.Modf, then the fraction rounded to whole milliseconds, then time.Unix.
      double ip = f < 0 ? Math.ceil(f) : Math.floor(f);
      double frac = Double.isInfinite(f) ? Double.NaN : f - ip;
      double ns = goRound(frac * 1000) / 1000;
      return GoTime.unix(goInt64(ip), goInt64(ns * 1e9));
    }
    GoTime t = parseRfc3339(s);
    if (t != null) {
      return t;
    }
    if (s.equals(MIN_TIME_FORMATTED)) {
      return MIN_TIME;
    }
    if (s.equals(MAX_TIME_FORMATTED)) {
      return MAX_TIME;
    }
    throw new IllegalArgumentException(
        "cannot parse " + GoQuote.quote(s) + " to a valid timestamp");
  }

  /**
   * {@code parseDuration}: float seconds, else a Prometheus duration ({@code 1m30s}); in
   * nanoseconds, like Go's {@code time.Duration}.
   *
   * @throws IllegalArgumentException {@code cannot parse "<s>" to a valid duration} (with {@code .
   *     It overflows int64} for float seconds beyond the range)
   */
  static long parseDurationNanos(String s) {
    double f = parseGoFloat(s);
    if (!Double.isNaN(f) || isNaNLiteral(s)) {
      double ns = f * 1e9;
      if (ns > MAX_INT64_AS_DOUBLE || ns < -MAX_INT64_AS_DOUBLE) {
        throw new IllegalArgumentException(
            "cannot parse " + GoQuote.quote(s) + " to a valid duration. It overflows int64");
      }
      return goInt64(ns);
    }
    try {
      return Durations.parseMillis(s) * 1_000_000L;
    } catch (IllegalArgumentException e) {
      throw new IllegalArgumentException(
          "cannot parse " + GoQuote.quote(s) + " to a valid duration");
    }
  }

  /**
   * Go's {@code strconv.ParseFloat(s, 64)}; NaN when it fails (a literal {@code NaN} input is told
   * apart by {@link #isNaNLiteral}). Values beyond the double range fail, as Go's {@code ErrRange}
   * makes Prometheus fall through to the next format.
   */
  private static double parseGoFloat(String s) {
    GoFloatParser parser = new GoFloatParser();
    double v = parser.parseGo(s);
    return parser.status() == GoFloatParser.OK ? v : Double.NaN;
  }


  private static boolean isNaNLiteral(String s) {
    return s.equalsIgnoreCase("nan");
  }

  /** Go's {@code math.Round}: half away from zero. */
  private static double goRound(double x) {
    if (Double.isNaN(x) || Double.isInfinite(x)) {
      return x;
    }
    double r = Math.floor(Math.abs(x) + 0.5);
    // floor(|x| + 0.5) is off by one when |x| + 0.5 rounds up in binary (0.49999999999999994).
    if (r - Math.abs(x) > 0.5) {
      r -= 1;
    }
    return Math.copySign(r, x);
  }

  /**
   * A Go {@code int64(f)} conversion as amd64 performs it: truncation, and the "integer indefinite"
   * value {@code math.MinInt64} for NaN and out-of-range values (the Go spec leaves those
   * implementation-defined; Prometheus ships amd64 builds most).
   */
  private static long goInt64(double f) {
    if (Double.isNaN(f) || f >= MAX_INT64_AS_DOUBLE || f < -MAX_INT64_AS_DOUBLE) {
      return Long.MIN_VALUE;
    }
    return (long) f;
  }

  /**
   * {@code time.Parse(time.RFC3339Nano, s)} as Go's general layout parser reads it: a four-digit
   * year, two-digit month, day, minute and second, a one- or two-digit hour, an optional fraction
   * after {@code .} or {@code ,} (digits beyond nine ignored), then {@code Z} or {@code ±hh:mm}.
   * Null when {@code s} does not parse or a field is out of range.
   */
  static GoTime parseRfc3339(String s) {
    int[] p = {0};
    int year = fixedDigits(s, p, 4);
    if (year < 0 || !literal(s, p, '-')) {
      return null;
    }
    int month = fixedDigits(s, p, 2);
    if (month < 0 || !literal(s, p, '-')) {
      return null;
    }
    int day = fixedDigits(s, p, 2);
    if (day < 0 || !literal(s, p, 'T')) {
      return null;
    }
    int hour = hourDigits(s, p);
    if (hour < 0 || !literal(s, p, ':')) {
      return null;
    }
    int minute = fixedDigits(s, p, 2);
    if (minute < 0 || !literal(s, p, ':')) {
      return null;
    }
    int second = fixedDigits(s, p, 2);
    if (second < 0) {
      return null;
    }
    int nanos = 0;
    int i = p[0];
    if (i + 1 < s.length() && (s.charAt(i) == '.' || s.charAt(i) == ',') && isDigit(s, i + 1)) {
      int j = i + 1;
      int digits = 0;
      while (j < s.length() && isDigit(s, j)) {
        if (digits < 9) {
          nanos = nanos * 10 + (s.charAt(j) - '0');
        }
        digits++;
        j++;
      }
      for (int k = digits; k < 9; k++) {
        nanos *= 10;
      }
      p[0] = j;
    }
    int offsetSeconds;
    i = p[0];
    if (i < s.length() && s.charAt(i) == 'Z') {
      offsetSeconds = 0;
      p[0] = i + 1;
    } else {
      if (s.length() - i < 6
          || (s.charAt(i) != '+' && s.charAt(i) != '-')
          || s.charAt(i + 3) != ':') {
        return null;
      }
      p[0] = i + 1;
      int oh = fixedDigits(s, p, 2);
      p[0] = i + 4;
      int om = fixedDigits(s, p, 2);
      // Go's range test uses > rather than >=: offsets of 24 hours or 60 minutes are accepted.
      if (oh < 0 || om < 0 || oh > 24 || om > 60) {
        return null;
      }
      offsetSeconds = (oh * 3600 + om * 60) * (s.charAt(i) == '-' ? -1 : 1);
    }
    if (p[0] != s.length()) {
      return null; // extra text
    }
    if (month < 1
        || month > 12
        || day < 1
        || day > java.time.YearMonth.of(year, month).lengthOfMonth()
        || hour > 23
        || minute > 59
        || second > 59) {
      return null;
    }
    long local =
        LocalDateTime.of(year, month, day, hour, minute, second).toEpochSecond(ZoneOffset.UTC);
    return new GoTime(local - offsetSeconds, nanos);
  }

  private static boolean isDigit(String s, int i) {
    char c = s.charAt(i);
    return c >= '0' && c <= '9';
  }

  private static int fixedDigits(String s, int[] p, int n) {
    int i = p[0];
    if (i + n > s.length()) {
      return -1;
    }
    int v = 0;
    for (int k = 0; k < n; k++) {
      if (!isDigit(s, i + k)) {
        return -1;
      }
      v = v * 10 + (s.charAt(i + k) - '0');
    }
    p[0] = i + n;
    return v;
  }

  /** Go's {@code getnum(value, false)} for the {@code 15} hour: one or two digits. */
  private static int hourDigits(String s, int[] p) {
    int i = p[0];
    if (i >= s.length() || !isDigit(s, i)) {
      return -1;
    }
    if (i + 1 < s.length() && isDigit(s, i + 1)) {
      p[0] = i + 2;
      return (s.charAt(i) - '0') * 10 + (s.charAt(i + 1) - '0');
    }
    p[0] = i + 1;
    return s.charAt(i) - '0';
  }

  private static boolean literal(String s, int[] p, char c) {
    if (p[0] < s.length() && s.charAt(p[0]) == c) {
      p[0]++;
      return true;
    }
    return false;
  }

  /**
   * Go's {@code t.UTC().Format(time.RFC3339Nano)}, which is also how {@code time.Time} marshals to
   * JSON: fraction digits without trailing zeros, none for whole seconds, {@code Z} for UTC. Years
   * outside 0–9999 are written as Go writes them (sign and all digits), although Go's JSON
   * marshaller would refuse them.
   */
  static String formatRfc3339Nano(GoTime t) {
    LocalDateTime d = LocalDateTime.ofEpochSecond(t.seconds(), t.nanos(), ZoneOffset.UTC);
    StringBuilder sb = new StringBuilder(35);
    int year = d.getYear();
    if (year < 0) {
      sb.append('-');
    }
    pad(sb, Math.abs((long) year), 4).append('-');
    pad(sb, d.getMonthValue(), 2).append('-');
    pad(sb, d.getDayOfMonth(), 2).append('T');
    pad(sb, d.getHour(), 2).append(':');
    pad(sb, d.getMinute(), 2).append(':');
    pad(sb, d.getSecond(), 2);
    int nanos = t.nanos();
    if (nanos != 0) {
      StringBuilder frac = new StringBuilder();
      pad(frac, nanos, 9);
      int end = frac.length();
      while (frac.charAt(end - 1) == '0') {
        end--;
      }
      sb.append('.').append(frac, 0, end);
    }
    return sb.append('Z').toString();
  }

  /** A millisecond timestamp as {@link #formatRfc3339Nano}. */
  static String formatRfc3339Millis(long ms) {
    return formatRfc3339Nano(GoTime.ofMillis(ms));
  }

  /** Go's zero {@code time.Time}, as it marshals: a time never set (a target not yet scraped). */
  static final String ZERO_TIME = "0001-01-01T00:00:00Z";

  private static StringBuilder pad(StringBuilder sb, long v, int width) {
    String s = Long.toString(v);
    for (int i = s.length(); i < width; i++) {
      sb.append('0');
    }
    return sb.append(s);
  }
}
