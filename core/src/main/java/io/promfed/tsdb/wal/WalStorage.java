package io.promfed.tsdb.wal;

import io.promfed.model.labels.Labels;
import io.promfed.model.labels.Matcher;
import io.promfed.storage.Appendable;
import io.promfed.storage.Appender;
import io.promfed.storage.MetricMetadata;
import io.promfed.storage.Querier;
import io.promfed.storage.Series;
import io.promfed.storage.SeriesCursor;
import io.promfed.storage.SeriesSet;
import io.promfed.storage.StorageException;
import io.promfed.tsdb.Head;
import io.promfed.tsdb.chunkenc.ChunkFiles;
import io.promfed.tsdb.chunkenc.XorChunk;
import io.promfed.tsdb.chunkenc.XorCursor;
import io.promfed.util.IdlePool;
import it.unimi.dsi.fastutil.longs.Long2LongOpenHashMap;
import it.unimi.dsi.fastutil.longs.Long2ObjectOpenHashMap;
import it.unimi.dsi.fastutil.longs.LongArrayList;
import it.unimi.dsi.fastutil.longs.LongIterator;
import it.unimi.dsi.fastutil.longs.LongOpenHashSet;
import java.io.BufferedOutputStream;
import java.io.DataOutputStream;
import java.io.IOException;
import java.io.OutputStream;
import java.io.UncheckedIOException;
import java.nio.channels.FileChannel;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.StandardOpenOption;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.atomic.LongAdder;
import java.time.Duration;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.ScheduledFuture;
import java.util.concurrent.TimeUnit;
import java.util.function.LongSupplier;
import java.util.stream.Stream;

/**
 * Makes a head durable across restarts ({@code --storage.path}): every committed transaction is
 * written to a {@link Wal} before the head makes it visible, and a periodic checkpoint writes the
 * head's samples within retention as compressed chunks so that older segments can be deleted and
 * the log stays bounded. On start the latest checkpoint and then the segments after it are
 * replayed into the head, so {@code kill -9} and a restart lose no committed sample, only the gap
 * while the process was down.
 *
 * <p>The head's closed chunks go to {@code <storage.path>/chunks_head} ({@link ChunkFiles}), so its
 * heap holds only the chunks being written and an index of the rest. Those files are not part of
 * what a restart reads: they are emptied on open and filled again by the replay, whose own
 * truncations move the chunks out as they close (every {@link #REPLAY_GC_EVERY_SAMPLES} samples).
 *
 * <p>Writing the log can fail (a full disk): the transaction is then rolled back, nothing of it
 * becomes visible, the failure is counted and the caller gets an {@link UncheckedIOException}
 * naming the cause, so ingestion stops visibly instead of the data silently going missing.
 */
public final class WalStorage implements Appendable, AutoCloseable {

  private static final System.Logger LOG = System.getLogger(WalStorage.class.getName());
  private static final String CHECKPOINT_PREFIX = "checkpoint.";
  /** Prometheus's name for the directory of its head's m-mapped chunks. */
  static final String CHUNKS_DIR = "chunks_head";
  /** Marks a checkpoint's own series references, so they never collide with the head's. */
  private static final long CHECKPOINT_REF_BIT = 1L << 62;

  private final Head head;
  private final Path dir;
  private final Wal wal;
  private final ChunkFiles chunkFiles;
  /** Head series references whose labels are in the log since the last checkpoint. */
  private final RefBitSet logged = new RefBitSet();

  private final LongAdder writeFailures = new LongAdder();
  private final LongAdder recordsWritten = new LongAdder();
  private final LongAdder samplesReplayed = new LongAdder();
  private volatile long lastCheckpointMs;
  private volatile long checkpointSamples;
  private ScheduledFuture<?> checkpoints;

  private WalStorage(Head head, Path dir, Wal wal, ChunkFiles chunkFiles) {
    this.head = head;
    this.dir = dir;
    this.wal = wal;
    this.chunkFiles = chunkFiles;
  }

  /**
   * Opens {@code dir} ({@code <storage.path>/wal} and its checkpoints), replaying its content into
   * {@code head} (normally a {@code Head}, given as both its append and read side).
   */
  public static WalStorage open(Path dir, Head head) throws IOException {
    return open(dir, head, Wal.DEFAULT_SEGMENT_BYTES);
  }

