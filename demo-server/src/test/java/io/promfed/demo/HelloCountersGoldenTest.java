package io.promfed.demo;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.LocalDateTime;
import java.time.format.DateTimeFormatter;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * After a fixed mix of requests, the three Go counters read back from {@code /metrics} match the
 * golden file (HELP, TYPE and value lines), and the access log holds one line per request, in
 * order, naming the source line that wrote it.
 */
class HelloCountersGoldenTest {

  private static final List<String> MIX =
      List.of("GET", "GET", "GET", "POST", "PUT", "DELETE", "PATCH", "HEAD", "OPTIONS", "TRACE");
  private static final Path HELLO_SERVLET_SOURCE =
      Path.of("src/main/java/io/promfed/demo/web/HelloServlet.java");

  @TempDir Path directory;

  @Test
  void countersAndAccessLogAfterAMixOfMethods() throws IOException {
    String metrics;
    try (RunningDemoServer server = RunningDemoServer.start(directory)) {
      for (String method : MIX) {
        server.send(method, "/hello");
      }
      server.send("GET", "/hello/"); // not /hello: neither counted nor logged, as in Go
      metrics = server.metrics();
    }

    Golden.assertMatches(
        "hello-counters",
        MetricsText.families(
            metrics, "http_request_success_total", "http_request_fail_total", "http_request_total"));

    List<String> lines = Files.readAllLines(directory.resolve("access_log"));
    assertThat(lines).hasSize(MIX.size());
    for (int i = 0; i < MIX.size(); i++) {
      AccessLogLine line = AccessLogLine.parse(lines.get(i));
      assertThat(line.success()).as("line %d: %s", i + 1, lines.get(i))
          .isEqualTo(MIX.get(i).equals("GET"));
      assertThat(line.file()).isEqualTo("HelloServlet.java");
      assertThat(statementAt(line.line()))
          .as("statement at HelloServlet.java:%d", line.line())
          .startsWith("accessLog.append(")
          .contains(line.success() ? "Outcome.SUCCESS" : "Outcome.FAILED");
    }
  }

  /** Go's logger prints local time, not UTC. */
  @Test
  void theTimeIsLocalTime() throws IOException {
    try (RunningDemoServer server = RunningDemoServer.start(directory)) {
      server.send("GET", "/hello");
    }
    String line = Files.readAllLines(directory.resolve("access_log")).get(0);
    LocalDateTime logged =
        LocalDateTime.parse(
            line.substring("INFO".length(), "INFO2006/01/02 15:04:05".length()),
            DateTimeFormatter.ofPattern("yyyy/MM/dd HH:mm:ss"));

    assertThat(Duration.between(logged, LocalDateTime.now()).abs()).isLessThan(Duration.ofMinutes(1));
  }

  /** The Java statement starting at a 1-based line, up to its semicolon, whitespace collapsed. */
  private static String statementAt(int lineNumber) throws IOException {
    List<String> source = Files.readAllLines(HELLO_SERVLET_SOURCE);
    StringBuilder statement = new StringBuilder();
    for (int i = lineNumber - 1; i < source.size() && statement.indexOf(";") < 0; i++) {
      statement.append(source.get(i).trim());
    }
    return statement.toString();
  }
}
