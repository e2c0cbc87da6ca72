package io.promfed.storage.remote;

import io.promfed.config.ConfigException;
import io.promfed.config.PrometheusConfig;
import io.promfed.config.RemoteWriteConfig;
import io.promfed.model.labels.Labels;
import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HexFormat;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.atomic.LongAdder;

/**
 * The running {@code remote_write} queues of one process: Prometheus's remote {@code WriteStorage}
 * (prometheus/prometheus storage/remote/write.go). {@link #applyConfig} turns the config's {@code
 * remote_write} list into one {@link QueueManager} per entry; {@link RemoteWriteAppendable} feeds
 * every committed sample to all of them.
 *
 * <p><b>Reload</b> ({@link #applyConfig}, usable as a {@code ConfigReloader.Applier}), as {@code
 * WriteStorage.ApplyConfig}: a queue whose entry and external labels are unchanged keeps running
 * with everything it holds; a new or changed entry gets a new queue; a queue whose entry changed
 * or disappeared is stopped, sending what it holds within the flush deadline. Unlike Prometheus,
 * the new queues are started and take samples before the old ones stop, so a reload loses nothing
 * to the gap. Two identical entries are refused, as upstream.
 *
 * <p><b>Names.</b> A queue is called by its {@code name}, or else by the first 6 hex digits of a
 * hash of its config, as write.go does; with the URL that is its identity in metrics ({@code
 * remote_name}, {@code url}).
 *
 * <p>Thread-safe: {@link #applyConfig} and {@link #close} are serialized; the append path reads
 * one volatile snapshot of the queue list and never blocks on the network.
 */
public final class RemoteStorage implements AutoCloseable {

  /** Makes a queue for one entry; tests inject clocks, sleepers and threads through it. */
  @FunctionalInterface
  public interface QueueFactory {

    /** Real HTTP, the system clock, daemon shard threads. */
    QueueFactory DEFAULT = QueueManager::new;

    /**
     * @throws IllegalArgumentException when the entry cannot be sent with (a header the HTTP client
     *     refuses)
     */
    QueueManager create(String name, RemoteWriteConfig config, Labels externalLabels);
  }

  /** Told when queues start and stop, e.g. to register and remove their meters. */
  public interface QueueListener {

    /** Called after {@code queue} started and receives samples. */
    void queueStarted(QueueManager queue);

    /** Called after {@code queue} stopped; its counters are final. */
    void queueStopped(QueueManager queue);
  }

  private static final System.Logger LOG = System.getLogger(RemoteStorage.class.getName());

  private final QueueFactory factory;
  private final Duration flushDeadline;
  private final List<QueueListener> listeners = new CopyOnWriteArrayList<>();
  private final LongAdder samplesIn = new LongAdder();
  private final AtomicLong highestTimestampMs = new AtomicLong();

  /** Guarded by {@code this}; {@link #queues} is its published snapshot. */
  private Map<QueueKey, QueueManager> running = new LinkedHashMap<>();

  private volatile List<QueueManager> queues = List.of();
  private boolean closed;

  /** A queue is kept across reloads only when both its entry and the external labels are equal. */
  private record QueueKey(RemoteWriteConfig config, Labels externalLabels) {}

  /** Real queues; each stop (reload or shutdown) may take up to {@code flushDeadline}. */
  public RemoteStorage(Duration flushDeadline) {
    this(QueueFactory.DEFAULT, flushDeadline);
  }

  /**
   * @param factory makes a queue per {@code remote_write} entry
   * @param flushDeadline how long a stopping queue may keep sending what it holds (Prometheus's
   *     {@code --storage.remote.flush-deadline}, 1m by default)
   */
  public RemoteStorage(QueueFactory factory, Duration flushDeadline) {
    this.factory = Objects.requireNonNull(factory, "factory");
    this.flushDeadline = Objects.requireNonNull(flushDeadline, "flushDeadline");
    if (flushDeadline.isNegative()) {
      throw new IllegalArgumentException("flush deadline must not be negative: " + flushDeadline);
    }
  }

  /**
   * Starts, keeps and stops queues to match {@code config.remoteWriteConfigs()}.
   *
   * @throws ConfigException when two entries are identical, or one cannot be used; nothing is
   *     changed then
   */
  public synchronized void applyConfig(PrometheusConfig config) throws ConfigException {
    if (closed) {
      throw new IllegalStateException("remote storage is closed");
    }
    Labels external = config.global().externalLabels();
    Map<QueueKey, QueueManager> next = new LinkedHashMap<>();
    List<QueueManager> created = new ArrayList<>();
    try {
      for (RemoteWriteConfig rw : config.remoteWriteConfigs()) {
        QueueKey key = new QueueKey(rw, external);
        if (next.containsKey(key)) {
          throw new ConfigException(
              "remote_write",
              0,
              0,
              "duplicate remote write configs are not allowed, found duplicate for URL: "
                  + rw.url());
        }
        QueueManager q = running.get(key);
        if (q == null) {
          try {
            q = factory.create(queueName(rw), rw, external);
          } catch (IllegalArgumentException e) {
            throw new ConfigException("remote_write", 0, 0, e.getMessage(), e);
          }
          created.add(q);
        }
        next.put(key, q);
      }
    } catch (ConfigException e) {
      for (QueueManager q : created) {
        q.stop(Duration.ZERO); // never started: holds nothing
      }
      throw e;
    }
    for (QueueManager q : created) {
      q.start();
    }
    List<QueueManager> stopped = new ArrayList<>();
    for (Map.Entry<QueueKey, QueueManager> e : running.entrySet()) {
      if (next.get(e.getKey()) != e.getValue()) {
        stopped.add(e.getValue());
      }
    }
    running = next;
    queues = List.copyOf(next.values());
    for (QueueManager q : created) {
      LOG.log(System.Logger.Level.INFO, "remote write queue {0} started: {1}", q.name(), q);
      listeners.forEach(l -> l.queueStarted(q));
    }
    stopAll(stopped);
  }

