package io.promfed.leaf;

import static org.assertj.core.api.Assertions.assertThat;

import com.sun.net.httpserver.HttpServer;
import io.promfed.storage.remote.QueueManager;
import io.promfed.storage.remote.RemoteStorage;
import io.promfed.testing.ExternalBinary;
import java.io.IOException;
import java.io.OutputStream;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.net.URI;
import java.net.URLEncoder;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.concurrent.atomic.AtomicLong;
import java.util.function.BooleanSupplier;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.springframework.boot.SpringApplication;
import org.springframework.boot.web.server.context.WebServerApplicationContext;
import org.springframework.context.ConfigurableApplicationContext;
import tools.jackson.databind.JsonNode;
import tools.jackson.databind.ObjectMapper;

/**
 * The leaf scrapes a target, evaluates a recording rule and remote-writes everything to a real
 * long-term store: VictoriaMetrics ({@code victoria-metrics}) and Prometheus's own receiver ({@code
 * prometheus --web.enable-remote-write-receiver}). The store must then hold exactly the samples the
 * leaf holds, with the external labels added and the series that {@code write_relabel_configs}
 * drops missing; and when the store is down for a few seconds, the bounded queue drops (counted)
 * instead of growing, and delivers again once the store is back.
 */
class RemoteWriteToLongTermStoreIT {

  static final ObjectMapper JSON = new ObjectMapper();
  static final Map<String, String> EXTERNAL = Map.of("cluster", "eu-1", "leaf", "leaf-a");

  @TempDir Path dir;
  final HttpClient http = HttpClient.newHttpClient();
  final AtomicLong scrapes = new AtomicLong();
  HttpServer target;
  ConfigurableApplicationContext leaf;
  int leafPort;
  final List<Process> stores = new ArrayList<>();

  @AfterEach
  void stop() throws Exception {
    if (leaf != null) {
      leaf.close();
    }
    for (Process p : stores) {
      p.destroy();
      p.waitFor();
    }
    if (target != null) {
      target.stop(0);
    }
  }

  // ---- the two stores ----------------------------------------------------------------------

  @Test
  void victoriaMetricsHoldsEverySampleTheLeafHolds() throws Exception {
    Path vm = ExternalBinary.require("victoria-metrics");
    int port = freePort();
    startVictoriaMetrics(vm, port, dir.resolve("vm-data"));
    String store = "http://127.0.0.1:" + port;
    startLeaf(store + "/api/v1/write", 10_000, true);

    Map<String, Map<Long, Double>> expected = scrapeAWhileThenStop();
    Map<String, Map<Long, Double>> got = null;
    long deadline = System.nanoTime() + Duration.ofSeconds(30).toNanos();
    while (System.nanoTime() < deadline) {
      get(store + "/internal/force_flush");
      got = victoriaMetricsExport(store);
      if (got.equals(expected)) {
        break;
      }
      Thread.sleep(500);
    }
    assertThat(got).isEqualTo(expected);
    assertThat(expected.keySet())
        .anyMatch(s -> s.startsWith("job:http_request_total:sum{"))
        .anyMatch(s -> s.startsWith("up{"))
        .noneMatch(s -> s.startsWith("dropped_metric{"));
    assertQueueClean();

    // Closing the leaf stops the queues through the RemoteStorage bean, after the scrapes.
    RemoteStorage remoteStorage = leaf.getBean(RemoteStorage.class);
    QueueManager queue = remoteStorage.queues().get(0);
    leaf.close();
    leaf = null;
    assertThat(remoteStorage.queues()).isEmpty();
    assertThat(queue.samplesPending()).isZero();
    assertThat(queue.samplesDropped(QueueManager.DropReason.SHUTDOWN)).isZero();
  }

