package io.promfed.tsdb.chunkenc;

import java.util.Arrays;

/**
 * The bit stream of one XOR chunk being written and the encoder state to extend it (the format is
 * described on {@link XorChunk}). Two kinds of object are made of it: a {@link XorChunk}, a chunk of
 * its own, and the head's series, each of which extends this class to hold its open chunk inline.
 *
 * <p><b>Why a base class.</b> A series that held its open chunk as a separate object paid for a
 * second object header, the reference to it, alignment padding and a second copy of the last
 * sample (the chunk's encoder needs it, and so does the series' validation of the next sample):
 * 32 bytes per series, 3 to 4 % of the head's heap per series (docs/benchmarks.md, eighth round).
 * Subclasses outside this package see only the {@code protected final} methods below, named for
 * the stream so they cannot be mistaken for the subclass's own.
 *
 * <p><b>Lifetime of the stream.</b> {@link #restartStream()} opens a new, empty stream (the head
 * cuts a chunk), {@link #releaseStream()} drops the buffer (the head truncated the chunk away).
 * Neither forgets the last sample appended: {@link #lastTimeMs()} and {@link #lastValueBits()}
 * stay what they were, so a series keeps validating new samples against it.
 *
 * <p>Not thread-safe: written by one writer at a time (the head holds the series' lock).
 */
public abstract class XorStream {

  /** The format's hard limit: Prometheus stores the count in a 16-bit header. */
  public static final int MAX_SAMPLES = 0xFFFF;

  /** A new stream's buffer; it grows by half each time it fills. */
  static final int INITIAL_CAPACITY_BYTES = 32;

  static final long ARRAY_HEADER_BYTES = 16;

  /** The encoded stream; null while no stream is open (an idle series holds no buffer). */
  byte[] bytes;

  int bitLength;

  /** A {@code char}: the format counts samples in 16 bits ({@link #MAX_SAMPLES}), and it packs. */
  char numSamples;

  // The encoder's state for the next sample (xor.go's xorAppender keeps it in the appender): here,
  // so an open chunk needs no appender object beside it. The previous sample is (maxTimeMs,
  // prevVBits).

  /** Leading zeros of the current XOR window; 0xff (as a byte, -1) means "no window yet". */
  private byte leading = (byte) 0xff;

  private byte trailing;
  long minTimeMs;
  long maxTimeMs;
  private long prevVBits;
  private long tDelta;

  /** No stream open yet: the buffer is allocated by the first sample. */
  protected XorStream() {}

  /** An open, empty stream with a small growable buffer. */
  XorStream(int initialCapacityBytes) {
    this.bytes = new byte[initialCapacityBytes];
  }

  /** A copy of {@code s} over the given buffer, its encoder state included. */
  XorStream(XorStream s, byte[] bytes) {
    this.bytes = bytes;
    this.bitLength = s.bitLength;
    this.numSamples = s.numSamples;
    this.leading = s.leading;
    this.trailing = s.trailing;
    this.minTimeMs = s.minTimeMs;
    this.maxTimeMs = s.maxTimeMs;
    this.prevVBits = s.prevVBits;
    this.tDelta = s.tDelta;
  }

  /**
   * Appends a sample given as raw IEEE-754 bits, opening a stream first if none is.
   *
   * @throws IllegalArgumentException if {@code timestampMs} is not after the stream's previous
   *     sample: the format cannot express a negative or zero delta for the second sample, and the
   *     head rejects such samples (out of order / duplicate) before they get here
   * @throws IllegalStateException if the stream already holds {@link #MAX_SAMPLES}
   */
  protected final void encode(long timestampMs, long valueBits) {
    int num = numSamples;
    if (num == 0) {
      if (bytes == null) {
        bytes = new byte[INITIAL_CAPACITY_BYTES];
      }
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

  /** Samples in the open stream; 0 when none is open. */
  protected final int streamSamples() {
    return numSamples;
  }

  /** Timestamp of the stream's first sample; undefined when it is empty. */
  protected final long streamMinTimeMs() {
    return minTimeMs;
  }

  /** Timestamp of the last sample appended, in this stream or an earlier one; undefined before. */
  protected final long lastTimeMs() {
    return maxTimeMs;
  }

  /** Value bits of the last sample appended, in this stream or an earlier one; undefined before. */
  protected final long lastValueBits() {
    return prevVBits;
  }

  /** Encoded size in bytes (the last byte may be partly used). */
  protected final int streamByteLength() {
    return (bitLength + 7) >>> 3;
  }

  /**
   * An immutable chunk holding exactly the samples written so far, so a reader can decode it
   * outside the lock under which the copy was taken while the writer goes on. Trimmed: no spare
   * capacity.
   */
  protected final XorChunk copyStream() {
    return new XorChunk(this, Arrays.copyOf(bytes, streamByteLength()));
  }

  /** Opens a new, empty stream with a small buffer; the last sample is still remembered. */
  protected final void restartStream() {
    bytes = new byte[INITIAL_CAPACITY_BYTES];
    resetEncoder();
  }

  /** Drops the stream and its buffer; the last sample is still remembered. */
  protected final void releaseStream() {
    bytes = null;
    resetEncoder();
  }

  private void resetEncoder() {
    bitLength = 0;
    numSamples = 0;
    leading = (byte) 0xff;
    trailing = 0;
    tDelta = 0;
  }

  /** Heap bytes of the buffer, header, padding and spare capacity included; 0 without one. */
  protected final long streamBufferRamBytes() {
    return bytes == null ? 0 : align(ARRAY_HEADER_BYTES + bytes.length);
  }

  /**
   * Reads, without any lock, the memory the next {@link #encode} will touch: this object and the
   * buffer's last byte; returns a value of no meaning for the caller to consume (see {@code
   * HeadAppender.commit}). Racy by design: a stale read only warms the wrong line.
   */
  protected final int touchStream() {
    byte[] b = bytes; // may even be null here, read without the lock that publishes it
    int i = bitLength >>> 3;
    return (int) maxTimeMs + (b != null && i < b.length ? b[i] : 0);
  }

  static long align(long n) {
    return (n + 7) & ~7L;
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
