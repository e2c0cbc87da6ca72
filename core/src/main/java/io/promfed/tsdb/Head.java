package io.promfed.tsdb;

import io.promfed.model.labels.Labels;
import io.promfed.model.labels.LabelsBuilder;
import io.promfed.storage.Appendable;
import io.promfed.storage.Appender;
import io.promfed.storage.MetricMetadata;
import io.promfed.storage.Querier;
import io.promfed.storage.Queryable;
import io.promfed.storage.StorageException;
import io.promfed.tsdb.chunkenc.ChunkFiles;
import io.promfed.tsdb.index.MemPostings;
import io.promfed.util.IdlePool;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.atomic.LongAdder;
import java.util.concurrent.locks.ReentrantLock;
import java.util.function.LongSupplier;

/**
 * The in-memory time-series store (Prometheus's {@code tsdb.Head}): series in {@link MemSeries}
 * found through striped maps by reference or label hash, samples in Gorilla XOR chunks of {@value
 * io.promfed.tsdb.chunkenc.XorChunk#TARGET_SAMPLES} samples (closed ones packed per series into one
 * array, {@link io.promfed.tsdb.chunkenc.PackedChunks}, and moved to {@link ChunkFiles} by each
 * truncation when the head has them, see {@link #mapChunksTo}), an inverted index ({@link MemPostings})
 * for selectors, label strings interned in a {@link SymbolTable}, and metadata per metric family.
 *
 * <p><b>Writes</b> go through {@link #appender()}: one transaction per scrape or rule evaluation.
 * Samples are validated when appended (out of bounds, out of order, duplicate timestamp with a
 * different value; an exact repeat is accepted silently, as Prometheus does for federation) and
 * written only on commit.
 *
 * <p><b>Reads</b> go through {@link #querier(long, long)}. A querier sees exactly the commits that
 * had finished when it was opened, each in full (isolation, as Prometheus's tsdb/isolation.go): see
 * {@link Isolation}. Queriers must be closed; an open querier keeps the isolation low watermark
 * down, which makes series keep more append ids.
 *
 * <p><b>Retention</b>: the owner calls {@link #gc()} (or {@link #truncate(long)}) periodically;
 * nothing here runs in the background. Appends older than the retention window or than the last
 * truncation are rejected as out of bounds.
 *
 * <p>Time is injected ({@code nowMs}); the head never reads the system clock.
 *
 * <p>Thread-safe: any number of appenders (each used by one thread) and queriers concurrently.
 * Readers never block writers for longer than it takes to copy one head chunk.
 */
public final class Head implements Appendable, Queryable {

  /** Stripes of the series maps; Prometheus defaults to 16384, a few thousand scrapes suffice. */
  static final int DEFAULT_STRIPES = 1024;

  private final LongSupplier nowMs;
  private final long retentionMs;
  private final long maxSeries;

  final StripeSeries series = new StripeSeries(DEFAULT_STRIPES);
  final MemPostings postings = new MemPostings();
  final SymbolTable symbols = new SymbolTable();
  final Isolation isolation = new Isolation();
  /**
   * Metadata per metric family: every distinct value reported, most recent last, at most {@link
   * #MAX_METADATA_PER_FAMILY}. Distinct values are kept, not only the last, because targets may
   * disagree about a family (Prometheus's {@code /api/v1/metadata} lists each variant, and
   * federation must not claim one type for series of another). A variant nobody reports any more
   * stays until the family has no series left.
   */
  final Map<String, List<MetricMetadata>> metadata = new ConcurrentHashMap<>();

  /** Bound on the variants kept per family, so a help text that embeds a host name stays small. */
  static final int MAX_METADATA_PER_FAMILY = 8;

  /**
   * How many finished appenders' sample buffers are kept for the next ones. Enough for the large
   * scrapes running at once; more concurrent appenders allocate their own, and buffers unused for
   * a minute are dropped ({@link IdlePool}). Not counted in {@link #ramBytesUsed()}, which
   * measures what the stored series cost: the pool holds at most this many times 20 bytes per
   * sample of the largest transactions.
   */
  static final int APPEND_BUFFER_POOL_SIZE = 4;

  private final IdlePool<HeadAppender.Buffers> appendBuffers =
      new IdlePool<>(APPEND_BUFFER_POOL_SIZE);

