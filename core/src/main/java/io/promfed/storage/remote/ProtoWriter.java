package io.promfed.storage.remote;

import java.nio.charset.StandardCharsets;
import java.util.Arrays;

/**
 * A growable protobuf wire-format buffer for the small remote-read messages (requests and the
 * envelope of responses; the bulk of a response, its time series, is written by {@link
 * WriteRequestEncoder}). proto3 rules: scalar fields at their zero value are omitted. A nested
 * message is written into its own writer first and appended with {@link #message}, since its
 * length precedes it. Not thread-safe.
 */
final class ProtoWriter {

  static final int WIRE_VARINT = 0;
  static final int WIRE_LEN = 2;

  private byte[] buf = new byte[64];
  private int size;

  /** An int64 or enum field as a varint; omitted when 0. */
  ProtoWriter int64(int field, long v) {
    if (v != 0) {
      tag(field, WIRE_VARINT);
      varint(v);
    }
    return this;
  }

  /** A bool field; omitted when false. */
  ProtoWriter bool(int field, boolean v) {
    return int64(field, v ? 1 : 0);
  }

  /** A string field; omitted when empty. */
  ProtoWriter string(int field, String s) {
    if (!s.isEmpty()) {
      byte[] b = s.getBytes(StandardCharsets.UTF_8);
      bytes(field, b, 0, b.length);
    }
    return this;
  }

  /** A length-delimited field, written even when empty (a repeated message element). */
  ProtoWriter bytes(int field, byte[] b, int off, int len) {
    tag(field, WIRE_LEN);
    varint(len);
    ensure(len);
    System.arraycopy(b, off, buf, size, len);
    size += len;
    return this;
  }

  /** A nested message field. */
  ProtoWriter message(int field, ProtoWriter m) {
    return bytes(field, m.buf, 0, m.size);
  }

  /** A packed repeated varint field (proto3's default for repeated scalars); omitted when empty. */
  ProtoWriter packed(int field, int[] values) {
    if (values.length == 0) {
      return this;
    }
    ProtoWriter p = new ProtoWriter();
    for (int v : values) {
      p.varint(v);
    }
    return message(field, p);
  }

  byte[] toByteArray() {
    return Arrays.copyOf(buf, size);
  }

  int size() {
    return size;
  }

  private void tag(int field, int wire) {
    varint((long) field << 3 | wire);
  }

  void varint(long v) {
    ensure(10);
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
        throw new IllegalStateException("protobuf message larger than 2 GiB");
      }
      buf = Arrays.copyOf(buf, (int) want);
    }
  }
}
