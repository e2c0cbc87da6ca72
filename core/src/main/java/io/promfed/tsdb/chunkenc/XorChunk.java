package io.promfed.tsdb.chunkenc;

import java.util.Arrays;

/**
 * A Gorilla/Prometheus XOR chunk: float samples in strictly increasing time order, encoded as a bit
 * stream in a {@code byte[]} exactly as Prometheus's {@code tsdb/chunkenc/xor.go} lays it out
 * (minus the 2-byte sample-count header, which is kept in a field here because chunks never leave
 * memory):
 *
 * <ul>
 *   <li>sample 0: the timestamp as a zig-zag varint, then the 64 raw value bits;
 *   <li>sample 1: the timestamp delta as an unsigned varint, then the value XOR-encoded;
 *   <li>sample n: the delta-of-delta of the timestamp in one of Prometheus's buckets ({@code 0} → 1
 *       bit; {@code 10}+14 bits; {@code 110}+17 bits; {@code 1110}+20 bits; {@code 1111}+64 bits),
 *       then the value XOR-encoded against the previous value ({@code 0} for "same bits"; {@code
 *       10} + significant bits reusing the previous leading/trailing-zero window; {@code 11} + 5
 *       bits leading zeros + 6 bits significant-bit count + the significant bits).
 * </ul>
 *
 * <p>Values are always handled as raw bits ({@link Double#doubleToRawLongBits}), so every NaN
 * payload, in particular the staleness marker {@code 0x7ff0000000000002}, round-trips bit-exactly.
 *
 * <p>Threading and lifetime: a chunk is written by one writer at a time (through {@link
 * #appendBits} or an {@link XorAppender} handle) and is not thread-safe while it is being appended
 * to. The head uses it only for the open head chunk, read through {@link #snapshot()} taken under
 * its series lock; when the chunk is full the head copies its bytes into the series' {@link
 * PackedChunks} and drops it, because a chunk object per closed chunk costs too much heap (issue
 * #3). A chunk no longer appended to (e.g. after {@link
 * #compact()}) is immutable and may be read by any number of {@link XorCursor}s concurrently,
 * provided it was published to them through a lock or another happens-before edge.
 */
public final class XorChunk {

  /**
   * Samples per chunk at which the head cuts a new chunk: Prometheus's default {@code
   * samplesPerChunk} (tsdb/head.go {@code DefaultSamplesPerChunk}), the point where the Gorilla
   * encoding's per-chunk overhead is amortised and random access stays cheap.
   */
  public static final int TARGET_SAMPLES = 120;

  /** The format's hard limit: Prometheus stores the count in a 16-bit header. */
  public static final int MAX_SAMPLES = 0xFFFF;

  private static final int INITIAL_CAPACITY_BYTES = 32;

  /**
   * Shallow size of this object with compressed oops: header 12, buffer reference 4, bit length 4,
   * sample count 2, window 1 + 1, four longs 32.
   */
  private static final long SHALLOW_BYTES = 56;

  private static final long ARRAY_HEADER_BYTES = 16;

  byte[] bytes;
  int bitLength;

  /** A {@code char}: the format counts samples in 16 bits ({@link #MAX_SAMPLES}), and it packs. */
  char numSamples;

  // The encoder's state for the next sample (xor.go's xorAppender keeps it in the appender). It
  // lives here so that the head's open chunk needs no appender object beside it: one object, 32
  // bytes less per series. The previous timestamp is maxTimeMs.

  /** Leading zeros of the current XOR window; 0xff (as a byte, -1) means "no window yet". */
  private byte leading = (byte) 0xff;

  private byte trailing;
  long minTimeMs;
  long maxTimeMs;
  private long prevVBits;
  private long tDelta;

  /** An empty chunk with a small growable buffer. */
  public XorChunk() {
    this.bytes = new byte[INITIAL_CAPACITY_BYTES];
  }

