package io.promfed.storage.remote;

import java.nio.ByteBuffer;
import java.nio.charset.CharacterCodingException;
import java.nio.charset.CharsetDecoder;
import java.nio.charset.CodingErrorAction;
import java.nio.charset.StandardCharsets;
import java.util.Arrays;

/**
 * Streams a remote-write 1.0 {@code prometheus.WriteRequest} (protobuf wire format, decoded by
 * hand; schema in {@link WriteRequestEncoder}) into a {@link Visitor}: one call per series with its
 * labels, then one call per sample with primitive {@code (t, v)}. No object is built per sample.
 *
 * <p>Follows protobuf's parsing rules: fields may come in any order (labels are gathered before the
 * series' samples are visited), a repeated scalar field keeps its last value, absent fields are
 * zero, and unknown fields are skipped by wire type, including Prometheus's {@code metadata} (3) of
 * the request and {@code exemplars} (3) and {@code histograms} (4) of a series. A known field with
 * the wrong wire type, a truncated or overlong varint, a length past its enclosing message, field
 * number 0, a stray end-group tag, or a string that is not UTF-8 (proto3 strings must be, and
 * protobuf-go rejects them too) is a {@link DecodeException} naming the offset and the problem.
 *
 * <p>Not thread-safe; reusable. The label array handed to the visitor is valid until it returns.
 */
public final class WriteRequestDecoder {

  /** Receives a decoded request; calls come in wire order. */
  public interface Visitor {

    /**
     * A new time series.
     *
     * @param namesAndValues alternating label names and values exactly as on the wire (order,
     *     duplicates and empty strings are not checked here); valid until this call returns
     * @param labelCount the number of labels: entries {@code [0, 2 * labelCount)} are set
     */
    void series(String[] namesAndValues, int labelCount) throws DecodeException;

    /** One sample of the current series. */
    void sample(long timestampMs, double value) throws DecodeException;

    /** The current series is complete. */
    default void endSeries() throws DecodeException {}
  }

  private static final int WIRE_VARINT = 0;
  private static final int WIRE_FIXED64 = 1;
  private static final int WIRE_LEN = 2;
  private static final int WIRE_START_GROUP = 3;
  private static final int WIRE_END_GROUP = 4;
  private static final int WIRE_FIXED32 = 5;

  /** Protobuf implementations bound recursion at 100; groups are the only nesting we skip. */
  private static final int MAX_GROUP_DEPTH = 100;

  private final CharsetDecoder utf8 =
      StandardCharsets.UTF_8
          .newDecoder()
          .onMalformedInput(CodingErrorAction.REPORT)
          .onUnmappableCharacter(CodingErrorAction.REPORT);

  private byte[] buf;
  private int base; // offset of the request in buf; error offsets are relative to it
  private int pos;
  private String[] pairs = new String[32];
  private int labelCount;

  /** A decoder; keep one per thread. */
  public WriteRequestDecoder() {}

  /**
   * Decodes {@code buf[off, off + len)} into {@code visitor}.
   *
   * @throws DecodeException on malformed input; the visitor may have seen a prefix of the request
   */
  public void decode(byte[] buf, int off, int len, Visitor visitor) throws DecodeException {
    if (off < 0 || len < 0 || off > buf.length - len) {
      throw new IndexOutOfBoundsException(
          "range [" + off + ", " + off + len + ") of " + buf.length);
    }
    this.buf = buf;
    this.base = off;
    this.pos = off;
    try {
      int end = off + len;
      while (pos < end) {
        int tagAt = pos;
        int tag = readTag(end);
        int field = tag >>> 3;
        int wire = tag & 7;
        if (field == 1) {
          expectWire(tagAt, "WriteRequest.timeseries", wire, WIRE_LEN);
          int tsEnd = readLengthEnd(end);
          timeSeries(pos, tsEnd, visitor);
          pos = tsEnd;
        } else {
          skip(tagAt, field, wire, end, 0);
        }
      }
    } finally {
      this.buf = null;
      Arrays.fill(pairs, 0, labelCount * 2, null);
      labelCount = 0;
    }
  }

  private void timeSeries(int start, int end, Visitor visitor) throws DecodeException {
    // Pass 1: the labels, wherever they are in the message.
    Arrays.fill(pairs, 0, labelCount * 2, null);
    labelCount = 0;
    while (pos < end) {
      int tagAt = pos;
      int tag = readTag(end);
      int field = tag >>> 3;
      int wire = tag & 7;
      if (field == 1) {
        expectWire(tagAt, "TimeSeries.labels", wire, WIRE_LEN);
        int labelEnd = readLengthEnd(end);
        label(labelEnd);
      } else if (field == 2) {
        expectWire(tagAt, "TimeSeries.samples", wire, WIRE_LEN);
        pos = readLengthEnd(end);
      } else {
        skip(tagAt, field, wire, end, 0);
      }
    }
    visitor.series(pairs, labelCount);
    // Pass 2: the samples. Tags and lengths were validated by pass 1.
    pos = start;
    while (pos < end) {
      int tag = readTag(end);
      int field = tag >>> 3;
      int wire = tag & 7;
      if (field == 2) {
        int sampleEnd = readLengthEnd(end);
        sample(sampleEnd, visitor);
      } else if (wire == WIRE_LEN) {
        pos = readLengthEnd(end);
      } else {
        skip(pos, field, wire, end, 0);
      }
    }
    visitor.endSeries();
  }