  @Test
  void prometheusReceiverHoldsEverySampleAndSeesTheStaleMarkers() throws Exception {
    Path prometheus = ExternalBinary.require("prometheus");
    int port = freePort();
    Path promConfig = dir.resolve("prometheus.yml");
    Files.writeString(promConfig, "global:\n  scrape_interval: 1m\n");
    stores.add(
        new ProcessBuilder(
                prometheus.toString(),
                "--config.file=" + promConfig,
                "--storage.tsdb.path=" + dir.resolve("prom-data"),
                "--web.listen-address=127.0.0.1:" + port,
                "--web.enable-remote-write-receiver")
            .redirectErrorStream(true)
            .redirectOutput(dir.resolve("prometheus.log").toFile())
            .start());
    String store = "http://127.0.0.1:" + port;
    awaitTrue("prometheus ready", () -> status(store + "/-/ready") == 200);
    startLeaf(store + "/api/v1/write", 10_000, true);

    Map<String, Map<Long, Double>> expected = scrapeAWhileThenStop();
    Map<String, Map<Long, Double>> got = null;
    long deadline = System.nanoTime() + Duration.ofSeconds(30).toNanos();
    while (System.nanoTime() < deadline) {
      got = rangeQuery(store, System.currentTimeMillis());
      if (got.equals(expected)) {
        break;
      }
      Thread.sleep(500);
    }
    assertThat(got).isEqualTo(expected);
    // The target left, so the leaf wrote stale markers; Prometheus got them and answers at once
    // that the series is gone, instead of serving the last value for the 5m lookback.
    assertThat(query(store, "up{job=\"demo\"}")).contains("\"result\":[]");
    assertThat(query(store, "count_over_time(up{job=\"demo\"}[1h]) > 2")).contains("\"cluster\":\"eu-1\"");
    assertThat(Files.readString(dir.resolve("prometheus.log"))).doesNotContain("level=error");
    assertQueueClean();
  }

  // ---- the store goes away for a while -------------------------------------------------------

  @Test
  void whileTheStoreIsDownTheQueueStaysBoundedDropsCountedAndRecovers() throws Exception {
    Path vm = ExternalBinary.require("victoria-metrics");
    int port = freePort();
    Path data = dir.resolve("vm-data");
    Process first = startVictoriaMetrics(vm, port, data);
    String store = "http://127.0.0.1:" + port;
    int capacity = 40;
    startLeaf(store + "/api/v1/write", capacity, false);
    awaitTrue("samples sent", () -> leafMetric("promfed_remote_storage_samples_total") > 20);

    first.destroy();
    first.waitFor();
    // Down: the shard retries its batch while new samples fill the queue up to its capacity; after
    // that the oldest are dropped and counted, and the queue never holds more than its bound.
    awaitTrue(
        "queue full drops",
        () -> leafMetric("promfed_remote_storage_samples_dropped_total", "reason=\"queue_full\"") > 20);
    double pending = leafMetric("promfed_remote_storage_samples_pending");
    int maxPerSend = 10;
    assertThat(pending).isBetween((double) capacity - 1, (double) capacity + maxPerSend);
    assertThat(leafMetric("promfed_remote_storage_samples_retried_total")).isPositive();
    double sentBefore = leafMetric("promfed_remote_storage_samples_total");

    startVictoriaMetrics(vm, port, data);
    awaitTrue(
        "delivery resumes",
        () -> leafMetric("promfed_remote_storage_samples_total") > sentBefore + capacity);
    // Everything the leaf counted as sent is in the store: nothing lost beyond what was counted.
    scrapeAWhileThenStop();
    awaitTrue("queue drained", () -> leafMetric("promfed_remote_storage_samples_pending") == 0);
    double sent = leafMetric("promfed_remote_storage_samples_total");
    double dropped = leafMetric("promfed_remote_storage_samples_dropped_total", "reason=\"queue_full\"");
    double relabeled =
        leafMetric("promfed_remote_storage_samples_dropped_total", "reason=\"dropped_series\"");
    double in = leafMetric("promfed_remote_storage_samples_in_total");
    assertThat(leafMetric("promfed_remote_storage_samples_failed_total")).isZero();
    assertThat(sent + dropped + relabeled).isEqualTo(in);
    // Count every stored sample, stale markers included (they are sent and counted too).
    long stored = 0;
    long deadline = System.nanoTime() + Duration.ofSeconds(30).toNanos();
    while (System.nanoTime() < deadline && stored != (long) sent) {
      get(store + "/internal/force_flush");
      stored = victoriaMetricsSampleCount(store);
      Thread.sleep(200);
    }
    assertThat(stored).as("samples in the store vs. sent").isEqualTo((long) sent);
  }

