package io.promfed.server;

import io.promfed.config.ConfigException;
import io.promfed.config.ConfigReloader;
import io.promfed.discovery.DiscoveryManager;
import io.promfed.rules.RuleManager;
import io.promfed.scrape.ScrapeManager;
import io.promfed.tsdb.Head;
import java.time.Duration;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.ScheduledFuture;
import java.util.concurrent.TimeUnit;

/**
 * Starts a leaf or master server in Prometheus's order (config, rules, storage maintenance; the
 * scrape side starts as the config is applied) and stops it in reverse. A config file that does
 * not load at startup stops the application, as Prometheus exits on a bad initial config; later
 * reloads keep the old config instead. Readiness follows {@link #isRunning()}.
 *
 * <p>The method names are those of Spring's {@code SmartLifecycle}, so an app adapts it with an
 * empty subclass that implements that interface; core itself stays free of Spring.
 */
public class ServerLifecycle {

  private static final System.Logger LOG = System.getLogger(ServerLifecycle.class.getName());

  private final ConfigReloader configReloader;
  private final RuleManager ruleManager;
  private final ScrapeManager scrapeManager;
  private final DiscoveryManager discoveryManager;
  private final Head head;
  private final ScheduledExecutorService scheduler;
  private final Duration gcInterval;

  private volatile boolean running;
  private ScheduledFuture<?> gc;

  public ServerLifecycle(
      ConfigReloader configReloader,
      RuleManager ruleManager,
      ScrapeManager scrapeManager,
      DiscoveryManager discoveryManager,
      Head head,
      ScheduledExecutorService scheduler,
      Duration gcInterval) {
    this.configReloader = configReloader;
    this.ruleManager = ruleManager;
    this.scrapeManager = scrapeManager;
    this.discoveryManager = discoveryManager;
    this.head = head;
    this.scheduler = scheduler;
    this.gcInterval = gcInterval;
  }

  public void start() {
    try {
      configReloader.reload();
    } catch (ConfigException e) {
      throw new IllegalStateException("Error loading config (--config.file=" + configReloader.file() + "): " + e.getMessage(), e);
    }
    ruleManager.start();
    long everyMs = gcInterval.toMillis();
    gc = scheduler.scheduleWithFixedDelay(this::collectGarbage, everyMs, everyMs, TimeUnit.MILLISECONDS);
    running = true;
  }

  private void collectGarbage() {
    try {
      long removed = head.gc();
      if (removed > 0) {
        LOG.log(System.Logger.Level.DEBUG, "head gc removed {0} series", removed);
      }
    } catch (RuntimeException e) {
      LOG.log(System.Logger.Level.ERROR, "head gc failed", e);
    }
  }

  public void stop() {
    running = false;
    // Reverse of start: no new targets, no new scrapes, then storage maintenance.
    discoveryManager.stop();
    scrapeManager.stop();
    ruleManager.stop();
    if (gc != null) {
      gc.cancel(false);
    }
  }

  public boolean isRunning() {
    return running;
  }
}
