package io.promfed.tsdb;

import io.promfed.model.labels.Labels;
import io.promfed.tsdb.chunkenc.ChunkFiles;
import io.promfed.tsdb.chunkenc.PackedChunks;
import io.promfed.tsdb.chunkenc.XorChunk;
import io.promfed.tsdb.chunkenc.XorStream;
import java.util.Arrays;

/**
 * One series in the head (Prometheus's {@code memSeries}, tsdb/head.go): its reference, its labels
 * (strings interned in the head's {@link SymbolTable}), the closed XOR chunks and the open head
 * chunk, the last committed sample, the append ids of its most recent samples (for {@link
 * Isolation}) and the bookkeeping of appenders holding uncommitted samples for it.
 *
 * <p>Memory: the series is its own open head chunk: it extends {@link XorStream}, the chunk's bit
 * stream and encoder state, instead of holding a chunk object, which saves that object's header,
 * the reference to it and a second copy of the last sample (the stream's last sample is the
 * series' last committed one), 32 bytes per series. Closed chunks are packed into one {@link
 * PackedChunks} (one byte array and one {@code long} of index per chunk, no object per chunk),
 * allocated when the first chunk closes and dropped when truncation empties it; with chunk files,
 * each truncation moves them to disk and keeps a 24-byte entry per chunk instead. A series with one
 * sample costs 128 bytes here, 120 for 10 labels and 48 for its open chunk's buffer (see {@link
 * #ramBytesUsed()}).
 *
 * <p>Thread-safety: all mutable state is guarded by the series' own monitor ({@code synchronized
 * (series)}), held only for one sample's validation or write, or for taking a read snapshot. A
 * snapshot pins the packed closed chunks it covers (never rewritten in place) and copies the head
 * chunk.
 */
final class MemSeries extends XorStream {

  static final int OK = 0;

  /** Same timestamp, bit-identical value: accepted and ignored (federation repeats samples). */
  static final int NOOP = 1;

  static final int OUT_OF_ORDER = 2;
  static final int DUPLICATE = 3;

  /**
   * Shallow size of this object with compressed oops: 12-byte header; {@link XorStream}'s fields
   * (a reference, an int, a char, 2 bytes and 4 longs = 44); this class's 5 longs, 4 ints, 3
   * references and a boolean (69); 125 aligned to 128. Recount when adding a field ({@code
   * HeadHeapMeasurementTest} catches a forgotten one).
   */
  static final long SHALLOW_BYTES = 128;

  /** Shallow size of a {@link Labels}: header, the pairs reference and the cached hash. */
  static final long LABELS_SHALLOW_BYTES = 24;

  final long ref;
  final Labels labels;

  // ---- guarded by this

  /** Closed chunks, oldest first; null while there are none. */
  private PackedChunks closed;

  /**
   * Samples ever written; sample ordinals run 0..appendedCount-1. Above 0, the last committed
   * sample is the stream's last one ({@link #lastTimeMs()}, {@link #lastValueBits()}), which
   * outlives the chunk it was written to.
   */
  private long appendedCount;

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

  /**
   * {@link HeadAppender#id} of the appender whose last buffered sample is (pendingT, pendingVBits),
   * or 0. An id rather than a reference: series are old-generation objects, and a reference store
   * into one dirties a card that the next young collection must scan; two per sample (set, then
   * cleared on commit) dirtied the whole head between collections.
   */
  int pendingOwner;

  long pendingT;
  long pendingVBits;

  /** Set by GC when the series left the head; an appender that finds it set looks up again. */
  boolean removed;

  MemSeries(long ref, Labels labels) {
    this.ref = ref;
    this.labels = labels;
  }

  /**
   * Reads, without the lock, what {@link HeadAppender#append} will touch: the header it locks and
   * the fields it validates against (the object spans two cache lines). Racy by design.
   */
  int touchForAppend() {
    return pendingOwner + (int) lastTimeMs();
  }

  /**
   * Reads, without the lock, the memory a {@link #write} will touch (see {@code
   * HeadAppender.commit}); the result means nothing. Racy by design.
   */
  int touch() {
    return touchStream();
  }

