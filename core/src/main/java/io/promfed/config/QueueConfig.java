package io.promfed.config;

import java.time.Duration;
import java.util.Objects;

/**
 * The remote-write queue, {@code queue_config} of prometheus/prometheus {@code config/config.go}
 * ({@code QueueConfig}), with {@code DefaultQueueConfig} as {@link #DEFAULT}. Immutable.
 *
 * @param capacity samples buffered per shard before reading from the WAL blocks (default 10000)
 * @param maxShards maximum concurrency (default 50)
 * @param minShards minimum concurrency (default 1)
 * @param maxSamplesPerSend samples per request (default 2000)
 * @param batchSendDeadline longest a sample waits in a shard before a send (default 5s)
 * @param minBackoff initial retry backoff on recoverable errors (default 30ms)
 * @param maxBackoff maximum retry backoff (default 5s)
 * @param retryOnRateLimit retry on HTTP 429 ({@code retry_on_http_429}, default false)
 * @param sampleAgeLimit drop samples older than this; zero means no limit (default 0)
 */
public record QueueConfig(
    int capacity,
    int maxShards,
    int minShards,
    int maxSamplesPerSend,
    Duration batchSendDeadline,
    Duration minBackoff,
    Duration maxBackoff,
    boolean retryOnRateLimit,
    Duration sampleAgeLimit) {

  /** Prometheus's {@code DefaultQueueConfig}. */
  public static final QueueConfig DEFAULT =
      new QueueConfig(
          10_000,
          50,
          1,
          2000,
          Duration.ofSeconds(5),
          Duration.ofMillis(30),
          Duration.ofSeconds(5),
          false,
          Duration.ZERO);

  /** {@code QueueConfig.Validate}, same order and messages. */
  public QueueConfig {
    Objects.requireNonNull(batchSendDeadline, "batchSendDeadline");
    Objects.requireNonNull(minBackoff, "minBackoff");
    Objects.requireNonNull(maxBackoff, "maxBackoff");
    Objects.requireNonNull(sampleAgeLimit, "sampleAgeLimit");
    if (maxShards <= 0) {
      throw new IllegalArgumentException("remote write queue max_shards must be positive");
    }
    if (minShards <= 0) {
      throw new IllegalArgumentException("remote write queue min_shards must be positive");
    }
    if (minShards > maxShards) {
      throw new IllegalArgumentException(
          "remote write queue min_shards must not be greater than max_shards");
    }
    if (maxSamplesPerSend <= 0) {
      throw new IllegalArgumentException(
          "remote write queue max_samples_per_send must be positive");
    }
    if (capacity <= 0) {
      throw new IllegalArgumentException("remote write queue capacity must be positive");
    }
    if (maxBackoff.compareTo(minBackoff) < 0) {
      throw new IllegalArgumentException(
          "remote write queue max_backoff must not be less than min_backoff");
    }
  }
}
