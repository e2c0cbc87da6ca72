package io.promfed.leaf;

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
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.springframework.context.SmartLifecycle;

/**
 * Starts the leaf once the context is ready and stops it in reverse order. A config file that
 * does not load at startup stops the application, as Prometheus exits on a bad initial config;
 * later reloads keep the old config instead. Readiness follows {@link #isRunning()}.
 */
public class LeafLifecycle implements SmartLifecycle {

  private static final Logger LOG = LoggerFactory.getLogger(LeafLifecycle.class);

  private final ConfigReloader configReloader;
  private final RuleManager ruleManager;
  private final ScrapeManager scrapeManager;
  private final DiscoveryManager discoveryManager;
  private final Head head;
  private final ScheduledExecutorService scheduler;
  private final Duration gcInterval;

  private volatile boolean running;
  private ScheduledFuture<?> gc;

  public LeafLifecycle(
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

  @Override
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
        LOG.debug("head gc removed {} series", removed);
      }
    } catch (RuntimeException e) {
      LOG.error("head gc failed", e);
    }
  }

  @Override
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

  @Override
  public boolean isRunning() {
    return running;
  }
}
