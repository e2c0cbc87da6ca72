package io.promfed.master;

import java.nio.file.Path;
import java.time.Duration;
import org.springframework.boot.context.properties.ConfigurationProperties;
import org.springframework.boot.context.properties.bind.DefaultValue;

/**
 * App-level settings of the master. What to federate lives in the Prometheus config file this
 * points to (the seed's {@code federate} job works as is); {@code --config.file} sets {@code
 * master.config-file}.
 *
 * @param configFile the Prometheus YAML config (global, scrape_configs, rule_files, remote_write)
 * @param retention how long samples stay in the head (Prometheus's
 *     --storage.tsdb.retention.time); the head lives in memory, so this and {@code maxSeries}
 *     bound the master's memory; long-term history belongs in a remote-write store
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
 * @param seriesLimitPerLeaf unique series admitted per leaf (target) and 24 hours unless its job
 *     sets {@code series_limit}; samples of further new series are dropped and counted, the rest
 *     keeps flowing (vmagent's -promscrape.seriesLimitPerTarget); 0 for no limit
 * @param scrapeConcurrency the most scrapes (leaves' /federate) in flight at once
 */
@ConfigurationProperties("master")
public record MasterProperties(
    @DefaultValue("prometheus.yml") Path configFile,
    @DefaultValue("2d") Duration retention,
    @DefaultValue("5m") Duration lookbackDelta,
    @DefaultValue("0") long maxSeries,
    @DefaultValue("1m") Duration gcInterval,
    @DefaultValue("") String storagePath,
    @DefaultValue("30m") Duration checkpointInterval,
    @DefaultValue("2m") Duration queryTimeout,
    @DefaultValue("50000000") int queryMaxSamples,
    @DefaultValue("0") long seriesLimitPerLeaf,
    @DefaultValue("16") int scrapeConcurrency) {

  public MasterProperties {
    if (retention.isNegative() || retention.isZero()) {
      throw new IllegalArgumentException("master.retention must be positive, got " + retention);
    }
    if (lookbackDelta.isNegative() || lookbackDelta.isZero()) {
      throw new IllegalArgumentException(
          "master.lookback-delta must be positive, got " + lookbackDelta);
    }
    if (maxSeries < 0) {
      throw new IllegalArgumentException("master.max-series must be >= 0, got " + maxSeries);
    }
    if (seriesLimitPerLeaf < 0) {
      throw new IllegalArgumentException(
          "master.series-limit-per-leaf must be >= 0, got " + seriesLimitPerLeaf);
    }
    if (scrapeConcurrency < 1) {
      throw new IllegalArgumentException(
          "master.scrape-concurrency must be >= 1, got " + scrapeConcurrency);
    }
    if (checkpointInterval.isNegative() || checkpointInterval.isZero()) {
      throw new IllegalArgumentException(
          "master.checkpoint-interval must be positive, got " + checkpointInterval);
    }
    if (queryTimeout.isNegative() || queryTimeout.isZero()) {
      throw new IllegalArgumentException(
          "master.query-timeout must be positive, got " + queryTimeout);
    }
    if (queryMaxSamples < 1) {
      throw new IllegalArgumentException(
          "master.query-max-samples must be >= 1, got " + queryMaxSamples);
    }
    if (gcInterval.isNegative() || gcInterval.isZero()) {
      throw new IllegalArgumentException("master.gc-interval must be positive, got " + gcInterval);
    }
  }
}
