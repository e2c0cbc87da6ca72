package io.promfed.storage.remote;

import io.promfed.config.QueueConfig;
import io.promfed.config.RemoteWriteConfig;
import io.promfed.model.labels.Labels;
import io.promfed.model.labels.LabelsBuilder;
import io.promfed.model.relabel.RelabelConfig;
import io.promfed.model.relabel.Relabeler;
import java.net.http.HttpClient;
import java.time.Clock;
import java.time.Duration;
import java.util.Arrays;
import java.util.List;
import java.util.Objects;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ThreadFactory;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.atomic.LongAdder;
import java.util.concurrent.locks.Condition;
import java.util.concurrent.locks.ReentrantLock;

/**
 * Sends committed samples to one {@code remote_write} endpoint: Prometheus's {@code QueueManager}
 * (prometheus/prometheus storage/remote/queue_manager.go), fed from commits instead of a WAL.
 *
 * <p><b>Flow.</b> {@link #append} (called by {@link RemoteWriteAppendable} after a local commit)
 * adds the external labels a series lacks and then applies {@code write_relabel_configs}, in that
 * order as queue_manager.go {@code StoreSeries} does, once per distinct series (cached); it then
 * puts each sample in
 * the bounded queue of the shard its series hashes to. Each shard thread takes up to {@code
 * max_samples_per_send} samples (or fewer once {@code batch_send_deadline} has passed since its
 * last send), groups them by series into one {@code WriteRequest}, Snappy-compresses it and POSTs
 * it ({@link RemoteWriteClient}). A series always maps to the same shard, a shard sends one batch
 * at a time and retries it before taking the next, so each series' samples arrive in order, as the
 * spec requires.
 *
 * <p><b>Retries</b> (queue_manager.go {@code sendWriteRequestWithBackoff}): a recoverable failure
 * (5xx, 429 with {@code retry_on_http_429}, I/O error) is retried after {@code min_backoff},
 * doubling up to {@code max_backoff}; a {@code Retry-After} delay replaces the backoff for that
 * wait and the next backoff is twice the delay, capped. Other statuses (4xx) drop the batch,
 * counted as {@link #samplesFailed()}. With {@code sample_age_limit} set, samples older than it are
 * removed before each attempt, counted as {@link #samplesDropped(DropReason)} {@code too_old}.
 *
 * <p><b>Never blocks the commit path.</b> Prometheus can block because it re-reads its WAL; we have
 * no WAL, so {@link #append} only takes a shard lock for an array copy. When a shard's queue (of
 * {@code capacity} samples) is full, the <em>oldest</em> queued sample is dropped to make room and
 * counted as {@link DropReason#QUEUE_FULL}: after an outage the receiver gets the most recent data
 * instead of a stale prefix, and the in-flight batch, already older, is still retried. Samples
 * appended after {@link #stop} are dropped and counted too.
 *
 * <p><b>Shards.</b> The queue starts with {@code min_shards} shard threads. Every {@value
 * #SHARD_UPDATE_SECONDS}s it computes the shards it needs from the measured rates
 * (queue_manager.go {@code calculateDesiredShards}: time per sample sent times samples coming in,
 * plus 5% of the backlog per second) and, when that differs by more than 30% and a send succeeded
 * recently, reshards within {@code min_shards..max_shards}: the old shards finish the batch they
 * are sending, what they still hold moves in order to the front of the new shards, and only then
 * do the new shards start, so every series' samples still arrive in order. New samples go to the
 * new shards at once; the append path never waits for a reshard.
 *
 * <p><b>Shutdown</b> ({@link #stop}): new samples are refused, each shard sends what it holds,
 * without waiting for the batch deadline, and retrying as usual; after the flush deadline the
 * shards are interrupted and whatever is left is counted as failed, as {@code shards.stop} does.
 *
 * <p>Thread-safe: {@link #append} may be called concurrently from many committing threads; the
 * counters may be read at any time. Time is injected: the {@link Clock} serves {@code
 * sample_age_limit} and {@code Retry-After} dates, the {@link Sleeper} the backoff waits, the
 * {@link ThreadFactory} the shard threads. The batch deadline uses the monotonic clock.
 */
public final class QueueManager implements AutoCloseable {

  /** Prometheus's {@code --storage.remote.flush-deadline} default. */
  public static final Duration DEFAULT_FLUSH_DEADLINE = Duration.ofMinutes(1);

  /** queue_manager.go {@code shardUpdateDuration}. */
  static final int SHARD_UPDATE_SECONDS = 10;

  /** queue_manager.go {@code shardToleranceFraction}: smaller changes are not worth a reshard. */
  static final double SHARD_TOLERANCE_FRACTION = 0.3;

  /** Distinct input series remembered with their relabeled form, per cache generation. */
  static final int SERIES_CACHE_GENERATION_SIZE = 1 << 17;

  private static final System.Logger LOG = System.getLogger(QueueManager.class.getName());

  /** Waits between retries; a test supplies one that records the delays and returns at once. */
  @FunctionalInterface
  public interface Sleeper {

    /** Thread.sleep: interruptible, which is how a hard shutdown ends a backoff. */
    Sleeper THREAD_SLEEP = d -> Thread.sleep(d.toMillis());

    void sleep(Duration duration) throws InterruptedException;
  }

