package io.promfed.model.textparse;

/**
 * A pull parser for the OpenMetrics 1.0 text format over {@code buffer[0, length)}, accepting and
 * rejecting what Prometheus's {@code OpenMetricsParser} does (model/textparse/openmetricslex.l and
 * openmetricsparse.go, 3.x, including quoted UTF-8 names).
 *
 * <p>Stricter than the Prometheus text format, as upstream's lexer is:
 *
 * <ul>
 *   <li>Exactly one space separates the parts of a line; no blanks elsewhere, no tabs, no blank
 *       lines, no trailing space. Label pairs are separated by one comma, one trailing comma is
 *       allowed. Label values may not contain raw newlines.
 *   <li>Only {@code # HELP}, {@code # TYPE}, {@code # UNIT} and {@code # EOF} comments exist; any
 *       other {@code #} line is an error. TYPE is one of counter, gauge, histogram, gaugehistogram,
 *       summary, info, stateset, unknown. A non-empty UNIT must be a suffix of the family name
 *       after an underscore. HELP resolves {@code \\}, {@code \"} and {@code \n}.
 *   <li>Values are Go floats minus hex and {@code _}, as in the text format. Timestamps are float
 *       seconds, not NaN or infinite, converted to milliseconds by truncating {@code ts * 1000}.
 *   <li>An exemplar {@code # {labels} value [timestamp]} may follow a sample; it is validated like
 *       upstream and then skipped.
 *   <li>The body must end with {@code # EOF} (optionally followed by one newline) and nothing after
 *       it; a body without it fails at its end with "data does not end with # EOF".
 * </ul>
 *
 * <p>Deliberate differences, all on malformed input: quoted names must be valid UTF-8 (upstream's
 * scrape loop rejects them later instead); NUL bytes are the bytes they are, where upstream's lexer
 * skips some (inside {@code # EOF}, after a metadata line, after a closing quote); a timestamp
 * beyond the int64 range of milliseconds saturates, where Go's conversion on amd64 gives {@code
 * Long.MIN_VALUE}. Error messages are our own wording, with the line number.
 *
 * <p>{@code _created} series are returned as ordinary series, as Prometheus does unless created
 * timestamps are being ingested; the second constructor skips them for counter, histogram and
 * summary families (upstream's {@code WithOMParserSTSeriesSkipped}). OpenMetrics never yields
 * {@link Entry#COMMENT}.
 *
 * <p>Accessors describe the current entry and are valid until the next {@link #next()}; offsets
 * point into {@link #buffer()}, which must not change while parsing. {@link #next()} allocates
 * nothing for series. Not thread-safe.
 */
public final class OpenMetricsParser extends TextParser {

  private static final String[] TYPES = {
    "counter", "gauge", "histogram", "gaugehistogram", "summary", "info", "stateset", "unknown"
  };

  private final boolean skipCreatedSeries;

  /** Parses {@code buffer[0, length)}, returning {@code _created} series like any other. */
  public OpenMetricsParser(byte[] buffer, int length) {
    this(buffer, length, false);
  }

  /**
   * Parses {@code buffer[0, length)}; with {@code skipCreatedSeries}, {@code *_created} series of
   * counter, histogram and summary families are skipped.
   */
  public OpenMetricsParser(byte[] buffer, int length, boolean skipCreatedSeries) {
    super(buffer, length);
    this.skipCreatedSeries = skipCreatedSeries;
  }

  /** For HELP: the help text with {@code \\}, {@code \"}, {@code \n} resolved; for UNIT: unit. */
  @Override
  public String text() {
    return TextBytes.unescape(buf, textStart, textEnd, true);
  }

  @Override
  public Entry next() throws ParseException {
    if (failure != null) {
      throw failure;
    }
    if (done) {
      return Entry.EOF;
    }
    while (true) {
      int p = pos;
      if (p >= end) {
        throw fail("data does not end with # EOF");
      }
      int c = buf[p];
      if (c == '#') {
        if (p + 1 < end && buf[p + 1] == ' ') {
          int q = p + 2;
          if (TextBytes.startsWith(buf, q, end, "HELP ")) {
            return metadata(Entry.HELP, q + 5);
          } else if (TextBytes.startsWith(buf, q, end, "TYPE ")) {
            return metadata(Entry.TYPE, q + 5);
          } else if (TextBytes.startsWith(buf, q, end, "UNIT ")) {
            return metadata(Entry.UNIT, q + 5);
          } else if (TextBytes.startsWith(buf, q, end, "EOF")) {
            int r = q + 3;
            if (r < end && buf[r] == '\n') {
              r++;
            }
            if (r != end) {
              line += r > q + 3 ? 1 : 0;
              throw fail("unexpected data after # EOF");
            }
            pos = end;
            done = true;
            return Entry.EOF;
          }
          throw fail("expected a valid start token, got " + got(p, Math.min(q + 1, end)));
        }
        throw fail("expected a valid start token, got " + gotAfterSpace(p));
      }
      if (c == '{' || isMetricNameStart(c)) {
        if (series(p) || !skipCreatedSeries || !isCreatedSeries()) {
          return Entry.SERIES;
        }
        continue; // a skipped _created series
      }
      throw fail("expected a valid start token, got " + got(p));
    }
  }