  // ---- the leaf ------------------------------------------------------------------------------

  /**
   * A target whose counter grows by one per scrape, with a gauge carrying awkward label values and
   * a metric that the remote-write relabeling drops.
   */
  void startTarget() throws IOException {
    target = HttpServer.create(new InetSocketAddress(InetAddress.getLoopbackAddress(), 0), 0);
    target.createContext(
        "/metrics",
        ex -> {
          long n = scrapes.incrementAndGet();
          byte[] body =
              ("""
              # TYPE http_request_total counter
              http_request_total{path="/hello"} %d
              # TYPE temperature_celsius gauge
              temperature_celsius{room="a \\"b\\" \\\\ ü"} 21.5
              dropped_metric 1
              """)
                  .formatted(n)
                  .getBytes(StandardCharsets.UTF_8);
          ex.sendResponseHeaders(200, body.length);
          try (OutputStream os = ex.getResponseBody()) {
            os.write(body);
          }
        });
    target.start();
  }

  Path leafConfig;
  String remoteWriteBlock;

  void startLeaf(String writeUrl, int capacity, boolean withRule) throws Exception {
    startTarget();
    Files.writeString(
        dir.resolve("rules.yml"),
        """
        groups:
          - name: demo
            interval: 500ms
            rules:
              - record: job:http_request_total:sum
                expr: sum by (job) (http_request_total)
        """);
    remoteWriteBlock =
        """
        remote_write:
          - url: %s
            name: store
            remote_timeout: 2s
            write_relabel_configs:
              - source_labels: [__name__]
                regex: dropped_metric
                action: drop
            queue_config:
              capacity: %d
              max_samples_per_send: 10
              batch_send_deadline: 100ms
              min_backoff: 50ms
              max_backoff: 200ms
        """
            .formatted(writeUrl, capacity);
    leafConfig = dir.resolve("leaf.yml");
    Files.writeString(
        leafConfig,
        global()
            + (withRule ? "rule_files: [rules.yml]\n" : "")
            + """
            scrape_configs:
              - job_name: demo
                static_configs:
                  - targets: ['127.0.0.1:%d']
            """
                .formatted(target.getAddress().getPort())
            + remoteWriteBlock);
    leaf =
        SpringApplication.run(
            LeafAgentApplication.class,
            "--config.file=" + leafConfig,
            "--server.port=0",
            "--server.address=127.0.0.1");
    leafPort = ((WebServerApplicationContext) leaf).getWebServer().getPort();
  }

  static String global() {
    return """
        global:
          scrape_interval: 250ms
          evaluation_interval: 500ms
          external_labels: {cluster: eu-1, leaf: leaf-a}
        """;
  }