  /**
   * Why samples were dropped unsent: the {@code reason} label of {@code samples_dropped_total}, a
   * fixed set (Prometheus uses {@code too_old} and {@code dropped_series}; the others exist because
   * we drop where Prometheus would block its WAL reader).
   */
  public enum DropReason {
    /** {@code write_relabel_configs} dropped the series. */
    DROPPED_SERIES("dropped_series"),
    /** Older than {@code sample_age_limit} when (re)sent. */
    TOO_OLD("too_old"),
    /** The shard's queue held {@code capacity} samples; the oldest made room. */
    QUEUE_FULL("queue_full"),
    /** Appended after the queue began to stop, or failed to enqueue (logged). */
    SHUTDOWN("shutdown");

    private final String label;

    DropReason(String label) {
      this.label = label;
    }

    /** The metric label value. */
    public String label() {
      return label;
    }
  }

  private enum State {
    NEW,
    RUNNING,
    STOPPED
  }

  private final String name;
  private final RemoteWriteConfig config;
  private final Labels externalLabels;
  private final QueueConfig queueConfig;
  private final List<RelabelConfig> relabelConfigs;
  private final RemoteWriteClient client;
  private final Clock clock;
  private final Sleeper sleeper;
  private final ThreadFactory threadFactory;

  /** The shards that take new samples; replaced whole by a reshard. */
  private volatile Generation current;

  /** Old shards finishing their batch in flight during a reshard, or null; guarded by stateLock. */
  private Generation retiring;

  private Thread reshardThread;
  private final ShardRates rates = new ShardRates();
  private volatile double desiredShards;
  private final AtomicLong highestInTimestampMs = new AtomicLong();
  private volatile long lastSendMs;

  private final Object stateLock = new Object();
  private volatile State state = State.NEW;

  private volatile ConcurrentHashMap<Labels, RemoteSeries> seriesCache = new ConcurrentHashMap<>();
  private volatile ConcurrentHashMap<Labels, RemoteSeries> previousSeriesCache =
      new ConcurrentHashMap<>();

  /** Marks a series that {@code write_relabel_configs} dropped. */
  private static final RemoteSeries DROPPED = new RemoteSeries(Labels.EMPTY, -1);

  private final LongAdder samplesIn = new LongAdder();
  private final LongAdder samplesSent = new LongAdder();
  private final LongAdder samplesFailed = new LongAdder();
  private final LongAdder samplesRetried = new LongAdder();
  private final LongAdder[] samplesDropped = new LongAdder[DropReason.values().length];
  private final LongAdder requestsSent = new LongAdder();
  private final LongAdder bytesSent = new LongAdder();
  private final AtomicLong pending = new AtomicLong();
  private final AtomicLong highestSentTimestampMs = new AtomicLong();
  private volatile String lastError = "";

  /**
   * A queue with a default {@link HttpClient}, the system clock, real sleeps and daemon threads.
   *
   * @param name names the shard threads (Prometheus's {@code remote_name}, or a hash of the URL)
   * @param externalLabels {@code global.external_labels}, added to every series that lacks them
   */
  public QueueManager(String name, RemoteWriteConfig config, Labels externalLabels) {
    this(
        name,
        config,
        externalLabels,
        defaultHttpClient(config),
        Clock.systemUTC(),
        Sleeper.THREAD_SLEEP,
        daemonThreads(name));
  }

  /**
   * @param name names the queue in threads and logs
   * @param config the {@code remote_write} entry: URL, credentials, timeout, relabeling, queue
   * @param externalLabels {@code global.external_labels}, added to every series that lacks them
   *     before {@code write_relabel_configs} run
   * @param http the client that sends; its own timeouts and TLS settings apply, plus {@code
   *     remote_timeout} per request
   * @param clock wall time for {@code sample_age_limit} and {@code Retry-After} dates
   * @param sleeper waits between retries; must return early (throw) when the thread is interrupted
   * @param threadFactory makes the shard threads, started by {@link #start()}
   */
  public QueueManager(
      String name,
      RemoteWriteConfig config,
      Labels externalLabels,
      HttpClient http,
      Clock clock,
      Sleeper sleeper,
      ThreadFactory threadFactory) {
    this.name = Objects.requireNonNull(name, "name");
    this.config = Objects.requireNonNull(config, "config");
    this.externalLabels = Objects.requireNonNull(externalLabels, "externalLabels");
    for (int i = 0; i < samplesDropped.length; i++) {
      samplesDropped[i] = new LongAdder();
    }
    this.queueConfig = config.queueConfig();
    this.relabelConfigs = config.writeRelabelConfigs();
    this.clock = Objects.requireNonNull(clock, "clock");
    this.sleeper = Objects.requireNonNull(sleeper, "sleeper");
    this.threadFactory = Objects.requireNonNull(threadFactory, "threadFactory");
    this.client =
        new RemoteWriteClient(config, Objects.requireNonNull(http, "http"), clock, userAgent());
    this.current = new Generation(queueConfig.minShards());
    this.desiredShards = queueConfig.minShards();
  }

  /**
   * HTTP/1.1 ({@code enable_http2: false} is remote write's default, and only the default is
   * accepted), redirects followed ({@code follow_redirects: true}), connect timeout bounded by
   * {@code remote_timeout}.
   */
  static HttpClient defaultHttpClient(RemoteWriteConfig config) {
    HttpClient.Builder b =
        HttpClient.newBuilder()
            .version(HttpClient.Version.HTTP_1_1)
            .followRedirects(HttpClient.Redirect.NORMAL);
    if (RemoteWriteClient.isPositive(config.remoteTimeout())) {
      b.connectTimeout(config.remoteTimeout());
    }
    return b.build();
  }

  private static ThreadFactory daemonThreads(String name) {
    AtomicInteger next = new AtomicInteger();
    return r -> {
      Thread t = new Thread(r, "remote-write-" + name + "-shard-" + next.getAndIncrement());
      t.setDaemon(true);
      return t;
    };
  }