  static WalStorage open(Path dir, Head head, long segmentBytes) throws IOException {
    return open(dir, head, segmentBytes, REPLAY_COMMIT_EVERY_SAMPLES, REPLAY_GC_EVERY_SAMPLES);
  }

  /** Samples the replay appends per transaction. */
  static final int REPLAY_COMMIT_EVERY_SAMPLES = 100_000;

  /**
   * Samples between two truncations of the head during the replay: each moves the chunks closed so
   * far to disk, so replaying a long retention does not hold it all in the heap first.
   */
  static final long REPLAY_GC_EVERY_SAMPLES = 10_000_000;

  /** {@link #open(Path, Head)} with the replay's pace chosen (tests). */
  static WalStorage open(
      Path dir, Head head, long segmentBytes, int replayCommitEvery, long replayGcEvery)
      throws IOException {
    Files.createDirectories(dir);
    ChunkFiles chunkFiles = ChunkFiles.open(dir.resolve(CHUNKS_DIR));
    head.mapChunksTo(chunkFiles);
    Replayer replayer = new Replayer(head, head::gc, replayCommitEvery, replayGcEvery);
    long t0 = System.nanoTime();
    int checkpointSegment = -1;
    Path checkpoint = latestCheckpoint(dir);
    if (checkpoint != null) {
      checkpointSegment = Integer.parseInt(checkpoint.getFileName().toString().substring(CHECKPOINT_PREFIX.length()));
      replayFile(checkpoint, replayer);
    }
    Path walDir = dir.resolve("wal");
    Files.createDirectories(walDir);
    // Segments a finished checkpoint covers may survive a crash between its rename and the
    // deletion; they are skipped rather than replayed twice.
    for (int s : Wal.segments(walDir)) {
      if (s <= checkpointSegment) {
        Files.deleteIfExists(walDir.resolve(Wal.name(s)));
      }
    }
    Wal wal = Wal.open(walDir, segmentBytes, replayer::accept);
    replayer.commit();
    WalStorage storage = new WalStorage(head, dir, wal, chunkFiles);
    storage.samplesReplayed.add(replayer.samples);
    LOG.log(
        System.Logger.Level.INFO,
        "storage {0}: replayed {1} series and {2} samples in {3} ms",
        dir,
        replayer.refs.size(),
        replayer.samples,
        (System.nanoTime() - t0) / 1_000_000);
    return storage;
  }

  private static Path latestCheckpoint(Path dir) throws IOException {
    try (Stream<Path> files = Files.list(dir)) {
      return files
          .filter(p -> p.getFileName().toString().matches(CHECKPOINT_PREFIX.replace(".", "\\.") + "\\d{8}"))
          .max(Path::compareTo)
          .orElse(null);
    }
  }

  private static void replayFile(Path checkpoint, Replayer replayer) throws IOException {
    // Written whole and renamed into place: a bad record here is damage, reported, not fatal.
    if (!Wal.read(checkpoint, replayer::accept, false)) {
      LOG.log(System.Logger.Level.ERROR, "checkpoint {0} is damaged; replayed what was intact", checkpoint);
    }
  }

  @Override
  public Appender appender() {
    return new WalAppender(head.appender());
  }

