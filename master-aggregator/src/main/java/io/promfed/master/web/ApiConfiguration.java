package io.promfed.master.web;

import io.promfed.config.ConfigReloader;
import io.promfed.model.time.Durations;
import io.promfed.master.MasterAggregatorApplication;
import io.promfed.master.MasterProperties;
import io.promfed.promql.Engine;
import io.promfed.promql.EngineOptions;
import io.promfed.scrape.ScrapeManager;
import io.promfed.web.api.BuildInfo;
import io.promfed.web.api.GlobalUrlOptions;
import io.promfed.web.api.ServerStatus;
import io.promfed.web.api.StatusRetriever;
import io.promfed.web.api.TargetRetriever;
import java.time.Clock;
import java.time.Duration;
import java.util.Map;
import org.springframework.beans.factory.annotation.Value;
import org.springframework.context.annotation.Bean;
import org.springframework.context.annotation.Configuration;

/**
 * The query API's collaborators: the PromQL engine with Prometheus's limits (by default 2m timeout, 50M
 * samples; the lookback delta is {@code master.lookback-delta}, shared with /federate), the targets
 * of the scrape manager, and the server status. The {@code QueryApi} itself is built in {@code
 * MasterConfiguration}.
 */
@Configuration(proxyBeanMethods = false)
class ApiConfiguration {

  @Bean
  Engine engine(MasterProperties props) {
    return new Engine(
        new EngineOptions(
            props.queryTimeout(),
            props.queryMaxSamples(),
            props.lookbackDelta(),
            Duration.ofMinutes(1),
            false));
  }

  @Bean
  TargetRetriever apiTargets(ScrapeManager scrapeManager, @Value("${server.port:9090}") int port) {
    return TargetRetriever.of(scrapeManager::pools, GlobalUrlOptions.defaults(port));
  }

  @Bean
  StatusRetriever apiStatus(
      ConfigReloader configReloader,
      MasterProperties props,
      Engine engine,
      Clock clock,
      @Value("${server.port:9090}") int port) {
    return new ServerStatus(
        configReloader,
        BuildInfo.of(MasterAggregatorApplication.class),
        flags(props, engine.options(), port),
        Durations.format(props.retention()),
        clock::millis);
  }

  /** Our settings under the names of the Prometheus flags they stand for. */
  private static Map<String, String> flags(MasterProperties props, EngineOptions engine, int port) {
    return Map.of(
        "config.file", props.configFile().toString(),
        "query.lookback-delta", Durations.format(engine.lookbackDelta()),
        "query.max-samples", Integer.toString(engine.maxSamples()),
        "query.timeout", Durations.format(engine.timeout()),
        "storage.tsdb.retention.time", Durations.format(props.retention()),
        "web.listen-address", ":" + port);
  }
}
