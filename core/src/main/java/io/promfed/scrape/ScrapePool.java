package io.promfed.scrape;

import io.promfed.config.ScrapeConfig;
import io.promfed.discovery.TargetGroup;
import io.promfed.storage.Appendable;
import java.util.ArrayList;
import java.util.Collections;
import java.util.HashMap;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.ScheduledFuture;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.function.LongSupplier;

/**
 * The targets and loops of one {@code scrape_config} (Prometheus's {@code scrapePool}). It turns
 * discovered target groups into targets, keeps one {@link ScrapeLoop} per target alive across
 * discovery updates (so caches and staleness tracking survive), starts loops for new targets, and
 * stops loops for targets that went away, writing their stale markers. Thread-safe: {@link #sync}
 * and {@link #stop} are synchronized; loops run on the shared executors.
 */
public final class ScrapePool {

  private static final System.Logger LOG = System.getLogger(ScrapePool.class.getName());

  private final ScrapeConfig config;
  private final Appendable appendable;
  private final ScrapeHttpClient client;
  private final ScheduledExecutorService ticker;
  private final ExecutorService scrapers;
  private final ScrapeStats stats;
  private final LongSupplier clockMs;
  private final long offsetSeed;
  private final GapFiller gapFiller;
  private final long seriesLimit;

  private final Map<String, Running> running = new LinkedHashMap<>();
  private List<DroppedTarget> dropped = List.of();
  private boolean stopped;

  /** A discovered target that relabeling dropped or that was invalid, for the targets API. */
  public record DroppedTarget(io.promfed.model.labels.Labels discoveredLabels, String reason) {}

  private final class Running {
    final ScrapeLoop loop;
    final AtomicBoolean inFlight = new AtomicBoolean();
    ScheduledFuture<?> schedule;

    Running(ScrapeLoop loop) {
      this.loop = loop;
    }

    void tick() {
      // A scrape still running when its next tick comes is not overlapped, as in Prometheus.
      if (!inFlight.compareAndSet(false, true)) {
        return;
      }
      try {
        scrapers.execute(
            () -> {
              try {
                loop.scrapeAndReport(clockMs.getAsLong());
              } catch (RuntimeException e) {
                LOG.log(
                    System.Logger.Level.ERROR, "scrape loop of " + loop.target() + " failed", e);
              } finally {
                inFlight.set(false);
              }
            });
      } catch (RuntimeException rejected) {
        inFlight.set(false); // executor shutting down
      }
    }
  }

  public ScrapePool(
      ScrapeConfig config,
      Appendable appendable,
      ScrapeHttpClient client,
      ScheduledExecutorService ticker,
      ExecutorService scrapers,
      ScrapeStats stats,
      LongSupplier clockMs,
      long offsetSeed) {
    this(config, appendable, client, ticker, scrapers, stats, clockMs, offsetSeed, GapFiller.NONE, 0);
  }

  /**
   * @param gapFiller heals the gaps of failed scrapes where it applies to {@code config}
   * @param seriesLimitPerTarget vmagent's {@code -promscrape.seriesLimitPerTarget}: the series
   *     limit of each target when the config sets no {@code series_limit}; 0 for none
   */
  public ScrapePool(
      ScrapeConfig config,
      Appendable appendable,
      ScrapeHttpClient client,
      ScheduledExecutorService ticker,
      ExecutorService scrapers,
      ScrapeStats stats,
      LongSupplier clockMs,
      long offsetSeed,
      GapFiller gapFiller,
      long seriesLimitPerTarget) {
    this.gapFiller = gapFiller;
    if (seriesLimitPerTarget < 0) {
      throw new IllegalArgumentException(
          "seriesLimitPerTarget must not be negative, got " + seriesLimitPerTarget);
    }
    this.config = config;
    this.appendable = appendable;
    this.client = client;
    this.ticker = ticker;
    this.scrapers = scrapers;
    this.stats = stats;
    this.clockMs = clockMs;
    this.offsetSeed = offsetSeed;
    this.seriesLimit = config.seriesLimit().orElse(seriesLimitPerTarget);
  }

  public ScrapeConfig config() {
    return config;
  }

  /** The series limit of each target: {@code series_limit}, else the manager's default; 0 none. */
  public long seriesLimit() {
    return seriesLimit;
  }

