package io.promfed.demo;

import static org.assertj.core.api.Assertions.assertThat;

import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.atomic.AtomicLong;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * 20,000 requests from 16 threads: every counter increment and every access log line is there,
 * exactly once, and closing the context right after the last response (a graceful shutdown, as on
 * SIGTERM) loses no queued line.
 */
class ConcurrentHelloTest {

  private static final int THREADS = 16;
  private static final int REQUESTS_PER_THREAD = 1_250;
  private static final int REQUESTS = THREADS * REQUESTS_PER_THREAD;
  // Mostly GETs, with every other method the Go handler fails on mixed in; each thread starts
  // at a different offset.
  private static final List<String> METHODS =
      List.of("GET", "GET", "GET", "POST", "GET", "GET", "GET", "PUT", "GET", "GET", "GET", "HEAD",
          "GET", "GET", "GET", "OPTIONS");

  @TempDir Path directory;

  @Test
  void everyRequestIsCountedAndLoggedExactlyOnce() throws Exception {
    AtomicLong wrongAnswers = new AtomicLong();
    long gets;
    String metrics;
    try (RunningDemoServer server = RunningDemoServer.start(directory)) {
      ExecutorService clients = Executors.newFixedThreadPool(THREADS);
      try {
        List<Future<Long>> getsPerThread = new ArrayList<>();
        for (int t = 0; t < THREADS; t++) {
          int thread = t;
          getsPerThread.add(clients.submit(() -> sendShare(server, thread, wrongAnswers)));
        }
        gets = 0;
        for (Future<Long> f : getsPerThread) {
          gets += f.get();
        }
      } finally {
        clients.shutdownNow();
      }
      metrics = server.metrics();
    }

    assertThat(wrongAnswers).hasValue(0);
    assertThat(gets).isBetween(REQUESTS / 2L, REQUESTS - 1L);
    assertThat(MetricsText.value(metrics, "http_request_success_total")).isEqualTo(gets);
    assertThat(MetricsText.value(metrics, "http_request_fail_total")).isEqualTo(REQUESTS - gets);
    assertThat(MetricsText.value(metrics, "http_request_total")).isEqualTo(REQUESTS);
    assertThat(MetricsText.value(metrics, "demo_access_log_dropped_total{reason=\"stopped\"}"))
        .isZero();

    List<String> lines = Files.readAllLines(directory.resolve("access_log"));
    assertThat(lines).hasSize(REQUESTS);
    long successLines = lines.stream().map(AccessLogLine::parse).filter(AccessLogLine::success).count();
    assertThat(successLines).isEqualTo(gets);
  }

  private static long sendShare(RunningDemoServer server, int thread, AtomicLong wrongAnswers) {
    long gets = 0;
    for (int i = 0; i < REQUESTS_PER_THREAD; i++) {
      String method = METHODS.get((thread + i) % METHODS.size());
      HttpResponse<String> response = server.send(method, "/hello");
      String expected =
          switch (method) {
            case "GET" -> "hello!!!\n";
            case "HEAD" -> "";
            default -> "handle get method only!!!\n";
          };
      if (response.statusCode() != 200 || !response.body().equals(expected)) {
        wrongAnswers.incrementAndGet();
      }
      if (method.equals("GET")) {
        gets++;
      }
    }
    return gets;
  }
}