  /** A copy of {@code c} with the given buffer, its encoder state included. */
  private XorChunk(XorChunk c, byte[] bytes) {
    this.bytes = bytes;
    this.bitLength = c.bitLength;
    this.numSamples = c.numSamples;
    this.leading = c.leading;
    this.trailing = c.trailing;
    this.minTimeMs = c.minTimeMs;
    this.maxTimeMs = c.maxTimeMs;
    this.prevVBits = c.prevVBits;
    this.tDelta = c.tDelta;
  }

  /**
   * An appender continuing this chunk. The chunk carries its encoder state, so this is a handle,
   * not a decoder run (Prometheus's {@code XORChunk.Appender} decodes every sample to recover it);
   * appending through the chunk itself ({@link #appendBits}) is the same.
   */
  public XorAppender appender() {
    return new XorAppender(this);
  }

  /**
   * Appends a sample; {@code v} is stored by its raw bits.
   *
   * @throws IllegalArgumentException if {@code timestampMs} is not after the previous sample's: the
   *     format cannot express a negative or zero delta for the second sample, and the head rejects
   *     such samples (out of order / duplicate) before they get here
   * @throws IllegalStateException if the chunk already holds {@link #MAX_SAMPLES}
   */
  public void append(long timestampMs, double v) {
    appendBits(timestampMs, Double.doubleToRawLongBits(v));
  }

  /** {@link #append(long, double)} with the value given as raw IEEE-754 bits. */
  public void appendBits(long timestampMs, long valueBits) {
    int num = numSamples;
    if (num == 0) {
      writeUvarint((timestampMs << 1) ^ (timestampMs >> 63)); // Go's binary.PutVarint
      writeBits(valueBits, 64);
      minTimeMs = timestampMs;
    } else {
      if (timestampMs <= maxTimeMs) {
        throw new IllegalArgumentException(
            "sample at " + timestampMs + " not after previous sample at " + maxTimeMs);
      }
      if (num >= MAX_SAMPLES) {
        throw new IllegalStateException("chunk capacity exceeded");
      }
      // Subtraction may wrap for extreme timestamps; the decoder adds back with the same
      // two's-complement arithmetic (Go does the same with uint64), so the round trip is exact.
      long delta = timestampMs - maxTimeMs;
      if (num == 1) {
        writeUvarint(delta);
      } else {
        writeDod(delta - tDelta);
      }
      writeValue(valueBits);
      tDelta = delta;
    }
    prevVBits = valueBits;
    maxTimeMs = timestampMs;
    numSamples = (char) (num + 1);
  }

  /**
   * Reads, without any lock, the memory the next {@link #appendBits} will touch: this object and
   * the buffer's last byte; returns a value of no meaning for the caller to consume (see {@code
   * HeadAppender.commit}). Racy by design: a stale read only warms the wrong line.
   */
  public int touch() {
    byte[] b = bytes; // may even be null here, read without the lock that publishes it
    int i = bitLength >>> 3;
    return (int) maxTimeMs + (b != null && i < b.length ? b[i] : 0);
  }

  /**
   * Prometheus's millisecond buckets (Gorilla's were for seconds): 14, 17, 20 and 64 bits. A value
   * fits {@code n} bits when {@code -(2^(n-1) - 1) <= dod <= 2^(n-1)} (xor.go {@code bitRange}).
   */
  private void writeDod(long dod) {
    if (dod == 0) {
      writeBit(0);
    } else if (bitRange(dod, 14)) {
      writeBits(0b10, 2);
      writeBits(dod, 14);
    } else if (bitRange(dod, 17)) {
      writeBits(0b110, 3);
      writeBits(dod, 17);
    } else if (bitRange(dod, 20)) {
      writeBits(0b1110, 4);
      writeBits(dod, 20);
    } else {
      writeBits(0b1111, 4);
      writeBits(dod, 64);
    }
  }

  static boolean bitRange(long x, int nbits) {
    long half = 1L << (nbits - 1);
    return -(half - 1) <= x && x <= half;
  }

