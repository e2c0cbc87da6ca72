package io.promfed.leaf;

import io.promfed.config.ConfigReloader;
import io.promfed.config.ScrapeJobSources;
import io.promfed.discovery.DiscoveryManager;
import io.promfed.metrics.EngineMetrics;
import io.promfed.metrics.RemoteStorageMetrics;
import io.promfed.metrics.WalMetrics;
import io.promfed.promql.Engine;
import io.promfed.rules.RuleManager;
import io.promfed.scrape.ScrapeManager;
import io.promfed.scrape.ScrapeStats;
import io.promfed.server.DaemonThreads;
import io.promfed.server.ElasticThreadPool;
import io.promfed.storage.remote.QueueManager;
import io.promfed.storage.remote.RemoteStorage;
import io.promfed.storage.remote.RemoteWriteAppendable;
import io.promfed.storage.remote.RemoteReadHandler;
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
import org.springframework.boot.context.properties.EnableConfigurationProperties;
import org.springframework.context.annotation.Bean;
import org.springframework.context.annotation.Configuration;
import org.springframework.context.annotation.Primary;

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

  /**
   * With {@code --storage.path}, the head behind its write-ahead log, replayed here (before any
   * scrape starts); without, the head itself. Everything that ingests appends through this.
   */
  @Bean(destroyMethod = "close")
  WalStorage walStorage(Head head, LeafProperties props, ScheduledExecutorService scrapeTicker, Clock clock)
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

  /**
   * What scraping, rules and the remote-write receiver append to: the head (through its log when
   * there is one), and after each commit every remote_write queue (Prometheus's fanout storage).
   */
  @Bean
  @Primary
  Appendable ingest(Head head, ObjectProvider<WalStorage> wal, RemoteStorage remoteStorage) {
    WalStorage w = wal.getIfAvailable();
    return new RemoteWriteAppendable(w != null ? w : head, remoteStorage);
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
  ExecutorService scrapeWorkers(LeafProperties props) {
    return ElasticThreadPool.create(props.scrapeConcurrency(), DaemonThreads.named("scrape-"));
  }

  @Bean
  ScrapeStats scrapeStats() {
    return new ScrapeStats();
  }

  // ---- remote write (issue #6): the config's remote_write queues, fed from every commit ------

  /** The remote_write queues; closed after everything that appends, draining within 1m. */
  @Bean(destroyMethod = "close")
  RemoteStorage remoteStorage() {
    return new RemoteStorage(QueueManager.DEFAULT_FLUSH_DEADLINE);
  }

  @Bean
  RemoteStorageMetrics remoteStorageMetrics(RemoteStorage remoteStorage) {
    return new RemoteStorageMetrics(remoteStorage);
  }

  // ---------------------------------------------------------------------------------------------

  @Bean
  ScrapeManager scrapeManager(
      Appendable ingest,
      ScheduledExecutorService scrapeTicker,
      ExecutorService scrapeWorkers,
      ScrapeStats scrapeStats,
      Clock clock) {
    return new ScrapeManager(ingest, scrapeTicker, scrapeWorkers, scrapeStats, clock::millis, 0);
  }

  @Bean
  DiscoveryManager discoveryManager(
      ScrapeManager scrapeManager, DiscoveryManager.KubernetesDiscovererFactory kubernetes) {
    return new DiscoveryManager(scrapeManager::updateTargets, kubernetes);
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

  /**
   * Rules read the head and append like scrapes (log, head, remote write), so chained rules see
   * earlier rules' output.
   */
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
      LeafProperties props,
      Clock clock,
      RemoteStorage remoteStorage,
      ScrapeJobSources jobs,
      RuleManager ruleManager) {
    // Remote storage first, as in Prometheus's reloaders, so queues run before new targets are
    // scraped. Rules last: a bad rule file fails the reload but the scrape side keeps the new
    // config.
    return new ConfigReloader(
        props.configFile(),
        clock,
        List.of(remoteStorage::applyConfig, jobs::fileConfig, ruleManager::applyConfig));
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

  /** Samples pushed to /api/v1/write are stored and, like scraped ones, remote-written on. */
  @Bean
  RemoteWriteHandler remoteWriteHandler(Appendable ingest, Clock clock) {
    return new RemoteWriteHandler(ingest, clock::millis);
  }

  /** Remote read of the head's raw series, labelled with the current external labels. */
  @Bean
  RemoteReadHandler remoteReadHandler(Head head, ConfigReloader configReloader) {
    return new RemoteReadHandler(head, () -> configReloader.current().global().externalLabels());
  }

  @Bean
  EngineMetrics engineMetrics(Head head, ScrapeStats scrapeStats, ConfigReloader configReloader) {
    return new EngineMetrics(head, scrapeStats, configReloader);
  }

  @Bean
  LeafLifecycle leafLifecycle(
      ConfigReloader configReloader,
      RuleManager ruleManager,
      ScrapeManager scrapeManager,
      DiscoveryManager discoveryManager,
      Head head,
      ScheduledExecutorService scrapeTicker,
      LeafProperties props) {
    return new LeafLifecycle(
        configReloader, ruleManager, scrapeManager, discoveryManager, head, scrapeTicker, props.gcInterval());
  }
}
