package io.promfed.leaf;

import io.promfed.config.ConfigReloader;
import io.promfed.discovery.DiscoveryManager;
import io.promfed.rules.RuleManager;
import io.promfed.scrape.ScrapeManager;
import io.promfed.server.ServerLifecycle;
import io.promfed.tsdb.Head;
import java.time.Duration;
import java.util.concurrent.ScheduledExecutorService;
import org.springframework.context.SmartLifecycle;

/** The leaf's {@link ServerLifecycle}, started by Spring once the context is ready. */
public class LeafLifecycle extends ServerLifecycle implements SmartLifecycle {

  public LeafLifecycle(
      ConfigReloader configReloader,
      RuleManager ruleManager,
      ScrapeManager scrapeManager,
      DiscoveryManager discoveryManager,
      Head head,
      ScheduledExecutorService scheduler,
      Duration gcInterval) {
    super(configReloader, ruleManager, scrapeManager, discoveryManager, head, scheduler, gcInterval);
  }
}
