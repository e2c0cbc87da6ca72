package io.promfed.tsdb;

import io.promfed.model.labels.Labels;
import io.promfed.tsdb.chunkenc.XorAppender;
import io.promfed.tsdb.chunkenc.XorChunk;
import java.util.Arrays;

/**
 * One series in the head (Prometheus's {@code memSeries}, tsdb/head.go): its reference, its labels
 * (strings interned in the head's {@link SymbolTable}), the closed XOR chunks and the open head
 * chunk, the last committed sample, the append ids of its most recent samples (for {@link
 * Isolation}) and the bookkeeping of appenders holding uncommitted samples for it.
 *
 * <p>Thread-safety: all mutable state is guarded by the series' own monitor ({@code synchronized
 * (series)}), held only for one sample's validation or write, or for taking a read snapshot. Closed
 * chunks are immutable; the list of closed chunks is copy-on-write, so a snapshot keeps its array
 * without the lock. The head chunk is copied into snapshots.
 */
final class MemSeries {

  static final int OK = 0;

  /** Same timestamp, bit-identical value: accepted and ignored (federation repeats samples). */
  static final int NOOP = 1;

  static final int OUT_OF_ORDER = 2;
  static final int DUPLICATE = 3;

  private static final XorChunk[] NO_CHUNKS = new XorChunk[0];

  final long ref;
  final Labels labels;

  // ---- guarded by this
  private XorChunk[] closed = NO_CHUNKS;
  private XorChunk head;
  private XorAppender app;

  /** Samples ever written; sample ordinals run 0..appendedCount-1. */
  private long appendedCount;

  private boolean hasLast;
  private long lastT;
  private long lastVBits;

  /**
   * Append ids of the last {@code txCount} samples (ordinals appendedCount-txCount ..), oldest
   * first. The usual steady state is one id (the last sample's, dropped at the next commit), kept
   * inline in {@code txSolo} so a write touches no extra array; more ids (while a querier holds the
   * low watermark down) spill into the ring {@code txIds}, which is dropped again once empty.
   */
  private long txSolo;

  private long[] txIds; // null unless more than one id is tracked
  private int txStart;
  private int txCount;

  /** Uncommitted samples buffered for this series by any appender; pins it against GC. */
  int pendingSamples;

  /** The appender whose last buffered sample is (pendingT, pendingVBits), or null. */
  Object pendingOwner;

  long pendingT;
  long pendingVBits;

  /** Set by GC when the series left the head; an appender that finds it set looks up again. */
  boolean removed;

  MemSeries(long ref, Labels labels) {
    this.ref = ref;
    this.labels = labels;
  }

  /**
   * Validation against the last committed sample (tsdb/head_append.go {@code memSeries.appendable}:
   * older → out of order; same time and different bits → duplicate; same time and same bits →
   * accepted as a no-op, "as we can encounter them in valid cases like federation").
   */
  int appendable(long t, long vBits) {
    return hasLast ? classify(t, vBits, lastT, lastVBits) : OK;
  }

  /**
   * Validation for an appender: against its own last buffered sample for this series if that is the
   * newest, otherwise against the last committed one.
   */
  int appendableFor(Object owner, long t, long vBits) {
    if (pendingOwner == owner && (!hasLast || pendingT >= lastT)) {
      return classify(t, vBits, pendingT, pendingVBits);
    }
    return appendable(t, vBits);
  }

  private static int classify(long t, long vBits, long refT, long refVBits) {
    if (t > refT) {
      return OK;
    }
    if (t < refT) {
      return OUT_OF_ORDER;
    }
    return vBits == refVBits ? NOOP : DUPLICATE;
  }

  /**
   * Writes a validated sample, tagged with {@code appendId}; cuts a new chunk at {@link
   * XorChunk#TARGET_SAMPLES}. Ids below {@code lowWatermark} are dropped from the ring first.
   */
  void write(long t, long vBits, long appendId, long lowWatermark) {
    if (head == null || head.numSamples() >= XorChunk.TARGET_SAMPLES) {
      cutChunk();
    }
    app.appendBits(t, vBits);
    hasLast = true;
    lastT = t;
    lastVBits = vBits;
    appendedCount++;
    trimTx(lowWatermark);
    pushTx(appendId);
  }

  private void cutChunk() {
    if (head != null && head.numSamples() > 0) {
      head.compact();
      XorChunk[] n = Arrays.copyOf(closed, closed.length + 1);
      n[closed.length] = head;
      closed = n;
    }
    head = new XorChunk();
    app = head.appender();
  }

  private void trimTx(long lowWatermark) {
    if (txIds == null) {
      if (txCount == 1 && txSolo < lowWatermark) {
        txCount = 0;
      }
      return;
    }
    int mask = txIds.length - 1;
    while (txCount > 0 && txIds[txStart] < lowWatermark) {
      txStart = (txStart + 1) & mask;
      txCount--;
    }
    if (txCount == 0) {
      txIds = null;
      txStart = 0;
    }
  }

