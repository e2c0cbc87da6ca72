package io.promfed.config;

import java.util.ArrayList;
import java.util.List;

/**
 * The defaults a federating server (the master) applies on top of a loaded config: every job
 * that scrapes a {@code /federate} endpoint gets {@code track_timestamps_staleness: true} unless
 * the file sets the option itself.
 *
 * <p>Why: {@code /federate} bodies carry a timestamp on every sample, and Prometheus writes no
 * stale markers for samples with explicit timestamps, so a series that vanished at a leaf lingers
 * at the master for the whole 5 minute lookback. With the option on (Prometheus 2.48+), it is
 * marked stale at the next federation scrape. Stateless.
 */
public final class FederationDefaults {

  /** The path Prometheus serves federation on; a leaf behind a path prefix ends with it too. */
  public static final String FEDERATE_PATH = "/federate";

  private FederationDefaults() {}

  /** {@code config} with {@link #apply(ScrapeConfig)} applied to each of its scrape configs. */
  public static PrometheusConfig apply(PrometheusConfig config) {
    List<ScrapeConfig> scrapeConfigs = new ArrayList<>(config.scrapeConfigs().size());
    boolean changed = false;
    for (ScrapeConfig sc : config.scrapeConfigs()) {
      ScrapeConfig applied = apply(sc);
      changed |= applied != sc;
      scrapeConfigs.add(applied);
    }
    if (!changed) {
      return config;
    }
    return config.withScrapeConfigs(scrapeConfigs);
  }

  /**
   * {@code sc} with {@code track_timestamps_staleness: true} if it scrapes {@code /federate} and
   * does not set the option; otherwise {@code sc} itself.
   */
  public static ScrapeConfig apply(ScrapeConfig sc) {
    if (sc.trackTimestampsStalenessSet() || !sc.metricsPath().endsWith(FEDERATE_PATH)) {
      return sc;
    }
    return sc.toBuilder().trackTimestampsStaleness(true).build();
  }
}
