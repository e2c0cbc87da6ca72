package io.promfed.web.api;

import io.promfed.model.exposition.GoFloatFormat;
import io.promfed.model.labels.Labels;
import java.io.IOException;
import java.io.OutputStream;

/**
 * A compact streaming JSON writer that produces the bytes Prometheus's API writes: the
 * json-iterator encoder of web/api/v1/json_codec.go and the number formats of
 * util/jsonutil/marshal.go. It writes UTF-8 into one reused buffer that is flushed to the output
 * whenever it fills, so a matrix of millions of points costs no allocation per point and no more
 * memory than the buffer.
 *
 * <p>Commas are inserted automatically: call {@link #name} before each member of an object and a
 * value method for each value. Strings come in the three escapings Prometheus's output mixes:
 *
 * <ul>
 *   <li>{@link #string}: json-iterator's standard string encoder with {@code EscapeHTML} ({@code
 *       jsoniter.ConfigCompatibleWithStandardLibrary}), used for every plain Go {@code string} in a
 *       response (label names and values lists, errors, warnings, help texts, URLs): {@code < > &}
 *       become <code>&#92;u003c &#92;u003e &#92;u0026</code>, controls other than {@code \n \r \t}
 *       become <code>&#92;u00XX</code>, U+2028/U+2029 are escaped.
 *   <li>{@link #labelString}: json-iterator's {@code Stream.WriteString}, which json_codec.go uses
 *       for label names and values inside {@code metric}, series and target label sets: only
 *       quotes, backslashes and controls are escaped.
 *   <li>{@link #goJsonString}: Go's {@code encoding/json} (Go 1.22 and later), which Prometheus
 *       reaches through {@code promql.String.MarshalJSON}: like {@link #string} but with {@code \b}
 *       and {@code \f} written short.
 * </ul>
 *
 * <p>Not thread-safe; one writer per response. Nothing reaches the stream before {@link #flush()}
 * or a full buffer.
 */
public final class JsonWriter {

  private static final byte[] HEX =
      "0123456789abcdef".getBytes(java.nio.charset.StandardCharsets.US_ASCII);
  private static final int BUFFER_BYTES = 16 * 1024;
  private static final int MAX_DEPTH = 64;

  private static final int ESCAPE_HTML = 0;
  private static final int ESCAPE_LABEL = 1;
  private static final int ESCAPE_GO_JSON = 2;

  private final OutputStream out;
  private final byte[] buf = new byte[BUFFER_BYTES];
  private int pos;

  /** Whether the container at each depth already holds a value (so the next needs a comma). */
  private final boolean[] hasValue = new boolean[MAX_DEPTH];

  private int depth;
  private boolean afterName;

  public JsonWriter(OutputStream out) {
    this.out = out;
  }

  // --- structure ------------------------------------------------------------------------------

  public JsonWriter beginObject() throws IOException {
    beforeValue();
    push();
    writeByte('{');
    return this;
  }

  public JsonWriter endObject() throws IOException {
    depth--;
    writeByte('}');
    return this;
  }

  public JsonWriter beginArray() throws IOException {
    beforeValue();
    push();
    writeByte('[');
    return this;
  }

  public JsonWriter endArray() throws IOException {
    depth--;
    writeByte(']');
    return this;
  }

  /** Starts an object member; the next call writes its value. The name is HTML-escaped. */
  public JsonWriter name(String name) throws IOException {
    comma();
    writeString(name, ESCAPE_HTML);
    writeByte(':');
    afterName = true;
    return this;
  }

  // --- values ---------------------------------------------------------------------------------

  /**
   * A label set as an object of names to values in label order (json_codec.go {@code
   * marshalLabelsJSON}, with {@link #labelString} escaping).
   */
  public JsonWriter labels(Labels labels) throws IOException {
    beginObject();
    for (int i = 0; i < labels.size(); i++) {
      comma();
      writeString(labels.name(i), ESCAPE_LABEL);
      writeByte(':');
      writeString(labels.value(i), ESCAPE_LABEL);
    }
    return endObject();
  }

  /** A plain Go string as json-iterator's standard-library-compatible encoder writes it. */
  public JsonWriter string(String s) throws IOException {
    beforeValue();
    writeString(s, ESCAPE_HTML);
    return this;
  }