  private void pushTx(long appendId) {
    if (txIds == null) {
      if (txCount == 0) {
        txSolo = appendId;
        txCount = 1;
        return;
      }
      txIds = new long[4];
      txIds[0] = txSolo;
      txStart = 0;
    } else if (txCount == txIds.length) {
      long[] n = new long[txIds.length * 2];
      for (int i = 0; i < txCount; i++) {
        n[i] = txAt(i);
      }
      txIds = n;
      txStart = 0;
    }
    txIds[(txStart + txCount) & (txIds.length - 1)] = appendId;
    txCount++;
  }

  /** The {@code i}-th tracked id, oldest first. */
  private long txAt(int i) {
    return txIds == null ? txSolo : txIds[(txStart + i) & (txIds.length - 1)];
  }

  /**
   * Drops chunks whose last sample is before {@code mintMs} (the head chunk included, like
   * Prometheus's {@code truncateChunksBefore}). Returns how many were dropped.
   */
  int truncateBefore(long mintMs) {
    int drop = 0;
    while (drop < closed.length && closed[drop].maxTimeMs() < mintMs) {
      drop++;
    }
    if (drop > 0) {
      closed = drop == closed.length ? NO_CHUNKS : Arrays.copyOfRange(closed, drop, closed.length);
    }
    if (head != null && head.numSamples() > 0 && head.maxTimeMs() < mintMs && closed.length == 0) {
      head = null;
      app = null;
      drop++;
    }
    return drop;
  }

  /** No samples left in memory. */
  boolean isEmpty() {
    return closed.length == 0 && (head == null || head.numSamples() == 0);
  }

  /** Append ids still tracked for recent samples (bounded by the isolation low watermark). */
  int trackedAppendIds() {
    return txCount;
  }

  /** Timestamp of the last committed sample, or {@code Long.MIN_VALUE}. */
  long lastTimestamp() {
    return hasLast ? lastT : Long.MIN_VALUE;
  }

  int numChunks() {
    return closed.length + (head != null && head.numSamples() > 0 ? 1 : 0);
  }

  /**
   * The samples of this series visible to {@code state} within [mint, maxt], as an immutable
   * snapshot: closed chunks shared, the head chunk copied, plus the ordinals of samples to hide
   * (written by commits the read must not see). Null when no chunk overlaps the range.
   */
  HeadSeries snapshot(Isolation.ReadState state, long mintMs, long maxtMs) {
    int headCount = head == null ? 0 : head.numSamples();
    int total = closed.length + (headCount > 0 ? 1 : 0);
    if (total == 0) {
      return null;
    }
    long ordinal = appendedCount - headCount;
    for (XorChunk c : closed) {
      ordinal -= c.numSamples();
    }
    XorChunk[] chunks = new XorChunk[total];
    long[] firstOrdinals = new long[total];
    int n = 0;
    for (XorChunk c : closed) {
      if (c.maxTimeMs() >= mintMs && c.minTimeMs() <= maxtMs) {
        chunks[n] = c;
        firstOrdinals[n++] = ordinal;
      }
      ordinal += c.numSamples();
    }
    if (headCount > 0 && head.maxTimeMs() >= mintMs && head.minTimeMs() <= maxtMs) {
      chunks[n] = head.snapshot();
      firstOrdinals[n++] = ordinal;
    }
    if (n == 0) {
      return null;
    }
    long[] hidden = null;
    int hiddenCount = 0;
    long firstTxOrdinal = appendedCount - txCount;
    for (int i = 0; i < txCount; i++) {
      if (!state.visible(txAt(i))) {
        if (hidden == null) {
          hidden = new long[txCount - i];
        }
        hidden[hiddenCount++] = firstTxOrdinal + i;
      }
    }
    if (n < total) {
      chunks = Arrays.copyOf(chunks, n);
      firstOrdinals = Arrays.copyOf(firstOrdinals, n);
    }
    if (hidden != null && hiddenCount < hidden.length) {
      hidden = Arrays.copyOf(hidden, hiddenCount);
    }
    return new HeadSeries(labels, chunks, firstOrdinals, hidden, mintMs, maxtMs);
  }

  /** Heap bytes of this series: object, label array, chunks, appender, id ring. */
  long ramBytesUsed() {
    long bytes = 128; // object header + fields
    bytes += 24 + align(16 + 4L * 2 * labels.size()); // Labels + its pairs array
    bytes += align(16 + 4L * closed.length);
    for (XorChunk c : closed) {
      bytes += c.ramBytesUsed();
    }
    if (head != null) {
      bytes += head.ramBytesUsed() + 48; // + appender
    }
    if (txIds != null) {
      bytes += 16 + 8L * txIds.length;
    }
    return bytes;
  }

  /**
   * Adds to {@code acc} this series' closed chunks: {heap bytes, encoded bytes, samples, chunks}.
   */
  void addClosedChunkStats(long[] acc) {
    for (XorChunk c : closed) {
      acc[0] += c.ramBytesUsed();
      acc[1] += c.byteLength();
      acc[2] += c.numSamples();
      acc[3]++;
    }
  }

  private static long align(long n) {
    return (n + 7) & ~7L;
  }
}
