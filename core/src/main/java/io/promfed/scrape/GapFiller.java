package io.promfed.scrape;

import io.promfed.config.ScrapeConfig;
import io.promfed.storage.SeriesSet;
import java.io.IOException;

/**
 * Heals the gap a target's failed scrapes left (issue #6, "gaps heal"): when a target is back after
 * one or more failed scrapes, the scrape loop asks for the samples the target held during the gap
 * and appends them <em>before</em> the first successful scrape's own samples, in the same
 * transaction, since the head only accepts samples in time order. The master enables it for its
 * federate jobs, reading the leaf's store through remote read; Prometheus loses such a gap for
 * ever.
 *
 * <p>What the loop does with the returned series: each gets the target labels and metric
 * relabeling of a scraped series; samples the store already has (at or before the series' last
 * sample) are skipped without counting as errors; if the scrape itself then fails, the backfill is
 * rolled back with it and tried again at the next success. While a target's gap is open, a loop
 * with a filler writes no stale markers for the target's series on failed scrapes: they would be
 * newer than the samples to backfill and block them. The series then fade after the lookback delta
 * as usual, and reappear complete once healed.
 *
 * <p>Implementations must be thread-safe: loops of many targets call them concurrently.
 */
public interface GapFiller {

  /** Heals nothing: failed scrapes stay gaps, as in Prometheus. */
  GapFiller NONE =
      new GapFiller() {
        @Override
        public boolean appliesTo(ScrapeConfig config) {
          return false;
        }

        @Override
        public SeriesSet missed(ScrapeConfig config, Target target, long afterMs, long untilMs) {
          return SeriesSet.EMPTY;
        }
      };

  /** Whether the targets of this scrape config get their gaps healed. */
  boolean appliesTo(ScrapeConfig config);

  /**
   * The series the target exposed with samples in {@code (afterMs, untilMs]}, labelled as the
   * target exposes them (before target labels and metric relabeling), samples in time order.
   *
   * @throws IOException when they cannot be read; the gap then stays
   */
  SeriesSet missed(ScrapeConfig config, Target target, long afterMs, long untilMs)
      throws IOException;
}
