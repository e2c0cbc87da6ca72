package io.promfed.demo;

import static org.assertj.core.api.Assertions.assertThat;

import java.net.http.HttpResponse;
import java.nio.file.Path;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/** Only health (with Kubernetes probes), info and the Prometheus scrape are reachable. */
class ActuatorExposureTest {

  @TempDir static Path directory;
  static RunningDemoServer server;

  @BeforeAll
  static void start() {
    server = RunningDemoServer.start(directory);
  }

  @AfterAll
  static void stop() {
    server.close();
  }

  @ParameterizedTest
  @ValueSource(strings = {"/health", "/health/liveness", "/health/readiness", "/livez", "/readyz"})
  void probesAreUp(String path) {
    HttpResponse<String> response = server.send("GET", path);

    assertThat(response.statusCode()).isEqualTo(200);
    assertThat(response.body()).contains("\"status\":\"UP\"");
  }

  @Test
  void healthShowsNoDetails() {
    assertThat(server.send("GET", "/health").body())
        .doesNotContain("diskSpace")
        .doesNotContain("details")
        .doesNotContain("components");
  }

  @Test
  void infoIsReachable() {
    assertThat(server.send("GET", "/info").statusCode()).isEqualTo(200);
  }

  @ParameterizedTest
  @ValueSource(
      strings = {
        "env", "heapdump", "beans", "threaddump", "configprops", "mappings", "loggers",
        "metrics/jvm.memory.used", "conditions", "scheduledtasks", "caches", "sbom", "startup",
        "httpexchanges", "logfile", "shutdown", "actuator", "actuator/env", "actuator/heapdump",
        "actuator/prometheus"
      })
  void sensitiveEndpointsAreNotFound(String endpoint) {
    assertThat(server.send("GET", "/" + endpoint).statusCode()).as("GET /%s", endpoint)
        .isEqualTo(404);
  }

  @Test
  void shutdownCannotBePosted() {
    assertThat(server.send("POST", "/shutdown").statusCode()).isEqualTo(404);
    assertThat(server.send("POST", "/actuator/shutdown").statusCode()).isEqualTo(404);
  }

  /**
   * TRACE is let through Tomcat for /hello's sake; elsewhere it must not become the servlet
   * default's echo of the request headers.
   */
  @Test
  void traceIsNotEchoedOutsideHello() {
    HttpResponse<String> response =
        server.send(server.request("TRACE", "/metrics").header("X-Secret", "s3cr3t").build());

    assertThat(response.statusCode()).isEqualTo(405);
    assertThat(response.body()).doesNotContain("s3cr3t");
  }
}
