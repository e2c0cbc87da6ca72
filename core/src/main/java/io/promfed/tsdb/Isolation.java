package io.promfed.tsdb;

import it.unimi.dsi.fastutil.longs.Long2IntRBTreeMap;
import it.unimi.dsi.fastutil.longs.LongRBTreeSet;
import java.util.Arrays;

/**
 * Append/read isolation, after Prometheus's {@code tsdb/isolation.go} (first released in v2.17, the
 * fix for torn histograms over federation, prometheus#1887).
 *
 * <p>Every commit takes an append id, increasing, and tags each sample it writes with it. A read
 * (querier) records, when it opens, the highest id handed out so far and the ids of commits still
 * being written. A sample is visible to that read iff its id is at most that maximum and not among
 * those incomplete ids, so a read sees either all or none of any commit, whatever happens while it
 * runs.
 *
 * <p>Series only keep the ids of their most recent samples: the <em>low watermark</em> is the
 * lowest id that some open append or open read may still treat as invisible; samples with a lower
 * id are visible to every current and future read and need no tag. The watermark never decreases.
 *
 * <p>Thread-safe: a single monitor guards the bookkeeping; every operation is O(log n) in the
 * number of open appends and reads and is called once per commit or querier, never per sample.
 */
final class Isolation {

  private long lastAppendId; // guarded by this
  private final LongRBTreeSet openAppends = new LongRBTreeSet(); // guarded by this

  /** Low watermarks of open reads → how many reads hold each. Guarded by this. */
  private final Long2IntRBTreeMap openReads = new Long2IntRBTreeMap();

  /** What one read may see; immutable. */
  static final class ReadState {
    final long maxAppendId;
    final long[] incomplete; // sorted
    final long lowWatermark;

    ReadState(long maxAppendId, long[] incomplete, long lowWatermark) {
      this.maxAppendId = maxAppendId;
      this.incomplete = incomplete;
      this.lowWatermark = lowWatermark;
    }

    boolean visible(long appendId) {
      if (appendId < lowWatermark) {
        return true;
      }
      return appendId <= maxAppendId
          && (incomplete.length == 0 || Arrays.binarySearch(incomplete, appendId) < 0);
    }
  }

  /**
   * Opens a commit: returns {@code [appendId, lowWatermark]}. The watermark includes the new commit
   * itself, so samples it tags are never treated as untagged while it runs.
   */
  synchronized long[] beginAppend() {
    long id = ++lastAppendId;
    openAppends.add(id);
    return new long[] {id, lowWatermarkLocked()};
  }

  synchronized void endAppend(long appendId) {
    openAppends.remove(appendId);
  }

  synchronized ReadState beginRead() {
    long[] incomplete = openAppends.toLongArray(); // ascending
    long low = incomplete.length == 0 ? lastAppendId + 1 : incomplete[0];
    openReads.addTo(low, 1);
    return new ReadState(lastAppendId, incomplete, low);
  }

  synchronized void endRead(ReadState s) {
    int left = openReads.addTo(s.lowWatermark, -1) - 1;
    if (left <= 0) {
      openReads.remove(s.lowWatermark);
    }
  }

  /** Ids below this are visible to every open and future read. */
  synchronized long lowWatermark() {
    return lowWatermarkLocked();
  }

  private long lowWatermarkLocked() {
    long w = openAppends.isEmpty() ? lastAppendId + 1 : openAppends.firstLong();
    if (!openReads.isEmpty()) {
      w = Math.min(w, openReads.firstLongKey());
    }
    return w;
  }

  synchronized int openReadCount() {
    int n = 0;
    for (int c : openReads.values()) {
      n += c;
    }
    return n;
  }
}
