package io.promfed.leaf.web;

import static org.assertj.core.api.Assertions.assertThat;

import com.jayway.jsonpath.JsonPath;
import com.sun.net.httpserver.HttpServer;
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
import java.time.Instant;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.springframework.boot.test.context.SpringBootTest;
import org.springframework.boot.test.web.server.LocalServerPort;
import org.springframework.test.context.DynamicPropertyRegistry;
import org.springframework.test.context.DynamicPropertySource;

/**
 * The query API of a running leaf over HTTP: it scrapes a local target, then every endpoint is
 * called the way Grafana and curl call it (GET with unencoded brackets, POST forms), checking
 * status codes, content types and bodies.
 */
@SpringBootTest(webEnvironment = SpringBootTest.WebEnvironment.RANDOM_PORT)
class ApiControllerTest {

  @TempDir static Path dir;
  static HttpServer target;
  static Path configFile;
  static String configText;

  @LocalServerPort int port;
  final HttpClient http = HttpClient.newHttpClient();

  @BeforeAll
  static void startTarget() throws IOException {
    target = HttpServer.create(new InetSocketAddress("127.0.0.1", 0), 0);
    target.createContext(
        "/metrics",
        ex -> {
          byte[] body =
              ("# HELP http_request_total access count total\n"
                      + "# TYPE http_request_total counter\n"
                      + "http_request_total{path=\"/hello\"} 42\n")
                  .getBytes(StandardCharsets.UTF_8);
          ex.getResponseHeaders().set("Content-Type", "text/plain; version=0.0.4");
          ex.sendResponseHeaders(200, body.length);
          try (OutputStream os = ex.getResponseBody()) {
            os.write(body);
          }
        });
    target.start();
  }

  @AfterAll
  static void stopTarget() {
    target.stop(0);
  }

  @DynamicPropertySource
  static void props(DynamicPropertyRegistry registry) throws IOException {
    configFile = dir.resolve("prometheus.yml");
    configText =
        """
        # the leaf under test
        global:
          scrape_interval: 1s
          scrape_timeout: 500ms
        scrape_configs:
          - job_name: golang-server
            static_configs:
              - targets: ['127.0.0.1:%d', 'drop-me:1']
            relabel_configs:
              - source_labels: [__address__]
                regex: 'drop-me:.*'
                action: drop
        """
            .formatted(target.getAddress().getPort());
    Files.writeString(configFile, configText);
    registry.add("config.file", configFile::toString);
  }

  String addr() {
    return "127.0.0.1:" + target.getAddress().getPort();
  }