  /**
   * Lets the leaf scrape a while, then removes the job and the rule by a reload (writing stale
   * markers) and waits until remote write has sent all it holds.
   *
   * @return what the store must hold: the leaf's raw samples, external labels added, the dropped
   *     series left out
   */
  Map<String, Map<Long, Double>> scrapeAWhileThenStop() throws Exception {
    long from = scrapes.get();
    awaitTrue("a dozen scrapes", () -> scrapes.get() >= from + 12);
    Files.writeString(leafConfig, global() + remoteWriteBlock);
    HttpResponse<String> reload =
        http.send(
            HttpRequest.newBuilder(URI.create(leafBase() + "/-/reload"))
                .POST(HttpRequest.BodyPublishers.noBody())
                .build(),
            HttpResponse.BodyHandlers.ofString());
    assertThat(reload.statusCode()).as(reload.body()).isEqualTo(200);
    awaitTrue(
        "queue drained",
        () ->
            leafMetric("promfed_remote_storage_samples_pending") == 0
                && leafMetric("promfed_remote_storage_queue_highest_sent_timestamp_seconds")
                    >= leafMetric("promfed_remote_storage_highest_timestamp_in_seconds"));
    Map<String, Map<Long, Double>> leafSamples = rangeQuery(leafBase(), System.currentTimeMillis());
    Map<String, Map<Long, Double>> expected = new TreeMap<>();
    leafSamples.forEach(
        (series, samples) -> {
          if (!series.startsWith("dropped_metric{")) {
            expected.put(withExternalLabels(series), samples);
          }
        });
    return expected;
  }

  void assertQueueClean() {
    assertThat(leafMetric("promfed_remote_storage_samples_failed_total")).isZero();
    assertThat(leafMetric("promfed_remote_storage_samples_dropped_total", "reason=\"queue_full\"")).isZero();
    assertThat(leafMetric("promfed_remote_storage_samples_dropped_total", "reason=\"dropped_series\"")).isPositive();
    assertThat(leafMetric("promfed_remote_storage_samples_total"))
        .isEqualTo(
            leafMetric("promfed_remote_storage_samples_in_total")
                - leafMetric("promfed_remote_storage_samples_dropped_total", "reason=\"dropped_series\""));
  }

  String leafBase() {
    return "http://127.0.0.1:" + leafPort;
  }

  double leafMetric(String name) {
    return leafMetric(name, "");
  }

  /** The value of the one sample of {@code name} on the leaf's /metrics with {@code labelMatch}. */
  double leafMetric(String name, String labelMatch) {
    String body = get(leafBase() + "/metrics");
    Matcher m =
        Pattern.compile("(?m)^" + Pattern.quote(name) + "(\\{[^}]*\\})? (\\S+)$").matcher(body);
    while (m.find()) {
      String labels = m.group(1) == null ? "" : m.group(1);
      if (labels.contains(labelMatch)) {
        return Double.parseDouble(m.group(2));
      }
    }
    throw new AssertionError(name + labelMatch + " not found in the leaf's /metrics");
  }

  // ---- reading the stores --------------------------------------------------------------------

  Process startVictoriaMetrics(Path binary, int port, Path data) throws Exception {
    Process p =
        new ProcessBuilder(
                binary.toString(),
                "-httpListenAddr=127.0.0.1:" + port,
                "-storageDataPath=" + data,
                "-retentionPeriod=100y",
                // A retried request that had in fact been stored must not count twice.
                "-dedup.minScrapeInterval=1ms",
                "-search.latencyOffset=0s",
                "-search.disableCache")
            .redirectErrorStream(true)
            .redirectOutput(ProcessBuilder.Redirect.appendTo(dir.resolve("vm.log").toFile()))
            .start();
    stores.add(p);
    awaitTrue("victoria-metrics up", () -> status("http://127.0.0.1:" + port + "/health") == 200);
    return p;
  }

  /** Every raw sample VictoriaMetrics holds, by series in the leaf's label order-free form. */
  Map<String, Map<Long, Double>> victoriaMetricsExport(String base) {
    String body =
        get(base + "/api/v1/export?match[]=" + encode("{__name__=~\".+\"}"));
    Map<String, Map<Long, Double>> out = new TreeMap<>();
    for (String line : body.split("\n")) {
      if (line.isBlank()) {
        continue;
      }
      JsonNode n = JSON.readTree(line);
      Map<Long, Double> samples = new TreeMap<>();
      JsonNode values = n.get("values");
      JsonNode timestamps = n.get("timestamps");
      for (int i = 0; i < values.size(); i++) {
        if (values.get(i).isNumber()) { // stale markers are exported as null or "NaN"
          samples.put(timestamps.get(i).asLong(), values.get(i).asDouble());
        }
      }
      out.merge(series(n.get("metric")), samples, (a, b) -> {
        a.putAll(b);
        return a;
      });
    }
    return out;
  }

