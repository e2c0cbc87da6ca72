package io.promfed.model.textparse;

import io.promfed.model.exposition.GoFloatFormat;
import io.promfed.model.labels.Labels;
import io.promfed.model.labels.LabelsBuilder;
import io.promfed.model.value.StaleNaN;
import java.util.Arrays;

/**
 * State and accessors shared by the two text parsers: where the current entry's pieces lie in the
 * body, its value and timestamp, and label building on request. The subclasses own the grammar.
 *
 * <p>A series is recorded as offsets only (metric name, then a name/value offset pair per label),
 * which is what keeps {@link #next()} free of allocation. Not thread-safe.
 */
abstract sealed class TextParser implements Parser permits PromTextParser, OpenMetricsParser {

  static final double NORMAL_NAN = Double.longBitsToDouble(StaleNaN.NORMAL_NAN_BITS);

  final byte[] buf;
  final int end;
  final GoFloatParser floats = new GoFloatParser();

  /** Next byte to read. */
  int pos;

  /** 1-based line number of {@link #pos}. */
  int line = 1;

  /** Set once the end is reached; later calls return EOF. */
  boolean done;

  /** Set on the first error; later calls rethrow it (the body is unusable). */
  ParseException failure;

  // The current entry.
  int seriesStart;
  int seriesEnd;
  double value;
  boolean hasTimestamp;
  long timestampMs;

  /** Metric name of a series, or family name of a metadata entry; -1 when not (yet) set. */
  int nameStart = -1;

  int nameEnd;

  /** Per label: name start, name end, value start, value end; escapes still in place. */
  int[] labelOffsets = new int[32];

  int labelCount;

  /** HELP/UNIT text or comment. */
  int textStart;

  int textEnd;

  /** TYPE of the current entry, and of the last TYPE line seen (which {@link #labels} uses). */
  String type;

  String familyType;

  TextParser(byte[] buffer, int length) {
    if (length < 0 || length > buffer.length) {
      throw new IllegalArgumentException(
          "length " + length + " outside buffer of " + buffer.length + " bytes");
    }
    this.buf = buffer;
    this.end = length;
  }

  @Override
  public final byte[] buffer() {
    return buf;
  }

  @Override
  public final int seriesStart() {
    return seriesStart;
  }

  @Override
  public final int seriesEnd() {
    return seriesEnd;
  }

  @Override
  public final double value() {
    return value;
  }

  @Override
  public final boolean hasTimestamp() {
    return hasTimestamp;
  }

  @Override
  public final long timestampMs() {
    return timestampMs;
  }

  @Override
  public final String metricFamilyName() {
    return TextBytes.unescape(buf, nameStart, nameEnd, true);
  }

  @Override
  public final String type() {
    return type;
  }

  /**
   * Records the current series' name and label offsets if {@link #next()} skipped them (a series
   * matched by {@link #expectSeries}). Nothing to do by default.
   */
  void resolveDeferredLabels() {}

  /**
   * Adds {@code __name__} and the labels, escapes resolved ({@code \\}, {@code \"}, {@code \n}),
   * like Prometheus's {@code Labels()}. As there, {@code le} of a histogram and {@code quantile} of
   * a summary are normalised to OpenMetrics float form ({@code le="1"} becomes {@code le="1.0"}),
   * the type being the last {@code # TYPE} line seen (model/textparse/openmetricsparse.go {@code
   * normalizeFloatsInLabelValues}, Prometheus 3.x). A label that appears twice keeps the last value.
   * Labels are added with {@link LabelsBuilder#add}, so an empty value stays visible until the
   * labels are built: the scrape's honor_labels needs to see a federated {@code instance=""}.
   */
  @Override
  public final void labels(LabelsBuilder into) {
    resolveDeferredLabels();
    into.add(Labels.METRIC_NAME, TextBytes.unescape(buf, nameStart, nameEnd, true));
    int[] o = labelOffsets;
    for (int i = 0; i < labelCount; i++) {
      int k = i * 4;
      String name = TextBytes.unescape(buf, o[k], o[k + 1], true);
      String value = TextBytes.unescape(buf, o[k + 2], o[k + 3], true);
      value = normalizeFloat(name, value);
      if (into.has(name)) {
        into.set(name, value);
      } else {
        into.add(name, value);
      }
    }
  }

