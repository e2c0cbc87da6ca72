package io.promfed.tsdb.chunkenc;

import java.lang.invoke.MethodHandles;
import java.lang.invoke.VarHandle;
import java.nio.ByteOrder;

/**
 * A forward-only decoder over one {@link XorChunk} (Prometheus's {@code xorIterator}): {@link
 * #next()}, {@link #seek(long)}, {@link #atT()}, {@link #atV()}. No allocation per sample; one
 * cursor can be {@link #reset(XorChunk) reset} onto another chunk and reused.
 *
 * <p>Not thread-safe. It reads the chunk's buffer without locking, so it must only be used on bytes
 * that no longer change: a closed (compacted) chunk, a {@link XorChunk#snapshot()} or a chunk of a
 * {@link PackedChunks.View}. The sample count is captured at {@code reset}.
 */
public final class XorCursor {

  private static final VarHandle LONG_BE =
      MethodHandles.byteArrayViewVarHandle(long[].class, ByteOrder.BIG_ENDIAN);

  private byte[] b;
  private int pos; // bit position
  private int numTotal;
  private int numRead;

  private long t;
  private long vBits;
  private long tDelta;
  private int leading;
  private int trailing;

  /** Holds a chunk copied from disk ({@link PackedChunks.View#reset}); grown, never shrunk. */
  private byte[] scratch;

  /** A cursor positioned on nothing; call {@link #reset(XorChunk)} before use. */
  public XorCursor() {
    this.b = new byte[0];
  }

  /** Positions this cursor before the first sample of {@code chunk}. */
  public XorCursor reset(XorChunk chunk) {
    return reset(chunk.bytes, 0, chunk.numSamples);
  }

  /**
   * Positions this cursor before the first sample of a bit stream of {@code numSamples} samples
   * starting at {@code byteOffset} of {@code bytes}: how chunks packed back to back ({@link
   * PackedChunks}) are read in place, without a chunk object or a copy.
   *
   * <p>The bytes after the stream may belong to another chunk or still be written by the head: the
   * cursor reads whole 8-byte words and may load a few of those bytes, but discards their bits, so
   * such a (racy) read never changes what it decodes.
   */
  public XorCursor reset(byte[] bytes, int byteOffset, int numSamples) {
    this.b = bytes;
    this.numTotal = numSamples;
    this.pos = byteOffset << 3;
    this.numRead = 0;
    this.t = Long.MIN_VALUE;
    this.vBits = 0;
    this.tDelta = 0;
    this.leading = 0xff; // as the appender: no window yet, so appender() restores exact state
    this.trailing = 0;
    return this;
  }

  /** This cursor's own buffer of at least {@code len} bytes, for a chunk copied in to be read. */
  byte[] scratch(int len) {
    if (scratch == null || scratch.length < len) {
      scratch = new byte[Math.max(len, 256)];
    }
    return scratch;
  }

  /** Advances to the next sample; false when the chunk is exhausted. */
  public boolean next() {
    if (numRead == numTotal) {
      return false;
    }
    if (numRead == 0) {
      long zz = readUvarint();
      t = (zz >>> 1) ^ -(zz & 1);
      vBits = readBits(64);
      numRead = 1;
      return true;
    }
    if (numRead == 1) {
      tDelta = readUvarint();
      t += tDelta;
      readValue();
      numRead = 2;
      return true;
    }
    // Regular scrapes give dod == 0, a single 0 bit: the common path.
    if (readBit() != 0) {
      long dod;
      if (readBit() == 0) {
        dod = signed(readBits(14), 14);
      } else if (readBit() == 0) {
        dod = signed(readBits(17), 17);
      } else if (readBit() == 0) {
        dod = signed(readBits(20), 20);
      } else {
        dod = readBits(64);
      }
      tDelta += dod;
    }
    t += tDelta;
    readValue();
    numRead++;
    return true;
  }

  /**
   * Advances to the first sample with timestamp {@code >= targetMs}; stays if the current sample
   * already qualifies (but always advances from "before the first sample"). False when none.
   */
  public boolean seek(long targetMs) {
    while (numRead == 0 || t < targetMs) {
      if (!next()) {
        return false;
      }
    }
    return true;
  }

  public long atT() {
    return t;
  }

  public double atV() {
    return Double.longBitsToDouble(vBits);
  }

  /** The current value's raw bits (stale markers and NaN payloads intact). */
  public long atVBits() {
    return vBits;
  }

  /** Bits above 2^(n-1) encode negatives (xor.go; the asymmetric range of bitRange). */
  private static long signed(long bits, int n) {
    return bits > (1L << (n - 1)) ? bits - (1L << n) : bits;
  }

  private void readValue() {
    if (readBit() == 0) {
      return; // same bits as before
    }
    int sig;
    if (readBit() == 0) {
      sig = 64 - leading - trailing;
    } else {
      leading = (int) readBits(5);
      sig = (int) readBits(6);
      if (sig == 0) {
        sig = 64;
      }
      trailing = 64 - leading - sig;
    }
    vBits ^= readBits(sig) << trailing;
  }

  private int readBit() {
    int p = pos++;
    return (b[p >>> 3] >>> (7 - (p & 7))) & 1;
  }

  /** Reads {@code n} (1..64) bits, most significant first. */
  private long readBits(int n) {
    int p = pos;
    int byteIdx = p >>> 3;
    int off = p & 7;
    if (n <= 56 && byteIdx + 8 <= b.length) {
      // One unaligned 8-byte load covers off + n <= 63 bits.
      long word = (long) LONG_BE.get(b, byteIdx);
      pos = p + n;
      return (word << off) >>> (64 - n);
    }
    long v = 0;
    while (n > 0) {
      int avail = 8 - (p & 7);
      int take = Math.min(avail, n);
      int bits = ((b[p >>> 3] & 0xff) >>> (avail - take)) & ((1 << take) - 1);
      v = (v << take) | bits;
      p += take;
      n -= take;
    }
    pos = p;
    return v;
  }

  private long readUvarint() {
    long x = 0;
    int shift = 0;
    while (true) {
      long by = readBits(8);
      x |= (by & 0x7f) << shift;
      if ((by & 0x80) == 0) {
        return x;
      }
      shift += 7;
      if (shift > 63) {
        throw new IllegalStateException("corrupt chunk: varint overflows 64 bits");
      }
    }
  }
}
