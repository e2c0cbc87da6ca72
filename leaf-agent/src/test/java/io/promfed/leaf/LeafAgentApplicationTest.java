package io.promfed.leaf;

import static org.assertj.core.api.Assertions.assertThat;

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
import java.util.function.Supplier;
import io.promfed.model.labels.Labels;
import io.promfed.storage.remote.WriteRequestEncoder;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import io.promfed.testing.BuiltInUiCheck;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.springframework.boot.test.context.SpringBootTest;
import org.springframework.boot.test.web.server.LocalServerPort;
import org.springframework.test.context.DynamicPropertyRegistry;
import org.springframework.test.context.DynamicPropertySource;

/** The leaf end to end: config file → scrape a live target → /federate; reloads good and bad. */
@SpringBootTest(webEnvironment = SpringBootTest.WebEnvironment.RANDOM_PORT)
class LeafAgentApplicationTest {

  @TempDir static Path dir;
  static HttpServer target;
  static Path configFile;

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
                      + "http_request_total 42\n")
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

  static String config(String job) {
    return """
        global:
          scrape_interval: 1s
          scrape_timeout: 500ms
          evaluation_interval: 1s
          external_labels:
            cluster: test
        rule_files: ['rules.yml']
        scrape_configs:
          - job_name: %s
            static_configs:
              - targets: ['127.0.0.1:%d']
        """
        .formatted(job, target.getAddress().getPort());
  }

  @DynamicPropertySource
  static void props(DynamicPropertyRegistry registry) throws IOException {
    configFile = dir.resolve("prometheus.yml");
    // The seed's recording-rule pattern: a job-level aggregate that the master federates.
    Files.writeString(
        dir.resolve("rules.yml"),
        """
        groups:
          - name: demo
            rules:
              - record: job:http_request_total:sum
                expr: sum by (job) (http_request_total)
        """);
    Files.writeString(configFile, config("golang-server"));
    registry.add("config.file", configFile::toString);
  }

  HttpResponse<String> get(String path) throws Exception {
    return http.send(
        HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + port + path)).build(),
        HttpResponse.BodyHandlers.ofString());
  }

  HttpResponse<String> post(String path) throws Exception {
    return http.send(
        HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + port + path))
            .POST(HttpRequest.BodyPublishers.noBody())
            .build(),
        HttpResponse.BodyHandlers.ofString());
  }

  String federate(String match) throws Exception {
    return get("/federate?match[]=" + URLEncoder.encode(match, StandardCharsets.UTF_8)).body();
  }

  static String eventually(Supplier<String> probe, String expectedFragment) throws Exception {
    long deadline = System.nanoTime() + Duration.ofSeconds(15).toNanos();
    String last = "";
    while (System.nanoTime() < deadline) {
      last = probe.get();
      if (last.contains(expectedFragment)) {
        return last;
      }
      Thread.sleep(100);
    }
    throw new AssertionError("never saw " + expectedFragment + "; last: " + last);
  }

  String federateQuietly(String match) {
    try {
      return federate(match);
    } catch (Exception e) {
      return e.toString();
    }
  }

  @Test
  void scrapesTheTargetAndFederatesItLikePrometheus() throws Exception {
    String addr = "127.0.0.1:" + target.getAddress().getPort();
    String body =
        eventually(
            () -> federateQuietly("{__name__=~\"http_request_total|up\"}"),
            "http_request_total{");
    assertThat(body)
        // Unlike Prometheus, the scraped HELP and TYPE travel along (issue #6).
        .contains("# HELP http_request_total access count total\n# TYPE http_request_total counter\n")
        .contains(
            "http_request_total{instance=\""
                + addr
                + "\",job=\"golang-server\",cluster=\"test\"} 42 ");
    eventually(() -> federateQuietly("up"), "up{instance=\"" + addr + "\",job=\"golang-server\",cluster=\"test\"} 1 ");

    HttpResponse<String> bad = get("/federate?match[]=" + URLEncoder.encode("{x=~\".*\"}", StandardCharsets.UTF_8));
    assertThat(bad.statusCode()).isEqualTo(400);
    assertThat(bad.body()).contains("vector selector must contain at least one non-empty matcher");
    assertThat(get("/federate").body()).isEmpty();
    assertThat(get("/-/healthy").statusCode()).isEqualTo(200);
    assertThat(get("/-/ready").statusCode()).isEqualTo(200);
  }

  @Test
  void remoteWriteLoadsExactSamplesThatFederationServes() throws Exception {
    long now = System.currentTimeMillis();
    byte[] body =
        WriteRequestEncoder.encodeSnappy(
            Labels.of("__name__", "pushed_total", "job", "agent", "instance", "a:1"),
            new long[] {now - 2000, now - 1000},
            new double[] {1, 2.5});
    HttpResponse<String> r =
        http.send(
            HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + port + "/api/v1/write"))
                .header("Content-Encoding", "snappy")
                .header("Content-Type", "application/x-protobuf")
                .header("X-Prometheus-Remote-Write-Version", "0.1.0")
                .POST(HttpRequest.BodyPublishers.ofByteArray(body))
                .build(),
            HttpResponse.BodyHandlers.ofString());
    assertThat(r.statusCode()).isEqualTo(204);
    assertThat(federate("pushed_total"))
        .isEqualTo(
            "# TYPE pushed_total untyped\n"
                + "pushed_total{instance=\"a:1\",job=\"agent\",cluster=\"test\"} 2.5 "
                + (now - 1000)
                + "\n");

    HttpResponse<String> garbage =
        http.send(
            HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + port + "/api/v1/write"))
                .header("Content-Encoding", "snappy")
                .header("Content-Type", "application/x-protobuf")
                .POST(HttpRequest.BodyPublishers.ofByteArray(new byte[] {1, 2, 3}))
                .build(),
            HttpResponse.BodyHandlers.ofString());
    assertThat(garbage.statusCode()).isEqualTo(400);
    assertThat(garbage.body()).isNotBlank();
  }

  @Test
  void recordingRulesProduceJobSeriesThatFederate() throws Exception {
    // Wait for the golang-server job: the reload test renames it for a while.
    String body =
        eventually(
            () -> federateQuietly("{__name__=~\"job:.*\"}"),
            "job:http_request_total:sum{job=\"golang-server\"");
    assertThat(body)
        .contains("job:http_request_total:sum{job=\"golang-server\",cluster=\"test\",instance=\"\"} 42 ");
    String rules = get("/api/v1/rules").body();
    assertThat(rules)
        .contains("\"name\":\"demo\"")
        .contains("\"name\":\"job:http_request_total:sum\"")
        .contains("\"health\":\"ok\"");
  }

  @Test
  void federateIsGzippedWhenAsked() throws Exception {
    eventually(() -> federateQuietly("up"), "job=\"golang-server\"");
    HttpResponse<byte[]> zipped =
        http.send(
            HttpRequest.newBuilder(
                    URI.create(
                        "http://127.0.0.1:"
                            + port
                            + "/federate?match[]="
                            + URLEncoder.encode("{__name__=~\".+\"}", StandardCharsets.UTF_8)))
                .header("Accept-Encoding", "gzip")
                .build(),
            HttpResponse.BodyHandlers.ofByteArray());
    assertThat(zipped.headers().firstValue("Content-Encoding")).hasValue("gzip");
    String unzipped =
        new String(
            new java.util.zip.GZIPInputStream(new java.io.ByteArrayInputStream(zipped.body()))
                .readAllBytes(),
            StandardCharsets.UTF_8);
    assertThat(unzipped).startsWith("# HELP ").contains("# TYPE up untyped\n");
    assertThat(zipped.body().length).isLessThan(unzipped.length());
  }

  @Test
  void ownMetricsAreServedAtSlashMetrics() throws Exception {
    eventually(() -> federateQuietly("up"), "job=\"golang-server\"");
    HttpResponse<String> metrics = get("/metrics");
    assertThat(metrics.statusCode()).isEqualTo(200);
    assertThat(metrics.body())
        .contains("# TYPE promfed_head_series gauge")
        .contains("promfed_head_memory_bytes ")
        .contains("promfed_head_new_series_total ")
        .contains("promfed_head_chunk_bytes ")
        .contains("promfed_head_chunk_samples ")
        .contains("promfed_scrapes_total ")
        .contains("promfed_config_last_reload_successful 1.0")
        .contains("jvm_memory_used_bytes");
  }

  @Test
  void badReloadKeepsTheOldConfigAndAGoodOneApplies() throws Exception {
    Files.writeString(configFile, "scrape_configs:\n  - job_name: x\n    scrape_intervall: 1s\n");
    HttpResponse<String> refused = post("/-/reload");
    assertThat(refused.statusCode()).isEqualTo(500);
    assertThat(refused.body())
        .startsWith("failed to reload config: ")
        .contains("prometheus.yml:3")
        .contains("scrape_intervall");
    eventually(() -> federateQuietly("up"), "job=\"golang-server\"");

    Files.writeString(configFile, config("renamed"));
    assertThat(post("/-/reload").statusCode()).isEqualTo(200);
    eventually(() -> federateQuietly("up{job=\"renamed\"}"), "job=\"renamed\"");
    Files.writeString(configFile, config("golang-server"));
    assertThat(post("/-/reload").statusCode()).isEqualTo(200);
  }

  @Test
  void servesTheBuiltInUiBesideItsOtherEndpoints() throws Exception {
    new BuiltInUiCheck(port).assertServed();
    // The UI's paths take nothing from the API, Prometheus's endpoints and the actuator.
    assertThat(get("/api/v1/query?query=1").body()).contains("\"status\":\"success\"");
    assertThat(get("/-/healthy").statusCode()).isEqualTo(200);
    assertThat(get("/metrics").body()).contains("promfed_head_series");
    assertThat(get("/health/liveness").statusCode()).isEqualTo(200);
    assertThat(get("/federate?match%5B%5D=up").statusCode()).isEqualTo(200);
  }
}