  /** {@code promfed/<version>}: the spec asks for the sender's name and version. */
  static String userAgent() {
    String v = QueueManager.class.getPackage().getImplementationVersion();
    return "promfed/" + (v == null ? "dev" : v);
  }

  /** Starts the shard threads. Samples appended before are queued (within capacity). */
  public void start() {
    synchronized (stateLock) {
      if (state != State.NEW) {
        throw new IllegalStateException("queue " + name + " is " + state);
      }
      current.start();
      lastSendMs = clock.millis();
      if (queueConfig.maxShards() > queueConfig.minShards()) {
        reshardThread = threadFactory.newThread(this::updateShardsLoop);
        reshardThread.setName("remote-write-" + name + "-reshard");
        reshardThread.start();
      }
      state = State.RUNNING;
    }
  }

  /**
   * Queues committed samples; never blocks on the network and never throws.
   *
   * @param labels the series of each sample, as stored locally (before write relabeling)
   * @param timestampsMs the sample timestamps
   * @param valueBits the sample values as raw IEEE-754 bits ({@link Double#doubleToRawLongBits}),
   *     so stale markers keep their exact bits
   * @param count how many leading entries of the arrays to queue; the arrays are only read during
   *     this call
   */
  public void append(Labels[] labels, long[] timestampsMs, long[] valueBits, int count) {
    if (count <= 0) {
      return;
    }
    samplesIn.add(count);
    rates.in.add(count);
    long max = Long.MIN_VALUE;
    for (int i = 0; i < count; i++) {
      max = Math.max(max, timestampsMs[i]);
    }
    highestInTimestampMs.accumulateAndGet(max, Math::max);
    if (state == State.STOPPED) {
      drop(DropReason.SHUTDOWN, count);
      return;
    }
    try {
      enqueue(labels, timestampsMs, valueBits, count);
    } catch (RuntimeException e) {
      // A relabel rule or a bug must not fail the scrape that committed: count and report.
      drop(DropReason.SHUTDOWN, count);
      lastError = "enqueue failed: " + e;
      LOG.log(System.Logger.Level.ERROR, "remote write queue " + name + ": enqueue failed", e);
    }
  }

  private void enqueue(Labels[] labels, long[] timestampsMs, long[] valueBits, int count) {
    RemoteSeries[] resolved = new RemoteSeries[count];
    int dropped = 0;
    for (int i = 0; i < count; i++) {
      RemoteSeries s = series(labels[i]);
      if (s == DROPPED) {
        dropped++;
      } else {
        resolved[i] = s;
      }
    }
    if (dropped > 0) {
      drop(DropReason.DROPPED_SERIES, dropped);
      rates.dropped.add(dropped);
    }
    // A shard retired by a concurrent reshard refuses; its samples go to the new generation. The
    // caller's arrays are shared with other queues, so the retry works on copies.
    boolean[] refused = enqueue(current, resolved, timestampsMs, valueBits, count);
    while (refused != null) {
      RemoteSeries[] r = new RemoteSeries[count];
      long[] t = new long[count];
      long[] v = new long[count];
      int n = 0;
      for (int i = 0; i < count; i++) {
        if (refused[i]) {
          r[n] = resolved[i];
          t[n] = timestampsMs[i];
          v[n] = valueBits[i];
          n++;
        }
      }
      resolved = r;
      timestampsMs = t;
      valueBits = v;
      count = n;
      refused = enqueue(current, resolved, timestampsMs, valueBits, count);
    }
  }

  /**
   * Distributes {@code resolved[0..count)} (null entries are skipped) to the shards of {@code gen}.
   *
   * @return which samples a retired shard refused, or null when all were taken
   */
  private boolean[] enqueue(
      Generation gen, RemoteSeries[] resolved, long[] ts, long[] vs, int count) {
    Shard[] shards = gen.shards;
    if (shards.length == 1) {
      if (shards[0].enqueue(resolved, null, 0, count, ts, vs)) {
        return null;
      }
      boolean[] all = new boolean[count];
      for (int i = 0; i < count; i++) {
        all[i] = resolved[i] != null;
      }
      return all;
    }
    // Counting sort by shard, so each shard lock is taken once per commit.
    int[] perShard = new int[shards.length + 1];
    int[] shardOf = new int[count];
    for (int i = 0; i < count; i++) {
      if (resolved[i] != null) {
        shardOf[i] = shardOf(resolved[i], shards.length);
        perShard[shardOf[i] + 1]++;
      }
    }
    for (int k = 1; k <= shards.length; k++) {
      perShard[k] += perShard[k - 1];
    }
    int[] order = new int[perShard[shards.length]];
    int[] fill = perShard.clone();
    for (int i = 0; i < count; i++) {
      if (resolved[i] != null) {
        order[fill[shardOf[i]]++] = i;
      }
    }
    boolean[] refused = null;
    for (int k = 0; k < shards.length; k++) {
      if (perShard[k + 1] > perShard[k]
          && !shards[k].enqueue(resolved, order, perShard[k], perShard[k + 1], ts, vs)) {
        if (refused == null) {
          refused = new boolean[count];
        }
        for (int j = perShard[k]; j < perShard[k + 1]; j++) {
          refused[order[j]] = true;
        }
      }
    }
    return refused;
  }

