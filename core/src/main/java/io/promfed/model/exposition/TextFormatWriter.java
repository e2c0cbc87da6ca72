package io.promfed.model.exposition;

import io.promfed.model.labels.Labels;
import java.io.Flushable;
import java.io.IOException;
import java.io.OutputStream;
import java.nio.charset.StandardCharsets;

/**
 * Writes the Prometheus text exposition format 0.0.4, byte for byte as prometheus/common's
 * expfmt/text_create.go does ({@code MetricFamilyToText}), into a reused buffer that is flushed to
 * an {@link OutputStream}. It is what {@code /federate} and our own {@code /metrics} emit.
 *
 * <ul>
 *   <li>{@code # HELP name text}: the text escapes {@code \} as {@code \\} and newline as {@code
 *       \n}.
 *   <li>{@code # TYPE name type}.
 *   <li>{@code name{a="1",b="2"} value [timestampMs]}: label values escape {@code \}, {@code "} and
 *       newline; values are formatted by {@link GoFloatFormat#appendText} ({@code 2.5e+07}, {@code
 *       +Inf}, {@code NaN}); timestamps are integer milliseconds.
 *   <li>A metric name that is not a legacy name ({@code [a-zA-Z_:][a-zA-Z0-9_:]*}) is written
 *       quoted inside the braces ({@code {"my.metric",a="1"}}), a label name that is not a legacy
 *       label name ({@code [a-zA-Z_][a-zA-Z0-9_]*}) is written quoted ({@code "a.b"="1"}), as
 *       expfmt does for UTF-8 names. (expfmt tests label names against the metric-name rule, so it
 *       would leave {@code a:b} unquoted, which no parser reads back; we quote it.)
 * </ul>
 *
 * <p>Characters are encoded as UTF-8 with an ASCII fast path; an unpaired surrogate becomes {@code
 * ?}, as {@link String#getBytes} does. Nothing is allocated per sample. Bytes reach the stream when
 * the buffer fills and on {@link #flush()}; the writer never closes the stream. Not thread-safe:
 * one writer per response.
 *
 * <p>Samples are written either whole ({@link #writeSample}) or piecewise, which lets {@code
 * /federate} append external labels after a series' own: {@link #beginSample}, then {@link #label}
 * (or {@link #labels}) any number of times, then {@link #endSample}.
 */
public final class TextFormatWriter implements Flushable {

  /** The default buffer size, 64 KiB. */
  public static final int DEFAULT_BUFFER_SIZE_BYTES = 64 * 1024;

  private static final int MIN_BUFFER_SIZE_BYTES = 64;

  private final OutputStream out;
  private final byte[] buf;
  private int pos;
  private long flushedBytes;

  /** The separator before the next label: '{' for the first, ',' after; 0 outside a sample. */
  private byte separator;

  /** A writer with a {@value #DEFAULT_BUFFER_SIZE_BYTES}-byte buffer. */
  public TextFormatWriter(OutputStream out) {
    this(out, DEFAULT_BUFFER_SIZE_BYTES);
  }

  /** A writer with a buffer of {@code bufferSizeBytes} (at least 64). */
  public TextFormatWriter(OutputStream out, int bufferSizeBytes) {
    if (bufferSizeBytes < MIN_BUFFER_SIZE_BYTES) {
      throw new IllegalArgumentException(
          "buffer of " + bufferSizeBytes + " bytes is below " + MIN_BUFFER_SIZE_BYTES);
    }
    this.out = out;
    this.buf = new byte[bufferSizeBytes];
  }

  /** Bytes written so far, flushed or still buffered. */
  public long bytesWritten() {
    return flushedBytes + pos;
  }

  /** Writes {@code # HELP name help}, escaping backslash and newline in the help text. */
  public TextFormatWriter writeHelp(String metricName, String help) throws IOException {
    return writeComment("# HELP ", metricName, help);
  }

  /** Writes {@code # TYPE name type}; {@code type} is written as given (counter, untyped, …). */
  public TextFormatWriter writeType(String metricName, String type) throws IOException {
    return writeComment("# TYPE ", metricName, type);
  }

  private TextFormatWriter writeComment(String prefix, String metricName, String text)
      throws IOException {
    ensureOutsideSample();
    writeAscii(prefix);
    writeName(metricName, true);
    writeByte((byte) ' ');
    writeEscaped(text, false);
    writeByte((byte) '\n');
    return this;
  }

  /** Writes a sample without a timestamp: the metric name from {@code __name__}, then labels. */
  public void writeSample(Labels labels, double value) throws IOException {
    beginSample(labels.metricName());
    labels(labels);
    endSample(value);
  }

  /** Writes a sample with a millisecond timestamp. */
  public void writeSample(Labels labels, double value, long timestampMs) throws IOException {
    beginSample(labels.metricName());
    labels(labels);
    endSample(value, timestampMs);
  }

