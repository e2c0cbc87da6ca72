package io.promfed.master.grafana;

import static org.assertj.core.api.Assertions.assertThat;
import static org.junit.jupiter.api.Assertions.fail;

import com.sun.net.httpserver.HttpServer;
import io.promfed.master.MasterAggregatorApplication;
import java.io.IOException;
import java.io.OutputStream;
import java.net.InetSocketAddress;
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
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Stream;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.DynamicTest;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestFactory;
import org.junit.jupiter.api.io.TempDir;
import org.springframework.boot.test.context.SpringBootTest;
import org.springframework.boot.test.web.server.LocalServerPort;
import org.springframework.test.context.DynamicPropertyRegistry;
import org.springframework.test.context.DynamicPropertySource;
import tools.jackson.databind.JsonNode;
import tools.jackson.databind.json.JsonMapper;

/**
 * Every query of every panel in the Grafana dashboards that k8s/ provisions runs against the
 * master's API, as Grafana would send it (range queries for graphs, instant ones for tables), and
 * answers {@code success} with data. The master federates, with the seed's job, a fake leaf that
 * serves what a real one holds: two demo-server pods' counters federated with the leaf's external
 * labels, the leaf's own scrape report series, and its promfed_* metrics (a leaf scraping itself).
 */
@SpringBootTest(
    classes = MasterAggregatorApplication.class,
    webEnvironment = SpringBootTest.WebEnvironment.RANDOM_PORT)
class GrafanaDashboardsTest {

  static final Path DASHBOARDS = Path.of("..", "k8s", "base", "grafana-dashboards");

  /**
   * Grafana's built-in variables, with the values a dashboard over the last hour would get from a
   * data source whose scrape interval is 15s ($__rate_interval is at least four intervals).
   */
  static final Map<String, String> GRAFANA_VARIABLES =
      Map.of(
          "__rate_interval", "1m",
          "__interval", "15s",
          "__interval_ms", "15000",
          "__range", "1h",
          "__range_s", "3600",
          "__range_ms", "3600000");

  /** $name, ${name}, ${name:format} and the old [[name]]. */
  static final Pattern VARIABLE =
      Pattern.compile("\\$\\{(\\w+)(?::\\w+)?}|\\[\\[(\\w+)]]|\\$(\\w+)");

  @TempDir static Path dir;
  static HttpServer leaf;
  static final AtomicInteger scrapes = new AtomicInteger();

  @LocalServerPort int port;
  final HttpClient http = HttpClient.newHttpClient();

  @BeforeAll
  static void startLeaf() throws IOException {
    leaf = HttpServer.create(new InetSocketAddress("127.0.0.1", 0), 0);
    leaf.createContext(
        "/federate",
        ex -> {
          byte[] body = federateBody(scrapes.incrementAndGet(), System.currentTimeMillis());
          ex.getResponseHeaders().set("Content-Type", "text/plain; version=0.0.4");
          ex.sendResponseHeaders(200, body.length);
          try (OutputStream os = ex.getResponseBody()) {
            os.write(body);
          }
        });
    leaf.start();
  }

  @AfterAll
  static void stopLeaf() {
    leaf.stop(0);
  }

  /** What a leaf in the seed's cluster federates, its counters grown by the n-th scrape. */
  static byte[] federateBody(int n, long nowMs) {
    String leafLabels = "cluster=\"eu1\",replica=\"leaf-agent-0\"";
    StringBuilder b = new StringBuilder();
    for (String pod : List.of("golang-server-a", "golang-server-b")) {
      String target =
          leafLabels + ",instance=\"" + pod + ":8080\",job=\"golang-server\",pod=\"" + pod + "\"";
      b.append(sample("http_request_total", target, 10 + 3 * n, nowMs));
      b.append(sample("http_request_success_total", target, 9 + 2 * n, nowMs));
      b.append(sample("http_request_fail_total", target, 1 + n, nowMs));
      b.append(sample("up", target, 1, nowMs));
      b.append(sample("scrape_duration_seconds", target, 0.004, nowMs));
    }
    String self = leafLabels + ",instance=\"10.0.0.9:9091\",job=\"leaf-agent\"";
    b.append(sample("promfed_head_series", self, 1234, nowMs));
    b.append(sample("promfed_head_memory_bytes", self, 4_567_890, nowMs));
    b.append(sample("promfed_head_samples_appended_total", self, 1000.0 * n, nowMs));
    return b.toString().getBytes(StandardCharsets.UTF_8);
  }

  static String sample(String name, String labels, double value, long timestampMs) {
    return name + "{" + labels + "} " + value + " " + timestampMs + "\n";
  }

  @DynamicPropertySource
  static void props(DynamicPropertyRegistry registry) throws IOException {
    Path configFile = dir.resolve("prometheus.yml");
    Files.writeString(
        configFile,
        """
        global:
          scrape_interval: 1s
          scrape_timeout: 500ms
        scrape_configs:
          - job_name: "federate"
            honor_labels: true
            metrics_path: '/federate'
            params:
              'match[]':
                - '{__name__=~"job:.*"}'
                - '{__name__=~".+"}'
            static_configs:
              - targets: ["127.0.0.1:%d"]
        """
            .formatted(leaf.getAddress().getPort()));
    registry.add("config.file", configFile::toString);
  }