  /** The relabeled series for {@code labels}, from the cache or computed once. */
  private RemoteSeries series(Labels labels) {
    ConcurrentHashMap<Labels, RemoteSeries> cache = seriesCache;
    RemoteSeries s = cache.get(labels);
    if (s != null) {
      return s;
    }
    s = previousSeriesCache.get(labels);
    if (s == null) {
      Labels out = Relabeler.process(withExternalLabels(labels), relabelConfigs);
      // queue_manager.go StoreSeries: a series relabeled to nothing is dropped.
      s = out == null || out.isEmpty() ? DROPPED : new RemoteSeries(out, mix(out.hash64()));
    }
    RemoteSeries raced = cache.putIfAbsent(labels, s);
    if (raced != null) {
      return raced;
    }
    if (cache.size() > SERIES_CACHE_GENERATION_SIZE) {
      rotateSeriesCache(cache);
    }
    return s;
  }

  /**
   * Bounds the cache without a clock: when a generation is full it becomes the previous one and
   * entries still in use are promoted on their next lookup (keeping the same object, so a series
   * never has two shard-scratch records in flight); the rest are forgotten.
   */
  private void rotateSeriesCache(ConcurrentHashMap<Labels, RemoteSeries> full) {
    synchronized (stateLock) {
      if (seriesCache == full) {
        previousSeriesCache = full;
        seriesCache = new ConcurrentHashMap<>();
      }
    }
  }

  /**
   * queue_manager.go {@code processExternalLabels}: each external label whose name the series does
   * not have is added; the series' own value wins.
   */
  private Labels withExternalLabels(Labels labels) {
    if (externalLabels.isEmpty()) {
      return labels;
    }
    LabelsBuilder b = null;
    for (int i = 0; i < externalLabels.size(); i++) {
      if (!labels.has(externalLabels.name(i))) {
        if (b == null) {
          b = new LabelsBuilder(labels);
        }
        b.set(externalLabels.name(i), externalLabels.value(i));
      }
    }
    return b == null ? labels : b.build();
  }

  private void drop(DropReason reason, long n) {
    samplesDropped[reason.ordinal()].add(n);
  }

  private static long mix(long h) {
    return h ^ (h >>> 29);
  }

  private static int shardOf(RemoteSeries s, int shards) {
    return (int) Long.remainderUnsigned(s.hash, shards);
  }

  /**
   * Stops the queue: refuses new samples, lets every shard send what it holds (retrying as usual),
   * and after {@code flushDeadline} interrupts the shards and counts what is left as failed.
   * Idempotent.
   *
   * @return true when everything queued was sent, or failed for good, before the deadline
   */
  public boolean stop(Duration flushDeadline) {
    long deadline = System.nanoTime() + flushDeadline.toNanos();
    Generation gen;
    Generation old;
    Thread resharder;
    synchronized (stateLock) {
      if (state == State.STOPPED) {
        return true;
      }
      boolean started = state == State.RUNNING;
      state = State.STOPPED;
      gen = current;
      old = retiring;
      retiring = null;
      resharder = reshardThread;
      if (!started) {
        for (Shard s : gen.shards) {
          s.abandon();
        }
        return true;
      }
    }
    if (resharder != null) {
      resharder.interrupt(); // it finds the queue stopped and leaves the hand-over to us
    }
    if (old != null) {
      // Stopped mid-reshard: the old shards finish their batch in flight, then hand over.
      if (!join(old.threads, deadline)) {
        hardStop(old);
        hardStop(gen);
        return false;
      }
      handOver(old, gen);
      gen.start();
    }
    for (Shard s : gen.shards) {
      s.beginFlush();
    }
    boolean clean = join(gen.threads, deadline);
    if (!clean) {
      hardStop(gen);
    }
    return clean;
  }

  /** Waits for the threads until the deadline; whether all of them ended. */
  private static boolean join(Thread[] threads, long deadlineNanos) {
    boolean done = true;
    for (Thread t : threads) {
      if (t == null) {
        continue;
      }
      try {
        t.join(Math.max(1, TimeUnit.NANOSECONDS.toMillis(deadlineNanos - System.nanoTime())));
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
      }
      done &= !t.isAlive();
    }
    return done;
  }

  /** Interrupts the shards (a batch in flight is lost) and counts what they held as failed. */
  private static void hardStop(Generation gen) {
    for (Shard s : gen.shards) {
      s.hardStop();
    }
    for (Thread t : gen.threads) {
      if (t != null) {
        t.interrupt();
      }
    }
    for (Thread t : gen.threads) {
      if (t == null) {
        continue;
      }
      try {
        t.join(TimeUnit.SECONDS.toMillis(5));
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
      }
    }
    for (Shard s : gen.shards) {
      s.abandon();
    }
  }

  // ---- resharding ---------------------------------------------------------------------------

  /** queue_manager.go {@code updateShardsLoop}: reconsiders the shard count every 10 seconds. */
  private void updateShardsLoop() {
    try {
      while (true) {
        Thread.sleep(TimeUnit.SECONDS.toMillis(SHARD_UPDATE_SECONDS));
        if (state != State.RUNNING) {
          return;
        }
        int desired = calculateDesiredShards();
        if (shouldReshard(desired)) {
          reshard(desired);
        }
      }
    } catch (InterruptedException e) {
      // stop(): nothing more to do here
    }
  }

  /**
   * queue_manager.go {@code calculateDesiredShards}: the shards needed to send what comes in (what
   * relabeling and age keep of it) plus 5% of the backlog per second, given the time one sample
   * took to send over the last interval; unchanged within 30% of the current count, never below
   * the current count while more than 10s behind, and within {@code min_shards..max_shards}.
   * Advances the rates by one interval.
   */
  int calculateDesiredShards() {
    rates.tick(SHARD_UPDATE_SECONDS);
    double delaySeconds = (highestInTimestampMs.get() - highestSentTimestampMs.get()) / 1000.0;
    double outRate = rates.outRate.rate();
    if (outRate > 0) {
      desiredShards =
          rawDesiredShards(
              rates.inRate.rate(),
              outRate,
              rates.droppedRate.rate(),
              rates.outDurationRate.rate() / 1e9,
              delaySeconds);
    }
    return boundedShards(
        current.shards.length,
        outRate,
        desiredShards,
        delaySeconds,
        queueConfig.minShards(),
        queueConfig.maxShards());
  }

