package io.promfed.leaf.web;

import static org.assertj.core.api.Assertions.assertThat;

import io.promfed.leaf.LeafAgentApplication;
import io.promfed.testing.ExternalBinary;
import java.io.IOException;
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
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeSet;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.springframework.boot.SpringApplication;
import org.springframework.boot.web.server.context.WebServerApplicationContext;
import org.springframework.context.ConfigurableApplicationContext;

/**
 * Our API and a real Prometheus (Debian's 2.42), both empty, answer the same requests: each one is
 * sent to both and the status and body must be identical. The requests are those whose answers need
 * no data (literals, parameter errors, empty label and series lists) and whose Prometheus behaviour
 * did not change between 2.42 and 3.x, the version we follow; where it did, the request is left
 * out, or listed in {@link #CHANGED_SINCE_2_42} with the change, so that any other difference
 * fails.
 */
class ApiDifferentialIT {

  @TempDir Path dir;
  ConfigurableApplicationContext leaf;
  Process prometheus;
  final HttpClient http = HttpClient.newHttpClient();

  /** Form-encoded request bodies, sent as GET query strings to both servers. */
  static final List<String> REQUESTS =
      List.of(
          // Literals: value and timestamp encoding.
          "/api/v1/query?query=1%2B1&time=4",
          "/api/v1/query?query=0.0000001&time=1.001",
          "/api/v1/query?query=1e22&time=1.01",
          "/api/v1/query?query=0%2F0&time=1.1",
          "/api/v1/query?query=-1%2F0&time=0",
          "/api/v1/query?query=-0&time=10",
          "/api/v1/query?query=%22a%20%3Cb%3E%20%26%20%5C%22c%5C%22%22&time=2",
          "/api/v1/query?query=vector(1)&time=120.5",
          "/api/v1/query?query=vector(-0.000001)&time=1435781451.781",
          "/api/v1/query?query=vector(1e-7)&time=2015-07-01T20:10:51.781Z",
          "/api/v1/query?query=vector(123456789012345678)&time=2015-07-01T20:10:51%2B02:00",
          "/api/v1/query?query=vector(time())%5B1s:500ms%5D&time=-1.5",
          "/api/v1/query?query=label_replace(vector(1),%22a%22,%22%3C%26%3E%22,%22%22,%22%22)&time=1",
          "/api/v1/query?query=does_not_exist&time=60",
          // Instant query errors.
          "/api/v1/query?query=up%7B&time=60",
          "/api/v1/query?query=sum(&time=60",
          "/api/v1/query?query=up&time=yesterday",
          "/api/v1/query?query=up&time=2015-02-29T20:10:51Z",
          "/api/v1/query?query=up&timeout=soon",
          // Range queries.
          "/api/v1/query_range?query=vector(1)&start=0.5&end=120.25&step=59.75",
          "/api/v1/query_range?query=1%2B1&start=0&end=2&step=1",
          "/api/v1/query_range?query=time()&start=0&end=300&step=1m30s",
          "/api/v1/query_range?query=up&start=0&end=11000&step=1",
          "/api/v1/query_range?query=up&start=0&end=11001&step=1",
          "/api/v1/query_range?query=up&start=60&end=0&step=15",
          "/api/v1/query_range?query=up&start=0&end=60&step=0",
          "/api/v1/query_range?query=up&start=0&end=60&step=-15",
          "/api/v1/query_range?query=up&start=0&end=60",
          "/api/v1/query_range?query=up&start=0&end=60&step=fast",
          "/api/v1/query_range?query=up&end=60&step=15",
          "/api/v1/query_range?query=up&start=now-1h&end=60&step=15",
          "/api/v1/query_range?query=up%5B5m%5D&start=0&end=60&step=15",
          "/api/v1/query_range?query=%22x%22&start=0&end=60&step=15",
          "/api/v1/query_range?query=sum(&start=0&end=60&step=15",
          "/api/v1/query_range?query=up&start=0&end=60&step=15&timeout=x",
          // Series, labels, label values, metadata, rules on an empty store.
          "/api/v1/series",
          "/api/v1/series?match%5B%5D=up",
          "/api/v1/series?match%5B%5D=%7B__name__!%3D%22%22%7D&start=0&end=6060",
          "/api/v1/series?match%5B%5D=%7Bfoo%3D%22%22%7D",
          "/api/v1/series?match%5B%5D=up%7B",
          "/api/v1/series?match%5B%5D=up&start=x",
          "/api/v1/labels",
          "/api/v1/labels?match%5B%5D=%7Bfoo%3D%22%22%7D",
          "/api/v1/labels?match%5B%5D=1",
          "/api/v1/labels?end=x",
          "/api/v1/label/__name__/values?start=0&end=6060",
          "/api/v1/label/job/values?match%5B%5D=%7Bjob!%3D%22x%22%7D",
          "/api/v1/label/job/values?match%5B%5D=%7Bjob%3D%7D",
          "/api/v1/metadata",
          "/api/v1/metadata?limit=x",
          "/api/v1/rules",
          // Exemplars: only the error paths (2.42 answers null data without exemplar storage).
          "/api/v1/query_exemplars?query=up&start=60&end=0",
          "/api/v1/query_exemplars?query=up)",
          "/api/v1/query_exemplars?query=up&start=x");

