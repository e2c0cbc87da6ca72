package io.promfed.metrics;

import io.micrometer.core.instrument.FunctionCounter;
import io.micrometer.core.instrument.Gauge;
import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.binder.MeterBinder;
import io.promfed.config.ConfigReloader;
import io.promfed.scrape.ScrapeStats;
import io.promfed.tsdb.Head;
import java.util.function.ToDoubleFunction;

/**
 * The engine's self-metrics, under one {@code promfed_} prefix, in base units, counters ending
 * in {@code _total} (the names Micrometer's Prometheus registry derives). They mirror the
 * Prometheus server's own ({@code prometheus_tsdb_head_series}, {@code
 * prometheus_target_scrapes_sample_out_of_order_total}, {@code
 * prometheus_config_last_reload_successful}) so existing alerts translate one to one. Meters
 * read the components' counters lazily; nothing is counted twice.
 */
public final class EngineMetrics implements MeterBinder {

  private final Head head;
  private final ScrapeStats scrapeStats;
  private final ConfigReloader configReloader;

  public EngineMetrics(Head head, ScrapeStats scrapeStats, ConfigReloader configReloader) {
    this.head = head;
    this.scrapeStats = scrapeStats;
    this.configReloader = configReloader;
  }

  @Override
  public void bindTo(MeterRegistry registry) {
    gauge(registry, "promfed.head.series", "Series in the in-memory head.", head, Head::numSeries);
    // These three are measured by the head's periodic garbage collection, which visits every series
    // anyway (Head.stats()): read every scrape, they are at most one gc interval old, and reading
    // them costs nothing.
    Gauge.builder("promfed.head.memory", head, h -> h.stats().ramBytes())
        .description(
            "Heap bytes held by the head: chunks, series, index and symbols (as of the last head gc).")
        .baseUnit("bytes")
        .register(registry);
    Gauge.builder("promfed.head.chunk.bytes", head, h -> h.stats().chunkBytes())
        .description(
            "Encoded bytes of the head's samples, open chunks and chunks on disk included (as of the last head gc).")
        .baseUnit("bytes")
        .register(registry);
    Gauge.builder("promfed.head.chunk.samples", head, h -> h.stats().chunkSamples())
        .description("Samples held in the head's chunks (as of the last head gc).")
        .register(registry);
    Gauge.builder("promfed.head.chunk.files.bytes", head, Head::chunkFilesBytes)
        .description("Bytes in the head's chunk files (<storage.path>/chunks_head), closed chunks moved out of the heap.")
        .baseUnit("bytes")
        .register(registry);
    counter(registry, "promfed.head.chunks.moved.to.disk", "Closed chunks moved from the heap to the chunk files.", head, Head::chunksMovedToDisk);
    counter(registry, "promfed.head.chunk.write.failures", "Batches of closed chunks that could not be written to the chunk files (kept in memory).", head, Head::chunkWriteFailures);
    counter(registry, "promfed.head.samples.appended", "Samples committed to the head.", head, Head::samplesAppended);
    counter(registry, "promfed.head.out.of.order.samples", "Samples rejected as out of order.", head, Head::outOfOrderSamples);
    counter(registry, "promfed.head.duplicate.samples", "Samples rejected: same timestamp, other value.", head, Head::duplicateSamples);
    counter(registry, "promfed.head.out.of.bounds.samples", "Samples rejected as older than the retention.", head, Head::outOfBoundsSamples);
    // Not "promfed.head.series.created": the Prometheus client reserves the _created suffix, so it
    // would clash with the promfed_head_series gauge and not be exported.
    counter(registry, "promfed.head.new.series", "Series created in the head.", head, Head::seriesCreated);
    counter(registry, "promfed.head.series.removed", "Series removed by retention.", head, Head::seriesRemoved);
    counter(registry, "promfed.head.series.limit.rejections", "New series refused by the series limit.", head, Head::seriesLimitRejections);

    counter(registry, "promfed.scrapes", "Scrapes attempted.", scrapeStats, ScrapeStats::scrapes);
    counter(registry, "promfed.scrapes.failed", "Scrapes that failed (up == 0).", scrapeStats, ScrapeStats::scrapesFailed);
    counter(registry, "promfed.scrape.samples.appended", "Scraped samples appended.", scrapeStats, ScrapeStats::samplesAppended);
    counter(registry, "promfed.scrape.sample.limit.exceeded", "Scrapes failed by sample_limit.", scrapeStats, ScrapeStats::sampleLimitExceeded);
    counter(registry, "promfed.scrape.parse.errors", "Scrapes failed by a malformed body.", scrapeStats, ScrapeStats::parseErrors);
    counter(registry, "promfed.scrape.gap.samples.filled", "Samples backfilled after failed scrapes.", scrapeStats, ScrapeStats::gapSamplesFilled);
    counter(registry, "promfed.scrape.gap.fill.failures", "Gaps left unhealed because reading them failed.", scrapeStats, ScrapeStats::gapFillFailures);
    counter(registry, "promfed.scrape.series.limit.samples.dropped", "Samples of new series dropped by a target's series_limit.", scrapeStats, ScrapeStats::seriesLimitSamplesDropped);

    gauge(registry, "promfed.config.last.reload.successful", "Whether the last config reload succeeded (1) or not (0).", configReloader, r -> r.lastSuccessful() ? 1 : 0);
    Gauge.builder("promfed.config.last.reload.success.timestamp", configReloader, ConfigReloader::lastSuccessEpochSeconds)
        .description("When the config was last loaded successfully.")
        .baseUnit("seconds")
        .register(registry);
  }

  private static <T> void gauge(
      MeterRegistry registry, String name, String help, T obj, ToDoubleFunction<T> f) {
    Gauge.builder(name, obj, f).description(help).register(registry);
  }

  private static <T> void counter(
      MeterRegistry registry, String name, String help, T obj, ToDoubleFunction<T> f) {
    FunctionCounter.builder(name, obj, f).description(help).register(registry);
  }
}