  /**
   * Writes a checkpoint of every sample the head holds from {@code mintMs} on and deletes the
   * segments it covers. Runs alongside ingestion: records written meanwhile go to newer segments
   * and are replayed after the checkpoint (repeats of identical samples are accepted silently).
   */
  public synchronized void checkpoint(long mintMs) throws IOException {
    int firstNew;
    synchronized (logged) {
      firstNew = wal.rotate();
      logged.clear(); // newer segments must name their series again: older ones will be gone
    }
    Path tmp = dir.resolve(CHECKPOINT_PREFIX + Wal.name(firstNew - 1) + ".tmp");
    long samples = 0;
    try (FileChannel ch = FileChannel.open(tmp, StandardOpenOption.CREATE, StandardOpenOption.TRUNCATE_EXISTING, StandardOpenOption.WRITE);
        OutputStream out = new BufferedOutputStream(java.nio.channels.Channels.newOutputStream(ch), 1 << 16);
        Querier q = head.querier(mintMs, Long.MAX_VALUE)) {
      RecordWriter w = new RecordWriter(new DataOutputStream(out));
      for (Map.Entry<String, List<MetricMetadata>> e : q.metadata(null).entrySet()) {
        for (MetricMetadata m : e.getValue()) {
          w.write(new RecordCodec.Encoder(256).type(RecordCodec.METADATA).metadata(e.getKey(), m));
        }
      }
      SeriesSet set = q.select(false, Matcher.regex("__name__", ".+"));
      long ref = CHECKPOINT_REF_BIT;
      XorChunk chunk;
      while (set.next()) {
        Series s = set.at();
        ref++;
        w.write(new RecordCodec.Encoder(256).type(RecordCodec.SERIES).series(ref, s.labels()));
        SeriesCursor c = s.cursor();
        chunk = new XorChunk();
        while (c.next()) {
          chunk.appendBits(c.atT(), Double.doubleToRawLongBits(c.atV()));
          samples++;
          if (chunk.numSamples() == XorChunk.TARGET_SAMPLES) {
            w.write(chunkRecord(ref, chunk));
            chunk = new XorChunk();
          }
        }
        if (chunk.numSamples() > 0) {
          w.write(chunkRecord(ref, chunk));
        }
      }
      out.flush();
      ch.force(true);
    }
    Path finalName = dir.resolve(CHECKPOINT_PREFIX + Wal.name(firstNew - 1));
    Files.move(tmp, finalName, StandardCopyOption.ATOMIC_MOVE, StandardCopyOption.REPLACE_EXISTING);
    try (Stream<Path> files = Files.list(dir)) {
      for (Path p : files.toList()) {
        String n = p.getFileName().toString();
        if (n.startsWith(CHECKPOINT_PREFIX) && !p.equals(finalName) && !n.endsWith(".tmp")) {
          Files.deleteIfExists(p);
        }
      }
    }
    wal.truncateBefore(firstNew);
    lastCheckpointMs = System.currentTimeMillis();
    checkpointSamples = samples;
  }

  private static RecordCodec.Encoder chunkRecord(long ref, XorChunk chunk) {
    return new RecordCodec.Encoder(chunk.byteLength() + 16)
        .type(RecordCodec.CHUNK)
        .uvarint(ref)
        .uvarint(chunk.numSamples())
        .bytes(chunk.bytes());
  }

  /** Frames records like {@link Wal} does, for a checkpoint file. */
  private static final class RecordWriter {
    private final DataOutputStream out;
    private final java.util.zip.CRC32C crc = new java.util.zip.CRC32C();

    RecordWriter(DataOutputStream out) {
      this.out = out;
    }

    void write(RecordCodec.Encoder e) throws IOException {
      crc.reset();
      crc.update(e.buffer(), 0, e.size());
      out.writeInt(e.size());
      out.writeInt((int) crc.getValue());
      out.write(e.buffer(), 0, e.size());
    }
  }

  public long writeFailures() {
    return writeFailures.sum();
  }

  public long recordsWritten() {
    return recordsWritten.sum();
  }

  public long samplesReplayed() {
    return samplesReplayed.sum();
  }

  public long lastCheckpointMs() {
    return lastCheckpointMs;
  }

  public long checkpointSamples() {
    return checkpointSamples;
  }

  /**
   * Checkpoints every {@code every}, keeping samples from {@code mintMs.getAsLong()} on (now minus
   * the retention); a failed checkpoint is logged and retried at the next turn, the log just grows
   * meanwhile.
   */
  public void startCheckpoints(ScheduledExecutorService scheduler, Duration every, LongSupplier mintMs) {
    long ms = every.toMillis();
    checkpoints =
        scheduler.scheduleWithFixedDelay(
            () -> {
              try {
                checkpoint(mintMs.getAsLong());
              } catch (IOException | RuntimeException e) {
                LOG.log(System.Logger.Level.ERROR, "checkpoint of " + dir + " failed", e);
              }
            },
            ms,
            ms,
            TimeUnit.MILLISECONDS);
  }

  @Override
  public void close() {
    if (checkpoints != null) {
      checkpoints.cancel(false);
    }
    wal.close();
    chunkFiles.close();
  }