  HttpResponse<String> get(String pathAndQuery, String... headers) throws Exception {
    HttpRequest.Builder b =
        HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + port + pathAndQuery));
    if (headers.length > 0) {
      b.headers(headers);
    }
    return http.send(b.build(), HttpResponse.BodyHandlers.ofString());
  }

  /** A form POST, as Grafana's backend sends queries. */
  HttpResponse<String> post(String path, Map<String, String> form) throws Exception {
    StringBuilder body = new StringBuilder();
    form.forEach(
        (k, v) ->
            body.append(body.length() == 0 ? "" : "&")
                .append(URLEncoder.encode(k, StandardCharsets.UTF_8))
                .append('=')
                .append(URLEncoder.encode(v, StandardCharsets.UTF_8)));
    return http.send(
        HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + port + path))
            .header("Content-Type", "application/x-www-form-urlencoded")
            .POST(HttpRequest.BodyPublishers.ofString(body.toString()))
            .build(),
        HttpResponse.BodyHandlers.ofString());
  }

  static String enc(String s) {
    return URLEncoder.encode(s, StandardCharsets.UTF_8);
  }

  static void assertJson(HttpResponse<String> r, int status) {
    assertThat(r.statusCode()).as(r.body()).isEqualTo(status);
    assertThat(r.headers().firstValue("Content-Type")).hasValue("application/json");
  }

  @BeforeEach
  void waitForAScrape() throws Exception {
    long deadline = System.nanoTime() + Duration.ofSeconds(15).toNanos();
    String last = "";
    while (System.nanoTime() < deadline) {
      last = get("/api/v1/query?query=" + enc("http_request_total")).body();
      if (last.contains("\"value\":[")) {
        return;
      }
      Thread.sleep(100);
    }
    throw new AssertionError("the leaf never scraped its target; last answer: " + last);
  }

  @Test
  void targetsShowTheScrapedTargetAndTheDroppedOne() throws Exception {
    HttpResponse<String> r = get("/api/v1/targets");
    assertJson(r, 200);
    String b = r.body();
    assertThat(JsonPath.<String>read(b, "$.status")).isEqualTo("success");
    assertThat(JsonPath.<List<Object>>read(b, "$.data.activeTargets")).hasSize(1);
    String t = "$.data.activeTargets[0].";
    assertThat(JsonPath.<String>read(b, t + "health")).isEqualTo("up");
    assertThat(JsonPath.<String>read(b, t + "scrapePool")).isEqualTo("golang-server");
    assertThat(JsonPath.<String>read(b, t + "scrapeUrl"))
        .isEqualTo("http://" + addr() + "/metrics");
    assertThat(JsonPath.<String>read(b, t + "globalUrl"))
        .endsWith(":" + target.getAddress().getPort() + "/metrics")
        .doesNotContain("127.0.0.1");
    assertThat(JsonPath.<String>read(b, t + "lastError")).isEmpty();
    assertThat(JsonPath.<Map<String, String>>read(b, t + "labels"))
        .containsExactly(Map.entry("instance", addr()), Map.entry("job", "golang-server"));
    assertThat(JsonPath.<Map<String, String>>read(b, t + "discoveredLabels"))
        .containsEntry("__address__", addr())
        .containsEntry("__scrape_interval__", "1s")
        .containsEntry("__scrape_timeout__", "500ms");
    assertThat(JsonPath.<String>read(b, t + "scrapeInterval")).isEqualTo("1s");
    assertThat(JsonPath.<String>read(b, t + "scrapeTimeout")).isEqualTo("500ms");
    Instant lastScrape = Instant.parse(JsonPath.read(b, t + "lastScrape"));
    assertThat(lastScrape).isBetween(Instant.now().minusSeconds(60), Instant.now().plusSeconds(1));
    assertThat(JsonPath.<Double>read(b, t + "lastScrapeDuration")).isPositive();
    assertThat(JsonPath.<String>read(b, "$.data.droppedTargets[0].discoveredLabels.__address__"))
        .isEqualTo("drop-me:1");
    assertThat(JsonPath.<Integer>read(b, "$.data.droppedTargetCounts.golang-server")).isEqualTo(1);

    assertThat(get("/api/v1/targets?state=dropped").body()).contains("\"activeTargets\":[]");
  }

  @Test
  void instantQueriesByGetAndByPostForm() throws Exception {
    HttpResponse<String> r = get("/api/v1/query?query=" + enc("http_request_total"));
    assertJson(r, 200);
    assertThat(r.body())
        .startsWith(
            "{\"status\":\"success\",\"data\":{\"resultType\":\"vector\",\"result\":[{\"metric\":"
                + "{\"__name__\":\"http_request_total\",\"instance\":\""
                + addr()
                + "\",\"job\":\"golang-server\",\"path\":\"/hello\"},\"value\":[")
        .endsWith(",\"42\"]}]}}");

    HttpResponse<String> health = post("/api/v1/query", Map.of("query", "1+1", "time", "4"));
    assertJson(health, 200);
    assertThat(health.body())
        .isEqualTo(
            "{\"status\":\"success\",\"data\":{\"resultType\":\"scalar\",\"result\":[4,\"2\"]}}");
  }

  @Test
  void rangeQueryByPostFormAsGrafanaSendsIt() throws Exception {
    double now = System.currentTimeMillis() / 1000.0;
    HttpResponse<String> r =
        post(
            "/api/v1/query_range",
            Map.of(
                "query",
                "up",
                "start",
                Double.toString(now - 30),
                "end",
                Double.toString(now),
                "step",
                "1"));
    assertJson(r, 200);
    assertThat(JsonPath.<String>read(r.body(), "$.data.resultType")).isEqualTo("matrix");
    assertThat(JsonPath.<List<Object>>read(r.body(), "$.data.result[0].values")).isNotEmpty();
  }

  @Test
  void seriesLabelsAndLabelValues() throws Exception {
    // Unencoded brackets, as people type them.
    HttpResponse<String> series =
        get("/api/v1/series?match[]=%7B__name__=%22http_request_total%22%7D&limit=40000");
    assertJson(series, 200);
    assertThat(series.body()).contains("\"path\":\"/hello\"");
    assertThat(post("/api/v1/series", Map.of("match[]", "up")).body())
        .contains("\"__name__\":\"up\"");
    assertThat(post("/api/v1/series", Map.of()).statusCode()).isEqualTo(400);

    assertThat(get("/api/v1/labels").body()).contains("\"instance\"", "\"path\"");
    assertThat(post("/api/v1/labels", Map.of("match[]", "up")).body()).doesNotContain("\"path\"");

    HttpResponse<String> names =
        get("/api/v1/label/__name__/values?start=0&end=" + Instant.now().getEpochSecond());
    assertJson(names, 200);
    assertThat(JsonPath.<List<String>>read(names.body(), "$.data"))
        .contains("http_request_total", "up", "scrape_duration_seconds");
    assertThat(get("/api/v1/label/U__path/values").body()).contains("[\"/hello\"]");
  }

  @Test
  void metadataRulesAndStatus() throws Exception {
    HttpResponse<String> md = get("/api/v1/metadata?metric=http_request_total");
    assertJson(md, 200);
    assertThat(md.body())
        .isEqualTo(
            "{\"status\":\"success\",\"data\":{\"http_request_total\":[{\"type\":\"counter\","
                + "\"help\":\"access count total\",\"unit\":\"\"}]}}");

    assertThat(get("/api/v1/rules").body())
        .isEqualTo("{\"status\":\"success\",\"data\":{\"groups\":[]}}");

    HttpResponse<String> build = get("/api/v1/status/buildinfo");
    assertJson(build, 200);
    assertThat(JsonPath.<Map<String, Object>>read(build.body(), "$.data"))
        .containsOnlyKeys("version", "revision", "branch", "buildUser", "buildDate", "goVersion");

    assertThat(JsonPath.<String>read(get("/api/v1/status/config").body(), "$.data.yaml"))
        .isEqualTo(configText);
    assertThat(JsonPath.<String>read(get("/api/v1/status/flags").body(), "$.data['config.file']"))
        .isEqualTo(configFile.toString());
    String runtime = get("/api/v1/status/runtimeinfo").body();
    assertThat(JsonPath.<Boolean>read(runtime, "$.data.reloadConfigSuccess")).isTrue();
    assertThat(JsonPath.<String>read(runtime, "$.data.storageRetention")).isEqualTo("1d");
  }

  @Test
  void exemplarsAndFormatQuery() throws Exception {
    HttpResponse<String> ex =
        get("/api/v1/query_exemplars?query=test&start=1700000000000&end=1700003600000");
    assertJson(ex, 200);
    assertThat(ex.body()).isEqualTo("{\"status\":\"success\",\"data\":[]}");
    HttpResponse<String> none = post("/api/v1/query_exemplars", Map.of("query", "1+1"));
    assertThat(none.statusCode()).isEqualTo(204);
    assertThat(none.body()).isEmpty();

    assertThat(post("/api/v1/format_query", Map.of("query", "sum(up)by(job)")).body())
        .isEqualTo("{\"status\":\"success\",\"data\":\"sum by (job) (up)\"}");
  }

  @Test
  void errorsCarryPrometheusTypesAndStatusCodes() throws Exception {
    HttpResponse<String> bad = get("/api/v1/query?query=" + enc("up{"));
    assertJson(bad, 400);
    assertThat(JsonPath.<String>read(bad.body(), "$.errorType")).isEqualTo("bad_data");

    HttpResponse<String> points =
        post(
            "/api/v1/query_range",
            Map.of("query", "up", "start", "0", "end", "11001", "step", "1"));
    assertJson(points, 400);
    assertThat(JsonPath.<String>read(points.body(), "$.error"))
        .isEqualTo(
            "exceeded maximum resolution of 11,000 points per timeseries. Try decreasing the query"
                + " resolution (?step=XX)");

    HttpResponse<String> exec = get("/api/v1/query?query=" + enc("up + on() {__name__=~\".+\"}"));
    assertJson(exec, 422);
    assertThat(JsonPath.<String>read(exec.body(), "$.errorType")).isEqualTo("execution");

    HttpResponse<String> timeout = get("/api/v1/query?query=up&timeout=-1");
    assertJson(timeout, 503);
    assertThat(JsonPath.<String>read(timeout.body(), "$.errorType")).isEqualTo("timeout");
  }

  @Test
  void getOnlyEndpointsRefusePostSoGrafanaRetriesWithGet() throws Exception {
    for (String path :
        List.of(
            "/api/v1/metadata",
            "/api/v1/label/job/values",
            "/api/v1/targets",
            "/api/v1/rules",
            "/api/v1/status/buildinfo")) {
      assertThat(post(path, Map.of()).statusCode()).as(path).isEqualTo(405);
    }
    HttpResponse<String> unknown = get("/api/v1/no_such_endpoint");
    assertThat(unknown.statusCode()).isEqualTo(404);
    assertThat(unknown.body()).isEqualTo("404 page not found\n");
  }

  @Test
  void corsLikePrometheusDefaults() throws Exception {
    HttpResponse<String> r = get("/api/v1/query?query=1", "Origin", "http://grafana.example");
    assertThat(r.headers().firstValue("Access-Control-Allow-Origin")).hasValue("*");
    assertThat(r.headers().firstValue("Access-Control-Expose-Headers")).hasValue("Date");
    HttpResponse<String> preflight =
        http.send(
            HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + port + "/api/v1/query_range"))
                .method("OPTIONS", HttpRequest.BodyPublishers.noBody())
                .header("Origin", "http://grafana.example")
                .header("Access-Control-Request-Method", "POST")
                .header("Access-Control-Request-Headers", "Content-Type")
                .build(),
            HttpResponse.BodyHandlers.ofString());
    assertThat(preflight.statusCode()).isEqualTo(200);
    assertThat(preflight.headers().firstValue("Access-Control-Allow-Origin")).hasValue("*");
    assertThat(preflight.headers().firstValue("Access-Control-Allow-Methods"))
        .hasValue("GET,POST,OPTIONS");
    HttpResponse<String> options =
        http.send(
            HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + port + "/api/v1/anything"))
                .method("OPTIONS", HttpRequest.BodyPublishers.noBody())
                .build(),
            HttpResponse.BodyHandlers.ofString());
    assertThat(options.statusCode()).isEqualTo(204);
  }
}