  /**
   * The shards that would keep up: seconds of sending per sample times the samples to send per
   * second (what comes in, less the share dropped, plus 5% of the backlog).
   *
   * @param outDurationSecondsRate seconds spent sending per second
   */
  static double rawDesiredShards(
      double inRate,
      double outRate,
      double droppedRate,
      double outDurationSecondsRate,
      double delaySeconds) {
    double keptRatio = outRate / (droppedRate + outRate);
    double backlog = delaySeconds * inRate * keptRatio;
    double timePerSample = outDurationSecondsRate / outRate;
    return timePerSample * (inRate * keptRatio + 0.05 * backlog);
  }

  /** The hysteresis and bounds of calculateDesiredShards around {@link #rawDesiredShards}. */
  static int boundedShards(
      int numShards,
      double outRate,
      double desired,
      double delaySeconds,
      int minShards,
      int maxShards) {
    if (outRate <= 0) {
      return numShards;
    }
    double lowerBound = numShards * (1 - SHARD_TOLERANCE_FRACTION);
    double upperBound = numShards * (1 + SHARD_TOLERANCE_FRACTION);
    desired = Math.ceil(desired); // round up to be on the safe side
    if (lowerBound <= desired && desired <= upperBound) {
      return numShards;
    }
    int n = (int) Math.min(desired, Integer.MAX_VALUE);
    if (n < numShards && delaySeconds > 10) {
      return numShards; // do not downshard while far behind
    }
    return Math.max(minShards, Math.min(maxShards, n));
  }

  /**
   * queue_manager.go {@code shouldReshard}: only to another count, and only while sends succeed
   * (within two batch deadlines): more shards cannot help a receiver that is down.
   */
  boolean shouldReshard(int desired) {
    if (desired == current.shards.length) {
      return false;
    }
    long minSendMs = clock.millis() - 2 * queueConfig.batchSendDeadline().toMillis();
    if (lastSendMs < minSendMs) {
      LOG.log(
          System.Logger.Level.WARNING,
          "remote write queue {0}: skipping resharding, last successful send was beyond threshold",
          name);
      return false;
    }
    return true;
  }

  /**
   * Replaces the shards by {@code n} new ones (queue_manager.go {@code reshardLoop}). New samples
   * go to the new shards at once, but those only start sending once every old shard has finished
   * its batch in flight and what the old shards still held has been moved, in order, to the front
   * of the new ones: no series ever has samples in flight on two shards.
   *
   * @throws InterruptedException when {@link #stop} interrupts the wait; it then completes the
   *     hand-over itself
   */
  void reshard(int n) throws InterruptedException {
    Generation old;
    Generation fresh;
    synchronized (stateLock) {
      if (state != State.RUNNING || retiring != null || n == current.shards.length) {
        return;
      }
      old = current;
      fresh = new Generation(n);
      current = fresh;
      retiring = old;
      for (Shard s : old.shards) {
        s.retire();
      }
    }
    for (Thread t : old.threads) {
      t.join();
    }
    synchronized (stateLock) {
      if (state != State.RUNNING) {
        return;
      }
      handOver(old, fresh);
      fresh.start();
      retiring = null;
    }
    LOG.log(
        System.Logger.Level.INFO,
        "remote write queue {0}: resharded from {1} to {2} shards",
        name,
        old.shards.length,
        n);
  }

  /** Moves what the (stopped) old shards hold to the front of the new, unstarted ones. */
  private void handOver(Generation old, Generation fresh) {
    int n = fresh.shards.length;
    Moved[] moved = new Moved[n];
    for (int k = 0; k < n; k++) {
      moved[k] = new Moved();
    }
    for (Shard s : old.shards) {
      s.drainTo((series, t, v) -> moved[shardOf(series, n)].add(series, t, v));
    }
    for (int k = 0; k < n; k++) {
      if (moved[k].size > 0) {
        fresh.shards[k].prepend(moved[k]);
      }
    }
  }

  /** Receives a shard's queued samples, oldest first. */
  @FunctionalInterface
  private interface SampleSink {
    void accept(RemoteSeries series, long timestampMs, long valueBits);
  }

  /** Samples in transit from old shards to one new shard during a reshard. */
  private static final class Moved {
    RemoteSeries[] series = new RemoteSeries[64];
    long[] t = new long[64];
    long[] v = new long[64];
    int size;

    void add(RemoteSeries s, long ts, long vs) {
      if (size == series.length) {
        series = Arrays.copyOf(series, size * 2);
        t = Arrays.copyOf(t, size * 2);
        v = Arrays.copyOf(v, size * 2);
      }
      series[size] = s;
      t[size] = ts;
      v[size] = vs;
      size++;
    }
  }

  /** One set of shards and their threads (null until {@link #start}). */
  private final class Generation {
    final Shard[] shards;
    final Thread[] threads;

    Generation(int n) {
      shards = new Shard[n];
      threads = new Thread[n];
      for (int i = 0; i < n; i++) {
        shards[i] = new Shard(i);
      }
    }

    void start() {
      for (int i = 0; i < shards.length; i++) {
        threads[i] = threadFactory.newThread(shards[i]);
        threads[i].start();
      }
    }
  }

