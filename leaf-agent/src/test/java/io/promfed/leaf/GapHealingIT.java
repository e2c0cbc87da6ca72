package io.promfed.leaf;

import static org.assertj.core.api.Assertions.assertThat;

import com.sun.net.httpserver.HttpExchange;
import com.sun.net.httpserver.HttpServer;
import io.promfed.config.ConfigLoader;
import io.promfed.config.PrometheusConfig;
import io.promfed.config.ScrapeConfig;
import io.promfed.discovery.StaticDiscoverer;
import io.promfed.model.labels.Matcher;
import io.promfed.scrape.ScrapeManager;
import io.promfed.scrape.ScrapeStats;
import io.promfed.storage.Querier;
import io.promfed.storage.SeriesCursor;
import io.promfed.storage.SeriesSet;
import io.promfed.tsdb.Head;
import io.promfed.web.federate.FederationGapFiller;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.InetSocketAddress;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicLong;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.springframework.boot.SpringApplication;
import org.springframework.boot.web.server.context.WebServerApplicationContext;
import org.springframework.context.ConfigurableApplicationContext;

/**
 * Gaps heal (issue #6): a master-like scrape manager federates from our leaf through a switchable
 * proxy at a 1s interval. The proxy is switched off for several seconds, during which the leaf
 * keeps scraping; once it is back, the master must hold every sample the leaf took during the
 * outage, read back by remote read before the first successful federation.
 */
class GapHealingIT {

  @TempDir Path dir;
  HttpServer target;
  HttpServer proxy;
  ConfigurableApplicationContext leaf;
  ScheduledExecutorService ticker;
  ExecutorService workers;
  ScrapeManager master;
  final HttpClient http = HttpClient.newBuilder().version(HttpClient.Version.HTTP_1_1).build();
  final AtomicBoolean leafReachable = new AtomicBoolean(true);

  @AfterEach
  void stop() {
    if (master != null) {
      master.stop();
    }
    if (ticker != null) {
      ticker.shutdownNow();
      workers.shutdownNow();
    }
    if (leaf != null) {
      leaf.close();
    }
    for (HttpServer s : new HttpServer[] {proxy, target}) {
      if (s != null) {
        s.stop(0);
      }
    }
  }

  @Test
  void theMasterGetsBackWhatTheLeafScrapedWhileItWasUnreachable() throws Exception {
    AtomicLong counter = new AtomicLong();
    target = HttpServer.create(new InetSocketAddress("127.0.0.1", 0), 0);
    target.createContext(
        "/metrics",
        ex -> respond(ex, 200, "text/plain; version=0.0.4", "ticks_total " + counter.incrementAndGet() + "\n"));
    target.start();

    Path leafConfig = dir.resolve("leaf.yml");
    Files.writeString(
        leafConfig,
        """
        global:
          scrape_interval: 1s
          external_labels:
            cluster: c1
        scrape_configs:
          - job_name: app
            static_configs:
              - targets: ['127.0.0.1:%d']
        """
            .formatted(target.getAddress().getPort()));
    leaf =
        SpringApplication.run(
            LeafAgentApplication.class,
            "--config.file=" + leafConfig,
            "--server.port=0",
            "--server.address=127.0.0.1");
    int leafPort = ((WebServerApplicationContext) leaf).getWebServer().getPort();

    // The leaf as the master sees it: reachable or not at the flip of a switch.
    proxy = HttpServer.create(new InetSocketAddress("127.0.0.1", 0), 0);
    proxy.createContext("/", ex -> forward(ex, leafPort));
    proxy.start();

    PrometheusConfig masterConfig =
        ConfigLoader.loadString(
            """
            scrape_configs:
              - job_name: federate
                scrape_interval: 1s
                scrape_timeout: 900ms
                honor_labels: true
                metrics_path: /federate
                params:
                  'match[]': ['{job="app"}']
                static_configs:
                  - targets: ['127.0.0.1:%d']
            """
                .formatted(proxy.getAddress().getPort()),
            "master.yml");
    Head masterHead = new Head(System::currentTimeMillis, Duration.ofHours(1));
    ScrapeStats stats = new ScrapeStats();
    ticker = Executors.newScheduledThreadPool(1);
    workers = Executors.newFixedThreadPool(2);
    master =
        new ScrapeManager(
            masterHead,
            ticker,
            workers,
            stats,
            System::currentTimeMillis,
            0,
            new FederationGapFiller(http, "promfed-master-it", Duration.ofMinutes(10)));
    master.applyConfig(masterConfig);
    ScrapeConfig job = masterConfig.scrapeConfig("federate");
    master.updateTargets(job.jobName(), StaticDiscoverer.targetGroups(job.staticConfigs()));

    Head leafHead = leaf.getBean(Head.class);
    awaitSamples(masterHead, 3);
    long outageStart = System.currentTimeMillis();
    leafReachable.set(false);
    Thread.sleep(6000);
    leafReachable.set(true);
    long outageEnd = System.currentTimeMillis();
    awaitGapFilled(stats);
    Thread.sleep(1500); // a further round, so the master also holds the latest leaf sample

    List<Long> atLeaf = timestamps(leafHead, outageStart - 2000, outageEnd);
    List<Long> atMaster = timestamps(masterHead, outageStart - 2000, outageEnd);
    assertThat(atLeaf).hasSizeGreaterThanOrEqualTo(5);
    assertThat(atMaster).as("master's samples of the outage window").isEqualTo(atLeaf);
    assertThat(stats.gapSamplesFilled()).isPositive();
    assertThat(stats.outOfOrder()).isZero();
    assertThat(stats.gapFillFailures()).isZero();
  }

