package io.promfed.model.textparse;

import java.util.Arrays;

/**
 * A pull parser for the Prometheus text exposition format 0.0.4 over {@code buffer[0, length)},
 * accepting and rejecting what Prometheus's {@code PromParser} does (model/textparse/promlex.l
 * and promparse.go, 3.x, including UTF-8 names quoted as {@code {"my.metric","a.b"="c"}}).
 *
 * <p>The grammar, as the upstream lexer defines it:
 *
 * <ul>
 *   <li>Lines end with {@code \n}; the last line may lack it. Blank lines and lines of blanks are
 *       skipped. Spaces and tabs may precede and separate every token of a line, including inside
 *       the label block ({@code foo { a = "1" , b="2" , } 1}); even the comma between labels is
 *       optional there, and one trailing comma is allowed.
 *   <li>Metric names are {@code [a-zA-Z_:][a-zA-Z0-9_:]*}, label names {@code
 *       [a-zA-Z_][a-zA-Z0-9_]*}; either may instead be a quoted string, the metric name then
 *       standing alone inside the braces. Label values are quoted, may hold any bytes (raw
 *       newlines and NULs too) and must be valid UTF-8; {@code \\}, {@code \"} and {@code \n} are
 *       resolved by {@link #labels}, any other escape is kept as written.
 *   <li>The value is the next run of bytes other than blank, newline or {@code {}, parsed as Go
 *       {@code strconv.ParseFloat} minus hex floats and {@code _} ({@code NaN}, {@code +Inf},
 *       {@code -inf}, {@code Infinity}, {@code 1e-3}, {@code .5} …). NaN is stored as Prometheus's
 *       normal NaN bits. An optional timestamp follows: decimal digits only, milliseconds, within
 *       int64.
 *   <li>{@code # HELP name text} and {@code # TYPE name type}, with blanks after {@code #}; the type
 *       is one of counter, gauge, histogram, summary, untyped, exactly. HELP text resolves {@code
 *       \\} and {@code \n} and must be valid UTF-8. Any other {@code #} line is a comment.
 *   <li>A NUL byte where a line would start ends the body, as upstream's lexer rule {@code \0}
 *       does; so does a NUL anywhere in a comment whose {@code #} is not followed by a blank, or
 *       right after the blanks of one that is (promlex.l {@code consumeComment}).
 * </ul>
 *
 * <p>Deliberate differences, all on malformed input (found by running upstream's Go parser on
 * 240,000 mutated bodies; see testdata/README.md): upstream counts leading blanks of a line into
 * the metric name (so {@code " a 1"} names its series {@code " a"}), we start the series at the
 * name. Quoted names must be valid UTF-8 here; upstream accepts them and its scrape loop then
 * rejects the series ({@code labels.IsValid}), so the scrape fails either way. Upstream's lexer
 * skips NUL bytes in some states, which lets {@code # HE\0LP} count as HELP and a NUL right after a
 * label value's closing quote corrupt the value; we treat those NULs as the bytes they are. NULs
 * that end the body (at the start of a line, or in a comment as described above) are matched.
 * Error messages name the line and quote the offending input but are not upstream's wording.
 *
 * <p>Accessors describe the current entry and are valid until the next {@link #next()}; offsets
 * point into {@link #buffer()}, which the parser never modifies and the caller must not modify
 * while parsing. {@link #next()} allocates nothing for series; {@link #labels}, {@link
 * #metricFamilyName()} and {@link #text()} create strings. Not thread-safe.
 */
public final class PromTextParser extends TextParser {