  /** The counts behind {@link #calculateDesiredShards}, reset at every tick. */
  private static final class ShardRates {
    final LongAdder in = new LongAdder();
    final LongAdder out = new LongAdder();
    final LongAdder dropped = new LongAdder();
    final LongAdder outDurationNanos = new LongAdder();
    final EwmaRate inRate = new EwmaRate();
    final EwmaRate outRate = new EwmaRate();
    final EwmaRate droppedRate = new EwmaRate();
    final EwmaRate outDurationRate = new EwmaRate();

    synchronized void tick(double intervalSeconds) {
      inRate.tick(in.sumThenReset(), intervalSeconds);
      outRate.tick(out.sumThenReset(), intervalSeconds);
      droppedRate.tick(dropped.sumThenReset(), intervalSeconds);
      outDurationRate.tick(outDurationNanos.sumThenReset(), intervalSeconds);
    }
  }

  /** {@link #stop(Duration)} with {@link #DEFAULT_FLUSH_DEADLINE}. */
  @Override
  public void close() {
    stop(DEFAULT_FLUSH_DEADLINE);
  }

  /** The name given at construction. */
  public String name() {
    return name;
  }

  /** The configuration this queue sends with. */
  public RemoteWriteConfig config() {
    return config;
  }

  /** The external labels this queue adds. */
  public Labels externalLabels() {
    return externalLabels;
  }

  /** Samples handed to {@link #append}, before relabeling. */
  public long samplesIn() {
    return samplesIn.sum();
  }

  /** Samples the receiver accepted (2xx). */
  public long samplesSent() {
    return samplesSent.sum();
  }

  /** Samples lost to a non-recoverable answer (4xx other than retried 429) or to a hard stop. */
  public long samplesFailed() {
    return samplesFailed.sum();
  }

  /** Samples sent again after a recoverable failure, counted once per retry. */
  public long samplesRetried() {
    return samplesRetried.sum();
  }

  /**
   * Samples dropped unsent for a reason other than relabeling: queue full (oldest first), too old,
   * or appended after stop.
   */
  public long samplesDropped() {
    long n = 0;
    for (DropReason r : DropReason.values()) {
      if (r != DropReason.DROPPED_SERIES) {
        n += samplesDropped(r);
      }
    }
    return n;
  }

  /** Samples dropped unsent for {@code reason}. */
  public long samplesDropped(DropReason reason) {
    return samplesDropped[reason.ordinal()].sum();
  }

  /** Samples of series that {@code write_relabel_configs} dropped. */
  public long samplesDroppedByRelabeling() {
    return samplesDropped(DropReason.DROPPED_SERIES);
  }

  /** Compressed request bytes the receiver accepted. */
  public long bytesSent() {
    return bytesSent.sum();
  }

  /**
   * The newest sample timestamp (ms) in a batch the receiver accepted, 0 before the first: with
   * {@link RemoteStorage#highestTimestampMs()} it gives how far behind the queue is.
   */
  public long highestSentTimestampMs() {
    return highestSentTimestampMs.get();
  }

  /** Samples one shard holds at most ({@code capacity}). */
  public int shardCapacity() {
    return queueConfig.capacity();
  }

  /** Samples queued or in flight. */
  public long samplesPending() {
    return pending.get();
  }

  /** HTTP requests made, retries included. */
  public long requestsSent() {
    return requestsSent.sum();
  }

  /** The latest send error ("" when none yet), for status pages. */
  public String lastError() {
    return lastError;
  }

  /** The number of shards now taking samples. */
  public int shards() {
    return current.shards.length;
  }

  /** The shard count last computed from the rates (before rounding and bounds). */
  public double desiredShards() {
    return desiredShards;
  }

  @Override
  public String toString() {
    return "QueueManager[" + name + " -> " + config.url() + ", shards=" + shards() + "]";
  }

  /**
   * One shard: a ring buffer of queued samples (series, timestamp, value bits in parallel arrays,
   * no object per sample) guarded by a lock, and the thread that drains it batch by batch.
   */
  private final class Shard implements Runnable {

    private final int index;
    private final ReentrantLock lock = new ReentrantLock();
    private final Condition ready = lock.newCondition();
    private final int capacity = queueConfig.capacity();
    private final int maxBatch = queueConfig.maxSamplesPerSend();
    private final long deadlineNanos = queueConfig.batchSendDeadline().toNanos();

    // The queue, guarded by lock.
    private final RemoteSeries[] queueSeries = new RemoteSeries[capacity];
    private final long[] queueT = new long[capacity];
    private final long[] queueV = new long[capacity];
    private int head;
    private int size;
    private boolean flushing;
    private boolean hardStopped;
    private boolean retired;

    // The batch in flight, owned by the shard thread.
    private final RemoteSeries[] batchSeries = new RemoteSeries[maxBatch];
    private final long[] batchT = new long[maxBatch];
    private final long[] batchV = new long[maxBatch];
    private int batchSize;
    private final RemoteSeries[] distinct = new RemoteSeries[maxBatch];
    private final int[] order = new int[maxBatch];
    private final WriteRequestEncoder encoder = new WriteRequestEncoder();
    private final SnappyBlock snappy = new SnappyBlock();

    Shard(int index) {
      this.index = index;
    }

