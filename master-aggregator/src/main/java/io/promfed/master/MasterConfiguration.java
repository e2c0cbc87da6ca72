package io.promfed.master;

import io.promfed.config.ConfigReloader;
import io.promfed.config.ScrapeJobSources;
import io.promfed.discovery.DiscoveryManager;
import io.promfed.metrics.EngineMetrics;
import io.promfed.metrics.RemoteStorageMetrics;
import io.promfed.metrics.WalMetrics;
import io.promfed.promql.Engine;
import io.promfed.rules.RuleManager;
import io.promfed.scrape.ScrapeManager;
import io.promfed.scrape.FederateTargets;
import io.promfed.config.FederationDefaults;
import io.promfed.scrape.GapFiller;
import io.promfed.storage.Queryable;
import io.promfed.storage.ha.HaDedupAppendable;
import io.promfed.storage.remote.RemoteReadFanout;
import io.promfed.web.federate.FederationGapFiller;
import java.net.http.HttpClient;
import org.springframework.cloud.client.discovery.DiscoveryClient;
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

/**
 * Wires the master's pipeline: discover leaves → scrape their /federate → (HA de-duplication) →
 * log → head (and remote write) → query API over the head plus the leaves (fan-out), rules,
 * /federate for a master above. The same core parts as the leaf; what the master adds is marked
 * in the beans that do it. Each bean is one constructor.
 */
@Configuration(proxyBeanMethods = false)
@EnableConfigurationProperties({
  MasterProperties.class,
  MasterHaProperties.class,
  LeafDiscoveryProperties.class,
  FanoutProperties.class
})
class MasterConfiguration {

  private static final String USER_AGENT = "promfed-master";

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
  ExecutorService scrapeWorkers(MasterProperties props) {
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

  /**
   * Master: HA leaf pairs de-duplicated at ingestion (one replica per cluster stored, failover
   * when it stops). Scrapes and pushed samples go through it; rule output does not need it.
   */
  @Bean
  HaDedupAppendable haDedup(Appendable ingest, MasterHaProperties ha, Clock clock) {
    return new HaDedupAppendable(ingest, ha.toConfig(), clock::millis);
  }

  /** Master: the HTTP client of fan-out queries and gap healing (remote read from leaves). */
  @Bean
  HttpClient remoteReadHttpClient() {
    return HttpClient.newBuilder().version(HttpClient.Version.HTTP_1_1).build();
  }

  /** Master: a leaf back after an outage gets the missed span read back from its store. */
  @Bean
  GapFiller gapFiller(HttpClient remoteReadHttpClient, MasterProperties props) {
    return new FederationGapFiller(remoteReadHttpClient, USER_AGENT, props.retention());
  }

  @Bean
  ScrapeManager scrapeManager(
      HaDedupAppendable haDedup,
      ScheduledExecutorService scrapeTicker,
      ExecutorService scrapeWorkers,
      ScrapeStats scrapeStats,
      Clock clock,
      GapFiller gapFiller,
      MasterProperties props) {
    return new ScrapeManager(
        haDedup,
        scrapeTicker,
        scrapeWorkers,
        scrapeStats,
        clock::millis,
        0,
        gapFiller,
        props.seriesLimitPerLeaf());
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

  /**
   * Master: federate jobs track the staleness of timestamped samples unless the file says
   * otherwise, so a series gone at a leaf is stale here one interval later (not after 5m).
   */
  @Bean
  ScrapeJobSources scrapeJobSources(
      ScrapeManager scrapeManager, DiscoveryManager discoveryManager) {
    // Scrape pools first, then discovery, so new targets find their pool (as Prometheus orders
    // its reloaders).
    return new ScrapeJobSources(
        List.of(
            config -> scrapeManager.applyConfig(FederationDefaults.apply(config)),
            discoveryManager::applyConfig));
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
      MasterProperties props,
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
      Head head, ConfigReloader configReloader, MasterProperties props, Clock clock) {
    return new FederateHandler(
        head,
        () -> configReloader.current().global().externalLabels(),
        props.lookbackDelta(),
        clock::millis);
  }

  /**
   * Master, weakness 1: queries see the head merged with the leaves' raw series (remote read from
   * every federated leaf and the config's remote_read entries); a leaf that fails turns into a
   * warning in the answer. {@code master.fanout.enabled=false} answers from the head alone.
   */
  @Bean
  Queryable globalView(
      Head head,
      ConfigReloader configReloader,
      ScrapeManager scrapeManager,
      HttpClient remoteReadHttpClient,
      FanoutProperties fanout) {
    if (!fanout.enabled()) {
      return head;
    }
    return new RemoteReadFanout(
        head,
        configReloader::current,
        new FederateTargets(scrapeManager),
        remoteReadHttpClient,
        USER_AGENT,
        head::minValidTimeMs);
  }

  /** The query API; recording rules appear in it once a {@link RulesRetriever} bean exists. */
  @Bean
  QueryApi queryApi(
      Queryable globalView,
      Engine engine,
      TargetRetriever apiTargets,
      ObjectProvider<RulesRetriever> rules,
      StatusRetriever apiStatus,
      Clock clock) {
    return new QueryApi(
        globalView,
        engine,
        apiTargets,
        rules.getIfAvailable(() -> RulesRetriever.NONE),
        apiStatus,
        clock::millis);
  }

  /** Samples pushed to /api/v1/write are de-duplicated like scraped ones, stored, written on. */
  @Bean
  RemoteWriteHandler remoteWriteHandler(HaDedupAppendable haDedup, Clock clock) {
    return new RemoteWriteHandler(haDedup, clock::millis);
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