  private final AtomicLong lastRef = new AtomicLong();
  private final AtomicLong numSeries = new AtomicLong();
  private final AtomicLong truncatedBeforeMs = new AtomicLong(Long.MIN_VALUE);
  private final ReentrantLock truncateLock = new ReentrantLock();

  final LongAdder samplesAppended = new LongAdder();
  final LongAdder outOfOrderSamples = new LongAdder();
  final LongAdder duplicateSamples = new LongAdder();
  final LongAdder outOfBoundsSamples = new LongAdder();
  final LongAdder seriesLimitRejections = new LongAdder();
  private final LongAdder seriesCreated = new LongAdder();
  private final LongAdder seriesRemoved = new LongAdder();
  private final LongAdder chunksRemoved = new LongAdder();
  private final LongAdder chunksMovedToDisk = new LongAdder();

  /** See {@link #mapChunksTo}; null while closed chunks stay in memory. */
  private volatile ChunkFiles chunkFiles;

  /**
   * A head without a series limit.
   *
   * @param nowMs the current time in epoch milliseconds (inject a fake in tests)
   * @param retention how long samples are kept; positive
   */
  public Head(LongSupplier nowMs, Duration retention) {
    this(nowMs, retention, 0);
  }

  /**
   * @param nowMs the current time in epoch milliseconds (inject a fake in tests)
   * @param retention how long samples are kept; positive. Appends older than {@code now -
   *     retention} are out of bounds and {@link #gc()} drops chunks that ended before it
   * @param maxSeries the most series held at once, 0 for no limit; an append that would create one
   *     more fails with {@link StorageException#TOO_MANY_SERIES}
   */
  public Head(LongSupplier nowMs, Duration retention, long maxSeries) {
    if (nowMs == null) {
      throw new IllegalArgumentException("nowMs is required");
    }
    if (retention == null || retention.isNegative() || retention.isZero()) {
      throw new IllegalArgumentException("retention must be positive, got " + retention);
    }
    if (maxSeries < 0) {
      throw new IllegalArgumentException("maxSeries must be >= 0, got " + maxSeries);
    }
    this.nowMs = nowMs;
    this.retentionMs = saturatedMillis(retention);
    this.maxSeries = maxSeries;
  }

  private static long saturatedMillis(Duration d) {
    try {
      return d.toMillis();
    } catch (ArithmeticException e) {
      return Long.MAX_VALUE;
    }
  }

  /**
   * A new transaction. Its samples are validated as appended and become visible together on {@link
   * Appender#commit()}. The oldest accepted timestamp is fixed now: {@link #minValidTimeMs()}.
   */
  @Override
  public Appender appender() {
    return new HeadAppender(this, minValidTimeMs());
  }

  /** Sample buffers for a new transaction: a pooled one if any, else small new ones. */
  HeadAppender.Buffers takeAppendBuffers() {
    HeadAppender.Buffers b = appendBuffers.poll();
    return b != null ? b : new HeadAppender.Buffers(16);
  }

  /** Keeps an emptied buffer for the next transaction, if it is worth it and there is room. */
  void returnAppendBuffers(HeadAppender.Buffers b) {
    if (b.capacity() >= HeadAppender.Buffers.MIN_POOLED_CAPACITY) {
      appendBuffers.offer(b);
    }
  }

  /**
   * A reader over {@code [mintMs, maxtMs]} that sees the commits finished by now, each in full.
   * Must be closed.
   */
  @Override
  public Querier querier(long mintMs, long maxtMs) {
    return new HeadQuerier(this, isolation.beginRead(), mintMs, maxtMs);
  }

