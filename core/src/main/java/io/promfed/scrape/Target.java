package io.promfed.scrape;

import io.promfed.model.labels.Labels;
import java.net.URI;
import java.time.Duration;

/**
 * One scrape target: its final labels (what every sample gets), the labels discovery gave it before
 * relabeling, its URL, and its last scrape's health for the targets API. The identity fields are
 * immutable; the discovered labels are replaced by the pool when discovery re-sends the target, and
 * the health fields are written by the target's loop; the API reads both.
 */
public final class Target {

  /** Scrape health, as shown by {@code /api/v1/targets}. */
  public enum Health {
    UNKNOWN("unknown"),
    UP("up"),
    DOWN("down");

    private final String text;

    Health(String text) {
      this.text = text;
    }

    public String text() {
      return text;
    }
  }

  private final String jobName;
  private final Labels labels;
  private volatile Labels discoveredLabels;
  private final URI url;
  private final Duration interval;
  private final Duration timeout;

  private volatile Health health = Health.UNKNOWN;
  private volatile String lastError = "";
  private volatile long lastScrapeMs;
  private volatile double lastScrapeDurationSeconds;
  private volatile long lastSamplesScraped;

  public Target(
      String jobName,
      Labels labels,
      Labels discoveredLabels,
      URI url,
      Duration interval,
      Duration timeout) {
    this.jobName = jobName;
    this.labels = labels;
    this.discoveredLabels = discoveredLabels;
    this.url = url;
    this.interval = interval;
    this.timeout = timeout;
  }

  public String jobName() {
    return jobName;
  }

  /** The target labels every scraped sample gets (no {@code __}-prefixed labels). */
  public Labels labels() {
    return labels;
  }

  public Labels discoveredLabels() {
    return discoveredLabels;
  }

  /**
   * Replaces the discovered labels of a target that discovery re-sent with different meta labels
   * but the same identity; the scrape pool calls it, readers see it at once.
   */
  void discoveredLabels(Labels discovered) {
    this.discoveredLabels = discovered;
  }

  public URI url() {
    return url;
  }

  public Duration interval() {
    return interval;
  }

  public Duration timeout() {
    return timeout;
  }

  /**
   * A stable identity: same labels and URL mean the same target across discovery updates, so its
   * loop (and cache) survives a re-sync (Prometheus's {@code Target.hash}).
   */
  public String identity() {
    return labels + url.toString();
  }

  /**
   * The target's scrape offset within the interval: a stable hash spreads targets evenly over the
   * interval instead of scraping all of them at once (scrape/target.go {@code offset}).
   */
  public long offsetMs(long nowMs, long seed) {
    long intervalMs = interval.toMillis();
    long h = (labels.hash64() * 31 + url.toString().hashCode()) ^ seed;
    long base = Math.floorMod(h, intervalMs);
    long next = Math.floorMod(base - Math.floorMod(nowMs, intervalMs), intervalMs);
    return next;
  }

  public Health health() {
    return health;
  }

  public String lastError() {
    return lastError;
  }

  public long lastScrapeMs() {
    return lastScrapeMs;
  }

  public double lastScrapeDurationSeconds() {
    return lastScrapeDurationSeconds;
  }

  public long lastSamplesScraped() {
    return lastSamplesScraped;
  }

  void report(long scrapeMs, double durationSeconds, long samples, String error) {
    this.lastScrapeMs = scrapeMs;
    this.lastScrapeDurationSeconds = durationSeconds;
    this.lastSamplesScraped = samples;
    this.lastError = error == null ? "" : error;
    this.health = error == null ? Health.UP : Health.DOWN;
  }

  @Override
  public String toString() {
    return jobName + " " + url;
  }
}
