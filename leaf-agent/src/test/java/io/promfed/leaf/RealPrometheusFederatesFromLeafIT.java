package io.promfed.leaf;

import static org.assertj.core.api.Assertions.assertThat;

import com.sun.net.httpserver.HttpServer;
import io.promfed.testing.ExternalBinary;
import java.io.IOException;
import java.io.OutputStream;
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
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.springframework.boot.SpringApplication;
import org.springframework.boot.web.server.context.WebServerApplicationContext;
import org.springframework.context.ConfigurableApplicationContext;

/**
 * A real Prometheus (Debian's 2.42) federates from our leaf with the seed's federate job: it must
 * not be able to tell our leaf from one of its own. The leaf scrapes a target exposing the demo
 * server's counters, a histogram, a summary and a gauge, and a second target that disagrees about
 * one metric's type; Prometheus then holds the same series, values and labels, and, unlike when
 * it federates from another Prometheus, their HELP and TYPE (issue #6). promtool's strict parser
 * checks the leaf's /federate body on the way.
 */
class RealPrometheusFederatesFromLeafIT {

  @TempDir Path dir;
  HttpServer target;
  ConfigurableApplicationContext leaf;
  Process prometheus;
  final HttpClient http = HttpClient.newHttpClient();

  @AfterEach
  void stop() throws Exception {
    if (prometheus != null) {
      prometheus.destroy();
      prometheus.waitFor();
    }
    if (leaf != null) {
      leaf.close();
    }
    if (target != null) {
      target.stop(0);
    }
  }

  static int freePort() throws IOException {
    try (ServerSocket s = new ServerSocket(0, 1, java.net.InetAddress.getLoopbackAddress())) {
      return s.getLocalPort();
    }
  }