  /**
   * The working memory of one transaction: the samples' references, labels and encoded body, and
   * the records built from them at commit. Pooled across transactions like the head's append
   * buffers, so a scrape of 5,000 samples does not regrow and drop ~300 KB of arrays each time.
   */
  private static final class AppendBuffers {
    /** Smaller buffers cost less to allocate than to share. */
    static final int MIN_POOLED_SAMPLES = 1024;

    final LongArrayList sampleRefs = new LongArrayList();
    final List<Labels> sampleLabels = new ArrayList<>();
    final RecordCodec.Encoder sampleBody = new RecordCodec.Encoder(4096);
    final RecordCodec.Encoder samplesRecord = new RecordCodec.Encoder(4096);
    final LongOpenHashSet fresh = new LongOpenHashSet();

    void clear() {
      sampleRefs.clear();
      sampleLabels.clear();
      sampleBody.reset();
      samplesRecord.reset();
      boolean wasLarge = fresh.size() > MIN_POOLED_SAMPLES;
      fresh.clear();
      if (wasLarge) {
        // New series come in bursts (a target's first scrape); the set's table of that size
        // would otherwise stay with the buffers, 1 MiB after 50,000 new series.
        fresh.trim();
      }
    }
  }

  /**
   * At most this many idle buffers are kept, and none unused for a minute ({@link IdlePool}): as
   * many as transactions were in flight at once lately, not as many as at the busiest moment ever.
   */
  private static final int MAX_POOLED_BUFFERS = 64;

  private final IdlePool<AppendBuffers> appendBuffers = new IdlePool<>(MAX_POOLED_BUFFERS);

  private AppendBuffers takeAppendBuffers() {
    AppendBuffers b = appendBuffers.poll();
    return b != null ? b : new AppendBuffers();
  }

  /** Keeps an emptied buffer for the next transaction if it is worth it and there is room. */
  private void returnAppendBuffers(AppendBuffers b) {
    boolean worthIt = b.sampleRefs.elements().length >= AppendBuffers.MIN_POOLED_SAMPLES;
    b.clear();
    if (worthIt) {
      appendBuffers.offer(b);
    }
  }

  /**
   * Buffers one transaction and logs it on commit, before the head's commit makes it visible. A
   * series' labels are logged the first time its head reference appears since the last
   * checkpoint; later records name it by reference only.
   */
  private final class WalAppender implements Appender {
    private final Appender delegate;
    private AppendBuffers b; // null until the first sample of a transaction
    private final List<RecordCodec.Encoder> metadata = new ArrayList<>();
    private long lastT;

    WalAppender(Appender delegate) {
      this.delegate = delegate;
    }

    @Override
    public long append(long ref, Labels labels, long timestampMs, double value)
        throws StorageException {
      long r = delegate.append(ref, labels, timestampMs, value);
      if (b == null) {
        b = takeAppendBuffers();
      }
      b.sampleRefs.add(r);
      b.sampleLabels.add(labels);
      b.sampleBody.uvarint(r).varint(timestampMs - lastT).bits(Double.doubleToRawLongBits(value));
      lastT = timestampMs;
      return r;
    }

    @Override
    public Labels labelsOf(long ref) {
      return delegate.labelsOf(ref);
    }

    @Override
    public int touch(long ref) {
      return delegate.touch(ref);
    }

    @Override
    public void updateMetadata(String metricFamilyName, MetricMetadata m) {
      delegate.updateMetadata(metricFamilyName, m);
      metadata.add(
          new RecordCodec.Encoder(256).type(RecordCodec.METADATA).metadata(metricFamilyName, m));
    }

