package io.promfed.metrics;

import io.micrometer.core.instrument.FunctionCounter;
import io.micrometer.core.instrument.Gauge;
import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.binder.MeterBinder;
import io.promfed.tsdb.wal.WalStorage;

/**
 * The write-ahead log's self-metrics, in the spirit of Prometheus's {@code
 * prometheus_tsdb_wal_writes_failed_total} and {@code prometheus_tsdb_checkpoint_*}: a failing disk
 * shows as a rising failure counter (and ingestion stops), a stuck checkpoint as an old timestamp.
 */
public final class WalMetrics implements MeterBinder {

  private final WalStorage wal;

  public WalMetrics(WalStorage wal) {
    this.wal = wal;
  }

  @Override
  public void bindTo(MeterRegistry registry) {
    FunctionCounter.builder("promfed.wal.writes.failed", wal, WalStorage::writeFailures)
        .description("Transactions not ingested because the WAL write failed (e.g. disk full).")
        .register(registry);
    FunctionCounter.builder("promfed.wal.records.written", wal, WalStorage::recordsWritten)
        .description("Records written to the WAL.")
        .register(registry);
    Gauge.builder("promfed.wal.replayed.samples", wal, WalStorage::samplesReplayed)
        .description("Samples replayed from the checkpoint and WAL at startup.")
        .register(registry);
    Gauge.builder("promfed.wal.checkpoint.last.success.timestamp", wal, w -> w.lastCheckpointMs() / 1000.0)
        .description("When the last checkpoint completed (0: none yet in this process).")
        .baseUnit("seconds")
        .register(registry);
  }
}