  void awaitSamples(Head head, int n) throws InterruptedException {
    long deadline = System.nanoTime() + Duration.ofSeconds(30).toNanos();
    while (timestamps(head, 0, Long.MAX_VALUE).size() < n) {
      assertThat(System.nanoTime()).as("master never federated").isLessThan(deadline);
      Thread.sleep(100);
    }
  }

  static void awaitGapFilled(ScrapeStats stats) throws InterruptedException {
    long deadline = System.nanoTime() + Duration.ofSeconds(30).toNanos();
    while (stats.gapSamplesFilled() == 0 && stats.gapFillFailures() == 0) {
      assertThat(System.nanoTime()).as("no gap was filled").isLessThan(deadline);
      Thread.sleep(100);
    }
  }

  static List<Long> timestamps(Head head, long fromMs, long toMs) {
    List<Long> out = new ArrayList<>();
    try (Querier q = head.querier(fromMs, toMs)) {
      SeriesSet set = q.select(true, Matcher.equal("__name__", "ticks_total"));
      while (set.next()) {
        SeriesCursor c = set.at().cursor();
        while (c.next()) {
          out.add(c.atT());
        }
      }
    }
    return out;
  }

  void forward(HttpExchange ex, int leafPort) throws IOException {
    if (!leafReachable.get()) {
      respond(ex, 503, "text/plain", "leaf unreachable\n");
      return;
    }
    byte[] body;
    try (InputStream in = ex.getRequestBody()) {
      body = in.readAllBytes();
    }
    HttpRequest.Builder req =
        HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + leafPort + ex.getRequestURI()))
            .method(ex.getRequestMethod(), HttpRequest.BodyPublishers.ofByteArray(body));
    for (String h : List.of("Content-Type", "Content-Encoding", "Accept", "Authorization")) {
      String v = ex.getRequestHeaders().getFirst(h);
      if (v != null) {
        req.header(h, v);
      }
    }
    HttpResponse<byte[]> r;
    try {
      r = http.send(req.build(), HttpResponse.BodyHandlers.ofByteArray());
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      respond(ex, 503, "text/plain", "interrupted\n");
      return;
    }
    r.headers().firstValue("Content-Type").ifPresent(v -> ex.getResponseHeaders().set("Content-Type", v));
    r.headers()
        .firstValue("Content-Encoding")
        .ifPresent(v -> ex.getResponseHeaders().set("Content-Encoding", v));
    ex.sendResponseHeaders(r.statusCode(), r.body().length == 0 ? -1 : r.body().length);
    try (OutputStream out = ex.getResponseBody()) {
      out.write(r.body());
    }
  }

  static void respond(HttpExchange ex, int status, String type, String text) throws IOException {
    byte[] b = text.getBytes(StandardCharsets.UTF_8);
    ex.getResponseHeaders().set("Content-Type", type);
    ex.sendResponseHeaders(status, b.length);
    try (OutputStream out = ex.getResponseBody()) {
      out.write(b);
    }
  }
}
