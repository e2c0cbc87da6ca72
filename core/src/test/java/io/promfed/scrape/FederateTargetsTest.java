package io.promfed.scrape;

import static org.assertj.core.api.Assertions.assertThat;

import io.promfed.config.ConfigLoader;
import io.promfed.config.PrometheusConfig;
import io.promfed.config.ScrapeConfig;
import io.promfed.discovery.StaticDiscoverer;
import io.promfed.tsdb.Head;
import java.net.URI;
import java.time.Duration;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import org.junit.jupiter.api.Test;

class FederateTargetsTest {

  @Test
  void theLeavesOfFederateJobsBecomeReadUrls() throws Exception {
    PrometheusConfig config =
        ConfigLoader.loadString(
            """
            scrape_configs:
              - job_name: federate
                honor_labels: true
                metrics_path: /federate
                params:
                  'match[]': ['{__name__=~".+"}']
                static_configs:
                  - targets: ['leaf-1:9091', 'leaf-2:9091']
              - job_name: prefixed
                metrics_path: /prom/federate
                scheme: https
                static_configs:
                  - targets: ['leaf-3:443']
              - job_name: self
                static_configs:
                  - targets: ['localhost:9090']
            """,
            "master.yml");
    ScheduledExecutorService ticker = Executors.newSingleThreadScheduledExecutor();
    try {
      ScrapeManager manager =
          new ScrapeManager(
              new Head(() -> 0, Duration.ofDays(1)),
              ticker,
              ticker,
              new ScrapeStats(),
              () -> 0,
              0);
      manager.applyConfig(config);
      for (ScrapeConfig sc : config.scrapeConfigs()) {
        manager.updateTargets(sc.jobName(), StaticDiscoverer.targetGroups(sc.staticConfigs()));
      }
      assertThat(new FederateTargets(manager).get())
          .containsExactlyInAnyOrder(
              URI.create("http://leaf-1:9091/api/v1/read"),
              URI.create("http://leaf-2:9091/api/v1/read"),
              URI.create("https://leaf-3:443/prom/api/v1/read"));
      manager.stop();
    } finally {
      ticker.shutdownNow();
    }
  }
}