  /**
   * The queue's {@code remote_name}: the configured name, else the first 6 hex digits of a SHA-256
   * of the entry (write.go uses an MD5 of it), so two unnamed queues to one URL differ.
   */
  static String queueName(RemoteWriteConfig config) {
    if (!config.name().isEmpty()) {
      return config.name();
    }
    try {
      MessageDigest sha = MessageDigest.getInstance("SHA-256");
      byte[] digest =
          sha.digest((config + "|" + config.hashCode()).getBytes(StandardCharsets.UTF_8));
      return HexFormat.of().formatHex(digest, 0, 3);
    } catch (NoSuchAlgorithmException e) {
      throw new IllegalStateException("SHA-256 is required of every JVM", e);
    }
  }

  /** Stops the queues in parallel, so the worst case is one flush deadline, not one per queue. */
  private void stopAll(List<QueueManager> stopping) {
    List<Thread> stoppers = new ArrayList<>();
    for (QueueManager q : stopping) {
      Thread t = new Thread(() -> stop(q), "remote-write-stop-" + q.name());
      t.setDaemon(true);
      t.start();
      stoppers.add(t);
    }
    boolean interrupted = false;
    for (Thread t : stoppers) {
      while (t.isAlive()) {
        try {
          t.join();
        } catch (InterruptedException e) {
          interrupted = true; // the stop itself is bounded by the deadline: finish waiting
        }
      }
    }
    if (interrupted) {
      Thread.currentThread().interrupt();
    }
    for (QueueManager q : stopping) {
      listeners.forEach(l -> l.queueStopped(q));
    }
  }

  private void stop(QueueManager q) {
    boolean clean = q.stop(flushDeadline);
    LOG.log(
        clean ? System.Logger.Level.INFO : System.Logger.Level.WARNING,
        "remote write queue {0} stopped{1}",
        q.name(),
        clean ? "" : " before it could send everything (flush deadline " + flushDeadline + ")");
  }

  /**
   * Hands committed samples to every queue; never blocks on the network. The arrays are only read
   * during the call.
   */
  void append(Labels[] labels, long[] timestampsMs, long[] valueBits, int count) {
    if (count <= 0) {
      return;
    }
    samplesIn.add(count);
    long max = Long.MIN_VALUE;
    for (int i = 0; i < count; i++) {
      max = Math.max(max, timestampsMs[i]);
    }
    long seen = highestTimestampMs.get();
    while (max > seen && !highestTimestampMs.compareAndSet(seen, max)) {
      seen = highestTimestampMs.get();
    }
    for (QueueManager q : queues) {
      q.append(labels, timestampsMs, valueBits, count);
    }
  }

  /** Whether any queue runs; appenders skip buffering when none does. */
  public boolean hasQueues() {
    return !queues.isEmpty();
  }

  /** The running queues in config order (a snapshot). */
  public List<QueueManager> queues() {
    return queues;
  }

  /** Samples handed to the queues (before relabeling), counted once whatever the queue count. */
  public long samplesIn() {
    return samplesIn.sum();
  }

  /**
   * The newest sample timestamp (ms) handed to the queues, 0 before the first: Prometheus's {@code
   * prometheus_remote_storage_highest_timestamp_in_seconds}.
   */
  public long highestTimestampMs() {
    return highestTimestampMs.get();
  }

  /**
   * Registers {@code listener} and tells it about every queue already running, so no queue is
   * missed whatever the order of wiring.
   */
  public synchronized void addListener(QueueListener listener) {
    listeners.add(Objects.requireNonNull(listener, "listener"));
    for (QueueManager q : queues) {
      listener.queueStarted(q);
    }
  }

  /**
   * Stops every queue, each sending what it holds for up to the flush deadline (in parallel, so
   * this returns within about one deadline); what is left then is counted as failed. Idempotent.
   */
  @Override
  public synchronized void close() {
    if (closed) {
      return;
    }
    closed = true;
    List<QueueManager> stopping = new ArrayList<>(running.values());
    running = new LinkedHashMap<>();
    queues = List.of();
    stopAll(stopping);
  }
}
