package io.promfed.tsdb.chunkenc;

/**
 * Appends samples to one {@link XorChunk} (Prometheus's {@code xorAppender}, tsdb/chunkenc/xor.go).
 * A handle only: the encoder state (previous value bits, timestamp delta, leading/trailing-zero
 * window) lives in the chunk, so the head's open chunks need no appender object, and appending
 * through {@link XorChunk#appendBits} directly is the same.
 *
 * <p>Not thread-safe; the head writes its chunks under the series lock. Allocation-free per sample
 * except when the chunk's buffer grows.
 */
public final class XorAppender {

  private final XorChunk c;

  XorAppender(XorChunk c) {
    this.c = c;
  }

  /** The chunk being written. */
  public XorChunk chunk() {
    return c;
  }

  /** See {@link XorChunk#append(long, double)}. */
  public void append(long timestampMs, double v) {
    c.appendBits(timestampMs, Double.doubleToRawLongBits(v));
  }

  /** See {@link XorChunk#appendBits(long, long)}. */
  public void appendBits(long timestampMs, long valueBits) {
    c.appendBits(timestampMs, valueBits);
  }
}