    /**
     * Appends {@code resolved[order[from..to)]} (or {@code [from..to)} when order is null).
     *
     * @return false, taking nothing, when a reshard retired this shard
     */
    boolean enqueue(RemoteSeries[] resolved, int[] order, int from, int to, long[] ts, long[] vs) {
      int added = 0;
      int overwritten = 0;
      lock.lock();
      try {
        if (retired) {
          return false;
        }
        if (flushing || hardStopped) {
          // Refused once stopping began (shards.enqueue after softShutdown); counted as dropped.
          int refused = 0;
          for (int k = from; k < to; k++) {
            if (resolved[order == null ? k : order[k]] != null) {
              refused++;
            }
          }
          drop(DropReason.SHUTDOWN, refused);
          return true;
        }
        for (int k = from; k < to; k++) {
          int i = order == null ? k : order[k];
          RemoteSeries s = resolved[i];
          if (s == null) {
            continue; // dropped by relabeling
          }
          if (size == capacity) {
            queueSeries[head] = null;
            head = head + 1 == capacity ? 0 : head + 1;
            size--;
            overwritten++;
          }
          int slot = head + size;
          if (slot >= capacity) {
            slot -= capacity;
          }
          queueSeries[slot] = s;
          queueT[slot] = ts[i];
          queueV[slot] = vs[i];
          size++;
          added++;
        }
        if (size >= maxBatch) {
          ready.signal();
        }
      } finally {
        lock.unlock();
      }
      pending.addAndGet(added - overwritten);
      if (overwritten > 0) {
        drop(DropReason.QUEUE_FULL, overwritten);
      }
      return true;
    }

    /** Refuses further samples; the thread ends after the batch it is sending, if any. */
    void retire() {
      lock.lock();
      try {
        retired = true;
        ready.signal();
      } finally {
        lock.unlock();
      }
    }

    /** Hands over and forgets everything queued, oldest first. Only once the thread has ended. */
    void drainTo(SampleSink sink) {
      lock.lock();
      try {
        for (int i = 0, slot = head; i < size; i++) {
          sink.accept(queueSeries[slot], queueT[slot], queueV[slot]);
          queueSeries[slot] = null;
          slot = slot + 1 == capacity ? 0 : slot + 1;
        }
        head = 0;
        size = 0;
      } finally {
        lock.unlock();
      }
    }

    /**
     * Puts samples older than everything queued in front of it; beyond the capacity the oldest are
     * dropped, counted as a full queue.
     */
    void prepend(Moved moved) {
      int overflow;
      lock.lock();
      try {
        int total = moved.size + size;
        overflow = Math.max(0, total - capacity);
        RemoteSeries[] s = new RemoteSeries[Math.min(total, capacity)];
        long[] t = new long[s.length];
        long[] v = new long[s.length];
        int n = 0;
        for (int i = overflow; i < moved.size; i++, n++) {
          s[n] = moved.series[i];
          t[n] = moved.t[i];
          v[n] = moved.v[i];
        }
        int skipQueued = Math.max(0, overflow - moved.size);
        for (int i = 0, slot = head; i < size; i++) {
          if (i >= skipQueued) {
            s[n] = queueSeries[slot];
            t[n] = queueT[slot];
            v[n] = queueV[slot];
            n++;
          }
          queueSeries[slot] = null;
          slot = slot + 1 == capacity ? 0 : slot + 1;
        }
        System.arraycopy(s, 0, queueSeries, 0, n);
        System.arraycopy(t, 0, queueT, 0, n);
        System.arraycopy(v, 0, queueV, 0, n);
        head = 0;
        size = n;
        if (size >= maxBatch) {
          ready.signal();
        }
      } finally {
        lock.unlock();
      }
      if (overflow > 0) {
        pending.addAndGet(-overflow);
        drop(DropReason.QUEUE_FULL, overflow);
      }
    }

    void beginFlush() {
      lock.lock();
      try {
        flushing = true;
        ready.signal();
      } finally {
        lock.unlock();
      }
    }

    void hardStop() {
      lock.lock();
      try {
        hardStopped = true;
        ready.signal();
      } finally {
        lock.unlock();
      }
    }

    /** Counts everything still queued as failed and empties the queue. */
    void abandon() {
      int left;
      lock.lock();
      try {
        hardStopped = true;
        left = size;
        Arrays.fill(queueSeries, null);
        head = 0;
        size = 0;
      } finally {
        lock.unlock();
      }
      if (left > 0) {
        samplesFailed.add(left);
        pending.addAndGet(-left);
        LOG.log(
            System.Logger.Level.WARNING,
            "remote write queue {0}: failed to flush {1} samples on shutdown",
            name,
            left);
      }
    }

    @Override
    public void run() {
      long nextSendNanos = System.nanoTime() + deadlineNanos;
      try {
        while (true) {
          lock.lock();
          try {
            while (size < maxBatch && !flushing && !hardStopped && !retired) {
              long wait = nextSendNanos - System.nanoTime();
              if (wait <= 0) {
                break;
              }
              ready.awaitNanos(wait);
            }
            if (hardStopped || retired || (flushing && size == 0)) {
              return; // retired: what is queued moves to the new shards
            }
            batchSize = Math.min(size, maxBatch);
            for (int i = 0; i < batchSize; i++) {
              batchSeries[i] = queueSeries[head];
              batchT[i] = queueT[head];
              batchV[i] = queueV[head];
              queueSeries[head] = null;
              head = head + 1 == capacity ? 0 : head + 1;
            }
            size -= batchSize;
          } finally {
            lock.unlock();
          }
          if (batchSize > 0) {
            try {
              long startNanos = System.nanoTime();
              int n = batchSize;
              sendBatch();
              // Rates for resharding count every batch, sent or not (queue_manager.go sendSamples).
              rates.out.add(n);
              rates.outDurationNanos.add(System.nanoTime() - startNanos);
            } catch (RuntimeException e) {
              // A bug or a broken client must cost this batch, not the shard: count it, go on.
              fail(batchSize, "shard " + index + ": " + e);
              batchSize = 0;
              LOG.log(System.Logger.Level.ERROR, "remote write queue " + name + ": send failed", e);
            }
          }
          nextSendNanos = System.nanoTime() + deadlineNanos;
        }
      } catch (InterruptedException e) {
        // Hard shutdown while waiting, sleeping or sending: the batch is lost.
        fail(batchSize, "interrupted by shutdown");
        Thread.currentThread().interrupt();
      } finally {
        batchSize = 0;
        Arrays.fill(batchSeries, null);
      }
    }