  private String normalizeFloat(String name, String value) {
    if (("histogram".equals(familyType) && "le".equals(name))
        || ("summary".equals(familyType) && "quantile".equals(name))) {
      double f = floats.parseGo(value);
      if (floats.status() == GoFloatParser.OK) {
        return GoFloatFormat.formatOpenMetrics(f);
      }
    }
    return value;
  }

  // ---------------------------------------------------------------------------------------------
  // Shared lexing.

  final void addLabel(int ns, int ne, int vs, int ve) {
    int k = labelCount * 4;
    if (k + 4 > labelOffsets.length) {
      labelOffsets = Arrays.copyOf(labelOffsets, labelOffsets.length * 2);
    }
    labelOffsets[k] = ns;
    labelOffsets[k + 1] = ne;
    labelOffsets[k + 2] = vs;
    labelOffsets[k + 3] = ve;
    labelCount++;
  }

  static boolean isMetricNameStart(int c) {
    return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || c == '_' || c == ':';
  }

  static boolean isLabelNameStart(int c) {
    return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || c == '_';
  }

  // Byte classes, looked up instead of compared: one load per byte in the hot scanning loops.
  private static final byte METRIC_NAME_BYTE = 1;
  private static final byte LABEL_NAME_BYTE = 2;
  /** Bytes a quoted string's fast loop must stop at: '"', '\\', '\n', NUL and non-ASCII. */
  private static final byte QUOTE_STOP_BYTE = 4;

  private static final byte[] CLASSES = new byte[256];