  /**
   * Starts a sample line with its metric name ({@code null} or empty for none: the line then starts
   * with the label block).
   */
  public TextFormatWriter beginSample(String metricName) throws IOException {
    ensureOutsideSample();
    separator = '{';
    if (metricName != null && !metricName.isEmpty()) {
      if (!tryWriteLegacyName(metricName, true)) {
        // expfmt writeNameAndLabelPairs: a UTF-8 name goes first inside the braces, quoted.
        writeByte((byte) '{');
        writeName(metricName, true);
        separator = ',';
      }
    }
    return this;
  }

  /** Adds {@code name="value"} to the current sample. */
  public TextFormatWriter label(String name, String value) throws IOException {
    if (separator == 0) {
      throw new IllegalStateException("label() outside beginSample()/endSample()");
    }
    writeByte(separator);
    separator = ',';
    writeName(name, false);
    writeByte((byte) '=');
    writeByte((byte) '"');
    writeEscaped(value, true);
    writeByte((byte) '"');
    return this;
  }

  /** Adds every label of {@code labels} except {@code __name__}, in their (sorted) order. */
  public TextFormatWriter labels(Labels labels) throws IOException {
    for (int i = 0, n = labels.size(); i < n; i++) {
      String name = labels.name(i);
      if (!Labels.METRIC_NAME.equals(name)) {
        label(name, labels.value(i));
      }
    }
    return this;
  }

  /** Ends the current sample with its value and no timestamp. */
  public void endSample(double value) throws IOException {
    closeLabels();
    ensure(GoFloatFormat.MAX_LENGTH + 1);
    pos = GoFloatFormat.appendText(value, buf, pos);
    buf[pos++] = '\n';
  }

  /** Ends the current sample with its value and a millisecond timestamp. */
  public void endSample(double value, long timestampMs) throws IOException {
    closeLabels();
    ensure(GoFloatFormat.MAX_LENGTH + 22);
    pos = GoFloatFormat.appendText(value, buf, pos);
    buf[pos++] = ' ';
    pos = appendLong(timestampMs, buf, pos);
    buf[pos++] = '\n';
  }

  /** Writes buffered bytes to the stream and flushes it. */
  @Override
  public void flush() throws IOException {
    drain();
    out.flush();
  }

  // ---------------------------------------------------------------------------------------------

  private void ensureOutsideSample() {
    if (separator != 0) {
      throw new IllegalStateException("previous sample not ended with endSample()");
    }
  }

  private void closeLabels() throws IOException {
    if (separator == 0) {
      throw new IllegalStateException("endSample() without beginSample()");
    }
    if (separator == ',') { // something was written inside braces
      writeByte((byte) '}');
    }
    separator = 0;
    writeByte((byte) ' ');
  }

  private void drain() throws IOException {
    if (pos > 0) {
      out.write(buf, 0, pos);
      flushedBytes += pos;
      pos = 0;
    }
  }

  private void ensure(int n) throws IOException {
    if (pos + n > buf.length) {
      drain();
    }
  }

  private void writeByte(byte b) throws IOException {
    if (pos == buf.length) {
      drain();
    }
    buf[pos++] = b;
  }

  private void writeAscii(String s) throws IOException {
    int n = s.length();
    int i = 0;
    while (i < n) {
      if (pos == buf.length) {
        drain();
      }
      int chunk = Math.min(n - i, buf.length - pos);
      for (int k = 0; k < chunk; k++) {
        buf[pos++] = (byte) s.charAt(i++);
      }
    }
  }

  /** A name as is when legal unquoted, else quoted and escaped (expfmt writeName). */
  private void writeName(String name, boolean metricName) throws IOException {
    if (!tryWriteLegacyName(name, metricName)) {
      writeByte((byte) '"');
      writeEscaped(name, true);
      writeByte((byte) '"');
    }
  }

  // Character classes of legacy names, for chars below 128.
  private static final byte METRIC_FIRST = 1;
  private static final byte METRIC_REST = 2;
  private static final byte LABEL_FIRST = 4;
  private static final byte LABEL_REST = 8;
  private static final byte[] NAME_CLASSES = new byte[128];

