package io.promfed.master;

import static org.assertj.core.api.Assertions.assertThat;

import com.sun.net.httpserver.HttpServer;
import java.io.IOException;
import java.io.OutputStream;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.net.URI;
import java.net.URLDecoder;
import java.net.URLEncoder;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicReference;
import java.util.function.Supplier;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import io.promfed.testing.BuiltInUiCheck;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.springframework.boot.test.context.SpringBootTest;
import org.springframework.boot.test.web.server.LocalServerPort;
import org.springframework.test.context.DynamicPropertyRegistry;
import org.springframework.test.context.DynamicPropertySource;

/**
 * The master end to end with the seed's federate job pasted verbatim: it scrapes a leaf's
 * /federate with both match[] selectors and honor_labels, a dead leaf next to it changes nothing
 * for the live one, and the federated series answer queries and the master's own /federate.
 */
@SpringBootTest(webEnvironment = SpringBootTest.WebEnvironment.RANDOM_PORT)
class MasterAggregatorApplicationTest {

  @TempDir static Path dir;
  static HttpServer leaf;
  static int deadLeafPort;
  static final AtomicInteger requests = new AtomicInteger();
  static final AtomicReference<String> lastQuery = new AtomicReference<>("");

  @LocalServerPort int port;
  final HttpClient http = HttpClient.newHttpClient();

  /** A leaf's /federate: a raw series and the seed's job: aggregate, both with timestamps. */
  @BeforeAll
  static void startLeaf() throws IOException {
    leaf = HttpServer.create(new InetSocketAddress("127.0.0.1", 0), 0);
    leaf.createContext(
        "/federate",
        ex -> {
          lastQuery.set(URLDecoder.decode(ex.getRequestURI().getRawQuery(), StandardCharsets.UTF_8));
          int n = requests.incrementAndGet();
          long now = System.currentTimeMillis();
          byte[] body =
              ("# TYPE http_request_total untyped\n"
                      + "http_request_total{cluster=\"eu1\",instance=\"10.0.0.7:8080\",job=\"golang-server\"} "
                      + n + " " + now + "\n"
                      + "# TYPE job:http_request_total:sum untyped\n"
                      + "job:http_request_total:sum{cluster=\"eu1\",job=\"golang-server\"} "
                      + (2 * n) + " " + now + "\n")
                  .getBytes(StandardCharsets.UTF_8);
          ex.getResponseHeaders().set("Content-Type", "text/plain; version=0.0.4");
          ex.sendResponseHeaders(200, body.length);
          try (OutputStream os = ex.getResponseBody()) {
            os.write(body);
          }
        });
    leaf.start();
    try (ServerSocket s = new ServerSocket(0)) {
      deadLeafPort = s.getLocalPort(); // closed again: connections to it are refused
    }
  }

  @AfterAll
  static void stopLeaf() {
    leaf.stop(0);
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
            scrape_interval: 1s

            honor_labels: true
            metrics_path: '/federate'

            params:
              'match[]':
                - '{__name__=~"job:.*"}'
                - '{__name__=~".+"}'

            static_configs:
              - targets:
                - "127.0.0.1:%d"
                - "127.0.0.1:%d"
        """
            .formatted(leaf.getAddress().getPort(), deadLeafPort));
    registry.add("config.file", configFile::toString);
  }

  HttpResponse<String> get(String path) throws Exception {
    return http.send(
        HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + port + path)).build(),
        HttpResponse.BodyHandlers.ofString());
  }

  String query(String promql) throws Exception {
    return get("/api/v1/query?query=" + URLEncoder.encode(promql, StandardCharsets.UTF_8)).body();
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
    throw new AssertionError("never saw " + expectedFragment + " in:\n" + last);
  }

  Supplier<String> querying(String promql) {
    return () -> {
      try {
        return query(promql);
      } catch (Exception e) {
        return e.toString();
      }
    };
  }

  @Test
  void federatesTheLeafWithTheSeedsJobAndKeepsItsLabels() throws Exception {
    String raw =
        eventually(
            querying("http_request_total"), "\"instance\":\"10.0.0.7:8080\"");
    // honor_labels: the leaf's job and instance win over the federate job's target labels.
    assertThat(raw).contains("\"job\":\"golang-server\"").contains("\"cluster\":\"eu1\"");
    assertThat(lastQuery.get())
        .contains("match[]={__name__=~\"job:.*\"}")
        .contains("match[]={__name__=~\".+\"}");
    eventually(querying("job:http_request_total:sum"), "\"job\":\"golang-server\"");
  }

  @Test
  void aDeadLeafIsDownAndDoesNotStallTheLiveOne() throws Exception {
    String up = eventually(querying("up{job=\"federate\"} == 0"), "127.0.0.1:" + deadLeafPort);
    assertThat(up).doesNotContain("\"instance\":\"127.0.0.1:" + leaf.getAddress().getPort());
    eventually(
        querying("up{job=\"federate\"} == 1"), "127.0.0.1:" + leaf.getAddress().getPort());
    // The live leaf keeps being scraped every second while the other one fails.
    int before = requests.get();
    Thread.sleep(2500);
    assertThat(requests.get()).isGreaterThanOrEqualTo(before + 2);
    String targets = get("/api/v1/targets").body();
    assertThat(targets).contains("\"health\":\"down\"").contains("\"health\":\"up\"");
  }

  @Test
  void servesItsOwnFederateForAMasterAbove() throws Exception {
    eventually(querying("http_request_total"), "golang-server");
    String body =
        get("/federate?match[]=" + URLEncoder.encode("{job=\"golang-server\"}", StandardCharsets.UTF_8))
            .body();
    assertThat(body)
        .contains("http_request_total{cluster=\"eu1\",instance=\"10.0.0.7:8080\",job=\"golang-server\"}");
  }

  @Test
  void prometheusManagementEndpoints() throws Exception {
    assertThat(get("/-/healthy").statusCode()).isEqualTo(200);
    eventually(
        () -> {
          try {
            return get("/-/ready").body();
          } catch (Exception e) {
            return e.toString();
          }
        },
        "Ready");
    assertThat(get("/api/v1/status/buildinfo").body()).contains("\"status\":\"success\"");
    assertThat(get("/health/readiness").statusCode()).isEqualTo(200);
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
