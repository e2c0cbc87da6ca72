package io.promfed.metrics;

import io.micrometer.core.instrument.FunctionCounter;
import io.micrometer.core.instrument.Gauge;
import io.micrometer.core.instrument.Meter;
import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.Tags;
import io.micrometer.core.instrument.binder.MeterBinder;
import io.promfed.storage.remote.QueueManager;
import io.promfed.storage.remote.RemoteStorage;
import java.util.ArrayList;
import java.util.IdentityHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.function.ToDoubleFunction;

/**
 * Remote write's self-metrics, named after Prometheus's {@code prometheus_remote_storage_*}
 * (storage/remote/queue_manager.go {@code newQueueManagerMetrics}) under the {@code promfed_}
 * prefix, so its dashboards and alerts (e.g. {@code PrometheusRemoteWriteBehind}: highest
 * timestamp in minus highest sent) translate one to one:
 *
 * <ul>
 *   <li>{@code promfed_remote_storage_samples_in_total} and {@code
 *       promfed_remote_storage_highest_timestamp_in_seconds}, without labels;
 *   <li>per queue, labelled {@code remote_name} and {@code url}: {@code _samples_total} (sent),
 *       {@code _samples_failed_total}, {@code _samples_retried_total}, {@code
 *       _samples_dropped_total} (with {@code reason}), {@code _samples_pending}, {@code
 *       _bytes_total}, {@code _queue_highest_sent_timestamp_seconds}, {@code _shards}, {@code
 *       _shards_desired}, {@code _shards_min}, {@code _shards_max}, {@code _shard_capacity}.
 * </ul>
 *
 * <p>Cardinality is bounded by the configured queues. A queue's meters are registered when it
 * starts and removed when it stops (a reload that changes its entry), as Prometheus unregisters
 * them; the counters of the replacing queue start from zero, which {@code rate()} reads as a
 * counter reset. Meters read the queues' own counters; nothing is counted twice.
 */
public final class RemoteStorageMetrics implements MeterBinder, RemoteStorage.QueueListener {

  private final RemoteStorage remoteStorage;
  private final Map<QueueManager, List<Meter>> meters = new IdentityHashMap<>();
  private MeterRegistry registry;

  public RemoteStorageMetrics(RemoteStorage remoteStorage) {
    this.remoteStorage = Objects.requireNonNull(remoteStorage, "remoteStorage");
  }

  @Override
  public void bindTo(MeterRegistry registry) {
    synchronized (this) {
      if (this.registry != null) {
        throw new IllegalStateException("remote storage metrics are already bound");
      }
      this.registry = registry;
    }
    FunctionCounter.builder(
            "promfed.remote.storage.samples.in", remoteStorage, RemoteStorage::samplesIn)
        .description("Samples handed to remote storage, before relabeling.")
        .register(registry);
    Gauge.builder(
            "promfed.remote.storage.highest.timestamp.in",
            remoteStorage,
            r -> r.highestTimestampMs() / 1000.0)
        .description("Newest sample timestamp handed to remote storage, in Unix seconds.")
        .baseUnit("seconds")
        .register(registry);
    remoteStorage.addListener(this);
  }

  @Override
  public synchronized void queueStarted(QueueManager q) {
    Tags tags = Tags.of("remote_name", q.name(), "url", q.config().url().toString());
    List<Meter> m = new ArrayList<>();
    m.add(counter("promfed.remote.storage.samples", "Samples sent to remote storage.", q, tags, QueueManager::samplesSent));
    m.add(counter("promfed.remote.storage.samples.failed", "Samples lost to a non-recoverable error.", q, tags, QueueManager::samplesFailed));
    m.add(counter("promfed.remote.storage.samples.retried", "Samples sent again after a recoverable error.", q, tags, QueueManager::samplesRetried));
    for (QueueManager.DropReason reason : QueueManager.DropReason.values()) {
      m.add(counter("promfed.remote.storage.samples.dropped", "Samples dropped before being sent.", q, tags.and("reason", reason.label()), x -> x.samplesDropped(reason)));
    }
    m.add(
        FunctionCounter.builder("promfed.remote.storage", q, QueueManager::bytesSent)
            .description("Compressed bytes of accepted requests.")
            .baseUnit("bytes")
            .tags(tags)
            .register(registry));
    m.add(gauge("promfed.remote.storage.samples.pending", "Samples queued or in flight.", q, tags, QueueManager::samplesPending));
    m.add(
        Gauge.builder("promfed.remote.storage.queue.highest.sent.timestamp", q, x -> x.highestSentTimestampMs() / 1000.0)
            .description("Newest sample timestamp the receiver accepted, in Unix seconds.")
            .baseUnit("seconds")
            .tags(tags)
            .register(registry));
    m.add(gauge("promfed.remote.storage.shards", "Shards sending in parallel.", q, tags, QueueManager::shards));
    m.add(gauge("promfed.remote.storage.shards.desired", "Shards the measured rates call for.", q, tags, QueueManager::desiredShards));
    m.add(gauge("promfed.remote.storage.shards.min", "The queue's min_shards.", q, tags, x -> x.config().queueConfig().minShards()));
    m.add(gauge("promfed.remote.storage.shards.max", "The queue's max_shards.", q, tags, x -> x.config().queueConfig().maxShards()));
    m.add(gauge("promfed.remote.storage.shard.capacity", "Samples one shard holds at most.", q, tags, QueueManager::shardCapacity));
    meters.put(q, m);
  }

  @Override
  public synchronized void queueStopped(QueueManager q) {
    List<Meter> m = meters.remove(q);
    if (m != null) {
      m.forEach(registry::remove);
    }
  }

  private FunctionCounter counter(
      String name, String help, QueueManager q, Tags tags, ToDoubleFunction<QueueManager> f) {
    return FunctionCounter.builder(name, q, f).description(help).tags(tags).register(registry);
  }

  private Gauge gauge(
      String name, String help, QueueManager q, Tags tags, ToDoubleFunction<QueueManager> f) {
    return Gauge.builder(name, q, f).description(help).tags(tags).register(registry);
  }
}
