package io.promfed.tsdb.chunkenc;

/**
 * Appends samples to one {@link XorChunk}, holding the encoder state (previous timestamp, delta,
 * value bits and leading/trailing-zero window) that a closed chunk no longer needs. Port of the
 * encoding in Prometheus's {@code tsdb/chunkenc/xor.go} ({@code xorAppender.Append}, {@code
 * xorWrite}).
 *
 * <p>Not thread-safe; the head uses it under the series lock. Allocation-free per sample except
 * when the chunk's buffer grows.
 */
public final class XorAppender {

  private final XorChunk c;
  private long t;
  private long vBits;
  private long tDelta;

  /** 0xff means "no window yet", as in Prometheus; otherwise 0..31. */
  private int leading = 0xff;

  private int trailing;

  XorAppender(XorChunk c) {
    this.c = c;
  }

  void restore(long t, long vBits, long tDelta, int leading, int trailing) {
    this.t = t;
    this.vBits = vBits;
    this.tDelta = tDelta;
    this.leading = leading;
    this.trailing = trailing;
  }

  /**
   * Reads, without any lock, the memory the next {@link #appendBits} will touch: this appender,
   * its chunk and the chunk's last byte; returns a value of no meaning for the caller to consume
   * (see {@code HeadAppender.commit}). Racy by design: a stale read only warms the wrong line.
   */
  public int touch() {
    byte[] b = c.bytes; // may even be null here, read without the lock that publishes it
    int i = c.bitLength >>> 3;
    return (int) t + (b != null && i < b.length ? b[i] : 0);
  }

  /** The chunk being written. */
  public XorChunk chunk() {
    return c;
  }

  /**
   * Appends a sample; {@code v} is stored by its raw bits.
   *
   * @throws IllegalArgumentException if {@code timestampMs} is not after the previous sample's: the
   *     format cannot express a negative or zero delta for the second sample, and the head rejects
   *     such samples (out of order / duplicate) before they get here
   * @throws IllegalStateException if the chunk already holds {@link XorChunk#MAX_SAMPLES}
   */
  public void append(long timestampMs, double v) {
    appendBits(timestampMs, Double.doubleToRawLongBits(v));
  }

  /** {@link #append(long, double)} with the value given as raw IEEE-754 bits. */
  public void appendBits(long timestampMs, long valueBits) {
    int num = c.numSamples;
    if (num == 0) {
      c.writeUvarint((timestampMs << 1) ^ (timestampMs >> 63)); // Go's binary.PutVarint
      c.writeBits(valueBits, 64);
      c.minTimeMs = timestampMs;
    } else {
      if (timestampMs <= t) {
        throw new IllegalArgumentException(
            "sample at " + timestampMs + " not after previous sample at " + t);
      }
      if (num >= XorChunk.MAX_SAMPLES) {
        throw new IllegalStateException("chunk capacity exceeded");
      }
      // Subtraction may wrap for extreme timestamps; the decoder adds back with the same
      // two's-complement arithmetic (Go does the same with uint64), so the round trip is exact.
      long delta = timestampMs - t;
      if (num == 1) {
        c.writeUvarint(delta);
      } else {
        writeDod(delta - tDelta);
      }
      writeValue(valueBits);
      tDelta = delta;
    }
    t = timestampMs;
    vBits = valueBits;
    c.maxTimeMs = timestampMs;
    c.numSamples = num + 1;
  }

  /**
   * Prometheus's millisecond buckets (Gorilla's were for seconds): 14, 17, 20 and 64 bits. A value
   * fits {@code n} bits when {@code -(2^(n-1) - 1) <= dod <= 2^(n-1)} (xor.go {@code bitRange}).
   */
  private void writeDod(long dod) {
    if (dod == 0) {
      c.writeBit(0);
    } else if (bitRange(dod, 14)) {
      c.writeBits(0b10, 2);
      c.writeBits(dod, 14);
    } else if (bitRange(dod, 17)) {
      c.writeBits(0b110, 3);
      c.writeBits(dod, 17);
    } else if (bitRange(dod, 20)) {
      c.writeBits(0b1110, 4);
      c.writeBits(dod, 20);
    } else {
      c.writeBits(0b1111, 4);
      c.writeBits(dod, 64);
    }
  }

  static boolean bitRange(long x, int nbits) {
    long half = 1L << (nbits - 1);
    return -(half - 1) <= x && x <= half;
  }

  private void writeValue(long newBits) {
    long delta = newBits ^ vBits;
    if (delta == 0) {
      c.writeBit(0);
      return;
    }
    c.writeBit(1);
    int newLeading = Long.numberOfLeadingZeros(delta);
    int newTrailing = Long.numberOfTrailingZeros(delta);
    if (newLeading >= 32) {
      newLeading = 31; // only 5 bits to encode it
    }
    if (leading != 0xff && newLeading >= leading && newTrailing >= trailing) {
      c.writeBit(0);
      c.writeBits(delta >>> trailing, 64 - leading - trailing);
      return;
    }
    leading = newLeading;
    trailing = newTrailing;
    c.writeBit(1);
    c.writeBits(newLeading, 5);
    int sigBits = 64 - newLeading - newTrailing;
    // 64 significant bits do not fit in 6 bits; they are written as 0 (64 & 63) and read back as
    // 64, never ambiguous because 0 significant bits means "unchanged", encoded above.
    c.writeBits(sigBits, 6);
    c.writeBits(delta >>> newTrailing, sigBits);
  }
}