    private void fail(int n, String why) {
      if (n > 0) {
        samplesFailed.add(n);
        pending.addAndGet(-n);
        lastError = why;
      }
    }

    /** Sends the batch, retrying recoverable failures with backoff; queue_manager.go's loop. */
    private void sendBatch() throws InterruptedException {
      long backoffMs = queueConfig.minBackoff().toMillis();
      long maxBackoffMs = queueConfig.maxBackoff().toMillis();
      byte[] body = null;
      for (int attempt = 0; ; attempt++) {
        if (dropTooOld() || body == null) {
          if (batchSize == 0) {
            return;
          }
          body = encode();
        }
        requestsSent.increment();
        SendOutcome outcome = client.store(body, attempt);
        switch (outcome.kind()) {
          case SUCCESS -> {
            if (attempt > 0) {
              LOG.log(
                  System.Logger.Level.INFO,
                  "remote write queue {0}: batch sent after {1} retries",
                  name,
                  attempt);
            }
            bytesSent.add(body.length);
            highestSentTimestampMs.accumulateAndGet(maxTimestamp(), Math::max);
            lastSendMs = clock.millis();
            samplesSent.add(batchSize);
            pending.addAndGet(-batchSize);
            batchSize = 0;
            return;
          }
          case FAILED -> {
            LOG.log(
                System.Logger.Level.WARNING,
                "remote write queue {0}: dropping {1} samples after non-recoverable error: {2}",
                name,
                batchSize,
                outcome.message());
            fail(batchSize, outcome.message());
            batchSize = 0;
            return;
          }
          case RECOVERABLE -> {
            lastError = outcome.message();
            long sleepMs = outcome.retryAfterMs() > 0 ? outcome.retryAfterMs() : backoffMs;
            // Prometheus warns on every retry; once per batch says the same when an endpoint is
            // down for long (one batch retried until it is back) without flooding the log.
            LOG.log(
                attempt == 0 ? System.Logger.Level.WARNING : System.Logger.Level.DEBUG,
                "remote write queue {0}: failed to send batch of {1} samples, retrying in {2} ms: {3}",
                name,
                batchSize,
                sleepMs,
                outcome.message());
            sleeper.sleep(Duration.ofMillis(sleepMs));
            samplesRetried.add(batchSize);
            backoffMs = Math.min(saturatedDouble(sleepMs), maxBackoffMs);
          }
        }
      }
    }

    private long maxTimestamp() {
      long max = Long.MIN_VALUE;
      for (int i = 0; i < batchSize; i++) {
        max = Math.max(max, batchT[i]);
      }
      return max;
    }

    /**
     * Removes samples older than {@code sample_age_limit} from the batch (queue_manager.go's {@code
     * isSampleOld} filter, applied on every attempt).
     *
     * @return whether any were removed
     */
    private boolean dropTooOld() {
      if (queueConfig.sampleAgeLimit().isZero()) {
        return false;
      }
      long minT = clock.millis() - queueConfig.sampleAgeLimit().toMillis();
      int kept = 0;
      for (int i = 0; i < batchSize; i++) {
        if (batchT[i] >= minT) {
          batchSeries[kept] = batchSeries[i];
          batchT[kept] = batchT[i];
          batchV[kept] = batchV[i];
          kept++;
        }
      }
      int removed = batchSize - kept;
      if (removed == 0) {
        return false;
      }
      Arrays.fill(batchSeries, kept, batchSize, null);
      batchSize = kept;
      drop(DropReason.TOO_OLD, removed);
      rates.dropped.add(removed);
      pending.addAndGet(-removed);
      return true;
    }

    /**
     * Encodes the batch as one request, one {@code TimeSeries} per distinct series with its samples
     * in queue order (a counting sort through the series' scratch fields, no map per batch).
     */
    private byte[] encode() {
      int distinctCount = 0;
      for (int i = 0; i < batchSize; i++) {
        RemoteSeries s = batchSeries[i];
        if (s.batchCount++ == 0) {
          distinct[distinctCount++] = s;
        }
      }
      int offset = 0;
      for (int d = 0; d < distinctCount; d++) {
        RemoteSeries s = distinct[d];
        s.batchStart = offset;
        offset += s.batchCount;
        s.batchCount = 0;
      }
      for (int i = 0; i < batchSize; i++) {
        RemoteSeries s = batchSeries[i];
        order[s.batchStart + s.batchCount++] = i;
      }
      encoder.reset();
      for (int d = 0; d < distinctCount; d++) {
        RemoteSeries s = distinct[d];
        encoder.startSeries(s.labels);
        for (int k = s.batchStart, end = s.batchStart + s.batchCount; k < end; k++) {
          encoder.addSampleBits(batchT[order[k]], batchV[order[k]]);
        }
        encoder.endSeries();
        s.batchCount = 0;
        distinct[d] = null;
      }
      return encoder.encodeSnappy(snappy);
    }
  }

  private static long saturatedDouble(long ms) {
    return ms > Long.MAX_VALUE / 2 ? Long.MAX_VALUE : ms * 2;
  }
}