  /** Parses {@code buffer[0, length)}. */
  public PromTextParser(byte[] buffer, int length) {
    super(buffer, length);
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
      int p = skipBlanks(pos);
      if (p >= end) {
        pos = p;
        done = true;
        return Entry.EOF;
      }
      int c = buf[p];
      if (c == '\n') {
        pos = p + 1;
        line++;
        continue;
      }
      if (c == 0) {
        pos = p;
        done = true; // promlex.l: `\0 return tEOF`
        return Entry.EOF;
      }
      if (c == '#') {
        return comment(p);
      }
      if (c == '{' || isMetricNameStart(c)) {
        return series(p);
      }
      throw fail("expected a valid start token, got " + got(p));
    }
  }

  /** For HELP: the help text, {@code \\} and {@code \n} resolved; for comments: the whole line. */
  @Override
  public String text() {
    return commentText
        ? TextBytes.decode(buf, textStart, textEnd)
        : TextBytes.unescape(buf, textStart, textEnd, false);
  }

  /** Whether the current entry is a comment, whose text is returned as written. */
  private boolean commentText;

  private int skipBlanks(int p) {
    while (p < end && (buf[p] == ' ' || buf[p] == '\t')) {
      p++;
    }
    return p;
  }

  private void endLine(int p) {
    // p is at the newline or at the end of the body.
    if (p < end) {
      pos = p + 1;
      line++;
    } else {
      pos = p;
    }
  }

  private Entry comment(int p) throws ParseException {
    int q = skipBlanks(p + 1);
    int eol = endOfLine(p);
    // promlex.l consumeComment() returns EOF at a NUL it meets, silently ending the body: at any
    // NUL when '#' is not followed by blanks (the lexer is still in its initial state, which does
    // not skip NULs), and at a NUL right after the blanks otherwise. Upstream accepts the body up
    // to there, so do we.
    if (q == p + 1) {
      for (int i = q; i < eol; i++) {
        if (buf[i] == 0) {
          return truncatedByNul(p);
        }
      }
    } else if (q < end && buf[q] == 0) {
      return truncatedByNul(p);
    }
    if (q > p + 1) { // "#[ \t]+" may introduce HELP or TYPE
      if (TextBytes.startsWith(buf, q, end, "HELP") && q + 4 < end && isBlank(buf[q + 4])) {
        return metadata(Entry.HELP, skipBlanks(q + 4));
      }
      if (TextBytes.startsWith(buf, q, end, "TYPE") && q + 4 < end && isBlank(buf[q + 4])) {
        return metadata(Entry.TYPE, skipBlanks(q + 4));
      }
    }
    textStart = p;
    textEnd = eol;
    type = null;
    commentText = true;
    endLine(eol);
    return Entry.COMMENT;
  }

  private Entry truncatedByNul(int p) {
    pos = p;
    done = true;
    return Entry.EOF;
  }

  private static boolean isBlank(int c) {
    return c == ' ' || c == '\t';
  }

  private Entry metadata(Entry kind, int p) throws ParseException {
    commentText = false;
    p = scanMetadataName(kind, p);
    // The rest of the line is the text, minus its first byte (the separator, whatever it is);
    // a rest of only blanks is no text at all (promlex.l sMeta2 rules). A NUL right after the
    // name ends the text token early, and the line then lacks its newline.
    if (p < end && buf[p] == 0) {
      throw fail("expected text or newline after " + kind + " metric name, got " + got(p));
    }
    int eol = endOfLine(p);
    textStart = eol;
    textEnd = eol;
    for (int i = p; i < eol; i++) {
      int c = buf[i];
      if (c != ' ' && c != '\t' && c != 0) {
        textStart = p + 1;
        break;
      }
    }
    if (kind == Entry.TYPE) {
      type = metricType(textStart, textEnd);
      if (type == null) {
        throw fail("invalid metric type " + TextBytes.quote(buf, textStart, textEnd));
      }
      familyType = type;
    } else {
      type = null;
      if (!TextBytes.isValidUtf8(buf, textStart, textEnd)) {
        throw fail("help text " + TextBytes.quote(buf, textStart, textEnd) + " is not valid UTF-8");
      }
    }
    endLine(eol);
    return kind;
  }

  private String metricType(int s, int e) {
    for (String t : TYPES) {
      if (TextBytes.equalsAscii(buf, s, e, t)) {
        return t;
      }
    }
    return null;
  }

  private static final String[] TYPES = {"counter", "gauge", "histogram", "summary", "untyped"};

  // The series offered by expectSeries, until a sample line is parsed.
  private byte[] expectedKey;
  private int expectedOff;
  private int expectedLen;

  /** Set when the current series matched the expected one and its labels were not scanned. */
  private boolean labelsDeferred;

  @Override
  public void expectSeries(byte[] key, int off, int len) {
    expectedKey = key;
    expectedOff = off;
    expectedLen = len;
  }

  private Entry series(int start) throws ParseException {
    nameStart = -1;
    labelCount = 0;
    type = null;
    int p;
    if (matchesExpected(start)) {
      p = start + expectedLen;
      labelsDeferred = true;
      for (int i = start; i < p; i++) {
        if (buf[i] == '\n') { // raw newlines in label values still count as lines
          line++;
        }
      }
    } else {
      labelsDeferred = false;
      p = seriesText(start);
    }
    expectedKey = null;
    seriesStart = start;
    seriesEnd = p;

    int v = skipBlanks(p);
    int ve = v;
    while (ve < end && isValueByte(buf[ve])) {
      ve++;
    }
    if (ve == v) {
      throw fail("expected value after metric, got " + got(v));
    }
    double f = floats.parsePrometheus(buf, v, ve);
    if (floats.status() != GoFloatParser.OK) {
      throw fail(floatError("value", v, ve));
    }
    value = f != f ? NORMAL_NAN : f; // Prometheus stores NaN as value.NormalNaN

    hasTimestamp = false;
    int t = skipBlanks(ve);
    if (t < end && buf[t] != '\n') {
      if (buf[t] < '0' || buf[t] > '9') {
        throw fail("expected timestamp or new record, got " + got(t));
      }
      long ts = 0;
      int te = t;
      boolean overflow = false;
      for (; te < end && buf[te] >= '0' && buf[te] <= '9'; te++) {
        int d = buf[te] - '0';
        if (ts > (Long.MAX_VALUE - d) / 10) {
          overflow = true;
        } else {
          ts = ts * 10 + d;
        }
      }
      if (overflow) {
        throw fail("timestamp out of range: " + TextBytes.quote(buf, t, te));
      }
      timestampMs = ts;
      hasTimestamp = true;
      t = skipBlanks(te);
      if (t < end && buf[t] != '\n') {
        throw fail("expected next entry after timestamp, got " + got(t));
      }
    }
    endLine(t);
    return Entry.SERIES;
  }

  /**
   * Scans the series text (metric name and label block) starting at {@code start}, recording the
   * name and label offsets; returns the offset after it.
   */
  private int seriesText(int start) throws ParseException {
    int p = start;
    if (buf[p] == '{') {
      p = labelBlock(start, p);
    } else {
      nameStart = p;
      nameEnd = p = scanMetricName(p);
      int q = skipBlanks(p);
      if (q < end && buf[q] == '{') {
        p = labelBlock(start, q);
      }
    }
    if (nameStart < 0) {
      throw fail("metric name not set in " + TextBytes.quote(buf, start, p));
    }
    return p;
  }

  /**
   * Whether the line at {@code start} begins with the expected series text and that text is the
   * whole series there, as {@link #seriesText} would scan it: it ends with its label block's brace,
   * or it is a bare name not continued by name bytes or by a label block after blanks.
   */
  private boolean matchesExpected(int start) {
    byte[] key = expectedKey;
    int len = expectedLen;
    int e = start + len;
    if (key == null || len == 0 || e > end) {
      return false;
    }
    if (!Arrays.equals(buf, start, e, key, expectedOff, expectedOff + len)) {
      return false;
    }
    if (buf[e - 1] == '}' || e == end) {
      return true;
    }
    if (isMetricNameByte(buf[e])) {
      return false;
    }
    int q = skipBlanks(e);
    return q >= end || buf[q] != '{';
  }

  @Override
  void resolveDeferredLabels() {
    if (!labelsDeferred) {
      return;
    }
    labelsDeferred = false;
    int savedLine = line;
    try {
      seriesText(seriesStart);
    } catch (ParseException e) {
      // Only text an earlier body accepted may be offered (expectSeries), so this is a caller bug.
      throw new IllegalStateException("expected series text no longer parses: " + e.getMessage());
    } finally {
      line = savedLine;
      failure = null;
    }
  }

  /** promlex.l sValue: {@code [^{ \t\n]+}; the generated lexer also stops at NUL. */
  private static boolean isValueByte(int c) {
    return c != ' ' && c != '\t' && c != '\n' && c != '{' && c != 0;
  }

  // Label-block tokens.
  private static final int T_INVALID = 0;
  private static final int T_NAME = 1;
  private static final int T_QUOTED = 2;
  private static final int T_COMMA = 3;
  private static final int T_EQUAL = 4;
  private static final int T_CLOSE = 5;

  private int tokStart;
  private int tokEnd;

  /** The next token inside braces, after blanks (promlex.l state sLabels). */
  private int labelToken(int p) {
    p = skipBlanks(p);
    tokStart = p;
    tokEnd = p + 1;
    if (p >= end) {
      return T_INVALID;
    }
    int c = buf[p];
    switch (c) {
      case '}':
        return T_CLOSE;
      case ',':
        return T_COMMA;
      case '=':
        return T_EQUAL;
      case '"':
        {
          int close = scanQuoted(p, true, false);
          if (close < 0) {
            tokEnd = quoteFailure + 1;
            return T_INVALID;
          }
          tokEnd = close + 1;
          return T_QUOTED;
        }
      default:
        if (isLabelNameStart(c)) {
          tokEnd = scanLabelName(p);
          return T_NAME;
        }
        return T_INVALID;
    }
  }

  private String gotToken() {
    return got(tokStart, tokEnd);
  }

  /**
   * Parses {@code {…}} with the brace at {@code p}, recording the labels (and a quoted metric name
   * standing alone); returns the offset after the closing brace. Mirrors promparse.go parseLVals.
   */
  private int labelBlock(int start, int p) throws ParseException {
    int t = labelToken(p + 1);
    while (true) {
      if (t == T_CLOSE) {
        return tokEnd;
      }
      if (t != T_NAME && t != T_QUOTED) {
        throw fail("expected label name, got " + gotToken());
      }
      int ns = tokStart;
      int ne = tokEnd;
      boolean quoted = t == T_QUOTED;
      int newlines = quoteNewlines;
      if (quoted && (quoteNonAscii && !TextBytes.isValidUtf8(buf, ns + 1, ne - 1))) {
        throw fail("invalid UTF-8 name " + TextBytes.quote(buf, ns, ne));
      }
      t = labelToken(ne);
      if (quoted) {
        line += newlines;
        ns++;
        ne--;
        if (t == T_COMMA || t == T_CLOSE) { // a quoted string alone is the metric name
          if (nameStart >= 0) {
            throw fail("metric name already set in " + TextBytes.quote(buf, start, tokEnd));
          }
          nameStart = ns;
          nameEnd = ne;
          if (t == T_CLOSE) {
            return tokEnd;
          }
          t = labelToken(tokEnd);
          continue;
        }
      }
      if (t != T_EQUAL) {
        throw fail("expected equal, got " + gotToken());
      }
      int v = skipBlanks(tokEnd);
      if (v >= end || buf[v] != '"') {
        throw fail("expected label value, got " + got(v));
      }
      int close = scanQuoted(v, true, true);
      if (close < 0) {
        throw fail("expected label value, got " + got(v, quoteFailure + 1));
      }
      if (quoteNonAscii && !TextBytes.isValidUtf8(buf, v + 1, close)) {
        throw fail("invalid UTF-8 label value " + TextBytes.quote(buf, v, close + 1));
      }
      line += quoteNewlines;
      addLabel(ns, ne, v + 1, close);
      // The comma is optional, even between labels (promparse.go: "this allows spaces between
      // label names, unlike in OpenMetrics").
      t = labelToken(close + 1);
      if (t == T_COMMA) {
        t = labelToken(tokEnd);
      }
    }
  }
}
