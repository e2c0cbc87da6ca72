package io.promfed.scrape;

import io.promfed.config.PrometheusConfig;
import io.promfed.config.ScrapeConfig;
import io.promfed.discovery.TargetGroup;
import io.promfed.config.TlsContexts;
import io.promfed.storage.Appendable;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.ScheduledExecutorService;
import java.util.function.LongSupplier;

/**
 * Owns one {@link ScrapePool} per job (Prometheus's {@code scrape.Manager}): applies config reloads
 * and routes discovery updates to the pools. A job whose config did not change keeps its pool,
 * loops and caches across a reload. Thread-safe.
 */
public final class ScrapeManager {

  private static final System.Logger LOG = System.getLogger(ScrapeManager.class.getName());

  private final Appendable appendable;
  private final ScheduledExecutorService ticker;
  private final ExecutorService scrapers;
  private final ScrapeStats stats;
  private final LongSupplier clockMs;
  private final long offsetSeed;
  private final GapFiller gapFiller;
  private final long seriesLimitPerTarget;

  private final Map<String, ScrapePool> pools = new LinkedHashMap<>();
  private final Map<String, List<TargetGroup>> lastGroups = new HashMap<>();
  private boolean stopped;

  /**
   * @param ticker schedules scrape ticks (a couple of threads suffice: ticks only hand off)
   * @param scrapers runs the blocking scrapes, at most one per target at a time
   * @param offsetSeed spreads targets over the interval; differ it between HA replicas so they do
   *     not hit targets at the same instant (Prometheus hashes its external labels for this)
   */
  public ScrapeManager(
      Appendable appendable,
      ScheduledExecutorService ticker,
      ExecutorService scrapers,
      ScrapeStats stats,
      LongSupplier clockMs,
      long offsetSeed) {
    this(appendable, ticker, scrapers, stats, clockMs, offsetSeed, GapFiller.NONE, 0);
  }

  /** A manager whose loops heal gaps with {@code gapFiller} (the master's federate jobs). */
  public ScrapeManager(
      Appendable appendable,
      ScheduledExecutorService ticker,
      ExecutorService scrapers,
      ScrapeStats stats,
      LongSupplier clockMs,
      long offsetSeed,
      GapFiller gapFiller) {
    this(appendable, ticker, scrapers, stats, clockMs, offsetSeed, gapFiller, 0);
  }

  /**
   * A manager whose loops heal the gaps of failed scrapes with {@code gapFiller} where it applies
   * (the master's federate jobs) and whose targets have a series limit by default (the master's
   * per-leaf limit).
   *
   * @param seriesLimitPerTarget vmagent's {@code -promscrape.seriesLimitPerTarget}: unique series
   *     admitted per target and 24 hours unless a job sets {@code series_limit} (where 0 turns
   *     the limit off); 0 for no default limit
   */
  public ScrapeManager(
      Appendable appendable,
      ScheduledExecutorService ticker,
      ExecutorService scrapers,
      ScrapeStats stats,
      LongSupplier clockMs,
      long offsetSeed,
      GapFiller gapFiller,
      long seriesLimitPerTarget) {
    this.gapFiller = java.util.Objects.requireNonNull(gapFiller, "gapFiller");
    if (seriesLimitPerTarget < 0) {
      throw new IllegalArgumentException(
          "seriesLimitPerTarget must not be negative, got " + seriesLimitPerTarget);
    }
    this.seriesLimitPerTarget = seriesLimitPerTarget;
    this.appendable = appendable;
    this.ticker = ticker;
    this.scrapers = scrapers;
    this.stats = stats;
    this.clockMs = clockMs;
    this.offsetSeed = offsetSeed;
  }

  public ScrapeStats stats() {
    return stats;
  }

  /** Brings the pools in line with {@code config}: new jobs start, changed ones restart. */
  public synchronized void applyConfig(PrometheusConfig config) {
    if (stopped) {
      return;
    }
    Map<String, ScrapeConfig> wanted = new LinkedHashMap<>();
    for (ScrapeConfig sc : config.scrapeConfigs()) {
      wanted.put(sc.jobName(), sc);
    }
    Map<String, ScrapePool> replaced = new LinkedHashMap<>();
    for (String job : new ArrayList<>(pools.keySet())) {
      ScrapePool pool = pools.get(job);
      ScrapeConfig next = wanted.get(job);
      if (next == null) {
        pools.remove(job).stop(true);
        lastGroups.remove(job);
      } else if (!next.equals(pool.config())) {
        replaced.put(job, pools.remove(job));
      }
    }
    for (ScrapeConfig sc : wanted.values()) {
      if (!pools.containsKey(sc.jobName())) {
        ScrapePool pool;
        try {
          pool = newPool(sc);
        } catch (IllegalArgumentException e) {
          // As Prometheus: one job whose HTTP client cannot be built is skipped, loudly.
          LOG.log(
              System.Logger.Level.ERROR,
              "job {0}: error creating new scrape pool: {1}",
              sc.jobName(),
              e.getMessage());
          continue;
        }
        pools.put(sc.jobName(), pool);
        List<TargetGroup> groups = lastGroups.get(sc.jobName());
        if (groups != null) {
          pool.sync(groups);
        }
        ScrapePool old = replaced.get(sc.jobName());
        if (old != null) {
          // Prometheus reloads the pool and then re-syncs the last target groups under the new
          // config: targets that survive are scraped on by new loops, the others (relabeling or
          // selectors changed) end with stale markers.
          old.handOver(pool);
        }
      }
    }
  }

  private ScrapePool newPool(ScrapeConfig sc) {
    // follow_redirects must be true (the config loader refuses false), as in Prometheus's default.
    ScrapeHttpClient client =
        new ScrapeHttpClient(
            TlsContexts.create(sc.tlsConfig()), sc.tlsConfig().serverName(), true);
    return new ScrapePool(
        sc,
        appendable,
        client,
        ticker,
        scrapers,
        stats,
        clockMs,
        offsetSeed,
        gapFiller,
        seriesLimitPerTarget);
  }

  /** The full, current target groups of one job, as discovery produced them. */
  public synchronized void updateTargets(String jobName, List<TargetGroup> groups) {
    if (stopped) {
      return;
    }
    lastGroups.put(jobName, List.copyOf(groups));
    ScrapePool pool = pools.get(jobName);
    if (pool != null) {
      pool.sync(groups);
    }
  }

  /** The pools by job name, in config order. */
  public synchronized Map<String, ScrapePool> pools() {
    return new LinkedHashMap<>(pools);
  }

  /** Stops every loop without stale markers (shutdown: the data is not gone, we are). */
  public synchronized void stop() {
    stopped = true;
    for (ScrapePool p : pools.values()) {
      p.stop(false);
    }
    pools.clear();
  }
}