    @Override
    public void commit() {
      int sampleCount = b == null ? 0 : b.sampleRefs.size();
      try {
        synchronized (logged) {
          List<byte[]> payloads = new ArrayList<>();
          List<Integer> lengths = new ArrayList<>();
          LongOpenHashSet fresh = b == null ? null : b.fresh;
          RecordCodec.Encoder series = null;
          for (int i = 0; i < sampleCount; i++) {
            long r = b.sampleRefs.getLong(i);
            if (!logged.contains(r) && fresh.add(r)) {
              // A ref-only append (the Appender contract allows it) names no labels: the head has them.
              Labels l = b.sampleLabels.get(i) != null ? b.sampleLabels.get(i) : head.labelsOf(r);
              if (series == null) {
                series = new RecordCodec.Encoder(1024).type(RecordCodec.SERIES);
              }
              series.series(r, l);
            }
          }
          if (series != null) {
            payloads.add(series.buffer());
            lengths.add(series.size());
          }
          for (RecordCodec.Encoder m : metadata) {
            payloads.add(m.buffer());
            lengths.add(m.size());
          }
          if (sampleCount > 0) {
            RecordCodec.Encoder samples = b.samplesRecord.type(RecordCodec.SAMPLES);
            samples.uvarint(sampleCount);
            samples.write(b.sampleBody.buffer(), 0, b.sampleBody.size());
            payloads.add(samples.buffer());
            lengths.add(samples.size());
          }
          if (!payloads.isEmpty()) {
            wal.log(payloads, lengths);
            recordsWritten.add(payloads.size());
          }
          if (fresh != null) {
            for (LongIterator it = fresh.iterator(); it.hasNext(); ) {
              logged.add(it.nextLong());
            }
          }
          // Inside the lock: a checkpoint's rotation then sees every logged transaction either
          // in its snapshot of the head or in a segment it keeps.
          delegate.commit();
        }
      } catch (IOException e) {
        writeFailures.increment();
        reset();
        delegate.rollback();
        throw new UncheckedIOException(
            "WAL write to " + wal.dir() + " failed, " + sampleCount + " samples not ingested: "
                + e.getMessage(),
            e);
      }
      reset();
    }

    @Override
    public void rollback() {
      reset();
      delegate.rollback();
    }

    private void reset() {
      if (b != null) {
        returnAppendBuffers(b);
        b = null;
      }
      metadata.clear();
      lastT = 0;
    }
  }

  /** Replays records into the head through one appender, committing every so often. */
  private static final class Replayer {
    private final Appendable head;
    private final Runnable gc;
    private final int commitEvery;
    private final long gcEvery;
    private long sinceGc;
    private final Long2LongOpenHashMap refs = new Long2LongOpenHashMap();
    private final Long2ObjectOpenHashMap<Labels> labels = new Long2ObjectOpenHashMap<>();
    private final XorCursor cursor = new XorCursor();
    private Appender app;
    private long samples;
    private long pending;

    Replayer(Appendable head, Runnable gc, int commitEvery, long gcEvery) {
      this.head = head;
      this.gc = gc;
      this.commitEvery = commitEvery;
      this.gcEvery = gcEvery;
      this.app = head.appender();
    }

    void accept(byte[] payload, int length) {
      RecordCodec.Decoder d = new RecordCodec.Decoder(payload, length);
      byte type = d.type();
      switch (type) {
        case RecordCodec.SERIES -> {
          while (d.hasMore()) {
            long ref = d.uvarint();
            labels.put(ref, d.labels());
            refs.remove(ref); // the same log ref may name new labels after a checkpoint
          }
        }
        case RecordCodec.SAMPLES -> {
          long n = d.uvarint();
          long t = 0;
          for (long i = 0; i < n; i++) {
            long ref = d.uvarint();
            t += d.varint();
            append(ref, t, Double.longBitsToDouble(d.bits()));
          }
        }
        case RecordCodec.CHUNK -> {
          long ref = d.uvarint();
          int n = (int) d.uvarint();
          byte[] bytes = d.bytes();
          cursor.reset(bytes, 0, n);
          while (cursor.next()) {
            append(ref, cursor.atT(), Double.longBitsToDouble(cursor.atVBits()));
          }
        }
        case RecordCodec.METADATA -> app.updateMetadata(d.string(), d.metadata());
        default -> LOG.log(System.Logger.Level.WARNING, "WAL: skipping a record of unknown type {0}", type);
      }
    }

    private void append(long logRef, long t, double v) {
      Labels l = labels.get(logRef);
      if (l == null) {
        return; // a sample whose series record was lost with a damaged segment
      }
      try {
        long headRef = app.append(refs.getOrDefault(logRef, 0L), l, t, v);
        refs.put(logRef, headRef);
        samples++;
      } catch (StorageException e) {
        // Out of retention or already present (a checkpoint overlapping the log): nothing lost.
      }
      if (++pending >= commitEvery) {
        commit();
      }
    }

    void commit() {
      app.commit();
      sinceGc += pending;
      if (sinceGc >= gcEvery) {
        gc.run();
        sinceGc = 0;
      }
      app = head.appender();
      pending = 0;
    }
  }
}
