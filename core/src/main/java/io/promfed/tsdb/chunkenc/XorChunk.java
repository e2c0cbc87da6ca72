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
 * <p>Threading and lifetime: a chunk is written by at most one {@link XorAppender} and is not
 * thread-safe while it is being appended to. The head uses it only for the open head chunk, read
 * through {@link #snapshot()} taken under its series lock; when the chunk is full the head copies
 * its bytes into the series' {@link PackedChunks} and drops it, because a chunk object per closed
 * chunk costs too much heap (issue #3). A chunk no longer appended to (e.g. after {@link
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

  /** Shallow size of this object with compressed oops: header 12 + 4 + 4 + 4 + 8 + 8. */
  private static final long SHALLOW_BYTES = 40;

  private static final long ARRAY_HEADER_BYTES = 16;

  byte[] bytes;
  int bitLength;
  int numSamples;
  long minTimeMs;
  long maxTimeMs;

  /** An empty chunk with a small growable buffer. */
  public XorChunk() {
    this.bytes = new byte[INITIAL_CAPACITY_BYTES];
  }

  private XorChunk(byte[] bytes, int bitLength, int numSamples, long minTimeMs, long maxTimeMs) {
    this.bytes = bytes;
    this.bitLength = bitLength;
    this.numSamples = numSamples;
    this.minTimeMs = minTimeMs;
    this.maxTimeMs = maxTimeMs;
  }

  /**
   * An appender continuing this chunk. For a non-empty chunk the encoder state is recovered by
   * decoding every sample, as Prometheus's {@code XORChunk.Appender} does; the head keeps its one
   * appender instead. Only one appender may be used on a chunk.
   */
  public XorAppender appender() {
    XorAppender a = new XorAppender(this);
    if (numSamples > 0) {
      XorCursor c = new XorCursor().reset(this);
      while (c.next()) {
        // decode to the end to learn the encoder state
      }
      a.restore(c.atT(), c.atVBits(), c.tDelta(), c.leading(), c.trailing());
    }
    return a;
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
    return new XorChunk(
        Arrays.copyOf(bytes, byteLength()), bitLength, numSamples, minTimeMs, maxTimeMs);
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

  /**
   * Empties this chunk for reuse, keeping its buffer: the head reuses a series' full head chunk,
   * whose bytes it has just copied into the packed closed chunks, for the next one. Its buffer is
   * about one chunk's size already, so the next chunk neither regrows it nor leaves the replaced
   * arrays behind as old-generation garbage. Only for a chunk nothing else reads; the old
   * appender must not be used again.
   */
  public void reset() {
    Arrays.fill(bytes, 0, byteLength(), (byte) 0); // bits are OR-ed in
    bitLength = 0;
    numSamples = 0;
    minTimeMs = 0;
    maxTimeMs = 0;
  }

  /** Heap bytes held by this chunk: the object and its buffer (including spare capacity). */
  public long ramBytesUsed() {
    return SHALLOW_BYTES + align(ARRAY_HEADER_BYTES + bytes.length);
  }

  private static long align(long n) {
    return (n + 7) & ~7L;
  }

  // ---- bit writing, used by XorAppender (MSB-first within each byte, like Prometheus's bstream)

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
