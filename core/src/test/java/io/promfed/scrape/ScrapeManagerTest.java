package io.promfed.scrape;

import static org.assertj.core.api.Assertions.assertThat;

import com.sun.net.httpserver.HttpServer;
import io.promfed.config.ConfigLoader;
import io.promfed.config.PrometheusConfig;
import io.promfed.discovery.TargetGroup;
import io.promfed.model.labels.Labels;
import io.promfed.model.labels.Matcher;
import io.promfed.model.value.StaleNaN;
import io.promfed.storage.Querier;
import io.promfed.storage.SeriesCursor;
import io.promfed.storage.SeriesSet;
import io.promfed.tsdb.Head;
import java.io.OutputStream;
import java.net.InetSocketAddress;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.function.BooleanSupplier;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * A job's config changing under running targets, as a ServiceMonitor edit or a reload does: the
 * targets that survive the new config are scraped on without a gap, the ones that do not end with
 * stale markers (Prometheus's pool reload followed by a sync). Also: a target re-sent with other
 * meta labels keeps its loop but shows the new discovered labels. Runs the real scheduler with
 * sub-second intervals and waits, bounded, for what it expects.
 */
class ScrapeManagerTest {

  static final Duration BOUND = Duration.ofSeconds(20);

  HttpServer server;
  Head head;
  ScheduledExecutorService ticker;
  ExecutorService scrapers;
  ScrapeManager manager;

  @BeforeEach
  void setUp() throws Exception {
    // Answers scrapes concurrently: during a hand-over the old and the new loop may overlap, and a
    // scrape queued behind another could time out, which is a legitimate stale marker.
    server = HttpServer.create(new InetSocketAddress("127.0.0.1", 0), 0);
    server.setExecutor(Executors.newCachedThreadPool());
    server.createContext(
        "/metrics",
        ex -> {
          byte[] body =
              "# TYPE http_request_total counter\nhttp_request_total 3\n"
                  .getBytes(StandardCharsets.UTF_8);
          ex.sendResponseHeaders(200, body.length);
          try (OutputStream os = ex.getResponseBody()) {
            os.write(body);
          }
        });
    server.start();
    head = new Head(System::currentTimeMillis, Duration.ofDays(1));
    ticker = Executors.newScheduledThreadPool(1);
    scrapers = Executors.newFixedThreadPool(2);
    manager =
        new ScrapeManager(head, ticker, scrapers, new ScrapeStats(), System::currentTimeMillis, 0);
  }

  @AfterEach
  void tearDown() {
    manager.stop();
    ticker.shutdownNow();
    scrapers.shutdownNow();
    server.stop(0);
  }

  PrometheusConfig config(String interval, String relabeling) throws Exception {
    return ConfigLoader.loadString(
        """
        scrape_configs:
          - job_name: j
            scrape_interval: %s
            scrape_timeout: 400ms
            relabel_configs: %s
        """
            .formatted(interval, relabeling),
        "test.yml");
  }

  List<TargetGroup> groups(String metaValue) {
    return List.of(
        new TargetGroup(
            "g",
            List.of(
                Labels.of(
                    "__address__",
                    "127.0.0.1:" + server.getAddress().getPort(),
                    "__meta_x",
                    metaValue)),
            Labels.EMPTY));
  }

  @Test
  void aChangedConfigEndsTheSeriesOfTargetsItNoLongerHasAndNoOthers() throws Exception {
    manager.applyConfig(config("500ms", "[]"));
    manager.updateTargets("j", groups("1"));
    await(() -> latest("http_request_total", "") == 3, "the first scrapes");

    // Only the interval changes: same target, new loop, the series goes on unmarked.
    manager.applyConfig(config("600ms", "[]"));
    long changedMs = System.currentTimeMillis();
    await(
        () -> lastTimestamp("http_request_total", "") > changedMs + 1500,
        "scrapes by the new loop");
    assertThat(staleMarkers("http_request_total", "")).isZero();

    // Relabeling gives the target another label set: the old series end, the new one starts.
    manager.applyConfig(config("600ms", "[{target_label: team, replacement: a}]"));
    await(() -> latest("http_request_total", "") == -1, "a stale marker ending the old series");
    await(() -> latest("http_request_total", "a") == 3, "the relabeled series");
  }

  @Test
  void aResentTargetShowsItsNewDiscoveredLabels() throws Exception {
    manager.applyConfig(config("500ms", "[]"));
    manager.updateTargets("j", groups("1"));
    Target first = manager.pools().get("j").activeTargets().get(0);
    manager.updateTargets("j", groups("2"));
    Target now = manager.pools().get("j").activeTargets().get(0);
    assertThat(now).as("same target, same loop").isSameAs(first);
    assertThat(now.discoveredLabels().get("__meta_x")).isEqualTo("2");
  }

  /** The latest value of the series {@code name} with {@code team} ("" for none); -1 if stale. */
  double latest(String name, String team) {
    double[] v = {Double.NaN};
    forEachSample(name, team, (t, value) -> v[0] = StaleNaN.is(value) ? -1 : value);
    return v[0];
  }

  long lastTimestamp(String name, String team) {
    long[] last = {0};
    forEachSample(name, team, (t, value) -> last[0] = t);
    return last[0];
  }

  int staleMarkers(String name, String team) {
    int[] n = {0};
    forEachSample(name, team, (t, value) -> n[0] += StaleNaN.is(value) ? 1 : 0);
    return n[0];
  }

  interface SampleConsumer {
    void accept(long t, double v);
  }

  void forEachSample(String name, String team, SampleConsumer c) {
    try (Querier q = head.querier(Long.MIN_VALUE, Long.MAX_VALUE)) {
      SeriesSet ss = q.select(true, Matcher.equal("__name__", name), Matcher.equal("team", team));
      while (ss.next()) {
        SeriesCursor cur = ss.at().cursor();
        while (cur.next()) {
          c.accept(cur.atT(), cur.atV());
        }
      }
    }
  }

  static void await(BooleanSupplier condition, String what) throws InterruptedException {
    long deadline = System.nanoTime() + BOUND.toNanos();
    while (!condition.getAsBoolean()) {
      if (System.nanoTime() > deadline) {
        throw new AssertionError("timed out after " + BOUND + " waiting for " + what);
      }
      Thread.sleep(20); // the real scheduler runs the loops; bounded by the deadline
    }
  }
}
