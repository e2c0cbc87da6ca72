package io.promfed.storage.remote;

import java.nio.ByteBuffer;
import java.nio.charset.CharacterCodingException;
import java.nio.charset.CodingErrorAction;
import java.nio.charset.StandardCharsets;

/**
 * A cursor over protobuf wire format for the small remote-read messages, with the same strictness
 * as {@link WriteRequestDecoder}: truncated or overlong varints, lengths past the enclosing
 * message, field number 0, wrong wire types for known fields and strings that are not UTF-8 are
 * {@link DecodeException}s naming the offset; unknown fields are skipped by wire type. Offsets in
 * messages are relative to the start of the outermost message. Not thread-safe.
 */
final class ProtoReader {

  static final int WIRE_VARINT = 0;
  static final int WIRE_FIXED64 = 1;
  static final int WIRE_LEN = 2;
  static final int WIRE_START_GROUP = 3;
  static final int WIRE_END_GROUP = 4;
  static final int WIRE_FIXED32 = 5;

  private final byte[] buf;
  private final int base;
  int pos;

  ProtoReader(byte[] buf, int off) {
    this.buf = buf;
    this.base = off;
    this.pos = off;
  }

  /** Reads a tag; the field number is {@code tag >>> 3}, the wire type {@code tag & 7}. */
  int tag(int end) throws DecodeException {
    int at = pos;
    long tag = varint(end);
    if (tag >>> 32 != 0) {
      throw error(at, "tag " + Long.toUnsignedString(tag) + " does not fit 32 bits");
    }
    if (tag >>> 3 == 0) {
      throw error(at, "invalid field number 0");
    }
    return (int) tag;
  }

  void expectWire(int tagAt, String field, int wire, int want) throws DecodeException {
    if (wire != want) {
      throw error(tagAt, field + " has wire type " + wire + ", want " + want);
    }
  }

  long varint(int end) throws DecodeException {
    int at = pos;
    long v = 0;
    for (int shift = 0; shift < 64; shift += 7) {
      if (pos >= end) {
        throw error(at, "truncated varint");
      }
      int b = buf[pos++];
      if (shift == 63 && (b & 0xff) > 1) {
        throw error(at, "varint overflows 64 bits");
      }
      v |= (long) (b & 0x7f) << shift;
      if (b >= 0) {
        return v;
      }
    }
    throw error(at, "varint overflows 64 bits");
  }

  /** Reads a length prefix and returns the end of the bytes it announces. */
  int lengthEnd(int end) throws DecodeException {
    int at = pos;
    long len = varint(end);
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

  /** A length-delimited UTF-8 string. */
  String string(int end, String field) throws DecodeException {
    int stop = lengthEnd(end);
    int start = pos;
    pos = stop;
    try {
      return StandardCharsets.UTF_8
          .newDecoder()
          .onMalformedInput(CodingErrorAction.REPORT)
          .onUnmappableCharacter(CodingErrorAction.REPORT)
          .decode(ByteBuffer.wrap(buf, start, stop - start))
          .toString();
    } catch (CharacterCodingException e) {
      throw error(start, field + " is not valid UTF-8");
    }
  }

  /** Skips an unknown field's value. Groups (long deprecated) are refused rather than walked. */
  void skip(int tagAt, int field, int wire, int end) throws DecodeException {
    switch (wire) {
      case WIRE_VARINT -> varint(end);
      case WIRE_FIXED64 -> skipFixed(8, field, end);
      case WIRE_LEN -> pos = lengthEnd(end);
      case WIRE_FIXED32 -> skipFixed(4, field, end);
      default -> throw error(tagAt, "unsupported wire type " + wire + " for field " + field);
    }
  }

  private void skipFixed(int n, int field, int end) throws DecodeException {
    if (end - pos < n) {
      throw error(pos, "truncated fixed" + (n * 8) + " in field " + field);
    }
    pos += n;
  }

  DecodeException error(int at, String problem) {
    return new DecodeException("protobuf", at - base, problem);
  }
}