  /**
   * Validation against the last committed sample (tsdb/head_append.go {@code memSeries.appendable}:
   * older → out of order; same time and different bits → duplicate; same time and same bits →
   * accepted as a no-op, "as we can encounter them in valid cases like federation").
   */
  int appendable(long t, long vBits) {
    return appendedCount > 0 ? classify(t, vBits, lastTimeMs(), lastValueBits()) : OK;
  }

  /**
   * Validation for an appender: against its own last buffered sample for this series if that is the
   * newest, otherwise against the last committed one.
   */
  int appendableFor(int owner, long t, long vBits) {
    if (pendingOwner == owner && (appendedCount == 0 || pendingT >= lastTimeMs())) {
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
   * XorChunk#TARGET_SAMPLES}, or earlier if the chunk would span more than {@link
   * PackedChunks#MAX_SPAN_MS} (about 49.7 days, only after such a gap) so its span fits the packed
   * index. Ids below {@code lowWatermark} are dropped from the ring first.
   */
  void write(long t, long vBits, long appendId, long lowWatermark) {
    int n = streamSamples();
    if (n >= XorChunk.TARGET_SAMPLES
        || (n > 0 && Long.compareUnsigned(t - streamMinTimeMs(), PackedChunks.MAX_SPAN_MS) > 0)) {
      cutChunk();
    }
    encode(t, vBits);
    appendedCount++;
    trimTx(lowWatermark);
    pushTx(appendId);
  }

  /**
   * Copies the open chunk's bytes into the packed closed chunks and opens a new stream.
   *
   * <p>The new chunk starts with a small buffer that grows with it. Reusing the full one would
   * spare the regrowth and its old-generation garbage, but a buffer the size of a full chunk from
   * the first sample on holds on average half a chunk unused: about 150 bytes per series on
   * regular data. At 100k series scraped every second (15 times the garbage of a 15 s interval),
   * 60 samples into a chunk, reused buffers held 34 MiB more live heap; new ones moved the
   * collector from 2 to 10 % of the leaf's CPU, with the same CPU per sample (docs/benchmarks.md,
   * sixth round).
   */
  private void cutChunk() {
    if (closed == null) {
      closed = new PackedChunks();
    }
    closed.append(this);
    restartStream();
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
   * Adds this series' closed chunks in memory to {@code batch} (see {@link
   * PackedChunks#gatherForDisk}); returns how many, to be passed to {@link #movedToDisk}.
   */
  int gatherForDisk(ChunkFiles.Batch batch, int maxChunkBytes) {
    return closed == null ? 0 : closed.gatherForDisk(batch, maxChunkBytes);
  }

  /**
   * The {@code n} chunks gathered into {@code batch} from {@code firstInBatch} are on disk now;
   * returns the heap bytes this series takes less.
   */
  long movedToDisk(int n, ChunkFiles.Batch batch, int firstInBatch) {
    return closed.movedToDisk(n, batch, firstInBatch);
  }

  /**
   * Drops chunks whose last sample is before {@code mintMs} (the head chunk included, like
   * Prometheus's {@code truncateChunksBefore}). Returns how many were dropped.
   */
  int truncateBefore(long mintMs) {
    int drop = 0;
    if (closed != null) {
      drop = closed.truncateBefore(mintMs);
      if (closed.isEmpty()) {
        closed = null; // an idle series keeps no empty store
      }
    }
    if (streamSamples() > 0 && lastTimeMs() < mintMs && closed == null) {
      releaseStream();
      drop++;
    }
    return drop;
  }

  /** No samples left in memory. */
  boolean isEmpty() {
    return closed == null && streamSamples() == 0;
  }

  /** Append ids still tracked for recent samples (bounded by the isolation low watermark). */
  int trackedAppendIds() {
    return txCount;
  }

  /** Timestamp of the last committed sample, or {@code Long.MIN_VALUE}. */
  long lastTimestamp() {
    return appendedCount > 0 ? lastTimeMs() : Long.MIN_VALUE;
  }

  /** Closed chunks whose bytes are in the chunk files. */
  int numChunksOnDisk() {
    return closed == null ? 0 : closed.numChunksOnDisk();
  }

  int numChunks() {
    return (closed == null ? 0 : closed.numChunks()) + (streamSamples() > 0 ? 1 : 0);
  }

  /**
   * The samples of this series visible to {@code state} within [mint, maxt], as an immutable
   * snapshot: the packed closed chunks overlapping the range pinned (a view, no copy), the head
   * chunk copied, plus the ordinals of samples to hide (written by commits the read must not see).
   * Null when no chunk overlaps the range.
   */
  HeadSeries snapshot(Isolation.ReadState state, long mintMs, long maxtMs, ChunkFiles files) {
    PackedChunks.View view = closed == null ? null : closed.view(mintMs, maxtMs, files);
    int headCount = streamSamples();
    XorChunk headCopy = null;
    if (headCount > 0 && lastTimeMs() >= mintMs && streamMinTimeMs() <= maxtMs) {
      headCopy = copyStream();
    }
    if (view == null && headCopy == null) {
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
    long headOrdinal = appendedCount - headCount;
    long closedOrdinal = headOrdinal;
    if (hidden != null) {
      if (hiddenCount < hidden.length) {
        hidden = Arrays.copyOf(hidden, hiddenCount);
      }
      // Ordinals matter only to hide samples; counting the chunks' samples is skipped otherwise.
      if (view != null) {
        closedOrdinal -= closed.numSamplesFrom(view);
      }
    }
    // With every commit visible, the newest sample in the chunks is the last committed one.
    long lastT = lastTimeMs();
    boolean latestKnown = hidden == null && appendedCount > 0 && lastT >= mintMs && lastT <= maxtMs;
    return new HeadSeries(
        labels,
        view,
        headCopy,
        closedOrdinal,
        headOrdinal,
        hidden,
        mintMs,
        maxtMs,
        latestKnown ? lastT : Long.MIN_VALUE,
        latestKnown ? lastValueBits() : 0);
  }

  /**
   * Heap bytes of this series with compressed oops: this object (the open chunk's encoder state
   * included), its {@link Labels} object and pairs array (the strings are the symbol table's), the
   * packed closed chunks, the open chunk's buffer, and the append-id ring. Object and array
   * headers and alignment padding included; spare capacity counts as used.
   */
  long ramBytesUsed() {
    long bytes = SHALLOW_BYTES;
    bytes += LABELS_SHALLOW_BYTES + align(16 + 4L * 2 * labels.size());
    if (closed != null) {
      bytes += closed.ramBytesUsed();
    }
    bytes += streamBufferRamBytes();
    if (txIds != null) {
      bytes += align(16 + 8L * txIds.length);
    }
    return bytes;
  }

  /**
   * Adds this series' stored samples and their encoded size (closed chunks plus the open head
   * chunk, in Prometheus's chunk encoding: 2-byte sample count header and the bit stream) to
   * {@code acc[0]} (bytes) and {@code acc[1]} (samples).
   */
  void addChunkStats(long[] acc) {
    if (closed != null) {
      acc[0] += closed.encodedBytes();
      for (int k = 0; k < closed.numChunks(); k++) {
        acc[1] += closed.chunkNumSamples(k);
      }
    }
    if (streamSamples() > 0) {
      acc[0] += streamByteLength();
      acc[1] += streamSamples();
    }
  }

  /**
   * Adds to {@code acc} this series' closed chunks: {heap bytes (the packed store, its arrays and
   * index, headers and padding included), encoded bytes (Prometheus's format: bit streams plus
   * 2-byte headers), samples, chunks}.
   */
  void addClosedChunkStats(long[] acc) {
    if (closed == null) {
      return;
    }
    acc[0] += closed.ramBytesUsed();
    acc[1] += closed.encodedBytes();
    for (int k = 0; k < closed.numChunks(); k++) {
      acc[2] += closed.chunkNumSamples(k);
    }
    acc[3] += closed.numChunks();
  }

  private static long align(long n) {
    return (n + 7) & ~7L;
  }
}
