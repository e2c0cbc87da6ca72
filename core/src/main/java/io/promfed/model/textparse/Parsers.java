package io.promfed.model.textparse;

import java.util.HashSet;
import java.util.Locale;
import java.util.Set;

/**
 * Chooses the parser for a scrape response from its {@code Content-Type}, as Prometheus 2.x does
 * (model/textparse/interface.go {@code New} at v2.42.0), and holds the {@code Accept} header our
 * scraper sends.
 *
 * <p>The media type is parsed like Go's {@code mime.ParseMediaType}: {@code
 * application/openmetrics-text} selects {@link OpenMetricsParser}; {@code text/plain}, any other
 * type, a blank header and a header that does not parse (a malformed parameter included) all fall
 * back to {@link PromTextParser}. That fallback is the Prometheus 2.x behaviour; Prometheus 3.x
 * instead fails the scrape unless {@code fallback_scrape_protocol} is set. {@code
 * application/vnd.google.protobuf} also gets the text parser: we never ask for protobuf and have no
 * parser for it, so such a body fails to parse with a message naming the first bad line.
 *
 * <p>Stateless and thread-safe.
 */
public final class Parsers {

  /**
   * The {@code Accept} header of a scrape: Prometheus 2.42's (scrape/scrape.go {@code
   * scrapeAcceptHeader}), preferring OpenMetrics 1.0.0, then 0.0.1, then text 0.0.4.
   */
  public static final String SCRAPE_ACCEPT_HEADER =
      "application/openmetrics-text;version=1.0.0,application/openmetrics-text;version=0.0.1;q=0.75,"
          + "text/plain;version=0.0.4;q=0.5,*/*;q=0.1";

  /** The exposition formats we parse. */
  public enum Format {
    /** Prometheus text format 0.0.4: {@link PromTextParser}. */
    PROMETHEUS_TEXT,
    /** OpenMetrics 1.0 text: {@link OpenMetricsParser}. */
    OPENMETRICS_TEXT;

    /** A new parser of this format over {@code body[0, length)}. */
    public Parser newParser(byte[] body, int length) {
      return this == OPENMETRICS_TEXT
          ? new OpenMetricsParser(body, length)
          : new PromTextParser(body, length);
    }
  }

  private Parsers() {}

  /** The format a response with this {@code Content-Type} (possibly null or blank) is parsed as. */
  public static Format formatOf(String contentType) {
    if (contentType == null || contentType.isEmpty()) {
      return Format.PROMETHEUS_TEXT;
    }
    String mediaType = parseMediaType(contentType);
    return "application/openmetrics-text".equals(mediaType)
        ? Format.OPENMETRICS_TEXT
        : Format.PROMETHEUS_TEXT;
  }

  /** A parser for a response body with this {@code Content-Type} (possibly null or blank). */
  public static Parser forContentType(String contentType, byte[] body, int length) {
    return formatOf(contentType).newParser(body, length);
  }

  /**
   * The lower-cased media type of {@code v}, or null when Go's {@code mime.ParseMediaType} would
   * return an error (Prometheus 2.x then falls back to the text parser).
   */
  static String parseMediaType(String v) {
    int semi = v.indexOf(';');
    String base = semi < 0 ? v : v.substring(0, semi);
    String mediaType = base.toLowerCase(Locale.ROOT).strip();
    if (!validMediaType(mediaType)) {
      return null;
    }
    String rest = v.substring(base.length());
    Set<String> keys = new HashSet<>();
    while (!rest.isEmpty()) {
      rest = rest.stripLeading();
      if (rest.isEmpty()) {
        break;
      }
      // ; key = value, value a token or a quoted string
      if (rest.charAt(0) != ';') {
        return null;
      }
      String r = rest.substring(1).stripLeading();
      int k = tokenEnd(r, 0);
      if (k == 0) {
        if (rest.strip().equals(";")) {
          break; // trailing semicolons are fine
        }
        return null;
      }
      String key = r.substring(0, k).toLowerCase(Locale.ROOT);
      r = r.substring(k).stripLeading();
      if (r.isEmpty() || r.charAt(0) != '=') {
        return null;
      }
      r = r.substring(1).stripLeading();
      int valueEnd;
      if (!r.isEmpty() && r.charAt(0) == '"') {
        valueEnd = quotedEnd(r);
        if (valueEnd < 0) {
          return null;
        }
      } else {
        valueEnd = tokenEnd(r, 0);
        if (valueEnd == 0) {
          return null;
        }
      }
      if (!keys.add(key)) {
        return null; // "mime: duplicate parameter name"
      }
      rest = r.substring(valueEnd);
    }
    return mediaType;
  }

  private static boolean validMediaType(String s) {
    int t = tokenEnd(s, 0);
    if (t == 0) {
      return false;
    }
    if (t == s.length()) {
      return true; // a lone token is accepted by Go
    }
    if (s.charAt(t) != '/') {
      return false;
    }
    int u = tokenEnd(s, t + 1);
    return u > t + 1 && u == s.length();
  }

  private static int tokenEnd(String s, int i) {
    while (i < s.length() && isTokenChar(s.charAt(i))) {
      i++;
    }
    return i;
  }

  private static boolean isTokenChar(char c) {
    return c > 0x20 && c < 0x7f && "()<>@,;:\\\"/[]?=".indexOf(c) < 0;
  }

  /** End (after the closing quote) of the quoted string starting at 0, or -1. */
  private static int quotedEnd(String s) {
    for (int i = 1; i < s.length(); i++) {
      char c = s.charAt(i);
      if (c == '"') {
        return i + 1;
      }
      if (c == '\\' && i + 1 < s.length() && "()<>@,;:\\\"/[]?=".indexOf(s.charAt(i + 1)) >= 0) {
        i++;
      } else if (c == '\r' || c == '\n') {
        return -1;
      }
    }
    return -1;
  }
}
