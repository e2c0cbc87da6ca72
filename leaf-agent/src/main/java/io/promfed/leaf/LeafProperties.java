package io.promfed.leaf;

import java.nio.file.Path;
import java.time.Duration;
import org.springframework.boot.context.properties.ConfigurationProperties;
import org.springframework.boot.context.properties.bind.DefaultValue;

/**
 * App-level settings of the leaf. Everything about what to scrape lives in the Prometheus config
 * file this points to; {@code --config.file} (Prometheus's flag) sets {@code leaf.config-file}.
 *
 * @param configFile the Prometheus YAML config (global, scrape_configs, rule_files, remote_write)
 * @param retention how long samples stay in the in-memory head (Prometheus's
 *     --storage.tsdb.retention.time); the leaf is short-term storage, the master keeps history
 * @param lookbackDelta how far back /federate and queries look for a series' latest sample
 * @param maxSeries the most series the head holds; further new series are rejected and counted
 *     (0 = unlimited)
 * @param gcInterval how often chunks older than the retention are dropped
 * @param storagePath where the write-ahead log and its checkpoints live ({@code --storage.path});
 *     empty keeps everything in memory only, so a restart starts empty
 * @param checkpointInterval how often the head is checkpointed and older log segments deleted
 * @param queryTimeout the longest a PromQL query may run (Prometheus's --query.timeout)
 * @param queryMaxSamples the most samples one query may hold in memory (--query.max-samples);
 *     a query over it fails with Prometheus's "too many samples" error instead of exhausting heap
 * @param scrapeConcurrency the most scrapes in flight at once; further due scrapes wait their
 *     turn, so a burst of slow targets cannot exhaust threads or sockets
 */
@ConfigurationProperties("leaf")
public record LeafProperties(
    @DefaultValue("prometheus.yml") Path configFile,
    @DefaultValue("1d") Duration retention,
    @DefaultValue("5m") Duration lookbackDelta,
    @DefaultValue("0") long maxSeries,
    @DefaultValue("1m") Duration gcInterval,
    @DefaultValue("") String storagePath,
    @DefaultValue("30m") Duration checkpointInterval,
    @DefaultValue("2m") Duration queryTimeout,
    @DefaultValue("50000000") int queryMaxSamples,
    @DefaultValue("64") int scrapeConcurrency) {

  public LeafProperties {
    if (retention.isNegative() || retention.isZero()) {
      throw new IllegalArgumentException("leaf.retention must be positive, got " + retention);
    }
    if (lookbackDelta.isNegative() || lookbackDelta.isZero()) {
      throw new IllegalArgumentException(
          "leaf.lookback-delta must be positive, got " + lookbackDelta);
    }
    if (maxSeries < 0) {
      throw new IllegalArgumentException("leaf.max-series must be >= 0, got " + maxSeries);
    }
    if (scrapeConcurrency < 1) {
      throw new IllegalArgumentException(
          "leaf.scrape-concurrency must be >= 1, got " + scrapeConcurrency);
    }
    if (checkpointInterval.isNegative() || checkpointInterval.isZero()) {
      throw new IllegalArgumentException(
          "leaf.checkpoint-interval must be positive, got " + checkpointInterval);
    }
    if (queryTimeout.isNegative() || queryTimeout.isZero()) {
      throw new IllegalArgumentException(
          "leaf.query-timeout must be positive, got " + queryTimeout);
    }
    if (queryMaxSamples < 1) {
      throw new IllegalArgumentException(
          "leaf.query-max-samples must be >= 1, got " + queryMaxSamples);
    }
    if (gcInterval.isNegative() || gcInterval.isZero()) {
      throw new IllegalArgumentException("leaf.gc-interval must be positive, got " + gcInterval);
    }
  }
}