  private boolean isCreatedSeries() {
    return ("counter".equals(familyType)
            || "histogram".equals(familyType)
            || "summary".equals(familyType))
        && nameEnd - nameStart >= 8
        && TextBytes.equalsAscii(buf, nameEnd - 8, nameEnd, "_created");
  }

  private Entry metadata(Entry kind, int p) throws ParseException {
    p = scanMetadataName(kind, p);
    // openmetricslex.l sMeta2: one space, the text, and a mandatory newline.
    int eol = endOfLine(p);
    if (p >= end || buf[p] != ' ' || eol >= end) {
      throw fail("expected text in " + kind);
    }
    textStart = p + 1;
    textEnd = eol;
    type = null;
    if (kind == Entry.TYPE) {
      for (String t : TYPES) {
        if (TextBytes.equalsAscii(buf, textStart, textEnd, t)) {
          type = t;
          break;
        }
      }
      if (type == null) {
        throw fail("invalid metric type " + TextBytes.quote(buf, textStart, textEnd));
      }
      familyType = type;
    } else if (kind == Entry.HELP) {
      if (!TextBytes.isValidUtf8(buf, textStart, textEnd)) {
        throw fail("help text " + TextBytes.quote(buf, textStart, textEnd) + " is not valid UTF-8");
      }
    } else if (textEnd > textStart) {
      // UNIT: the family name must end in "_<unit>" (openmetricsparse.go).
      int unitLen = textEnd - textStart;
      boolean suffix = nameEnd - nameStart >= unitLen + 1 && buf[nameEnd - unitLen - 1] == '_';
      for (int i = 0; suffix && i < unitLen; i++) {
        suffix = buf[nameEnd - unitLen + i] == buf[textStart + i];
      }
      if (!suffix) {
        throw fail(
            "unit "
                + TextBytes.quote(buf, textStart, textEnd)
                + " not a suffix of metric "
                + TextBytes.quote(buf, nameStart, nameEnd));
      }
    }
    pos = eol + 1;
    line++;
    return kind;
  }

  /** openmetricslex.l value and timestamp tokens: {@code [^ \n]+}, NUL excluded. */
  private static boolean isValueByte(int c) {
    return c != ' ' && c != '\n' && c != 0;
  }

  /** End of the value token that a single space at {@code p} introduces, or -1. */
  private int valueToken(int p) {
    if (p + 1 >= end || buf[p] != ' ' || !isValueByte(buf[p + 1])) {
      return -1;
    }
    int e = p + 2;
    while (e < end && isValueByte(buf[e])) {
      e++;
    }
    return e;
  }

  /** "got …" where a space and a token were expected: the space too, if there was one. */
  private String gotAfterSpace(int p) {
    return p < end && buf[p] == ' ' ? got(p, p + 2) : got(p);
  }

  private boolean exemplarStart(int p) {
    return TextBytes.startsWith(buf, p, end, " # {");
  }

  /** Parses one sample line starting at {@code start}; returns true (for the caller's chain). */
  private boolean series(int start) throws ParseException {
    nameStart = -1;
    labelCount = 0;
    type = null;
    int p = start;
    if (buf[p] == '{') {
      p = labelBlock(start, p, false);
    } else {
      nameStart = p;
      nameEnd = p = scanMetricName(p);
      if (p < end && buf[p] == '{') {
        p = labelBlock(start, p, false);
      }
    }
    seriesStart = start;
    seriesEnd = p;
    if (nameStart < 0) {
      throw fail("metric name not set in " + TextBytes.quote(buf, start, p));
    }
    int ve = valueToken(p);
    if (ve < 0) {
      throw fail("expected value after metric, got " + gotAfterSpace(p));
    }
    double f = floats.parsePrometheus(buf, p + 1, ve);
    if (floats.status() != GoFloatParser.OK) {
      throw fail(floatError("value", p + 1, ve));
    }
    value = f != f ? NORMAL_NAN : f;
    hasTimestamp = false;
    p = ve;
    if (p >= end) {
      throw fail("data does not end with # EOF");
    }
    if (buf[p] != '\n') {
      if (exemplarStart(p)) {
        p = exemplar(p + 4);
      } else {
        int te = valueToken(p);
        if (te < 0) {
          throw fail("expected timestamp or new record, got " + gotAfterSpace(p));
        }
        double ts = floats.parsePrometheus(buf, p + 1, te);
        if (floats.status() != GoFloatParser.OK) {
          throw fail(floatError("timestamp", p + 1, te));
        }
        if (Double.isNaN(ts) || Double.isInfinite(ts)) {
          throw fail("invalid timestamp " + TextBytes.quote(buf, p + 1, te));
        }
        // Seconds to milliseconds exactly as Go's int64(ts * 1000): truncation toward zero.
        timestampMs = (long) (ts * 1000.0);
        hasTimestamp = true;
        p = te;
        if (p >= end || buf[p] != '\n') {
          if (!exemplarStart(p)) {
            throw fail("expected next entry after timestamp, got " + gotAfterSpace(p));
          }
          p = exemplar(p + 4);
        }
      }
    }
    // p is at the newline ending the line.
    pos = p + 1;
    line++;
    return false;
  }

