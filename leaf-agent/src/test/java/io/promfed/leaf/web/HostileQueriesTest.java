package io.promfed.leaf.web;

import static org.assertj.core.api.Assertions.assertThat;

import com.jayway.jsonpath.JsonPath;
import io.promfed.model.labels.Labels;
import io.promfed.storage.remote.SnappyBlock;
import io.promfed.storage.remote.WriteRequestEncoder;
import java.net.URI;
import java.net.URLEncoder;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.springframework.boot.test.context.SpringBootTest;
import org.springframework.boot.test.web.server.LocalServerPort;
import org.springframework.test.context.DynamicPropertyRegistry;
import org.springframework.test.context.DynamicPropertySource;

/**
 * Queries that would take a naive engine down are refused by limits with Prometheus's own errors:
 * a range with too many points, a subquery over too many samples, a query past its timeout. A
 * pathological regular expression runs in linear time (RE2). The leaf keeps answering afterwards.
 */
@SpringBootTest(
    webEnvironment = SpringBootTest.WebEnvironment.RANDOM_PORT,
    properties = {"leaf.query-max-samples=200000", "leaf.query-timeout=3s"})
class HostileQueriesTest {

  static final int SERIES = 500;
  static final int SAMPLES = 240; // one hour at 15 s

  @TempDir static Path dir;

  @LocalServerPort int port;
  final HttpClient http = HttpClient.newHttpClient();
  static boolean loaded;

  @DynamicPropertySource
  static void props(DynamicPropertyRegistry registry) throws Exception {
    Path config = dir.resolve("prometheus.yml");
    Files.writeString(config, "global: {scrape_interval: 15s}\n");
    registry.add("config.file", config::toString);
  }

  @BeforeEach
  void load() throws Exception {
    if (loaded) {
      return;
    }
    long now = System.currentTimeMillis();
    WriteRequestEncoder enc = new WriteRequestEncoder();
    for (int s = 0; s < SERIES; s++) {
      enc.startSeries(Labels.of("__name__", "requests_total", "pod", "pod-" + s, "job", "demo"));
      for (int i = 0; i < SAMPLES; i++) {
        enc.addSample(now - (SAMPLES - i) * 15_000L, s + i);
      }
      enc.endSeries();
    }
    // A value that makes a backtracking regex engine explode on the pattern used below.
    enc.addSeries(
        Labels.of("__name__", "evil_total", "pod", "a".repeat(40)), new long[] {now}, new double[] {1});
    HttpResponse<String> r =
        http.send(
            HttpRequest.newBuilder(URI.create(base() + "/api/v1/write"))
                .header("Content-Encoding", "snappy")
                .header("Content-Type", "application/x-protobuf")
                .header("X-Prometheus-Remote-Write-Version", "0.1.0")
                .POST(HttpRequest.BodyPublishers.ofByteArray(enc.encodeSnappy(new SnappyBlock())))
                .build(),
            HttpResponse.BodyHandlers.ofString());
    assertThat(r.statusCode()).as(r.body()).isEqualTo(204);
    loaded = true;
  }

  String base() {
    return "http://127.0.0.1:" + port;
  }

  HttpResponse<String> get(String pathAndQuery) throws Exception {
    return http.send(
        HttpRequest.newBuilder(URI.create(base() + pathAndQuery)).timeout(Duration.ofSeconds(30)).build(),
        HttpResponse.BodyHandlers.ofString());
  }

  static String enc(String s) {
    return URLEncoder.encode(s, StandardCharsets.UTF_8);
  }

  @Test
  void aRangeWithTooManyPointsIsBadData() throws Exception {
    long now = System.currentTimeMillis() / 1000;
    HttpResponse<String> r =
        get("/api/v1/query_range?query=requests_total&start=" + (now - 10L * 365 * 86400)
            + "&end=" + now + "&step=1");
    assertThat(r.statusCode()).isEqualTo(400);
    assertThat(JsonPath.<String>read(r.body(), "$.errorType")).isEqualTo("bad_data");
    assertThat(JsonPath.<String>read(r.body(), "$.error"))
        .startsWith("exceeded maximum resolution of 11,000 points per timeseries");
  }

  @Test
  void aDeepSubqueryOverTooManySamplesFailsFast() throws Exception {
    long t0 = System.nanoTime();
    HttpResponse<String> r =
        get("/api/v1/query?query=" + enc("max_over_time(sum_over_time(requests_total[1h])[1h:1s])"));
    long ms = (System.nanoTime() - t0) / 1_000_000;
    assertThat(r.statusCode()).as(r.body()).isIn(422, 503);
    assertThat(JsonPath.<String>read(r.body(), "$.error"))
        .isIn(
            "query processing would load too many samples into memory in query execution",
            "query timed out in expression evaluation");
    assertThat(ms).as("answered within the query timeout plus slack").isLessThan(15_000);
  }

  @Test
  void aPathologicalRegexRunsInLinearTime() throws Exception {
    // Exponential for a backtracking engine on the 40 a's of evil_total's pod; linear for RE2.
    String evil = "(a|aa)*(a|aa)*(a|aa)*(a|aa)*b";
    long t0 = System.nanoTime();
    HttpResponse<String> r =
        get("/api/v1/query?query=" + enc("count(evil_total{pod=~\"" + evil + "\"}) or vector(0)"));
    assertThat(r.statusCode()).as(r.body()).isEqualTo(200);
    assertThat(JsonPath.<String>read(r.body(), "$.data.result[0].value[1]")).isEqualTo("0");
    assertThat((System.nanoTime() - t0) / 1_000_000).isLessThan(5_000);
    HttpResponse<String> series =
        get("/api/v1/series?match[]=" + enc("{__name__=~\"" + evil + "|requests_total\",pod=~\"pod-1.*\"}"));
    assertThat(series.statusCode()).isEqualTo(200);
    assertThat(JsonPath.<Integer>read(series.body(), "$.data.length()")).isEqualTo(111);
  }

  @Test
  void afterAllThatTheLeafStillAnswers() throws Exception {
    HttpResponse<String> r = get("/api/v1/query?query=" + enc("count(requests_total)"));
    assertThat(JsonPath.<String>read(r.body(), "$.data.result[0].value[1]"))
        .isEqualTo(Integer.toString(SERIES));
  }
}