  @Test
  void prometheusFederatesOurLeafWithTheSeedsJob() throws Exception {
    Path binary = ExternalBinary.require("prometheus");
    Path promtool = ExternalBinary.require("promtool");
    target = HttpServer.create(new InetSocketAddress("127.0.0.1", 0), 0);
    serve(
        "/other",
        """
        # HELP queue_length Items queued, counted.
        # TYPE queue_length counter
        queue_length 5
        """);
    target.createContext(
        "/metrics",
        ex -> {
          byte[] body =
              """
              # HELP http_request_success_total access success count
              # TYPE http_request_success_total counter
              http_request_success_total 40
              # HELP http_request_fail_total access faile count
              # TYPE http_request_fail_total counter
              http_request_fail_total 2
              # TYPE latency_seconds histogram
              latency_seconds_bucket{le="0.1"} 3
              latency_seconds_bucket{le="1"} 5
              latency_seconds_bucket{le="+Inf"} 6
              latency_seconds_sum 2.5
              latency_seconds_count 6
              # HELP latency_seconds_bucket_limit Sorts between the histogram's names.
              # TYPE latency_seconds_bucket_limit gauge
              latency_seconds_bucket_limit 10
              # HELP rpc_duration_seconds RPC latency.
              # TYPE rpc_duration_seconds summary
              rpc_duration_seconds{quantile="0.5"} 0.02
              rpc_duration_seconds{quantile="0.9"} 0.05
              rpc_duration_seconds_sum 1.5
              rpc_duration_seconds_count 60
              # HELP temperature_celsius Room "temperature" \\\\ in C.
              # TYPE temperature_celsius gauge
              temperature_celsius 21.5
              # HELP queue_length Items queued.
              # TYPE queue_length gauge
              queue_length 3
              """
                  .getBytes(StandardCharsets.UTF_8);
          ex.getResponseHeaders().set("Content-Type", "text/plain; version=0.0.4");
          ex.sendResponseHeaders(200, body.length);
          try (OutputStream os = ex.getResponseBody()) {
            os.write(body);
          }
        });
    target.start();
    String targetAddr = "127.0.0.1:" + target.getAddress().getPort();

    Path leafConfig = dir.resolve("leaf.yml");
    Files.writeString(
        leafConfig,
        """
        global:
          scrape_interval: 1s
          external_labels:
            cluster: kind-1
        scrape_configs:
          - job_name: golang-server
            static_configs:
              - targets: ['%s']
          - job_name: other-server
            metrics_path: /other
            static_configs:
              - targets: ['%s']
        """
            .formatted(targetAddr, targetAddr));
    leaf =
        SpringApplication.run(
            LeafAgentApplication.class,
            "--config.file=" + leafConfig,
            "--server.port=0",
            "--server.address=127.0.0.1");
    int leafPort = ((WebServerApplicationContext) leaf).getWebServer().getPort();

    // The seed's federate job, verbatim but for the target.
    int promPort = freePort();
    Path promConfig = dir.resolve("prometheus.yml");
    Files.writeString(
        promConfig,
        """
        global:
          scrape_interval: 1s
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
        """
            .formatted(leafPort));
    prometheus =
        new ProcessBuilder(
                binary.toString(),
                "--config.file=" + promConfig,
                "--storage.tsdb.path=" + dir.resolve("data"),
                "--web.listen-address=127.0.0.1:" + promPort)
            .redirectErrorStream(true)
            .redirectOutput(dir.resolve("prometheus.log").toFile())
            .start();

    String base = "http://127.0.0.1:" + promPort;
    String up = eventually(base, "up{job=\"federate\"}", "\"1\"");
    assertThat(up).contains("\"instance\":\"127.0.0.1:" + leafPort + "\"");

    // Honor labels: job/instance come from the leaf, not from the federate job.
    String success =
        eventually(base, "http_request_success_total", "\"40\"");
    assertThat(success)
        .contains("\"job\":\"golang-server\"")
        .contains("\"instance\":\"" + targetAddr + "\"")
        .contains("\"cluster\":\"kind-1\"");
    eventually(base, "http_request_fail_total", "\"2\"");
    String quantile =
        eventually(
            base, "histogram_quantile(0.5, latency_seconds_bucket{job=\"golang-server\"})", "\"value\"");
    assertThat(quantile).contains("\"0.1\"");

    // The leaf's own report series cross too, and Prometheus found nothing to reject.
    eventually(base, "up{job=\"golang-server\"}", "\"1\"");
    Thread.sleep(3000); // a few more federation rounds, which repeat samples the leaf already gave
    String selfMetrics =
        http.send(
                HttpRequest.newBuilder(URI.create(base + "/metrics")).build(),
                HttpResponse.BodyHandlers.ofString())
            .body();
    assertThat(selfMetrics)
        .contains("prometheus_target_scrapes_sample_out_of_order_total 0\n")
        .contains("prometheus_target_scrapes_sample_duplicate_timestamp_total 0\n")
        .contains("prometheus_target_scrapes_sample_out_of_bounds_total 0\n")
        .contains("prometheus_target_scrapes_exceeded_sample_limit_total 0\n");
    assertThat(Files.readString(dir.resolve("prometheus.log"))).doesNotContain("level=error");

    // HELP and TYPE crossed: Prometheus's own metadata API knows them; the type the two targets
    // disagree on arrives untyped, which Prometheus lists as unknown.
    String metadata = eventuallyMetadata(base, "queue_length");
    assertThat(metadata)
        .contains(
            "\"http_request_success_total\":[{\"type\":\"counter\",\"help\":\"access success count\"",
            "\"latency_seconds\":[{\"type\":\"histogram\"",
            "\"latency_seconds_bucket_limit\":[{\"type\":\"gauge\",\"help\":\"Sorts between",
            "\"rpc_duration_seconds\":[{\"type\":\"summary\",\"help\":\"RPC latency.\"",
            "\"temperature_celsius\":[{\"type\":\"gauge\",\"help\":\"Room \\\"temperature\\\" \\\\ in C.\"",
            "\"queue_length\":[{\"type\":\"unknown\",\"help\":\"\"");
    eventually(base, "rpc_duration_seconds{quantile=\"0.9\"}", "\"0.05\"");
    eventually(base, "queue_length{job=\"other-server\"}", "\"5\"");

    // The strict text parser (expfmt, as in promtool and client libraries) accepts the body too:
    // each family declared once, its lines together.
    String federate =
        http.send(
                HttpRequest.newBuilder(
                        URI.create(
                            "http://127.0.0.1:"
                                + leafPort
                                + "/federate?match[]="
                                + URLEncoder.encode("{__name__=~\".+\"}", StandardCharsets.UTF_8)))
                    .build(),
                HttpResponse.BodyHandlers.ofString())
            .body();
    assertThat(federate)
        .contains(
            "# HELP rpc_duration_seconds RPC latency.\n# TYPE rpc_duration_seconds summary\n",
            "# TYPE queue_length untyped\n");
    Path body = dir.resolve("federate.txt");
    Files.writeString(body, federate);
    Process check =
        new ProcessBuilder(promtool.toString(), "check", "metrics")
            .redirectInput(body.toFile())
            .redirectErrorStream(true)
            .start();
    String checkOutput = new String(check.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
    check.waitFor();
    // Lint findings (no HELP on untyped names) are fine; a parse error would end the lint.
    assertThat(checkOutput).doesNotContain("error while linting").doesNotContain("parsing error");
  }

  void serve(String path, String exposition) {
    byte[] body = exposition.getBytes(StandardCharsets.UTF_8);
    target.createContext(
        path,
        ex -> {
          ex.getResponseHeaders().set("Content-Type", "text/plain; version=0.0.4");
          ex.sendResponseHeaders(200, body.length);
          try (OutputStream os = ex.getResponseBody()) {
            os.write(body);
          }
        });
  }

  /** Prometheus's /api/v1/metadata once it lists {@code metric}. */
  String eventuallyMetadata(String base, String metric) throws Exception {
    long deadline = System.nanoTime() + Duration.ofSeconds(40).toNanos();
    String last = "";
    while (System.nanoTime() < deadline) {
      last =
          http.send(
                  HttpRequest.newBuilder(URI.create(base + "/api/v1/metadata")).build(),
                  HttpResponse.BodyHandlers.ofString())
              .body();
      if (last.contains("\"" + metric + "\"")) {
        return last;
      }
      Thread.sleep(250);
    }
    throw new AssertionError("Prometheus never listed metadata of " + metric + "; last: " + last);
  }

  String query(String base, String promql) throws Exception {
    HttpResponse<String> r =
        http.send(
            HttpRequest.newBuilder(
                    URI.create(
                        base + "/api/v1/query?query=" + URLEncoder.encode(promql, StandardCharsets.UTF_8)))
                .build(),
            HttpResponse.BodyHandlers.ofString());
    return r.body();
  }

  String eventually(String base, String promql, String fragment) throws Exception {
    long deadline = System.nanoTime() + Duration.ofSeconds(40).toNanos();
    String last = "";
    while (System.nanoTime() < deadline) {
      try {
        last = query(base, promql);
        if (last.contains(fragment)) {
          return last;
        }
      } catch (IOException notUpYet) {
        last = notUpYet.toString();
      }
      Thread.sleep(250);
    }
    throw new AssertionError(
        "Prometheus never answered " + promql + " with " + fragment + "; last: " + last
            + "\nprometheus.log:\n" + Files.readString(dir.resolve("prometheus.log")));
  }
}