  /**
   * Validates an exemplar whose label block starts at {@code p} (after {@code " # {"}) and
   * returns the offset of the line's newline. Exemplars are not exposed (the {@link Parser}
   * contract has no place for them), but a malformed one fails the body as upstream.
   */
  private int exemplar(int p) throws ParseException {
    int savedCount = labelCount;
    p = labelBlock(p, p - 1, true);
    labelCount = savedCount; // the exemplar's labels are not the series'
    int ve = valueToken(p);
    if (ve < 0) {
      throw fail("expected value after exemplar labels, got " + gotAfterSpace(p));
    }
    floats.parsePrometheus(buf, p + 1, ve);
    if (floats.status() != GoFloatParser.OK) {
      throw fail(floatError("exemplar value", p + 1, ve));
    }
    p = ve;
    if (p >= end) {
      throw fail("data does not end with # EOF");
    }
    if (buf[p] == '\n') {
      return p;
    }
    int te = valueToken(p);
    if (te < 0) {
      throw fail("expected timestamp or comment, got " + gotAfterSpace(p));
    }
    double ts = floats.parsePrometheus(buf, p + 1, te);
    if (floats.status() != GoFloatParser.OK) {
      throw fail(floatError("exemplar timestamp", p + 1, te));
    }
    if (Double.isNaN(ts) || Double.isInfinite(ts)) {
      throw fail("invalid exemplar timestamp " + TextBytes.quote(buf, p + 1, te));
    }
    if (te >= end || buf[te] != '\n') {
      throw fail("expected next entry after exemplar timestamp, got " + gotAfterSpace(te));
    }
    return te;
  }

  /**
   * Parses {@code {…}} with the brace at {@code p}; returns the offset after the closing brace.
   * Mirrors openmetricsparse.go parseLVals: no blanks, a comma or the closing brace after every
   * value. In an exemplar a quoted string cannot stand alone as a metric name, and quoted names and
   * values may not hold raw newlines.
   */
  private int labelBlock(int start, int p, boolean exemplar) throws ParseException {
    p++;
    while (true) {
      if (p >= end) {
        throw fail("expected label name, got end of input");
      }
      int c = buf[p];
      if (c == '}') {
        return p + 1;
      }
      int ns = p;
      int ne;
      boolean quoted = false;
      if (c == '"') {
        int close = scanQuoted(p, !exemplar, false);
        if (close < 0) {
          throw fail("expected label name, got " + got(p, quoteFailure + 1));
        }
        if (quoteNonAscii && !TextBytes.isValidUtf8(buf, p + 1, close)) {
          throw fail("invalid UTF-8 name " + TextBytes.quote(buf, p, close + 1));
        }
        line += quoteNewlines;
        ne = close + 1;
        quoted = true;
      } else if (isLabelNameStart(c)) {
        ne = scanLabelName(p);
      } else {
        throw fail("expected label name, got " + got(p));
      }
      p = ne;
      if (quoted) {
        ns++;
        ne--;
        if (p < end && (buf[p] == ',' || buf[p] == '}')) {
          if (exemplar) {
            throw fail("expected label name, got " + got(p));
          }
          if (nameStart >= 0) {
            throw fail("metric name already set in " + TextBytes.quote(buf, start, p + 1));
          }
          nameStart = ns;
          nameEnd = ne;
          if (buf[p] == '}') {
            return p + 1;
          }
          p++;
          continue;
        }
      }
      if (p >= end || buf[p] != '=') {
        throw fail("expected equal, got " + got(p));
      }
      p++;
      if (p >= end || buf[p] != '"') {
        throw fail("expected label value, got " + got(p));
      }
      // Series label values may hold NUL (the lexer skips it there), exemplar values may not.
      int close = scanQuoted(p, false, !exemplar);
      if (close < 0) {
        throw fail("expected label value, got " + got(p, quoteFailure + 1));
      }
      if (quoteNonAscii && !TextBytes.isValidUtf8(buf, p + 1, close)) {
        throw fail("invalid UTF-8 label value " + TextBytes.quote(buf, p, close + 1));
      }
      addLabel(ns, ne, p + 1, close);
      p = close + 1;
      if (p < end && buf[p] == ',') {
        p++;
      } else if (p >= end || buf[p] != '}') {
        throw fail("expected comma or brace close, got " + got(p));
      }
    }
  }
}