  private void label(int end) throws DecodeException {
    String name = "";
    String value = "";
    while (pos < end) {
      int tagAt = pos;
      int tag = readTag(end);
      int field = tag >>> 3;
      int wire = tag & 7;
      if (field == 1) {
        expectWire(tagAt, "Label.name", wire, WIRE_LEN);
        name = string(readLengthEnd(end), "Label.name");
      } else if (field == 2) {
        expectWire(tagAt, "Label.value", wire, WIRE_LEN);
        value = string(readLengthEnd(end), "Label.value");
      } else {
        skip(tagAt, field, wire, end, 0);
      }
    }
    if (labelCount * 2 == pairs.length) {
      pairs = Arrays.copyOf(pairs, pairs.length * 2);
    }
    pairs[labelCount * 2] = name;
    pairs[labelCount * 2 + 1] = value;
    labelCount++;
  }

  private void sample(int end, Visitor visitor) throws DecodeException {
    long bits = 0;
    long t = 0;
    while (pos < end) {
      int tagAt = pos;
      int tag = readTag(end);
      int field = tag >>> 3;
      int wire = tag & 7;
      if (field == 1) {
        expectWire(tagAt, "Sample.value", wire, WIRE_FIXED64);
        if (end - pos < 8) {
          throw error(pos, "truncated fixed64 for Sample.value");
        }
        bits = fixed64(pos);
        pos += 8;
      } else if (field == 2) {
        expectWire(tagAt, "Sample.timestamp", wire, WIRE_VARINT);
        t = readVarint(end);
      } else {
        skip(tagAt, field, wire, end, 0);
      }
    }
    // Raw bits: a stale marker (0x7ff0000000000002) must not be canonicalised.
    visitor.sample(t, Double.longBitsToDouble(bits));
  }

  private String string(int end, String what) throws DecodeException {
    int start = pos;
    pos = end;
    boolean ascii = true;
    for (int i = start; i < end; i++) {
      if (buf[i] < 0) {
        ascii = false;
        break;
      }
    }
    if (ascii) {
      // Latin-1 of ASCII bytes is the same text and skips the UTF-8 decoder (compact strings).
      return new String(buf, start, end - start, StandardCharsets.ISO_8859_1);
    }
    try {
      return utf8.reset().decode(ByteBuffer.wrap(buf, start, end - start)).toString();
    } catch (CharacterCodingException e) {
      throw error(start, what + " is not valid UTF-8");
    }
  }

  private void skip(int tagAt, int field, int wire, int end, int depth) throws DecodeException {
    switch (wire) {
      case WIRE_VARINT -> readVarint(end);
      case WIRE_FIXED64 -> {
        if (end - pos < 8) {
          throw error(pos, "truncated fixed64 in field " + field);
        }
        pos += 8;
      }
      case WIRE_LEN -> pos = readLengthEnd(end);
      case WIRE_FIXED32 -> {
        if (end - pos < 4) {
          throw error(pos, "truncated fixed32 in field " + field);
        }
        pos += 4;
      }
      case WIRE_START_GROUP -> {
        if (depth >= MAX_GROUP_DEPTH) {
          throw error(tagAt, "groups nested deeper than " + MAX_GROUP_DEPTH);
        }
        while (true) {
          if (pos >= end) {
            throw error(pos, "unterminated group " + field);
          }
          int innerAt = pos;
          int tag = readTag(end);
          int innerField = tag >>> 3;
          int innerWire = tag & 7;
          if (innerWire == WIRE_END_GROUP) {
            if (innerField != field) {
              throw error(innerAt, "end of group " + innerField + " inside group " + field);
            }
            return;
          }
          skip(innerAt, innerField, innerWire, end, depth + 1);
        }
      }
      case WIRE_END_GROUP -> throw error(tagAt, "unexpected end-group tag for field " + field);
      default -> throw error(tagAt, "invalid wire type " + wire + " for field " + field);
    }
  }

  private void expectWire(int tagAt, String what, int wire, int want) throws DecodeException {
    if (wire != want) {
      throw error(tagAt, what + " has wire type " + wire + ", want " + want);
    }
  }

  private int readTag(int end) throws DecodeException {
    int at = pos;
    long tag = readVarint(end);
    if (tag >>> 32 != 0) {
      throw error(at, "tag " + Long.toUnsignedString(tag) + " does not fit 32 bits");
    }
    if (tag >>> 3 == 0) {
      throw error(at, "invalid field number 0");
    }
    return (int) tag;
  }

  /** Reads a length prefix and returns the end of the bytes it announces. */
  private int readLengthEnd(int end) throws DecodeException {
    int at = pos;
    long len = readVarint(end);
    if (len < 0 || len > end - pos) {
      throw error(
          at,
          "length "
              + Long.toUnsignedString(len)
              + " exceeds the "
              + (end - pos)
              + " bytes left in the enclosing message");
    }
    return pos + (int) len;
  }

  private long readVarint(int end) throws DecodeException {
    int at = pos;
    long v = 0;
    for (int shift = 0; shift < 64; shift += 7) {
      if (pos >= end) {
        throw error(at, "truncated varint");
      }
      int b = buf[pos++];
      if (shift == 63 && (b & 0xff) > 1) {
        throw error(at, "varint overflows 64 bits"); // protowire's errCodeOverflow
      }
      v |= (long) (b & 0x7f) << shift;
      if (b >= 0) {
        return v;
      }
    }
    throw error(at, "varint overflows 64 bits");
  }

  private long fixed64(int p) {
    long v = 0;
    for (int i = 7; i >= 0; i--) {
      v = v << 8 | (buf[p + i] & 0xff);
    }
    return v;
  }

  private DecodeException error(int at, String problem) {
    return new DecodeException("protobuf", at - base, problem);
  }
}