  /** How many samples VictoriaMetrics holds, stale markers included. */
  long victoriaMetricsSampleCount(String base) {
    String body = get(base + "/api/v1/export?match[]=" + encode("{__name__=~\".+\"}"));
    long n = 0;
    for (String line : body.split("\n")) {
      if (!line.isBlank()) {
        n += JSON.readTree(line).get("timestamps").size();
      }
    }
    return n;
  }

  /** Raw samples of every series in the last hour via {@code /api/v1/query} of a range vector. */
  Map<String, Map<Long, Double>> rangeQuery(String base, long atMs) {
    String body =
        get(
            base
                + "/api/v1/query?query="
                + encode("{__name__=~\".+\"}[1h]")
                + "&time="
                + (atMs / 1000.0));
    JsonNode result = JSON.readTree(body).get("data").get("result");
    Map<String, Map<Long, Double>> out = new TreeMap<>();
    for (JsonNode s : result) {
      Map<Long, Double> samples = new TreeMap<>();
      for (JsonNode v : s.get("values")) {
        samples.put(Math.round(v.get(0).asDouble() * 1000), Double.parseDouble(v.get(1).asText()));
      }
      out.put(series(s.get("metric")), samples);
    }
    return out;
  }

  static String series(JsonNode metric) {
    Map<String, String> labels = new TreeMap<>();
    metric.properties().forEach(e -> labels.put(e.getKey(), e.getValue().asText()));
    String name = labels.remove("__name__");
    return name + labels;
  }

  static String withExternalLabels(String series) {
    int brace = series.indexOf('{');
    Map<String, String> labels = new TreeMap<>();
    String inner = series.substring(brace + 1, series.length() - 1);
    // Built by series() from a TreeMap: "k=v, k=v"; test values contain no ", " followed by '='.
    for (String kv : inner.isEmpty() ? new String[0] : inner.split(", (?=[a-z_]+=)")) {
      int eq = kv.indexOf('=');
      labels.put(kv.substring(0, eq), kv.substring(eq + 1));
    }
    EXTERNAL.forEach(labels::putIfAbsent);
    return series.substring(0, brace) + labels;
  }

  String query(String base, String promql) {
    return get(base + "/api/v1/query?query=" + encode(promql));
  }

  // ---- plumbing ------------------------------------------------------------------------------

  static String encode(String s) {
    return URLEncoder.encode(s, StandardCharsets.UTF_8);
  }

  String get(String url) {
    try {
      HttpResponse<String> r =
          http.send(
              HttpRequest.newBuilder(URI.create(url)).timeout(Duration.ofSeconds(10)).build(),
              HttpResponse.BodyHandlers.ofString());
      return r.body();
    } catch (IOException e) {
      return "";
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new AssertionError(e);
    }
  }

  int status(String url) {
    try {
      return http.send(
              HttpRequest.newBuilder(URI.create(url)).build(),
              HttpResponse.BodyHandlers.discarding())
          .statusCode();
    } catch (IOException e) {
      return 0;
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      return 0;
    }
  }

  static void awaitTrue(String what, BooleanSupplier condition) throws InterruptedException {
    long deadline = System.nanoTime() + Duration.ofSeconds(30).toNanos();
    while (true) {
      try {
        if (condition.getAsBoolean()) {
          return;
        }
      } catch (AssertionError | RuntimeException e) {
        // not there yet (a metric not registered, a store still starting)
      }
      if (System.nanoTime() > deadline) {
        throw new AssertionError(what + ": not within 30s");
      }
      Thread.sleep(100);
    }
  }

  static int freePort() throws IOException {
    try (ServerSocket s = new ServerSocket(0, 1, InetAddress.getLoopbackAddress())) {
      return s.getLocalPort();
    }
  }
}
