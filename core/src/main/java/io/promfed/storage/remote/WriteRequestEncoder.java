package io.promfed.storage.remote;

import io.promfed.model.labels.Labels;
import java.util.Arrays;

/**
 * Writes a remote-write 1.0 {@code prometheus.WriteRequest} in protobuf wire format, by hand (no
 * generated code): the schema of prometheus/prometheus {@code prompb/remote.proto} and {@code
 * prompb/types.proto} restricted to what the 1.0 spec defines.
 *
 * <pre>
 * WriteRequest { repeated TimeSeries timeseries = 1; }
 * TimeSeries   { repeated Label labels = 1; repeated Sample samples = 2; }
 * Label        { string name = 1; string value = 2; }
 * Sample       { double value = 1; int64 timestamp = 2; }
 * </pre>
 *
 * <p>Use: {@link #startSeries}, {@link #addSample} per sample, {@link #endSeries}; repeat; then
 * {@link #buffer()}/{@link #size()} or {@link #encodeSnappy(SnappyBlock)}. Samples of the open
 * series are kept in primitive arrays until {@link #endSeries()} (a nested message needs its length
 * before its bytes), so there is no object per sample. Values are written from their raw bits: a
 * stale marker leaves as exactly {@code 0x7ff0000000000002}. As in proto3 (and Prometheus's gogo
 * encoding), a zero timestamp and a value whose bits are all zero are omitted, which a decoder
 * reads back as the same defaults; unlike gogo's {@code != 0} test, {@code -0.0} keeps its sign.
 *
 * <p>Not thread-safe; reusable after {@link #reset()}. {@link #buffer()} is valid until the next
 * mutating call.
 */
public final class WriteRequestEncoder {

  // Tags: (field number << 3) | wire type (0 varint, 1 fixed64, 2 length-delimited).
  static final int TAG_TIMESERIES = 1 << 3 | 2;
  static final int TAG_LABELS = 1 << 3 | 2;
  static final int TAG_SAMPLES = 2 << 3 | 2;
  static final int TAG_LABEL_NAME = 1 << 3 | 2;
  static final int TAG_LABEL_VALUE = 2 << 3 | 2;
  static final int TAG_SAMPLE_VALUE = 1 << 3 | 1;
  static final int TAG_SAMPLE_TIMESTAMP = 2 << 3;

  private byte[] buf = new byte[4096];
  private int size;
  private int seriesCount;
  private long sampleCount;

  private Labels open; // the series between startSeries and endSeries, or null
  private long[] timestamps = new long[64];
  private long[] valueBits = new long[64];
  private int pending;

  /** An empty request. */
  public WriteRequestEncoder() {}

  /** Empties the request; buffers are kept. */
  public WriteRequestEncoder reset() {
    size = 0;
    seriesCount = 0;
    sampleCount = 0;
    open = null;
    pending = 0;
    return this;
  }

  /**
   * Opens a time series. {@code labels} are written in their (sorted) order; the spec requires
   * sorted, unique names and no empty values, which {@link Labels} guarantees.
   *
   * @throws IllegalStateException when a series is already open
   */
  public WriteRequestEncoder startSeries(Labels labels) {
    if (open != null) {
      throw new IllegalStateException("series " + open + " is still open");
    }
    open = labels;
    pending = 0;
    return this;
  }

  /** Adds a sample to the open series; samples of a series must be in timestamp order. */
  public WriteRequestEncoder addSample(long timestampMs, double value) {
    return addSampleBits(timestampMs, Double.doubleToRawLongBits(value));
  }

  /** {@link #addSample} with the value's raw IEEE-754 bits, as the queues keep them. */
  WriteRequestEncoder addSampleBits(long timestampMs, long bits) {
    if (open == null) {
      throw new IllegalStateException("no open series");
    }
    if (pending == timestamps.length) {
      timestamps = Arrays.copyOf(timestamps, pending * 2);
      valueBits = Arrays.copyOf(valueBits, pending * 2);
    }
    timestamps[pending] = timestampMs;
    valueBits[pending] = bits;
    pending++;
    return this;
  }

  /** Writes the open series with its samples. */
  public WriteRequestEncoder endSeries() {
    if (open == null) {
      throw new IllegalStateException("no open series");
    }
    Labels labels = open;
    int seriesLen = 0;
    for (int i = 0; i < labels.size(); i++) {
      int l = labelLength(labels.name(i), labels.value(i));
      seriesLen += 1 + varintSize(l) + l;
    }
    for (int i = 0; i < pending; i++) {
      int s = sampleLength(timestamps[i], valueBits[i]);
      seriesLen += 1 + varintSize(s) + s;
    }
    ensure(1 + varintSize(seriesLen) + seriesLen);
    buf[size++] = TAG_TIMESERIES;
    writeVarint(seriesLen);
    for (int i = 0; i < labels.size(); i++) {
      String name = labels.name(i);
      String value = labels.value(i);
      buf[size++] = TAG_LABELS;
      writeVarint(labelLength(name, value));
      writeString(TAG_LABEL_NAME, name);
      writeString(TAG_LABEL_VALUE, value);
    }
    for (int i = 0; i < pending; i++) {
      long t = timestamps[i];
      long bits = valueBits[i];
      buf[size++] = TAG_SAMPLES;
      writeVarint(sampleLength(t, bits));
      if (bits != 0) {
        buf[size++] = TAG_SAMPLE_VALUE;
        for (int b = 0; b < 8; b++) {
          buf[size++] = (byte) (bits >>> (8 * b)); // fixed64 is little-endian
        }
      }
      if (t != 0) {
        buf[size++] = TAG_SAMPLE_TIMESTAMP;
        writeVarint(t); // int64 is a plain varint: negative values take 10 bytes
      }
    }
    seriesCount++;
    sampleCount += pending;
    open = null;
    pending = 0;
    return this;
  }