  /**
   * Replaces the pool's target set with the targets of {@code groups}: unchanged targets keep their
   * loop, new ones start, vanished ones stop with stale markers.
   */
  public synchronized void sync(List<TargetGroup> groups) {
    if (stopped) {
      return;
    }
    TargetBuilder.Result built = TargetBuilder.build(config, groups);
    List<Target> targets = built.targets();
    if (config.targetLimit() > 0 && targets.size() > config.targetLimit()) {
      LOG.log(
          System.Logger.Level.WARNING,
          "job {0}: target_limit {1} exceeded by {2} targets; keeping the previous targets",
          config.jobName(),
          config.targetLimit(),
          targets.size());
      return;
    }
    dropped = built.dropped();
    Map<String, Target> wanted = new HashMap<>();
    for (Target t : targets) {
      wanted.putIfAbsent(t.identity(), t);
    }
    List<String> gone = new ArrayList<>();
    for (String id : running.keySet()) {
      if (!wanted.containsKey(id)) {
        gone.add(id);
      }
    }
    for (String id : gone) {
      stopLoop(running.remove(id), true);
    }
    for (Map.Entry<String, Target> e : wanted.entrySet()) {
      Running r = running.get(e.getKey());
      if (r == null) {
        running.put(e.getKey(), startLoop(e.getValue()));
      } else {
        // Same labels and URL, so the same target and loop; but what discovery says about it
        // (e.g. __meta_kubernetes_endpoint_ready) may have changed. Prometheus's sync updates it
        // too (Target.SetScrapeConfig).
        r.loop.target().discoveredLabels(e.getValue().discoveredLabels());
      }
    }
  }

  /**
   * Stops this pool because {@code successor}, built from a changed config, replaces it. Loops of
   * targets the successor does not scrape stop with stale markers: those targets are gone under the
   * new config. Loops of targets it does scrape stop now, and their stale markers follow two
   * intervals later, stamped with the time of the hand-over (Prometheus's delayed end-of-run
   * staleness): by then the successor has scraped the series it still produces, whose newer samples
   * make those markers out of order and so ignored; series it no longer produces (the target went
   * away right after, or metric relabeling changed) do end. No gap for the rest.
   */
  public synchronized void handOver(ScrapePool successor) {
    Set<String> carriedOn = successor.activeIdentities();
    long handOverMs = clockMs.getAsLong();
    long delayMs =
        2
            * Math.max(
                config.scrapeInterval().toMillis(), successor.config.scrapeInterval().toMillis());
    for (Map.Entry<String, Running> e : running.entrySet()) {
      Running r = e.getValue();
      if (carriedOn.contains(e.getKey())) {
        r.schedule.cancel(false);
        ticker.schedule(
            () -> writeEndOfRunStaleness(r, handOverMs), delayMs, TimeUnit.MILLISECONDS);
      } else {
        stopLoop(r, true);
      }
    }
    stopped = true;
    running.clear();
  }

  private synchronized Set<String> activeIdentities() {
    return new HashSet<>(running.keySet());
  }

  private Running startLoop(Target t) {
    TargetScraper scraper =
        new TargetScraper(
            client,
            t.url(),
            t.timeout(),
            config.bodySizeLimitBytes(),
            config.enableCompression(),
            new ScrapeAuth(config));
    Running r =
        new Running(new ScrapeLoop(t, config, scraper, appendable, stats, gapFiller, seriesLimit));
    long intervalMs = t.interval().toMillis();
    long offset = t.offsetMs(clockMs.getAsLong(), offsetSeed);
    r.schedule = ticker.scheduleAtFixedRate(r::tick, offset, intervalMs, TimeUnit.MILLISECONDS);
    return r;
  }

  private void stopLoop(Running r, boolean writeStaleMarkers) {
    r.schedule.cancel(false);
    if (!writeStaleMarkers) {
      return;
    }
    // Wait for a scrape in flight to end, so the markers come after its samples. Then mark every
    // series of the target stale right away: the target is gone, and showing its last values for
    // five more minutes is exactly the federation complaint we are here to fix.
    scrapers.execute(() -> writeEndOfRunStaleness(r, -1));
  }

  /**
   * Waits for a scrape in flight to end, so the markers come after its samples, then writes the
   * loop's end-of-run stale markers at {@code timestampMs}, or at the time they are written when it
   * is negative.
   */
  private void writeEndOfRunStaleness(Running r, long timestampMs) {
    long deadline = System.nanoTime() + r.loop.target().timeout().toNanos() + 1_000_000_000L;
    while (!r.inFlight.compareAndSet(false, true) && System.nanoTime() < deadline) {
      Thread.onSpinWait();
      try {
        Thread.sleep(10);
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
        return;
      }
    }
    r.loop.endOfRunStaleness(timestampMs < 0 ? clockMs.getAsLong() : timestampMs);
    r.loop.close();
  }

  /** Active targets, in discovery order. */
  public synchronized List<Target> activeTargets() {
    List<Target> out = new ArrayList<>(running.size());
    for (Running r : running.values()) {
      out.add(r.loop.target());
    }
    return out;
  }

  public synchronized List<DroppedTarget> droppedTargets() {
    return Collections.unmodifiableList(dropped);
  }

  /**
   * Stops all loops. {@code writeStaleMarkers} is false on shutdown (Prometheus skips end-of-run
   * staleness then: the data is not gone, the server is) and true when a config reload removed the
   * job.
   */
  public synchronized void stop(boolean writeStaleMarkers) {
    stopped = true;
    for (Running r : running.values()) {
      stopLoop(r, writeStaleMarkers);
    }
    running.clear();
  }

  /** Test hook: the loop of a target, to drive scrapes without the scheduler. */
  synchronized ScrapeLoop loopFor(Target t) {
    Running r = running.get(t.identity());
    return r == null ? null : r.loop;
  }
}
