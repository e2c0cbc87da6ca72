package io.promfed.demo;

import static org.assertj.core.api.Assertions.assertThat;

import java.net.http.HttpResponse;
import java.nio.file.Path;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** {@code /metrics} serves the Prometheus text format, or OpenMetrics when asked for it. */
class MetricsEndpointTest {

  @TempDir static Path directory;
  static RunningDemoServer server;

  @BeforeAll
  static void start() {
    server = RunningDemoServer.start(directory);
    server.send("GET", "/hello");
  }

  @AfterAll
  static void stop() {
    server.close();
  }

  @Test
  void aScrapeWithoutAcceptGetsTheTextFormat() {
    HttpResponse<String> response = server.send("GET", "/metrics");

    assertThat(response.statusCode()).isEqualTo(200);
    assertThat(response.headers().firstValue("Content-Type"))
        .hasValueSatisfying(type -> assertThat(type).startsWith("text/plain;version=0.0.4"));
    assertThat(response.body())
        .contains("# HELP http_request_success_total access success count\n")
        .contains("# TYPE http_request_success_total counter\n")
        .contains("http_request_success_total 1.0\n")
        .doesNotContain("# EOF");
  }

  /** The header Prometheus 2.x sends, with OpenMetrics first. */
  @Test
  void prometheusAcceptHeaderGetsOpenMetrics() {
    HttpResponse<String> response =
        server.send(
            server
                .request("GET", "/metrics")
                .header(
                    "Accept",
                    "application/openmetrics-text;version=1.0.0,application/openmetrics-text;"
                        + "version=0.0.1;q=0.75,text/plain;version=0.0.4;q=0.5,*/*;q=0.1")
                .build());

    assertOpenMetrics(response);
  }

  @Test
  void openMetricsAcceptHeaderGetsOpenMetrics() {
    HttpResponse<String> response =
        server.send(
            server
                .request("GET", "/metrics")
                .header("Accept", "application/openmetrics-text; version=1.0.0")
                .build());

    assertOpenMetrics(response);
    assertThat(response.body())
        .contains("# TYPE http_request_success counter\n")
        .contains("# HELP http_request_success access success count\n")
        .contains("http_request_success_total 1.0\n");
  }

  @Test
  void jvmAndProcessMetricsAreThere() {
    assertThat(server.metrics())
        .contains("\njvm_memory_used_bytes{")
        .contains("\njvm_threads_live_threads ")
        .contains("\njvm_gc_")
        .contains("\nprocess_cpu_seconds_total ")
        .contains("\nprocess_start_time_seconds ")
        .contains("\nprocess_files_open_files ")
        .contains("\nprocess_uptime_seconds ");
  }

  /** Counted by the Go counters, not timed: see HelloObservationPredicate. */
  @Test
  void helloIsNotTimedByTheHttpServerObservation() {
    server.send("GET", "/health");

    assertThat(server.metrics())
        .contains("http_server_requests_seconds_count{")
        .doesNotContain("uri=\"UNKNOWN\"")
        .doesNotContain("uri=\"/hello\"");
  }

  private static void assertOpenMetrics(HttpResponse<String> response) {
    assertThat(response.statusCode()).isEqualTo(200);
    assertThat(response.headers().firstValue("Content-Type"))
        .hasValueSatisfying(
            type -> assertThat(type).startsWith("application/openmetrics-text;version=1.0.0"));
    assertThat(response.body()).endsWith("# EOF\n");
  }
}