  /**
   * Drops every chunk whose samples are all before {@code mintMs}, then removes series left without
   * samples and without uncommitted appends (from the maps, the postings and the symbol table), and
   * metadata of families with no series left. From now on appends before {@code mintMs} are out of
   * bounds. Prometheus's {@code Head.Truncate} / {@code gc}. One truncation runs at a time; appends
   * and queries continue meanwhile.
   *
   * @return the number of series removed
   */
  public long truncate(long mintMs) {
    truncateLock.lock();
    try {
      truncatedBeforeMs.accumulateAndGet(mintMs, Math::max);
      List<MemSeries> dead = new ArrayList<>();
      long chunks = 0;
      // While every series is visited anyway, the figures stats() reports (if it was asked for them
      // since the last walk): the series' heap bytes, and their chunks' encoded bytes and samples.
      boolean measure = statsWanted;
      statsWanted = false;
      long[] measured = new long[1];
      long[] chunkAcc = new long[2];
      ChunkFiles files = chunkFiles;
      ClosedChunkMover mover = files == null ? null : new ClosedChunkMover(files);
      for (int i = 0; i < series.stripes(); i++) {
        StripeSeries.HashStripe hs = series.hashStripeAt(i);
        List<MemSeries> deadHere = new ArrayList<>();
        synchronized (hs) {
          long[] dropped = new long[1];
          hs.forEach(
              s -> {
                synchronized (s) {
                  dropped[0] += s.truncateBefore(mintMs);
                  if (s.isEmpty() && s.pendingSamples == 0) {
                    s.removed = true;
                    deadHere.add(s);
                  } else {
                    if (measure) {
                      measure(s, measured, chunkAcc);
                    }
                    if (mover != null) {
                      mover.gather(s);
                    }
                  }
                }
              });
          chunks += dropped[0];
          for (MemSeries s : deadHere) {
            hs.remove(s);
            series.removeRef(s.ref);
          }
        }
        dead.addAll(deadHere);
        if (mover != null) {
          mover.writeIfFull();
        }
      }
      if (mover != null) {
        chunksMovedToDisk.add(mover.finish(mintMs));
      }
      if (!dead.isEmpty()) {
        long[] refs = new long[dead.size()];
        List<Labels> labelSets = new ArrayList<>(dead.size());
        for (int i = 0; i < refs.length; i++) {
          MemSeries s = dead.get(i);
          refs[i] = s.ref;
          labelSets.add(s.labels);
        }
        postings.delete(refs, labelSets);
        for (Labels l : labelSets) {
          for (int k = 0; k < l.size(); k++) {
            symbols.release(l.name(k));
            symbols.release(l.value(k));
          }
        }
        numSeries.addAndGet(-dead.size());
        seriesRemoved.add(dead.size());
        dropOrphanedMetadata();
      }
      chunksRemoved.add(chunks);
      if (measure) {
        // Measured before the chunks moved out in this walk left the heap: count them as gone.
        long freed = mover == null ? 0 : mover.heapBytesFreed();
        stats = new Stats(measured[0] - freed + indexRamBytes(), chunkAcc[0], chunkAcc[1]);
      }
      return dead.size();
    } finally {
      truncateLock.unlock();
    }
  }

  /**
   * From the next truncation on, closed chunks are written to {@code files} and only their index
   * entries stay in memory (Prometheus's m-mapped head chunks): for a head behind a write-ahead log,
   * which holds the samples again. Call once, before the first truncation.
   */
  public void mapChunksTo(ChunkFiles files) {
    if (files == null) {
      throw new IllegalArgumentException("files are required");
    }
    if (chunkFiles != null) {
      throw new IllegalStateException("chunk files already set: " + chunkFiles.dir());
    }
    chunkFiles = files;
  }

  /** The files closed chunks go to, or null when they stay in memory. */
  ChunkFiles chunkFiles() {
    return chunkFiles;
  }

  /** Bytes of closed chunks in the chunk files (0 without them). */
  public long chunkFilesBytes() {
    ChunkFiles f = chunkFiles;
    return f == null ? 0 : f.sizeBytes();
  }

  /** Closed chunks moved from memory to the chunk files. */
  public long chunksMovedToDisk() {
    return chunksMovedToDisk.sum();
  }

  /** Batches of closed chunks that could not be written to the chunk files (they stayed in memory). */
  public long chunkWriteFailures() {
    ChunkFiles f = chunkFiles;
    return f == null ? 0 : f.writeFailures();
  }

  /** {@link #truncate(long)} at {@code now - retention}: what a scheduler calls periodically. */
  public long gc() {
    return truncate(retentionStartMs());
  }

  /**
   * The oldest timestamp an appender opened now accepts: the later of {@code now - retention} and
   * the last truncation point.
   */
  public long minValidTimeMs() {
    return Math.max(retentionStartMs(), truncatedBeforeMs.get());
  }

  private long retentionStartMs() {
    long now = nowMs.getAsLong();
    long start = now - retentionMs;
    return start > now ? Long.MIN_VALUE : start; // saturate on underflow
  }

  /** Records that some source reported {@code md} for {@code family}; see {@link #metadata}. */
  void recordMetadata(String family, MetricMetadata md) {
    metadata.compute(family, (f, known) -> withVariant(known, md));
  }