  /** One query of one panel. */
  record PanelQuery(String dashboard, String panel, String refId, String expr, boolean instant) {
    @Override
    public String toString() {
      return dashboard + " / " + panel + " / " + refId;
    }
  }

  static List<PanelQuery> panelQueries() throws IOException {
    List<PanelQuery> queries = new ArrayList<>();
    List<Path> files;
    try (Stream<Path> s = Files.list(DASHBOARDS)) {
      files = s.filter(p -> p.toString().endsWith(".json")).sorted().toList();
    }
    assertThat(files)
        .as("dashboards in %s", DASHBOARDS.toAbsolutePath())
        .hasSizeGreaterThanOrEqualTo(2);
    JsonMapper json = JsonMapper.builder().build();
    for (Path file : files) {
      JsonNode dashboard = json.readTree(file.toFile());
      Map<String, String> variables = new HashMap<>(GRAFANA_VARIABLES);
      for (JsonNode v : dashboard.path("templating").path("list")) {
        variables.put(v.get("name").asString(), v.path("current").path("value").asString());
      }
      for (JsonNode panel : dashboard.get("panels")) {
        String title = panel.get("title").asString();
        assertThat(panel.path("targets")).as("queries of panel %s in %s", title, file).isNotEmpty();
        for (JsonNode target : panel.get("targets")) {
          queries.add(
              new PanelQuery(
                  dashboard.get("title").asString(),
                  title,
                  target.get("refId").asString(),
                  substitute(target.get("expr").asString(), variables),
                  target.path("instant").asBoolean(false)));
        }
      }
    }
    return queries;
  }

  /** The expression as Grafana sends it: every variable replaced by its current value. */
  static String substitute(String expr, Map<String, String> variables) {
    Matcher m = VARIABLE.matcher(expr);
    StringBuilder out = new StringBuilder();
    while (m.find()) {
      String name = m.group(1) != null ? m.group(1) : m.group(2) != null ? m.group(2) : m.group(3);
      String value = variables.get(name);
      if (value == null) {
        fail("unknown Grafana variable $" + name + " in: " + expr);
      }
      m.appendReplacement(out, Matcher.quoteReplacement(value));
    }
    return m.appendTail(out).toString();
  }

  @Test
  void substitutesGrafanaVariablesInEveryForm() {
    Map<String, String> vars = Map.of("job", "golang-server", "__rate_interval", "1m");
    assertThat(substitute("rate(x{job=~\"$job\"}[$__rate_interval])", vars))
        .isEqualTo("rate(x{job=~\"golang-server\"}[1m])");
    assertThat(substitute("x{job=\"${job}\",j=\"${job:regex}\",k=\"[[job]]\"}", vars))
        .isEqualTo("x{job=\"golang-server\",j=\"golang-server\",k=\"golang-server\"}");
  }

  @TestFactory
  Stream<DynamicTest> everyPanelQueryParsesAndReturnsData() throws Exception {
    // rate() needs two samples in its window and the lag panel a federated up: wait for both. The
    // range queries below end at the current whole second, up to 1 s before now: the window
    // ending a second ago must already hold two samples.
    waitForData("rate(http_request_total[1m] offset 1s)");
    waitForData("timestamp(up{job=\"golang-server\"})");
    List<PanelQuery> queries = panelQueries();
    assertThat(queries).hasSizeGreaterThan(10);
    return queries.stream().map(q -> DynamicTest.dynamicTest(q.toString(), () -> check(q)));
  }

  void check(PanelQuery q) throws Exception {
    long now = System.currentTimeMillis() / 1000;
    String path =
        q.instant()
            ? "/api/v1/query?query=" + encode(q.expr())
            : "/api/v1/query_range?query="
                + encode(q.expr())
                + "&start="
                + (now - 300)
                + "&end="
                + now
                + "&step=15";
    HttpResponse<String> response = get(path);
    assertThat(response.body())
        .as("%s: %s", q, q.expr())
        .contains("\"status\":\"success\"")
        .doesNotContain("\"result\":[]");
    assertThat(response.statusCode()).isEqualTo(200);
  }

  void waitForData(String promql) throws Exception {
    long deadline = System.nanoTime() + Duration.ofSeconds(30).toNanos();
    String last = "";
    while (System.nanoTime() < deadline) {
      last = get("/api/v1/query?query=" + encode(promql)).body();
      if (last.contains("\"value\":[")) {
        return;
      }
      Thread.sleep(200);
    }
    fail("no data for " + promql + ": " + last);
  }

  HttpResponse<String> get(String path) throws Exception {
    return http.send(
        HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + port + path)).build(),
        HttpResponse.BodyHandlers.ofString());
  }

  static String encode(String s) {
    return URLEncoder.encode(s, StandardCharsets.UTF_8);
  }
}
