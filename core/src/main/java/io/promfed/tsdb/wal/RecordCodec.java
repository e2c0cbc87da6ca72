package io.promfed.tsdb.wal;

import io.promfed.model.labels.Labels;
import io.promfed.storage.MetricMetadata;
import java.lang.invoke.MethodHandles;
import java.lang.invoke.VarHandle;
import java.nio.ByteOrder;
import java.util.Arrays;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;

/**
 * The payloads of WAL and checkpoint records, in the spirit of Prometheus's tsdb/record: the first
 * byte is the type, integers are varints, timestamps within a samples record are deltas, values
 * are raw IEEE 754 bits (so stale markers keep their NaN payload). Series are identified by the
 * reference the writer gave them; replay maps those to the new head's references.
 */
final class RecordCodec {

  static final byte SERIES = 1;
  static final byte SAMPLES = 2;
  static final byte METADATA = 3;
  /** Checkpoints only: a series' samples as one Gorilla XOR chunk (see {@code XorChunk}). */
  static final byte CHUNK = 4;

  private static final VarHandle LONG_BE =
      MethodHandles.byteArrayViewVarHandle(long[].class, ByteOrder.BIG_ENDIAN);

  private RecordCodec() {}

  /**
   * A growable byte buffer with varint writers; reused by one writer thread. Not a {@code
   * ByteArrayOutputStream}: its {@code write(int)} is synchronized, and a samples record is about a
   * dozen single-byte writes per sample, each of which then took the monitor.
   */
  static final class Encoder {
    private byte[] buf;
    private int count;

    Encoder(int capacity) {
      buf = new byte[Math.max(16, capacity)];
    }

    Encoder type(byte t) {
      reset();
      write(t);
      return this;
    }

    void reset() {
      count = 0;
    }

    int size() {
      return count;
    }

    void write(int b) {
      ensure(1);
      buf[count++] = (byte) b;
    }

    void write(byte[] b, int off, int len) {
      ensure(len);
      System.arraycopy(b, off, buf, count, len);
      count += len;
    }

    Encoder uvarint(long v) {
      ensure(10);
      byte[] b = buf;
      int i = count;
      while ((v & ~0x7FL) != 0) {
        b[i++] = (byte) ((v & 0x7F) | 0x80);
        v >>>= 7;
      }
      b[i++] = (byte) v;
      count = i;
      return this;
    }

    Encoder varint(long v) {
      return uvarint((v << 1) ^ (v >> 63));
    }

    /** Eight bytes, big-endian. */
    Encoder bits(long v) {
      ensure(8);
      LONG_BE.set(buf, count, v);
      count += 8;
      return this;
    }

    private void ensure(int n) {
      if (buf.length - count < n) {
        buf = Arrays.copyOf(buf, Math.max(count + n, buf.length << 1));
      }
    }

    Encoder string(String s) {
      byte[] b = s.getBytes(StandardCharsets.UTF_8);
      uvarint(b.length);
      write(b, 0, b.length);
      return this;
    }

    Encoder bytes(byte[] b) {
      uvarint(b.length);
      write(b, 0, b.length);
      return this;
    }

    Encoder series(long ref, Labels labels) {
      uvarint(ref);
      uvarint(labels.size());
      for (int i = 0; i < labels.size(); i++) {
        string(labels.name(i));
        string(labels.value(i));
      }
      return this;
    }

    Encoder metadata(String family, MetricMetadata m) {
      string(family);
      string(m.type());
      string(m.help());
      string(m.unit());
      return this;
    }

    byte[] buffer() {
      return buf;
    }
  }

  /** Reads a payload; every read checks bounds, so a corrupt record fails with a clear error. */
  static final class Decoder {
    private final ByteBuffer in;

    Decoder(byte[] payload, int length) {
      this.in = ByteBuffer.wrap(payload, 0, length);
    }

    boolean hasMore() {
      return in.hasRemaining();
    }

    byte type() {
      return in.get();
    }

    long uvarint() {
      long v = 0;
      for (int shift = 0; shift < 64; shift += 7) {
        byte b = in.get();
        v |= (long) (b & 0x7F) << shift;
        if (b >= 0) {
          return v;
        }
      }
      throw new IllegalStateException("varint longer than 64 bits");
    }

    long varint() {
      long u = uvarint();
      return (u >>> 1) ^ -(u & 1);
    }

    long bits() {
      return in.getLong();
    }

    String string() {
      int n = length();
      String s = new String(in.array(), in.position(), n, StandardCharsets.UTF_8);
      in.position(in.position() + n);
      return s;
    }

    byte[] bytes() {
      byte[] b = new byte[length()];
      in.get(b);
      return b;
    }

    private int length() {
      long n = uvarint();
      if (n < 0 || n > in.remaining()) {
        throw new IllegalStateException("length " + n + " past the end of the record");
      }
      return (int) n;
    }

    Labels labels() {
      int n = (int) uvarint();
      if (n < 0 || n > in.remaining()) {
        throw new IllegalStateException("label count " + n + " past the end of the record");
      }
      String[] pairs = new String[2 * n];
      for (int i = 0; i < 2 * n; i++) {
        pairs[i] = string();
      }
      return Labels.of(pairs);
    }

    MetricMetadata metadata() {
      return new MetricMetadata(string(), string(), string());
    }
  }
}