  private void writeValue(long newBits) {
    long delta = newBits ^ prevVBits;
    if (delta == 0) {
      writeBit(0);
      return;
    }
    writeBit(1);
    int newLeading = Long.numberOfLeadingZeros(delta);
    int newTrailing = Long.numberOfTrailingZeros(delta);
    if (newLeading >= 32) {
      newLeading = 31; // only 5 bits to encode it
    }
    int lead = leading & 0xff;
    if (lead != 0xff && newLeading >= lead && newTrailing >= trailing) {
      writeBit(0);
      writeBits(delta >>> trailing, 64 - lead - trailing);
      return;
    }
    leading = (byte) newLeading;
    trailing = (byte) newTrailing;
    writeBit(1);
    writeBits(newLeading, 5);
    int sigBits = 64 - newLeading - newTrailing;
    // 64 significant bits do not fit in 6 bits; they are written as 0 (64 & 63) and read back as
    // 64, never ambiguous because 0 significant bits means "unchanged", encoded above.
    writeBits(sigBits, 6);
    writeBits(delta >>> newTrailing, sigBits);
  }

  /** A fresh cursor over this chunk's samples. */
  public XorCursor cursor() {
    return new XorCursor().reset(this);
  }

  public int numSamples() {
    return numSamples;
  }

  /** Timestamp of the first sample; undefined when empty. */
  public long minTimeMs() {
    return minTimeMs;
  }

  /** Timestamp of the last sample; undefined when empty. */
  public long maxTimeMs() {
    return maxTimeMs;
  }

  /** Encoded size in bytes (the last byte may be partly used). */
  public int byteLength() {
    return (bitLength + 7) >>> 3;
  }

  /**
   * The encoded stream: a copy of the first {@link #byteLength()} bytes. Meant for tests and
   * persistence, not for reading (use a {@link XorCursor}).
   */
  public byte[] bytes() {
    return Arrays.copyOf(bytes, byteLength());
  }

  /**
   * An immutable copy holding exactly the samples written so far, so a reader can decode it outside
   * the lock under which the copy was taken while the appender keeps writing to this chunk. The
   * copy is trimmed (no spare capacity).
   */
  public XorChunk snapshot() {
    return new XorChunk(this, Arrays.copyOf(bytes, byteLength()));
  }

  /**
   * Trims the buffer to the encoded length. Called when the chunk is closed (full), after which
   * nothing is appended to it again; spare capacity would otherwise cost up to half the chunk.
   */
  public void compact() {
    int n = byteLength();
    if (bytes.length != n) {
      bytes = Arrays.copyOf(bytes, n);
    }
  }

  /** Heap bytes held by this chunk: the object and its buffer (including spare capacity). */
  public long ramBytesUsed() {
    return SHALLOW_BYTES + align(ARRAY_HEADER_BYTES + bytes.length);
  }

  private static long align(long n) {
    return (n + 7) & ~7L;
  }

  // ---- bit writing (MSB-first within each byte, like Prometheus's bstream)

  private void ensureBits(int extraBits) {
    int needBytes = (bitLength + extraBits + 7) >>> 3;
    if (needBytes > bytes.length) {
      // Grow by 1.5x: a head chunk of regular data ends near 150-200 bytes.
      bytes = Arrays.copyOf(bytes, Math.max(needBytes, bytes.length + (bytes.length >>> 1)));
    }
  }

  void writeBit(int bit) {
    ensureBits(1);
    if (bit != 0) {
      bytes[bitLength >>> 3] |= (byte) (0x80 >>> (bitLength & 7));
    }
    bitLength++;
  }

  /** Writes the low {@code n} bits of {@code v}, most significant first; {@code n} in 0..64. */
  void writeBits(long v, int n) {
    ensureBits(n);
    byte[] b = bytes;
    int pos = bitLength;
    while (n > 0) {
      int free = 8 - (pos & 7);
      int take = Math.min(free, n);
      int part = (int) (v >>> (n - take)) & ((1 << take) - 1);
      b[pos >>> 3] |= (byte) (part << (free - take));
      pos += take;
      n -= take;
    }
    bitLength = pos;
  }

  void writeUvarint(long x) {
    while (Long.compareUnsigned(x, 0x80) >= 0) {
      writeBits((x & 0x7f) | 0x80, 8);
      x >>>= 7;
    }
    writeBits(x, 8);
  }
}
