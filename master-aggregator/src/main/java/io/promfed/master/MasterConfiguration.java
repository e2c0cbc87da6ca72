package io.promfed.master;

import io.promfed.config.ConfigReloader;
import io.promfed.config.ScrapeJobSources;
import io.promfed.discovery.DiscoveryManager;
import io.promfed.metrics.EngineMetrics;
import io.promfed.metrics.WalMetrics;
import io.promfed.promql.Engine;
import io.promfed.rules.RuleManager;
import io.promfed.scrape.ScrapeManager;
import io.promfed.scrape.ScrapeStats;
import io.promfed.server.DaemonThreads;
import io.promfed.storage.remote.RemoteWriteHandler;
import io.promfed.storage.Appendable;
import io.promfed.tsdb.Head;
import io.promfed.tsdb.wal.WalStorage;
import io.promfed.web.api.QueryApi;
import io.promfed.web.api.RuleManagerRules;
import io.promfed.web.api.RulesRetriever;
import io.promfed.web.api.StatusRetriever;
import io.promfed.web.api.TargetRetriever;
import io.promfed.web.federate.FederateHandler;
import java.io.IOException;
import java.nio.file.Path;
import java.time.Clock;
import java.util.List;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import org.springframework.beans.factory.ObjectProvider;
import org.springframework.cloud.client.discovery.DiscoveryClient;
import org.springframework.boot.context.properties.EnableConfigurationProperties;
import org.springframework.context.annotation.Bean;
import org.springframework.context.annotation.Configuration;
import org.springframework.context.annotation.Primary;

/**
 * Wires the master's pipeline: discover leaves → scrape their /federate → head → query API,
 * rules, /federate for a master above. The same core parts as the leaf; what the master adds
 * (de-duplication of HA leaves, fan-out queries, remote write) is wired in the beans that say so.
 * Each bean is one constructor.
 */
@Configuration(proxyBeanMethods = false)
@EnableConfigurationProperties({MasterProperties.class, LeafDiscoveryProperties.class})
class MasterConfiguration {

  @Bean
  Clock clock() {
    return Clock.systemUTC();
  }

  @Bean
  Head head(Clock clock, MasterProperties props) {
    return new Head(clock::millis, props.retention(), props.maxSeries());
  }

  /**
   * With {@code --storage.path}, the head behind its write-ahead log, replayed here (before any
   * scrape starts); without, the head itself. Everything that ingests appends through this.
   */
  @Bean(destroyMethod = "close")
  WalStorage walStorage(Head head, MasterProperties props, ScheduledExecutorService scrapeTicker, Clock clock)
      throws IOException {
    if (props.storagePath().isEmpty()) {
      return null;
    }
    WalStorage wal = WalStorage.open(Path.of(props.storagePath()), head);
    wal.startCheckpoints(
        scrapeTicker,
        props.checkpointInterval(),
        () -> clock.millis() - props.retention().toMillis());
    return wal;
  }

  @Bean
  @Primary
  Appendable ingest(Head head, ObjectProvider<WalStorage> wal) {
    WalStorage w = wal.getIfAvailable();
    return w != null ? w : head;
  }

  @Bean
  WalMetrics walMetrics(ObjectProvider<WalStorage> wal) {
    WalStorage w = wal.getIfAvailable();
    return w == null ? null : new WalMetrics(w);
  }

  @Bean(destroyMethod = "shutdownNow")
  ScheduledExecutorService scrapeTicker() {
    return Executors.newScheduledThreadPool(2, DaemonThreads.named("scrape-tick-"));
  }

  @Bean(destroyMethod = "shutdownNow")
  ExecutorService scrapeWorkers(MasterProperties props) {
    return Executors.newFixedThreadPool(props.scrapeConcurrency(), DaemonThreads.named("scrape-"));
  }

  @Bean
  ScrapeStats scrapeStats() {
    return new ScrapeStats();
  }

  @Bean
  ScrapeManager scrapeManager(
      Appendable ingest,
      ScheduledExecutorService scrapeTicker,
      ExecutorService scrapeWorkers,
      ScrapeStats scrapeStats,
      Clock clock) {
    return new ScrapeManager(ingest, scrapeTicker, scrapeWorkers, scrapeStats, clock::millis, 0);
  }

  /** Leaves listed by Spring Cloud's DiscoveryClient, when {@code master.leaves.service-id} is set. */
  @Bean
  LeafDiscovery leafDiscovery(
      DiscoveryClient discoveryClient,
      LeafDiscoveryProperties props,
      ScheduledExecutorService scrapeTicker) {
    return new LeafDiscovery(discoveryClient, props, scrapeTicker);
  }

  @Bean
  DiscoveryManager discoveryManager(
      ScrapeManager scrapeManager,
      DiscoveryManager.KubernetesDiscovererFactory kubernetes,
      LeafDiscovery leafDiscovery) {
    return new DiscoveryManager(scrapeManager::updateTargets, kubernetes, leafDiscovery);
  }

  @Bean
  ScrapeJobSources scrapeJobSources(
      ScrapeManager scrapeManager, DiscoveryManager discoveryManager) {
    // Scrape pools first, then discovery, so new targets find their pool (as Prometheus orders
    // its reloaders).
    return new ScrapeJobSources(
        List.of(scrapeManager::applyConfig, discoveryManager::applyConfig));
  }

  @Bean(destroyMethod = "shutdownNow")
  ScheduledExecutorService ruleEvaluator() {
    return Executors.newScheduledThreadPool(2, DaemonThreads.named("rule-eval-"));
  }

  /** Rules read the head and write through the log into it, so chained rules see earlier rules' output. */
  @Bean
  RuleManager ruleManager(
      Engine engine,
      Head head,
      Appendable ingest,
      ScheduledExecutorService ruleEvaluator,
      Clock clock) {
    return new RuleManager(engine, head, ingest, ruleEvaluator, clock);
  }

  @Bean
  RulesRetriever rulesRetriever(RuleManager ruleManager) {
    return new RuleManagerRules(ruleManager);
  }

  @Bean
  ConfigReloader configReloader(
      MasterProperties props, Clock clock, ScrapeJobSources jobs, RuleManager ruleManager) {
    // Rules last: a bad rule file fails the reload but the scrape side keeps the new config.
    return new ConfigReloader(
        props.configFile(), clock, List.of(jobs::fileConfig, ruleManager::applyConfig));
  }

  @Bean
  FederateHandler federateHandler(
      Head head, ConfigReloader configReloader, MasterProperties props, Clock clock) {
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
  RemoteWriteHandler remoteWriteHandler(Appendable ingest, Clock clock) {
    return new RemoteWriteHandler(ingest, clock::millis);
  }

  @Bean
  EngineMetrics engineMetrics(Head head, ScrapeStats scrapeStats, ConfigReloader configReloader) {
    return new EngineMetrics(head, scrapeStats, configReloader);
  }

  @Bean
  MasterLifecycle masterLifecycle(
      ConfigReloader configReloader,
      RuleManager ruleManager,
      ScrapeManager scrapeManager,
      DiscoveryManager discoveryManager,
      Head head,
      ScheduledExecutorService scrapeTicker,
      MasterProperties props) {
    return new MasterLifecycle(
        configReloader, ruleManager, scrapeManager, discoveryManager, head, scrapeTicker, props.gcInterval());
  }
}