  /** Writes one whole series: {@code timestampsMs[i]} with {@code values[i]}. */
  public WriteRequestEncoder addSeries(Labels labels, long[] timestampsMs, double[] values) {
    if (timestampsMs.length != values.length) {
      throw new IllegalArgumentException(
          timestampsMs.length + " timestamps but " + values.length + " values");
    }
    startSeries(labels);
    for (int i = 0; i < values.length; i++) {
      addSample(timestampsMs[i], values[i]);
    }
    return endSeries();
  }

  /** Encoded bytes so far: {@code buffer()[0, size())}. */
  public byte[] buffer() {
    return buf;
  }

  /** Number of encoded bytes. */
  public int size() {
    return size;
  }

  /** Number of series written (closed) so far. */
  public int seriesCount() {
    return seriesCount;
  }

  /** Number of samples written (in closed series) so far. */
  public long sampleCount() {
    return sampleCount;
  }

  /** A copy of the encoded request. */
  public byte[] toByteArray() {
    return Arrays.copyOf(buf, size);
  }

  /** The request compressed with {@code snappy}: an HTTP body ready to send. */
  public byte[] encodeSnappy(SnappyBlock snappy) {
    if (open != null) {
      throw new IllegalStateException("series " + open + " is still open");
    }
    return snappy.encode(buf, 0, size);
  }

  /**
   * A complete remote-write HTTP body (Snappy-compressed {@code WriteRequest}) holding one series,
   * so tests anywhere can post exact data sets.
   */
  public static byte[] encodeSnappy(Labels labels, long[] timestampsMs, double[] values) {
    return new WriteRequestEncoder()
        .addSeries(labels, timestampsMs, values)
        .encodeSnappy(new SnappyBlock());
  }

  private static int labelLength(String name, String value) {
    int n = utf8Length(name);
    int v = utf8Length(value);
    return 1 + varintSize(n) + n + 1 + varintSize(v) + v;
  }

  private static int sampleLength(long t, long bits) {
    return (bits != 0 ? 9 : 0) + (t != 0 ? 1 + varintSize(t) : 0);
  }

  static int varintSize(long v) {
    // 1 byte per started 7 bits; 0 still takes one byte, negative numbers take all 10.
    return v == 0 ? 1 : (63 - Long.numberOfLeadingZeros(v)) / 7 + 1;
  }

  /** UTF-8 length; an unpaired surrogate counts as {@code '?'}, as {@link String#getBytes} does. */
  static int utf8Length(String s) {
    int n = s.length();
    int len = n;
    for (int i = 0; i < n; i++) {
      char c = s.charAt(i);
      if (c < 0x80) {
        continue;
      }
      if (c < 0x800) {
        len += 1;
      } else if (Character.isHighSurrogate(c)
          && i + 1 < n
          && Character.isLowSurrogate(s.charAt(i + 1))) {
        len += 2; // 4 bytes for 2 chars
        i++;
      } else if (Character.isSurrogate(c)) {
        // '?': 1 byte, already counted
      } else {
        len += 2;
      }
    }
    return len;
  }

  private void writeString(int tag, String s) {
    buf[size++] = (byte) tag;
    writeVarint(utf8Length(s));
    for (int i = 0, n = s.length(); i < n; i++) {
      char c = s.charAt(i);
      if (c < 0x80) {
        buf[size++] = (byte) c;
      } else if (c < 0x800) {
        buf[size++] = (byte) (0xc0 | c >> 6);
        buf[size++] = (byte) (0x80 | c & 0x3f);
      } else if (Character.isHighSurrogate(c)
          && i + 1 < n
          && Character.isLowSurrogate(s.charAt(i + 1))) {
        int cp = Character.toCodePoint(c, s.charAt(++i));
        buf[size++] = (byte) (0xf0 | cp >> 18);
        buf[size++] = (byte) (0x80 | cp >> 12 & 0x3f);
        buf[size++] = (byte) (0x80 | cp >> 6 & 0x3f);
        buf[size++] = (byte) (0x80 | cp & 0x3f);
      } else if (Character.isSurrogate(c)) {
        buf[size++] = '?';
      } else {
        buf[size++] = (byte) (0xe0 | c >> 12);
        buf[size++] = (byte) (0x80 | c >> 6 & 0x3f);
        buf[size++] = (byte) (0x80 | c & 0x3f);
      }
    }
  }

  private void writeVarint(long v) {
    while ((v & ~0x7fL) != 0) {
      buf[size++] = (byte) (v & 0x7f | 0x80);
      v >>>= 7;
    }
    buf[size++] = (byte) v;
  }

  private void ensure(int extra) {
    if (extra > buf.length - size) {
      long want = Math.max((long) buf.length * 2, (long) size + extra);
      if (want > Integer.MAX_VALUE - 8) {
        throw new IllegalStateException("write request larger than 2 GiB");
      }
      buf = Arrays.copyOf(buf, (int) want);
    }
  }
}
