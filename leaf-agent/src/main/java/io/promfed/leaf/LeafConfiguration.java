package io.promfed.leaf;

import io.promfed.config.ConfigReloader;
import io.promfed.discovery.DiscoveryManager;
import io.promfed.promql.Engine;
import io.promfed.scrape.ScrapeManager;
import io.promfed.scrape.ScrapeStats;
import io.promfed.tsdb.Head;
import io.promfed.web.api.QueryApi;
import io.promfed.web.api.RulesRetriever;
import io.promfed.web.api.StatusRetriever;
import io.promfed.web.api.TargetRetriever;
import io.promfed.web.federate.FederateHandler;
import java.time.Clock;
import java.util.List;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.ThreadFactory;
import java.util.concurrent.atomic.AtomicInteger;
import org.springframework.beans.factory.ObjectProvider;
import org.springframework.boot.context.properties.EnableConfigurationProperties;
import org.springframework.context.annotation.Bean;
import org.springframework.context.annotation.Configuration;

/** Wires the leaf's pipeline: discover → scrape → head → /federate. Each bean is one constructor. */
@Configuration(proxyBeanMethods = false)
@EnableConfigurationProperties(LeafProperties.class)
class LeafConfiguration {

  @Bean
  Clock clock() {
    return Clock.systemUTC();
  }

  @Bean
  Head head(Clock clock, LeafProperties props) {
    return new Head(clock::millis, props.retention(), props.maxSeries());
  }

  @Bean(destroyMethod = "shutdownNow")
  ScheduledExecutorService scrapeTicker() {
    return Executors.newScheduledThreadPool(2, daemonThreads("scrape-tick-"));
  }

  @Bean(destroyMethod = "shutdownNow")
  ExecutorService scrapeWorkers() {
    return Executors.newCachedThreadPool(daemonThreads("scrape-"));
  }

  @Bean
  ScrapeManager scrapeManager(
      Head head, ScheduledExecutorService scrapeTicker, ExecutorService scrapeWorkers, Clock clock) {
    return new ScrapeManager(head, scrapeTicker, scrapeWorkers, new ScrapeStats(), clock::millis, 0);
  }

  @Bean
  DiscoveryManager discoveryManager(ScrapeManager scrapeManager) {
    return new DiscoveryManager(scrapeManager::updateTargets, null);
  }

  @Bean
  ConfigReloader configReloader(
      LeafProperties props,
      Clock clock,
      ScrapeManager scrapeManager,
      DiscoveryManager discoveryManager) {
    // Scrape pools first, then discovery, so new targets find their pool (as Prometheus orders
    // its reloaders).
    return new ConfigReloader(
        props.configFile(),
        clock,
        List.of(scrapeManager::applyConfig, discoveryManager::applyConfig));
  }

  @Bean
  FederateHandler federateHandler(
      Head head, ConfigReloader configReloader, LeafProperties props, Clock clock) {
    return new FederateHandler(
        head,
        () -> configReloader.current().global().externalLabels(),
        props.lookbackDelta(),
        clock::millis);
  }

  /** The query API; recording rules appear in it once a {@link RulesRetriever} bean exists. */
  @Bean
  QueryApi queryApi(
      Head head,
      Engine engine,
      TargetRetriever apiTargets,
      ObjectProvider<RulesRetriever> rules,
      StatusRetriever apiStatus,
      Clock clock) {
    return new QueryApi(
        head,
        engine,
        apiTargets,
        rules.getIfAvailable(() -> RulesRetriever.NONE),
        apiStatus,
        clock::millis);
  }

  @Bean
  LeafLifecycle leafLifecycle(
      ConfigReloader configReloader,
      ScrapeManager scrapeManager,
      DiscoveryManager discoveryManager,
      Head head,
      ScheduledExecutorService scrapeTicker,
      LeafProperties props) {
    return new LeafLifecycle(
        configReloader, scrapeManager, discoveryManager, head, scrapeTicker, props.gcInterval());
  }

  private static ThreadFactory daemonThreads(String prefix) {
    AtomicInteger n = new AtomicInteger();
    return r -> {
      Thread t = new Thread(r, prefix + n.incrementAndGet());
      t.setDaemon(true);
      return t;
    };
  }
}
