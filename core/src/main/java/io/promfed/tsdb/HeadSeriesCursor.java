package io.promfed.tsdb;

import io.promfed.storage.SeriesCursor;
import io.promfed.tsdb.chunkenc.XorCursor;

/**
 * Walks a {@link HeadSeries} snapshot chunk by chunk, the packed closed chunks and then the head
 * chunk copy, with one reused {@link XorCursor}: no allocation per sample or per chunk. Skips whole
 * chunks that end before the target time without decoding them, drops samples hidden by isolation,
 * and stops at the first sample after the range. Not thread-safe.
 */
final class HeadSeriesCursor implements SeriesCursor {

  private final HeadSeries s;
  private final XorCursor it = new XorCursor();
  private final int numClosed;
  private final int numChunks;
  private int ci = -1;

  /** Max time of chunk {@code ci}, cached: for a packed chunk it costs a varint decode. */
  private long chunkMaxT;

  /** Ordinal of the first sample of chunk {@code ci} (only kept when samples are hidden). */
  private long chunkOrdinal;

  private long ordinal;
  private int hi; // index into s.hidden
  private boolean valid;
  private boolean done;

  HeadSeriesCursor(HeadSeries s) {
    this.s = s;
    this.numClosed = s.closed == null ? 0 : s.closed.numChunks();
    this.numChunks = numClosed + (s.head == null ? 0 : 1);
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
    while (true) {
      if (ci >= 0 && chunkMaxT >= minT && it.next()) {
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
      advanceChunk();
      while (ci < numChunks && maxTimeMs(ci) < minT) {
        advanceChunk();
      }
      if (ci >= numChunks || minTimeMs(ci) > s.maxtMs) {
        return finish();
      }
      chunkMaxT = maxTimeMs(ci);
      if (ci < numClosed) {
        s.closed.reset(it, ci);
      } else {
        it.reset(s.head);
      }
      ordinal = chunkOrdinal - 1;
    }
  }

  /** Moves {@code ci} to the next chunk, keeping {@code chunkOrdinal} in step if it is needed. */
  private void advanceChunk() {
    if (s.hidden != null) {
      if (ci < 0) {
        chunkOrdinal = s.closedFirstOrdinal;
      } else if (ci < numClosed) {
        chunkOrdinal += s.closed.numSamples(ci);
      }
      if (ci + 1 == numClosed || numClosed == 0) {
        chunkOrdinal = s.headFirstOrdinal; // the head chunk, if any, comes next
      }
    }
    ci++;
  }

  private long minTimeMs(int c) {
    return c < numClosed ? s.closed.minTimeMs(c) : s.head.minTimeMs();
  }

  private long maxTimeMs(int c) {
    return c < numClosed ? s.closed.maxTimeMs(c) : s.head.maxTimeMs();
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
