package io.promfed.scrape;

import io.promfed.model.labels.Labels;
import it.unimi.dsi.fastutil.longs.LongOpenHashSet;

/**
 * vmagent's per-target cardinality limiter ({@code series_limit}, lib/promscrape/scrapework.go
 * {@code applySeriesLimit}): at most {@code maxSeries} distinct series of one target are admitted
 * per 24 hour window; samples of further new series are dropped, while admitted series keep
 * flowing. The scrape itself does not fail. The window then starts afresh, so a target whose
 * series churned is not starved for ever.
 *
 * <p>Series are remembered by the 64-bit hash of their final labels (vmagent uses a Bloom filter;
 * an exact set of hashes costs about 16 bytes per admitted series and never over-admits). Not
 * thread-safe: owned by one {@link ScrapeLoop}.
 */
final class SeriesLimiter {

  /** vmagent's window: {@code bloomfilter.NewLimiter(maxItems, 24*time.Hour)}. */
  static final long WINDOW_MS = 24 * 60 * 60 * 1000L;

  private final long maxSeries;
  private final LongOpenHashSet admitted = new LongOpenHashSet();
  private long windowStartMs = Long.MIN_VALUE;
  private int generation;

  SeriesLimiter(long maxSeries) {
    if (maxSeries <= 0) {
      throw new IllegalArgumentException("series limit must be positive, got " + maxSeries);
    }
    this.maxSeries = maxSeries;
  }

  /** Starts a new window when the current one is over; call at the start of each scrape. */
  void startScrape(long scrapeTimeMs) {
    if (windowStartMs == Long.MIN_VALUE || scrapeTimeMs - windowStartMs >= WINDOW_MS) {
      if (windowStartMs != Long.MIN_VALUE) {
        admitted.clear();
        admitted.trim();
        generation++;
      }
      windowStartMs = scrapeTimeMs;
    }
  }

  /**
   * The current window's number; a series admitted in this generation stays admitted until the
   * window ends, so callers may remember it and skip {@link #admit}.
   */
  int generation() {
    return generation;
  }

  /** Whether samples of {@code series} may be stored: already admitted, or room for one more. */
  boolean admit(Labels series) {
    long h = series.hash64();
    if (admitted.contains(h)) {
      return true;
    }
    if (admitted.size() >= maxSeries) {
      return false;
    }
    admitted.add(h);
    return true;
  }

  long maxSeries() {
    return maxSeries;
  }

  /** Distinct series admitted in this window: vmagent's {@code scrape_series_current}. */
  long currentSeries() {
    return admitted.size();
  }
}