  private static List<MetricMetadata> withVariant(List<MetricMetadata> known, MetricMetadata md) {
    if (known == null) {
      return List.of(md);
    }
    if (known.get(known.size() - 1).equals(md)) {
      return known;
    }
    List<MetricMetadata> next = new ArrayList<>(known.size() + 1);
    for (MetricMetadata k : known) {
      if (!k.equals(md)) {
        next.add(k);
      }
    }
    next.add(md);
    int from = Math.max(0, next.size() - MAX_METADATA_PER_FAMILY);
    return List.copyOf(next.subList(from, next.size()));
  }

  /**
   * Metadata is kept per family; drop it when no series of the family is left, i.e. no {@code
   * __name__} equal to the family name or starting with {@code <family>_} (suffixes such as {@code
   * _total}, {@code _bucket}, {@code _count}).
   */
  private void dropOrphanedMetadata() {
    metadata
        .keySet()
        .removeIf(
            family ->
                postings.postings(Labels.METRIC_NAME, family).isEmpty()
                    && !postings.hasValueInRange(Labels.METRIC_NAME, family + "_", family + "`"));
  }

  /** Truncation point applied by the last {@link #truncate(long)}, or {@code Long.MIN_VALUE}. */
  long truncatedBeforeMs() {
    return truncatedBeforeMs.get();
  }

  MemSeries seriesByRef(long ref) {
    return series.getByRef(ref);
  }

  /** The labels of the series with this reference, or null when there is none (any more). */
  public Labels labelsOf(long ref) {
    MemSeries s = series.getByRef(ref);
    return s == null ? null : s.labels;
  }

  /**
   * Finds or creates the series for {@code labels} and counts one pending sample on it (under the
   * hash stripe lock, so GC cannot remove it before the appender's sample is accounted for). New
   * series are indexed before the stripe lock is released, so no commit can make samples of a
   * series visible before the series is in the postings.
   */
  MemSeries getOrCreateAndPin(Labels labels) throws StorageException {
    if (labels == null || labels.isEmpty()) {
      throw new IllegalArgumentException("empty label set");
    }
    long hash = labels.hash64();
    StripeSeries.HashStripe hs = series.hashStripe(hash);
    synchronized (hs) {
      MemSeries s = hs.get(hash, labels);
      if (s != null) {
        synchronized (s) {
          s.pendingSamples++;
        }
        return s;
      }
      long n = numSeries.incrementAndGet();
      if (maxSeries > 0 && n > maxSeries) {
        numSeries.decrementAndGet();
        seriesLimitRejections.increment();
        throw StorageException.TOO_MANY_SERIES;
      }
      Labels interned = intern(labels);
      // The postings draw the ref (see MemPostings.addNew). A query that finds it there before
      // the series is in the ref map skips it, as it would skip a series with no sample yet.
      long ref = postings.addNew(lastRef::incrementAndGet, interned);
      s = new MemSeries(ref, interned);
      s.pendingSamples = 1;
      hs.put(hash, s);
      series.putRef(ref, s);
      seriesCreated.increment();
      return s;
    }
  }

  private Labels intern(Labels labels) {
    LabelsBuilder b = new LabelsBuilder();
    for (int i = 0; i < labels.size(); i++) {
      b.set(symbols.acquire(labels.name(i)), symbols.acquire(labels.value(i)));
    }
    return b.build();
  }

  // ---- sizes and statistics

  /** Series currently in the head. */
  public long numSeries() {
    return numSeries.get();
  }

  /**
   * Heap bytes held by the head: series and their chunks, the series maps, postings, symbol table
   * and metadata. Object and array headers, references (compressed oops), alignment padding and
   * spare capacity are counted; only metadata is estimated. Walks every series (O(series)); meant
   * for a periodic gauge.
   */
  public long ramBytesUsed() {
    long[] bytes = new long[1];
    series.forEach(
        s -> {
          synchronized (s) {
            bytes[0] += s.ramBytesUsed();
          }
        });
    return bytes[0] + indexRamBytes();
  }

  /** {@link #ramBytesUsed()} besides the series themselves: maps, postings, symbols, metadata. */
  private long indexRamBytes() {
    return series.ramBytesUsed()
        + postings.ramBytesUsed()
        + symbols.ramBytesUsed()
        + metadata.values().stream().mapToLong(List::size).sum() * 160L;
  }