  /** A label name or value inside a label set (json_codec.go {@code marshalLabelsJSON}). */
  public JsonWriter labelString(String s) throws IOException {
    beforeValue();
    writeString(s, ESCAPE_LABEL);
    return this;
  }

  /** A string as Go's {@code encoding/json} writes it ({@code promql.String.MarshalJSON}). */
  public JsonWriter goJsonString(String s) throws IOException {
    beforeValue();
    writeString(s, ESCAPE_GO_JSON);
    return this;
  }

  public JsonWriter number(long v) throws IOException {
    beforeValue();
    writeLong(v);
    return this;
  }

  /**
   * A {@code float64} as a JSON number, as json-iterator's {@code WriteFloat64} (and {@code
   * encoding/json}) write it: shortest {@code 'f'}, or {@code 'e'} below 1e-6 and from 1e21 up with
   * a one-digit exponent written {@code e-7}, not {@code e-07}. NaN and infinities cannot be JSON
   * numbers; Go fails the whole response for them, we write {@code null}.
   */
  public JsonWriter number(double v) throws IOException {
    beforeValue();
    if (!Double.isFinite(v)) {
      writeAscii("null");
      return this;
    }
    ensure(GoFloatFormat.MAX_LENGTH);
    int n = GoFloatFormat.appendJson(v, buf, pos);
    // Go's 'e' format pads the exponent to two digits; the JSON encoders strip that padding.
    if (n - pos >= 4 && buf[n - 4] == 'e' && buf[n - 3] == '-' && buf[n - 2] == '0') {
      buf[n - 2] = buf[n - 1];
      n--;
    }
    pos = n;
    return this;
  }

  /**
   * A sample value: jsonutil {@code MarshalFloat}, a quoted string in {@code 'f'} format, or {@code
   * 'e'} below 1e-6 and from 1e21 up, with {@code NaN}, {@code +Inf}, {@code -Inf}.
   */
  public JsonWriter sampleValue(double v) throws IOException {
    beforeValue();
    ensure(GoFloatFormat.MAX_LENGTH + 2);
    buf[pos++] = '"';
    pos = GoFloatFormat.appendJson(v, buf, pos);
    buf[pos++] = '"';
    return this;
  }

  /**
   * A sample timestamp: jsonutil {@code MarshalTimestamp}, seconds with the milliseconds as up to
   * three fraction digits, written from the integer without going through a double.
   */
  public JsonWriter timestamp(long timestampMs) throws IOException {
    beforeValue();
    ensure(24);
    long t = timestampMs;
    if (t < 0) {
      buf[pos++] = '-';
      t = -t;
    }
    writeLong(t / 1000);
    long fraction = t % 1000;
    if (fraction != 0) {
      buf[pos++] = '.';
      if (fraction < 100) {
        buf[pos++] = '0';
      }
      if (fraction < 10) {
        buf[pos++] = '0';
      }
      writeLong(fraction);
    }
    return this;
  }

  public JsonWriter bool(boolean v) throws IOException {
    beforeValue();
    writeAscii(v ? "true" : "false");
    return this;
  }

  public JsonWriter nullValue() throws IOException {
    beforeValue();
    writeAscii("null");
    return this;
  }

  /** Writes buffered bytes to the stream (it is not flushed itself). */
  public void flush() throws IOException {
    if (pos > 0) {
      out.write(buf, 0, pos);
      pos = 0;
    }
  }

  // --- internals ------------------------------------------------------------------------------

  private void push() {
    if (++depth >= MAX_DEPTH) {
      throw new IllegalStateException("JSON nested deeper than " + MAX_DEPTH);
    }
    hasValue[depth] = false;
  }

  private void beforeValue() throws IOException {
    if (afterName) {
      afterName = false;
      return;
    }
    comma();
  }

  private void comma() throws IOException {
    if (depth > 0) {
      if (hasValue[depth]) {
        writeByte(',');
      }
      hasValue[depth] = true;
    }
  }

  private void ensure(int n) throws IOException {
    if (pos + n > buf.length) {
      flush();
    }
  }

  private void writeByte(int b) throws IOException {
    if (pos == buf.length) {
      flush();
    }
    buf[pos++] = (byte) b;
  }

