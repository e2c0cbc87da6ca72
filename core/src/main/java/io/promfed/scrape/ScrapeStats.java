package io.promfed.scrape;

import java.util.concurrent.atomic.LongAdder;

/**
 * Counters shared by all loops of a scrape manager, exported by the apps as the suite's
 * self-metrics (Prometheus's {@code prometheus_target_scrapes_sample_*_total} family). Thread-safe.
 */
public final class ScrapeStats {

  final LongAdder scrapes = new LongAdder();
  final LongAdder scrapesFailed = new LongAdder();
  final LongAdder samplesAppended = new LongAdder();
  final LongAdder outOfOrder = new LongAdder();
  final LongAdder duplicateTimestamp = new LongAdder();
  final LongAdder outOfBounds = new LongAdder();
  final LongAdder sampleLimitExceeded = new LongAdder();
  final LongAdder parseErrors = new LongAdder();
  final LongAdder seriesLimitRejected = new LongAdder();
  final LongAdder gapSamplesFilled = new LongAdder();
  final LongAdder gapFillFailures = new LongAdder();
  final LongAdder seriesLimitSamplesDropped = new LongAdder();

  public long scrapes() {
    return scrapes.sum();
  }

  public long scrapesFailed() {
    return scrapesFailed.sum();
  }

  public long samplesAppended() {
    return samplesAppended.sum();
  }

  public long outOfOrder() {
    return outOfOrder.sum();
  }

  public long duplicateTimestamp() {
    return duplicateTimestamp.sum();
  }

  public long outOfBounds() {
    return outOfBounds.sum();
  }

  public long sampleLimitExceeded() {
    return sampleLimitExceeded.sum();
  }

  public long parseErrors() {
    return parseErrors.sum();
  }

  public long seriesLimitRejected() {
    return seriesLimitRejected.sum();
  }

  /** Samples appended by {@link GapFiller}s after failed scrapes. */
  public long gapSamplesFilled() {
    return gapSamplesFilled.sum();
  }

  /** Gaps that could not be healed because the filler failed. */
  public long gapFillFailures() {
    return gapFillFailures.sum();
  }

  /** Samples dropped because their target's {@code series_limit} was reached (vmagent's limit). */
  public long seriesLimitSamplesDropped() {
    return seriesLimitSamplesDropped.sum();
  }
}