  static {
    for (int c = 0; c < 256; c++) {
      boolean letter = (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || c == '_';
      boolean digit = c >= '0' && c <= '9';
      byte k = 0;
      if (letter || digit || c == ':') {
        k |= METRIC_NAME_BYTE;
      }
      if (letter || digit) {
        k |= LABEL_NAME_BYTE;
      }
      if (c == '"' || c == '\\' || c == '\n' || c == 0 || c >= 0x80) {
        k |= QUOTE_STOP_BYTE;
      }
      CLASSES[c] = k;
    }
  }

  /** Whether {@code c} may continue a metric name: {@code [a-zA-Z0-9_:]}. */
  static boolean isMetricNameByte(byte c) {
    return (CLASSES[c & 0xff] & METRIC_NAME_BYTE) != 0;
  }

  /** End of the metric name {@code [a-zA-Z_:][a-zA-Z0-9_:]*} starting at {@code p}. */
  final int scanMetricName(int p) {
    p++;
    while (p < end && (CLASSES[buf[p] & 0xff] & METRIC_NAME_BYTE) != 0) {
      p++;
    }
    return p;
  }

  /** End of the label name {@code [a-zA-Z_][a-zA-Z0-9_]*} starting at {@code p}. */
  final int scanLabelName(int p) {
    p++;
    while (p < end && (CLASSES[buf[p] & 0xff] & LABEL_NAME_BYTE) != 0) {
      p++;
    }
    return p;
  }

  /**
   * Reads the metric name of a {@code # HELP}/{@code # TYPE}/{@code # UNIT} line at {@code p} into
   * {@link #nameStart}/{@link #nameEnd} and returns the offset after it. promlex.l and
   * openmetricslex.l accept the same two forms there: a bare name or a quoted (UTF-8) one.
   */
  final int scanMetadataName(Entry kind, int p) throws ParseException {
    if (p < end && buf[p] == '"') {
      int close = scanQuoted(p, true, false);
      if (close < 0) {
        throw fail("expected metric name after " + kind + ", got " + got(p, quoteFailure + 1));
      }
      if (quoteNonAscii && !TextBytes.isValidUtf8(buf, p + 1, close)) {
        throw fail("invalid UTF-8 name " + TextBytes.quote(buf, p, close + 1));
      }
      nameStart = p + 1;
      nameEnd = close;
      line += quoteNewlines;
      p = close + 1;
    } else if (p < end && isMetricNameStart(buf[p])) {
      nameStart = p;
      nameEnd = p = scanMetricName(p);
    } else {
      throw fail("expected metric name after " + kind + ", got " + got(p));
    }
    return p;
  }

  /** Where scanning a quoted string stopped when it failed. */
  int quoteFailure;

  /** Raw newlines inside the last quoted string scanned. */
  int quoteNewlines;

  /** Whether the last quoted string scanned contained a byte ≥ 0x80 (so needs a UTF-8 check). */
  boolean quoteNonAscii;

  /**
   * Scans the quoted string {@code "(\\.|[^\\"])*"} whose opening quote is at {@code p}, as the
   * Prometheus lexers (promlex.l, openmetricslex.l) define it, and returns the offset of the
   * closing quote, or -1 with {@link #quoteFailure} set. {@code newlines}: whether a raw newline
   * may appear (it may in text-format label values and in quoted names); {@code nul}: whether NUL
   * may (the lexers skip NULs only inside label values). An escaped character is never a newline.
   */
  final int scanQuoted(int p, boolean newlines, boolean nul) {
    int nl = 0;
    boolean nonAscii = false;
    int i = p + 1;
    while (true) {
      // Fast path: plain ASCII content.
      while (i < end && (CLASSES[buf[i] & 0xff] & QUOTE_STOP_BYTE) == 0) {
        i++;
      }
      if (i >= end) {
        break;
      }
      int c = buf[i];
      if (c == '"') {
        quoteNewlines = nl;
        quoteNonAscii = nonAscii;
        return i;
      }
      if (c < 0) {
        nonAscii = true;
      } else if (c == '\\') {
        i++;
        if (i >= end) {
          break;
        }
        c = buf[i];
        // Where NULs are allowed the upstream lexer skips them, even right after a backslash,
        // so the escaped character is the next non-NUL one.
        while (c == 0 && nul && i + 1 < end) {
          c = buf[++i];
        }
        if (c == '\n' || (c == 0 && !nul)) {
          break;
        }
        nonAscii |= c < 0;
      } else if (c == '\n') {
        if (!newlines) {
          break;
        }
        nl++;
      } else if (c == 0 && !nul) {
        break;
      }
      i++;
    }
    quoteFailure = i;
    return -1;
  }

  /** Offset of the next newline at or after {@code p}, or {@link #end}. */
  final int endOfLine(int p) {
    while (p < end && buf[p] != '\n') {
      p++;
    }
    return p;
  }

  // ---------------------------------------------------------------------------------------------
  // Errors.

  /** The message for a number the float parser just rejected, quoting it. */
  final String floatError(String what, int s, int e) {
    return switch (floats.status()) {
      case GoFloatParser.RANGE -> what + " out of range: " + TextBytes.quote(buf, s, e);
      case GoFloatParser.UNSUPPORTED ->
          "unsupported character in " + what + " " + TextBytes.quote(buf, s, e);
      default -> "invalid " + what + " " + TextBytes.quote(buf, s, e);
    };
  }

  final ParseException fail(String reason) {
    failure = new ParseException(line, reason);
    return failure;
  }

  /** "got …" for the single character at {@code p} (a whole UTF-8 sequence when valid). */
  final String got(int p) {
    if (p >= end) {
      return "end of input";
    }
    int e = p + 1;
    while (e < end && e < p + 4 && (buf[e] & 0xc0) == 0x80 && buf[p] < 0) {
      e++;
    }
    return TextBytes.quote(buf, p, e);
  }

  /** "got …" for the bytes {@code [start, e)}. */
  final String got(int start, int e) {
    if (start >= end) {
      return "end of input";
    }
    return TextBytes.quote(buf, start, Math.max(start + 1, Math.min(e, end)));
  }
}
