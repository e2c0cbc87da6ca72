package io.promfed.web.api;

import static org.assertj.core.api.Assertions.assertThat;

import com.sun.net.httpserver.HttpServer;
import io.promfed.config.ConfigLoader;
import io.promfed.config.PrometheusConfig;
import io.promfed.config.ScrapeConfig;
import io.promfed.discovery.StaticDiscoverer;
import io.promfed.scrape.ScrapeManager;
import io.promfed.scrape.ScrapeStats;
import io.promfed.tsdb.Head;
import java.io.IOException;
import java.io.OutputStream;
import java.net.InetSocketAddress;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.AbstractExecutorService;
import java.util.concurrent.ScheduledFuture;
import java.util.concurrent.ScheduledThreadPoolExecutor;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.DynamicTest;
import org.junit.jupiter.api.TestFactory;

/**
 * {@code /api/v1/targets} over real scrape pools: a target that answered, one that failed with HTTP
 * 500, one not scraped yet, one that relabeling dropped, and a localhost target on this server's
 * own port (whose {@code globalUrl} takes the external scheme and host). Scrapes are driven by
 * hand: the pools' ticker only records its schedules, and the test runs the ticks of the pools it
 * wants scraped, at a fixed clock. Ports and measured durations are masked in the golden file.
 */
class TargetsGoldenTest {

  static final long SCRAPE_TIME_MS = 1_700_000_000_123L;

  final List<HttpServer> servers = new ArrayList<>();
  final RecordingTicker ticker = new RecordingTicker();

  @AfterEach
  void stop() {
    servers.forEach(s -> s.stop(0));
    ticker.shutdownNow();
  }

  @TestFactory
  Stream<DynamicTest> targets() throws Exception {
    int up = server(200, "# TYPE hello_total counter\nhello_total 3\n");
    int down = server(500, "boom\n");
    String yaml =
        """
        global:
          scrape_interval: 15s
          scrape_timeout: 10s
        scrape_configs:
          - job_name: api
            params:
              format: [prometheus]
              a: [b]
            static_configs:
              - targets: ['127.0.0.1:%d', 'localhost:%d']
                labels: {env: "prod<1>"}
              - targets: ['drop-me:9100']
            relabel_configs:
              - source_labels: [__address__]
                regex: 'drop-me:.*'
                action: drop
          - job_name: self
            scrape_interval: 1m30s
            scrape_timeout: 5s
            static_configs:
              - targets: ['localhost:9091']
        """
            .formatted(up, down);
    PrometheusConfig config = ConfigLoader.loadString(yaml, "prometheus.yml");
    Head storage = new Head(() -> SCRAPE_TIME_MS, Duration.ofDays(1));
    ScrapeManager manager =
        new ScrapeManager(
            storage, ticker, new InlineExecutor(), new ScrapeStats(), () -> SCRAPE_TIME_MS, 0);
    manager.applyConfig(config);
    for (ScrapeConfig sc : config.scrapeConfigs()) {
      ticker.scheduled.clear();
      manager.updateTargets(sc.jobName(), StaticDiscoverer.targetGroups(sc.staticConfigs()));
      if (sc.jobName().equals("api")) {
        ticker.scheduled.forEach(Runnable::run); // scrape the api pool once; "self" never
      }
    }

    TargetRetriever targets =
        TargetRetriever.of(
            manager::pools, new GlobalUrlOptions(":9091", "leaf.example.com:9091", "https"));
    QueryApi api =
        new QueryApi(
            storage,
            ApiFixtures.engine(),
            targets,
            RulesRetriever.NONE,
            ApiFixtures.STATUS,
            () -> SCRAPE_TIME_MS);

    Map<String, String> masks = new LinkedHashMap<>();
    masks.put(":" + up, ":PORT_UP");
    masks.put(":" + down, ":PORT_DOWN");
    List<ApiFixtures.Case> cases = ApiFixtures.cases("targets.cases");
    StringBuilder all = new StringBuilder();
    List<String[]> actual = new ArrayList<>();
    for (ApiFixtures.Case c : cases) {
      String t = ApiFixtures.transcript(c, api.targets(c.apiParams()));
      for (Map.Entry<String, String> m : masks.entrySet()) {
        t = t.replace(m.getKey(), m.getValue());
      }
      t = t.replaceAll("\"lastScrapeDuration\":[0-9.e-]+", "\"lastScrapeDuration\":DURATION");
      all.append(t);
      actual.add(new String[] {c.name(), t});
    }
    if (ApiFixtures.updateGolden()) {
      ApiFixtures.writeGolden("targets.golden", all.toString());
    }
    Map<String, String> expected =
        ApiFixtures.sections(
            ApiFixtures.updateGolden()
                ? all.toString()
                : ApiFixtures.resourceText("targets.golden"));
    manager.stop();
    return actual.stream()
        .map(
            a ->
                DynamicTest.dynamicTest(
                    a[0], () -> assertThat(a[1]).isEqualTo(expected.get(a[0]))));
  }

  int server(int status, String body) throws IOException {
    HttpServer s = HttpServer.create(new InetSocketAddress("127.0.0.1", 0), 0);
    s.createContext(
        "/metrics",
        ex -> {
          byte[] b = body.getBytes(StandardCharsets.UTF_8);
          ex.getResponseHeaders().set("Content-Type", "text/plain; version=0.0.4");
          ex.sendResponseHeaders(status, b.length);
          try (OutputStream os = ex.getResponseBody()) {
            os.write(b);
          }
        });
    s.start();
    servers.add(s);
    return s.getAddress().getPort();
  }

  /** Records the scrape loops' schedules instead of running them. */
  static final class RecordingTicker extends ScheduledThreadPoolExecutor {
    final List<Runnable> scheduled = new ArrayList<>();

    RecordingTicker() {
      super(1);
    }

    @Override
    public synchronized ScheduledFuture<?> scheduleAtFixedRate(
        Runnable command, long initialDelay, long period, TimeUnit unit) {
      scheduled.add(command);
      return schedule(() -> {}, 1, TimeUnit.DAYS);
    }
  }

  /** Runs each scrape on the calling thread. */
  static final class InlineExecutor extends AbstractExecutorService {
    private boolean shutdown;

    @Override
    public void execute(Runnable command) {
      command.run();
    }

    @Override
    public void shutdown() {
      shutdown = true;
    }

    @Override
    public List<Runnable> shutdownNow() {
      shutdown = true;
      return List.of();
    }

    @Override
    public boolean isShutdown() {
      return shutdown;
    }

    @Override
    public boolean isTerminated() {
      return shutdown;
    }

    @Override
    public boolean awaitTermination(long timeout, TimeUnit unit) {
      return true;
    }
  }
}