  static {
    for (int c = 0; c < 128; c++) {
      boolean letter = (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || c == '_';
      boolean digit = c >= '0' && c <= '9';
      int k = 0;
      if (letter || c == ':') {
        k |= METRIC_FIRST | METRIC_REST;
      }
      if (digit) {
        k |= METRIC_REST | LABEL_REST;
      }
      if (letter) {
        k |= LABEL_FIRST | LABEL_REST;
      }
      NAME_CLASSES[c] = (byte) k;
    }
  }

  /**
   * Writes {@code name} unquoted and returns true if it is a legacy metric name ({@code
   * [a-zA-Z_:][a-zA-Z0-9_:]*}) or label name ({@code [a-zA-Z_][a-zA-Z0-9_]*}); otherwise writes
   * nothing and returns false. Checking and copying in one pass is what makes it worth a method.
   */
  private boolean tryWriteLegacyName(String name, boolean metricName) throws IOException {
    int n = name.length();
    if (n == 0) {
      return false;
    }
    byte first = metricName ? METRIC_FIRST : LABEL_FIRST;
    byte rest = metricName ? METRIC_REST : LABEL_REST;
    if (n > buf.length - pos) {
      drain();
      if (n > buf.length) { // longer than the whole buffer: check first, then copy in pieces
        for (int i = 0; i < n; i++) {
          char c = name.charAt(i);
          if (c >= 128 || (NAME_CLASSES[c] & (i == 0 ? first : rest)) == 0) {
            return false;
          }
        }
        writeAscii(name);
        return true;
      }
    }
    byte[] b = buf;
    int p = pos;
    char c0 = name.charAt(0);
    if (c0 >= 128 || (NAME_CLASSES[c0] & first) == 0) {
      return false;
    }
    b[p++] = (byte) c0;
    for (int i = 1; i < n; i++) {
      char c = name.charAt(i);
      if (c >= 128 || (NAME_CLASSES[c] & rest) == 0) {
        return false; // pos untouched: the bytes copied so far are simply overwritten later
      }
      b[p++] = (byte) c;
    }
    pos = p;
    return true;
  }

  /**
   * UTF-8 encodes {@code s}, escaping {@code \} and newline, and {@code "} if {@code quote}
   * (expfmt's escaper and quotedEscaper). Works in chunks that fit the buffer: a char needs at most
   * 3 bytes, a surrogate pair 4 for 2 chars, so a chunk of (room - 4) / 3 chars never overflows.
   */
  private void writeEscaped(String s, boolean quote) throws IOException {
    int n = s.length();
    int i = 0;
    while (i < n) {
      if (buf.length - pos < 16) {
        drain();
      }
      int limit = Math.min(n, i + (buf.length - pos - 4) / 3);
      byte[] b = buf;
      int p = pos;
      while (i < limit) {
        char c = s.charAt(i++);
        if (c < 0x80) {
          if (c == '\\') {
            b[p++] = '\\';
            b[p++] = '\\';
          } else if (c == '\n') {
            b[p++] = '\\';
            b[p++] = 'n';
          } else if (c == '"' && quote) {
            b[p++] = '\\';
            b[p++] = '"';
          } else {
            b[p++] = (byte) c;
          }
        } else if (c < 0x800) {
          b[p++] = (byte) (0xc0 | (c >> 6));
          b[p++] = (byte) (0x80 | (c & 0x3f));
        } else if (Character.isSurrogate(c)) {
          if (Character.isHighSurrogate(c) && i < n && Character.isLowSurrogate(s.charAt(i))) {
            int cp = Character.toCodePoint(c, s.charAt(i++));
            b[p++] = (byte) (0xf0 | (cp >> 18));
            b[p++] = (byte) (0x80 | ((cp >> 12) & 0x3f));
            b[p++] = (byte) (0x80 | ((cp >> 6) & 0x3f));
            b[p++] = (byte) (0x80 | (cp & 0x3f));
          } else {
            b[p++] = '?';
          }
        } else {
          b[p++] = (byte) (0xe0 | (c >> 12));
          b[p++] = (byte) (0x80 | ((c >> 6) & 0x3f));
          b[p++] = (byte) (0x80 | (c & 0x3f));
        }
      }
      pos = p;
    }
  }

  private static final byte[] LONG_MIN = "-9223372036854775808".getBytes(StandardCharsets.US_ASCII);

  /** "00" … "99": two digits per division when writing integers. */
  static final byte[] DIGIT_PAIRS = new byte[200];

  static {
    for (int i = 0; i < 100; i++) {
      DIGIT_PAIRS[2 * i] = (byte) ('0' + i / 10);
      DIGIT_PAIRS[2 * i + 1] = (byte) ('0' + i % 10);
    }
  }

  /** strconv.AppendInt(dst, v, 10). */
  static int appendLong(long v, byte[] dst, int pos) {
    if (v == Long.MIN_VALUE) {
      System.arraycopy(LONG_MIN, 0, dst, pos, LONG_MIN.length);
      return pos + LONG_MIN.length;
    }
    if (v < 0) {
      dst[pos++] = '-';
      v = -v;
    }
    int len = 1;
    for (long p = 10; len < 19 && v >= p; p *= 10) {
      len++;
    }
    int i = pos + len;
    while (v >= 100) {
      int r = (int) (v % 100) * 2;
      v /= 100;
      dst[--i] = DIGIT_PAIRS[r + 1];
      dst[--i] = DIGIT_PAIRS[r];
    }
    if (v >= 10) {
      int r = (int) v * 2;
      dst[--i] = DIGIT_PAIRS[r + 1];
      dst[--i] = DIGIT_PAIRS[r];
    } else {
      dst[--i] = (byte) ('0' + v);
    }
    return pos + len;
  }
}
