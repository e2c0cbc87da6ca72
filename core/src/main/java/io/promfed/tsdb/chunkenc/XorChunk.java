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
 * to. The head keeps no chunk objects: each series extends {@link XorStream} to hold its open
 * chunk inline, reads are served from {@link XorStream#copyStream() copies} of it (chunks of this
 * class), and full chunks are copied into the series' {@link PackedChunks}, because a chunk object
 * per closed chunk costs too much heap (issue #3). A chunk no longer appended to (e.g. after {@link
 * #compact()}) is immutable and may be read by any number of {@link XorCursor}s concurrently,
 * provided it was published to them through a lock or another happens-before edge.
 */
public final class XorChunk extends XorStream {

  /**
   * Samples per chunk at which the head cuts a new chunk: Prometheus's default {@code
   * samplesPerChunk} (tsdb/head.go {@code DefaultSamplesPerChunk}), the point where the Gorilla
   * encoding's per-chunk overhead is amortised and random access stays cheap.
   */
  public static final int TARGET_SAMPLES = 120;

  /**
   * Shallow size of this object with compressed oops ({@link XorStream}'s fields; this class adds
   * none): header 12, buffer reference 4, bit length 4, sample count 2, window 1 + 1, four longs 32.
   */
  private static final long SHALLOW_BYTES = 56;

  /** An empty chunk with a small growable buffer. */
  public XorChunk() {
    super(INITIAL_CAPACITY_BYTES);
  }

  /** A copy of {@code s} with the given buffer, its encoder state included. */
  XorChunk(XorStream s, byte[] bytes) {
    super(s, bytes);
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
    encode(timestampMs, Double.doubleToRawLongBits(v));
  }

  /** {@link #append(long, double)} with the value given as raw IEEE-754 bits. */
  public void appendBits(long timestampMs, long valueBits) {
    encode(timestampMs, valueBits);
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
    return streamByteLength();
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
    return copyStream();
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
    return SHALLOW_BYTES + streamBufferRamBytes();
  }
}
