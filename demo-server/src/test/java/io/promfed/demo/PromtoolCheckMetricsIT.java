package io.promfed.demo;

import static org.assertj.core.api.Assertions.assertThat;

import io.promfed.testing.ExternalBinary;
import java.io.IOException;
import java.io.OutputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Prometheus's own linter accepts what {@code /metrics} serves: {@code promtool check metrics}
 * exits 0 only if the text parses and {@code promlint} finds nothing (see PromlintMeterFilter).
 */
class PromtoolCheckMetricsIT {

  @TempDir Path directory;

  @Test
  void promtoolAcceptsTheMetricsEndpoint() throws Exception {
    Path promtool = ExternalBinary.require("promtool");
    String body;
    try (RunningDemoServer server = RunningDemoServer.start(directory)) {
      // Touch every code path that creates meters: both /hello branches, an actuator endpoint,
      // a 404, and an earlier scrape.
      server.send("GET", "/hello");
      server.send("POST", "/hello");
      server.send("HEAD", "/hello");
      server.send("GET", "/health");
      server.send("GET", "/no-such-page");
      server.metrics();
      body = server.metrics();
    }
    assertThat(body).contains("http_request_total 3.0");

    Process check =
        new ProcessBuilder(promtool.toString(), "check", "metrics")
            .redirectErrorStream(true)
            .start();
    try (OutputStream stdin = check.getOutputStream()) {
      stdin.write(body.getBytes(StandardCharsets.UTF_8));
    }
    String output = readAll(check);
    assertThat(check.waitFor(60, TimeUnit.SECONDS)).as("promtool finished").isTrue();
    assertThat(check.exitValue())
        .as("promtool check metrics exit code; it said:%n%s", output)
        .isZero();
  }

  private static String readAll(Process process) throws IOException {
    return new String(process.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
  }
}
