package io.promfed.tsdb;

import io.promfed.storage.SeriesCursor;
import io.promfed.tsdb.chunkenc.XorChunk;
import io.promfed.tsdb.chunkenc.XorCursor;

/**
 * Walks a {@link HeadSeries} snapshot chunk by chunk with one reused {@link XorCursor}: no
 * allocation per sample. Skips whole chunks that end before the target time without decoding them,
 * drops samples hidden by isolation, and stops at the first sample after the range. Not
 * thread-safe.
 */
final class HeadSeriesCursor implements SeriesCursor {

  private final HeadSeries s;
  private final XorCursor it = new XorCursor();
  private int ci = -1;
  private long ordinal;
  private int hi; // index into s.hidden
  private boolean valid;
  private boolean done;

  HeadSeriesCursor(HeadSeries s) {
    this.s = s;
  }

  @Override
  public boolean next() {
    return step(s.mintMs);
  }

  @Override
  public boolean seek(long t) {
    if (done) {
      return false;
    }
    if (valid && it.atT() >= t) {
      return true;
    }
    return step(Math.max(t, s.mintMs));
  }

  @Override
  public long atT() {
    return it.atT();
  }

  @Override
  public double atV() {
    return it.atV();
  }

  /** Moves to the next visible sample with {@code t >= minT}; false (and done) past maxt. */
  private boolean step(long minT) {
    if (done) {
      return false;
    }
    XorChunk[] chunks = s.chunks;
    while (true) {
      if (ci >= 0 && chunks[ci].maxTimeMs() >= minT && it.next()) {
        ordinal++;
        long t = it.atT();
        if (t < minT || isHidden(ordinal)) {
          continue;
        }
        if (t > s.maxtMs) {
          return finish();
        }
        valid = true;
        return true;
      }
      ci++;
      while (ci < chunks.length && chunks[ci].maxTimeMs() < minT) {
        ci++;
      }
      if (ci >= chunks.length || chunks[ci].minTimeMs() > s.maxtMs) {
        return finish();
      }
      it.reset(chunks[ci]);
      ordinal = s.firstOrdinals[ci] - 1;
    }
  }

  private boolean isHidden(long o) {
    long[] h = s.hidden;
    if (h == null) {
      return false;
    }
    while (hi < h.length && h[hi] < o) {
      hi++;
    }
    return hi < h.length && h[hi] == o;
  }

  private boolean finish() {
    done = true;
    valid = false;
    return false;
  }
}