  /**
   * The head's size as a {@link #truncate} (the periodic {@link #gc()}) measured it while it
   * visited every series anyway: {@link #ramBytesUsed()} and {@link #chunkStats()} at that moment.
   * Each call asks the next truncation to measure again, so a reader polling at least once per gc
   * interval (Prometheus scraping /metrics) sees figures at most one interval old, and nobody pays
   * for figures nobody reads. The first call measures at once. For /metrics: walking every series
   * on each scrape of it cost the leaf more CPU than a scrape of a 5,000-series target.
   */
  public Stats stats() {
    statsWanted = true;
    Stats s = stats;
    if (s == null) {
      truncateLock.lock(); // one walk, not one per concurrent caller
      try {
        s = stats;
        if (s == null) {
          long[] bytes = new long[1];
          long[] chunks = new long[2];
          series.forEach(
              m -> {
                synchronized (m) {
                  measure(m, bytes, chunks);
                }
              });
          s = stats = new Stats(bytes[0] + indexRamBytes(), chunks[0], chunks[1]);
        }
      } finally {
        truncateLock.unlock();
      }
    }
    return s;
  }

  /** Adds a series (its monitor held) to the figures of {@link #stats()}. */
  private static void measure(MemSeries s, long[] bytes, long[] chunks) {
    bytes[0] += s.ramBytesUsed();
    s.addChunkStats(chunks);
  }

  /**
   * See {@link #stats()}.
   *
   * @param ramBytes heap bytes, as {@link #ramBytesUsed()}
   * @param chunkBytes encoded bytes in the chunks, open ones included
   * @param chunkSamples samples in those chunks
   */
  public record Stats(long ramBytes, long chunkBytes, long chunkSamples) {}

  /** What the last measuring truncation found; null before the first (see {@link #stats()}). */
  private volatile Stats stats;

  /** Whether {@link #stats()} was called since the last truncation that measured. */
  private volatile boolean statsWanted;

  /**
   * Closed chunks over all series: {heap bytes (the packed stores with their index, headers and
   * padding), encoded bytes (Prometheus's chunk format: 2-byte header and bit stream), samples,
   * chunks}. For the memory-density test and diagnostics.
   */
  long[] closedChunkStats() {
    long[] r = new long[4];
    series.forEach(
        s -> {
          synchronized (s) {
            s.addClosedChunkStats(r);
          }
        });
    return r;
  }

  /**
   * {encoded chunk bytes, samples} over every series, open head chunks included: what the head
   * stores per sample ("bytes per sample"), independent of object overhead. Walks every series.
   */
  public long[] chunkStats() {
    long[] r = new long[2];
    series.forEach(
        s -> {
          synchronized (s) {
            s.addChunkStats(r);
          }
        });
    return r;
  }

  /** Samples written by commits (exact repeats and rejected samples not counted). */
  public long samplesAppended() {
    return samplesAppended.sum();
  }

  /** Samples rejected as older than their series' last sample. */
  public long outOfOrderSamples() {
    return outOfOrderSamples.sum();
  }

  /** Samples rejected for repeating their series' last timestamp with a different value. */
  public long duplicateSamples() {
    return duplicateSamples.sum();
  }

  /** Samples rejected as older than the retention window or the last truncation. */
  public long outOfBoundsSamples() {
    return outOfBoundsSamples.sum();
  }

  /** Appends rejected because they would have created a series beyond {@code maxSeries}. */
  public long seriesLimitRejections() {
    return seriesLimitRejections.sum();
  }

  /** Series ever created. */
  public long seriesCreated() {
    return seriesCreated.sum();
  }

  /** Series removed by truncation. */
  public long seriesRemoved() {
    return seriesRemoved.sum();
  }

  /** Chunks dropped by truncation. */
  public long chunksRemoved() {
    return chunksRemoved.sum();
  }

  /** Distinct label strings interned for the series in the head. */
  public long numSymbols() {
    return symbols.size();
  }

  /** Heap bytes of the symbol table (included in {@link #ramBytesUsed()}). */
  public long symbolsRamBytesUsed() {
    return symbols.ramBytesUsed();
  }

  /** Heap bytes of the postings index (included in {@link #ramBytesUsed()}). */
  public long postingsRamBytesUsed() {
    return postings.ramBytesUsed();
  }

  SymbolTable symbols() {
    return symbols;
  }

  MemPostings postings() {
    return postings;
  }
}