  private void writeAscii(String s) throws IOException {
    ensure(s.length());
    for (int i = 0; i < s.length(); i++) {
      buf[pos++] = (byte) s.charAt(i);
    }
  }

  private void writeLong(long v) throws IOException {
    ensure(20);
    if (v == Long.MIN_VALUE) {
      writeAscii("-9223372036854775808");
      return;
    }
    if (v < 0) {
      buf[pos++] = '-';
      v = -v;
    }
    int start = pos;
    do {
      buf[pos++] = (byte) ('0' + (v % 10));
      v /= 10;
    } while (v != 0);
    for (int i = start, j = pos - 1; i < j; i++, j--) {
      byte t = buf[i];
      buf[i] = buf[j];
      buf[j] = t;
    }
  }

  /** Writes {@code s} quoted, UTF-8 encoded, with the given escaping; see the class comment. */
  private void writeString(String s, int mode) throws IOException {
    writeByte('"');
    int n = s.length();
    for (int i = 0; i < n; i++) {
      char c = s.charAt(i);
      if (c < 0x80) {
        writeAsciiChar(c, mode);
      } else if (c < 0x800) {
        ensure(2);
        buf[pos++] = (byte) (0xc0 | (c >> 6));
        buf[pos++] = (byte) (0x80 | (c & 0x3f));
      } else if (Character.isSurrogate(c)) {
        if (Character.isHighSurrogate(c)
            && i + 1 < n
            && Character.isLowSurrogate(s.charAt(i + 1))) {
          int cp = Character.toCodePoint(c, s.charAt(++i));
          ensure(4);
          buf[pos++] = (byte) (0xf0 | (cp >> 18));
          buf[pos++] = (byte) (0x80 | ((cp >> 12) & 0x3f));
          buf[pos++] = (byte) (0x80 | ((cp >> 6) & 0x3f));
          buf[pos++] = (byte) (0x80 | (cp & 0x3f));
        } else {
          // A lone surrogate is what invalid UTF-8 becomes in Java. Go escapes invalid bytes as
          // U+FFFD when escaping HTML and copies them otherwise; we can only write U+FFFD.
          if (mode == ESCAPE_LABEL) {
            writeUtf8Bmp('\ufffd');
          } else {
            writeAscii("\\ufffd");
          }
        }
      } else if ((c == '\u2028' || c == '\u2029') && mode != ESCAPE_LABEL) {
        writeAscii(c == '\u2028' ? "\\u2028" : "\\u2029");
      } else {
        writeUtf8Bmp(c);
      }
    }
    writeByte('"');
  }

  private void writeUtf8Bmp(char c) throws IOException {
    ensure(3);
    buf[pos++] = (byte) (0xe0 | (c >> 12));
    buf[pos++] = (byte) (0x80 | ((c >> 6) & 0x3f));
    buf[pos++] = (byte) (0x80 | (c & 0x3f));
  }

  private void writeAsciiChar(char c, int mode) throws IOException {
    ensure(6);
    switch (c) {
      case '"', '\\' -> {
        buf[pos++] = '\\';
        buf[pos++] = (byte) c;
      }
      case '\n' -> {
        buf[pos++] = '\\';
        buf[pos++] = 'n';
      }
      case '\r' -> {
        buf[pos++] = '\\';
        buf[pos++] = 'r';
      }
      case '\t' -> {
        buf[pos++] = '\\';
        buf[pos++] = 't';
      }
      case '\b', '\f' -> {
        if (mode == ESCAPE_GO_JSON) {
          buf[pos++] = '\\';
          buf[pos++] = (byte) (c == '\b' ? 'b' : 'f');
        } else {
          unicodeEscape(c);
        }
      }
      case '<', '>', '&' -> {
        if (mode == ESCAPE_LABEL) {
          buf[pos++] = (byte) c;
        } else {
          unicodeEscape(c);
        }
      }
      default -> {
        if (c < 0x20) {
          unicodeEscape(c);
        } else {
          buf[pos++] = (byte) c;
        }
      }
    }
  }

  private void unicodeEscape(char c) {
    buf[pos++] = '\\';
    buf[pos++] = 'u';
    buf[pos++] = '0';
    buf[pos++] = '0';
    buf[pos++] = HEX[c >> 4];
    buf[pos++] = HEX[c & 0xf];
  }
}