  private static final String LOWER_CASE =
      "Prometheus 3 writes \"invalid time value\" in lower case (api.go parseTimeParam)";
  private static final String WRAPPED =
      "Prometheus 3 reports NewRangeQuery errors as invalid parameter \"query\" (api.go"
          + " queryRange)";

  /** Requests whose answer changed between Prometheus 2.42 and 3.x; we answer like 3.x. */
  static final Map<String, String> CHANGED_SINCE_2_42 =
      Map.of(
          "/api/v1/query?query=vector(time())%5B1s:500ms%5D&time=-1.5",
          "Prometheus 3 selects ranges left-open, (t-1s, t]; 2.x took [t-1s, t]",
          "/api/v1/query?query=label_replace(vector(1),%22a%22,%22%3C%26%3E%22,%22%22,%22%22)&time=1",
          "Prometheus 3 writes label sets with jsoniter's WriteString, without HTML escaping"
              + " (json_codec.go marshalLabelsJSON); 2.42 used encoding/json",
          "/api/v1/query?query=up&time=yesterday",
          LOWER_CASE,
          "/api/v1/query?query=up&time=2015-02-29T20:10:51Z",
          LOWER_CASE,
          "/api/v1/series?match%5B%5D=up&start=x",
          LOWER_CASE,
          "/api/v1/labels?end=x",
          LOWER_CASE,
          "/api/v1/query_exemplars?query=up&start=x",
          LOWER_CASE,
          "/api/v1/query_range?query=up%5B5m%5D&start=0&end=60&step=15",
          WRAPPED,
          "/api/v1/query_range?query=%22x%22&start=0&end=60&step=15",
          WRAPPED,
          "/api/v1/query_range?query=sum(&start=0&end=60&step=15",
          WRAPPED);

  @AfterEach
  void stop() throws Exception {
    if (prometheus != null) {
      prometheus.destroy();
      prometheus.waitFor();
    }
    if (leaf != null) {
      leaf.close();
    }
  }

  static int freePort() throws IOException {
    try (ServerSocket s = new ServerSocket(0, 1, java.net.InetAddress.getLoopbackAddress())) {
      return s.getLocalPort();
    }
  }

  @Test
  void sameAnswersAsARealPrometheus() throws Exception {
    Path binary = ExternalBinary.require("prometheus");
    Path config = dir.resolve("prometheus.yml");
    Files.writeString(config, "global:\n  scrape_interval: 15s\n");

    int promPort = freePort();
    prometheus =
        new ProcessBuilder(
                binary.toString(),
                "--config.file=" + config,
                "--storage.tsdb.path=" + dir.resolve("data"),
                "--web.listen-address=127.0.0.1:" + promPort)
            .redirectErrorStream(true)
            .redirectOutput(dir.resolve("prometheus.log").toFile())
            .start();
    leaf =
        SpringApplication.run(
            LeafAgentApplication.class,
            "--config.file=" + config,
            "--server.port=0",
            "--server.address=127.0.0.1");
    int leafPort = ((WebServerApplicationContext) leaf).getWebServer().getPort();
    String prom = "http://127.0.0.1:" + promPort;
    String ours = "http://127.0.0.1:" + leafPort;
    awaitReady(prom);

    List<String> differences = new ArrayList<>();
    Set<String> differing = new TreeSet<>();
    for (String request : REQUESTS) {
      HttpResponse<String> want = get(prom + request);
      HttpResponse<String> got = get(ours + request);
      String w = want.statusCode() + " " + want.body();
      String g = got.statusCode() + " " + got.body();
      if (!w.equals(g)) {
        differing.add(request);
        differences.add(request + "\n  prometheus: " + w + "\n  ours:       " + g);
      }
    }
    assertThat(differing)
        .as("requests answered differently:\n" + String.join("\n", differences))
        .isEqualTo(new TreeSet<>(CHANGED_SINCE_2_42.keySet()));
  }

  HttpResponse<String> get(String url) throws Exception {
    return http.send(
        HttpRequest.newBuilder(URI.create(url)).build(), HttpResponse.BodyHandlers.ofString());
  }

  void awaitReady(String base) throws Exception {
    long deadline = System.nanoTime() + Duration.ofSeconds(30).toNanos();
    while (System.nanoTime() < deadline) {
      try {
        if (get(base + "/-/ready").statusCode() == 200) {
          return;
        }
      } catch (IOException e) {
        // not listening yet
      }
      Thread.sleep(100);
    }
    throw new AssertionError(
        "Prometheus did not get ready: " + Files.readString(dir.resolve("prometheus.log")));
  }

  static String enc(String s) {
    return URLEncoder.encode(s, StandardCharsets.UTF_8);
  }
}
