package io.promfed.leaf;

import static org.assertj.core.api.Assertions.assertThat;

import io.promfed.config.RemoteReadConfig;
import io.promfed.model.labels.Labels;
import io.promfed.model.labels.Matcher;
import io.promfed.model.value.StaleNaN;
import io.promfed.storage.Querier;
import io.promfed.storage.SeriesCursor;
import io.promfed.storage.SeriesSet;
import io.promfed.storage.remote.RemoteReadQueryable;
import io.promfed.storage.remote.WriteRequestEncoder;
import io.promfed.testing.ExternalBinary;
import java.io.IOException;
import java.net.InetAddress;
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
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.springframework.boot.SpringApplication;
import org.springframework.boot.web.server.context.WebServerApplicationContext;
import org.springframework.context.ConfigurableApplicationContext;

/**
 * Remote read 1.0 against a real Prometheus (Debian's 2.42), both ways: our client reads what a
 * Prometheus holds, and a Prometheus with {@code remote_read} pointing at our leaf answers its own
 * PromQL queries with series only our leaf holds (issue #6).
 */
class RemoteReadInteropIT {

  @TempDir Path dir;
  ConfigurableApplicationContext leaf;
  Process prometheus;
  final HttpClient http = HttpClient.newBuilder().version(HttpClient.Version.HTTP_1_1).build();

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
    try (ServerSocket s = new ServerSocket(0, 1, InetAddress.getLoopbackAddress())) {
      return s.getLocalPort();
    }
  }

  /** Samples at now - 60s … now in 15s steps: 0, 1, 2, 3, 4 times {@code scale}. */
  static long[] times(long nowMs) {
    long[] t = new long[5];
    for (int i = 0; i < 5; i++) {
      t[i] = nowMs - 60_000 + i * 15_000L;
    }
    return t;
  }

  static double[] values(double scale) {
    return new double[] {0, scale, 2 * scale, 3 * scale, 4 * scale};
  }

  void push(String baseUrl, Labels labels, long[] t, double[] v) throws Exception {
    HttpResponse<String> r =
        http.send(
            HttpRequest.newBuilder(URI.create(baseUrl + "/api/v1/write"))
                .header("Content-Encoding", "snappy")
                .header("Content-Type", "application/x-protobuf")
                .header("X-Prometheus-Remote-Write-Version", "0.1.0")
                .POST(
                    HttpRequest.BodyPublishers.ofByteArray(
                        WriteRequestEncoder.encodeSnappy(labels, t, v)))
                .build(),
            HttpResponse.BodyHandlers.ofString());
    assertThat(r.statusCode()).as(r.body()).isEqualTo(204);
  }

  Process startPrometheus(String config, int port, String... flags) throws Exception {
    Path binary = ExternalBinary.require("prometheus");
    Path file = dir.resolve("prometheus.yml");
    Files.writeString(file, config);
    List<String> cmd = new ArrayList<>();
    cmd.add(binary.toString());
    cmd.add("--config.file=" + file);
    cmd.add("--storage.tsdb.path=" + dir.resolve("data"));
    cmd.add("--web.listen-address=127.0.0.1:" + port);
    cmd.addAll(List.of(flags));
    Process p =
        new ProcessBuilder(cmd)
            .redirectErrorStream(true)
            .redirectOutput(dir.resolve("prometheus.log").toFile())
            .start();
    awaitReady("http://127.0.0.1:" + port);
    return p;
  }

  void awaitReady(String base) throws Exception {
    long deadline = System.nanoTime() + Duration.ofSeconds(40).toNanos();
    while (System.nanoTime() < deadline) {
      try {
        HttpResponse<String> r =
            http.send(
                HttpRequest.newBuilder(URI.create(base + "/-/ready")).build(),
                HttpResponse.BodyHandlers.ofString());
        if (r.statusCode() == 200) {
          return;
        }
      } catch (IOException notYet) {
        // starting
      }
      Thread.sleep(200);
    }
    throw new AssertionError(
        "Prometheus not ready; log:\n" + Files.readString(dir.resolve("prometheus.log")));
  }

  @Test
  void ourClientReadsWhatARealPrometheusHolds() throws Exception {
    int port = freePort();
    prometheus =
        startPrometheus(
            """
            global:
              external_labels:
                source: prom
            """,
            port,
            "--web.enable-remote-write-receiver");
    String base = "http://127.0.0.1:" + port;
    long now = System.currentTimeMillis();
    long[] t = times(now);
    push(base, Labels.of("__name__", "interop_total", "pod", "p1"), t, values(1));
    push(base, Labels.of("__name__", "interop_total", "pod", "p2"), t, values(10));
    double[] withStale = values(5);
    withStale[4] = StaleNaN.VALUE;
    push(base, Labels.of("__name__", "interop_gauge"), t, withStale);

    RemoteReadQueryable remote =
        new RemoteReadQueryable(
            RemoteReadConfig.forLeaf(URI.create(base + "/api/v1/read")),
            http,
            "promfed-it",
            () -> Labels.EMPTY,
            () -> Long.MAX_VALUE);
    try (Querier q = remote.querier(t[1], t[3])) {
      List<String> got = read(q.select(true, Matcher.equal("__name__", "interop_total")));
      assertThat(got)
          .containsExactly(
              "{__name__=\"interop_total\", pod=\"p1\", source=\"prom\"} "
                  + t[1] + "=1.0 " + t[2] + "=2.0 " + t[3] + "=3.0",
              "{__name__=\"interop_total\", pod=\"p2\", source=\"prom\"} "
                  + t[1] + "=10.0 " + t[2] + "=20.0 " + t[3] + "=30.0");
      assertThat(q.labelValues("pod", Matcher.equal("__name__", "interop_total")))
          .containsExactly("p1", "p2");
    }
    // Stale markers cross remote read bit for bit.
    try (Querier q = remote.querier(t[0], t[4])) {
      SeriesSet set = q.select(true, Matcher.equal("__name__", "interop_gauge"));
      assertThat(set.next()).isTrue();
      SeriesCursor c = set.at().cursor();
      int n = 0;
      double last = 0;
      while (c.next()) {
        n++;
        last = c.atV();
      }
      assertThat(n).isEqualTo(5);
      assertThat(Double.doubleToRawLongBits(last)).isEqualTo(StaleNaN.BITS);
    }
    // A regex matcher and a negative one are understood by Prometheus as we mean them.
    try (Querier q = remote.querier(t[0], t[4])) {
      assertThat(
              read(
                  q.select(
                      true,
                      Matcher.regex("__name__", "interop_.*"),
                      Matcher.of(Matcher.Type.NOT_EQUAL, "pod", "p2"))))
          .extracting(s -> s.substring(0, s.indexOf('}') + 1))
          .containsExactly(
              "{__name__=\"interop_gauge\", source=\"prom\"}",
              "{__name__=\"interop_total\", pod=\"p1\", source=\"prom\"}");
    }
  }

  @Test
  void aRealPrometheusQueriesSeriesOnlyOurLeafHolds() throws Exception {
    Path leafConfig = dir.resolve("leaf.yml");
    Files.writeString(
        leafConfig,
        """
        global:
          external_labels:
            cluster: kind-1
        """);
    leaf =
        SpringApplication.run(
            LeafAgentApplication.class,
            "--config.file=" + leafConfig,
            "--server.port=0",
            "--server.address=127.0.0.1");
    int leafPort = ((WebServerApplicationContext) leaf).getWebServer().getPort();
    String leafBase = "http://127.0.0.1:" + leafPort;
    long now = System.currentTimeMillis();
    long[] t = times(now);
    push(leafBase, Labels.of("__name__", "leaf_only_total", "pod", "p1"), t, values(1));
    push(leafBase, Labels.of("__name__", "leaf_only_total", "pod", "p2"), t, values(2));

    int port = freePort();
    prometheus =
        startPrometheus(
            """
            remote_read:
              - url: %s/api/v1/read
                read_recent: true
            """
                .formatted(leafBase),
            port);
    String base = "http://127.0.0.1:" + port;
    double evalAt = t[4] / 1000.0;

    String instant = query(base, "/api/v1/query", "query", "sum(leaf_only_total)", "time", evalAt);
    assertThat(instant)
        .isEqualTo(
            "{\"status\":\"success\",\"data\":{\"resultType\":\"vector\",\"result\":"
                + "[{\"metric\":{},\"value\":["
                + fmt(evalAt)
                + ",\"12\"]}]}}");
    String byPod = query(base, "/api/v1/query", "query", "leaf_only_total{pod=\"p2\"}", "time", evalAt);
    assertThat(byPod)
        .contains("\"metric\":{\"__name__\":\"leaf_only_total\",\"cluster\":\"kind-1\",\"pod\":\"p2\"}")
        .contains(",\"8\"]");
    String range =
        query(
            base,
            "/api/v1/query_range",
            "query",
            "leaf_only_total{pod=\"p1\"}",
            "start",
            t[0] / 1000.0,
            "end",
            evalAt,
            "step",
            15.0);
    assertThat(range).contains("\"values\":[[").contains(",\"0\"],[").contains(",\"4\"]]");
    String series = query(base, "/api/v1/series", "match[]", "leaf_only_total", "start", t[0] / 1000.0, "end", evalAt);
    assertThat(series).contains("\"pod\":\"p1\"").contains("\"pod\":\"p2\"");
    assertThat(Files.readString(dir.resolve("prometheus.log"))).doesNotContain("level=error");
  }

  /**
   * A sample time as Prometheus's API writes it (util/jsonutil MarshalTimestamp): whole seconds,
   * then, unless zero, the milliseconds as three digits ({@code .820}, not {@code .82}).
   */
  static String fmt(double seconds) {
    long ms = Math.round(seconds * 1000);
    long fraction = ms % 1000;
    return fraction == 0 ? Long.toString(ms / 1000) : String.format("%d.%03d", ms / 1000, fraction);
  }

  String query(String base, String path, Object... params) throws Exception {
    StringBuilder url = new StringBuilder(base).append(path).append('?');
    for (int i = 0; i < params.length; i += 2) {
      Object v = params[i + 1];
      String text = v instanceof Double d ? fmt(d) : v.toString();
      url.append(params[i]).append('=').append(URLEncoder.encode(text, StandardCharsets.UTF_8));
      url.append('&');
    }
    HttpResponse<String> r =
        http.send(
            HttpRequest.newBuilder(URI.create(url.toString())).build(),
            HttpResponse.BodyHandlers.ofString());
    assertThat(r.statusCode()).as(r.body()).isEqualTo(200);
    return r.body();
  }

  static List<String> read(SeriesSet set) {
    List<String> out = new ArrayList<>();
    while (set.next()) {
      StringBuilder sb = new StringBuilder(set.at().labels().toString());
      SeriesCursor c = set.at().cursor();
      while (c.next()) {
        sb.append(' ').append(c.atT()).append('=').append(c.atV());
      }
      out.add(sb.toString());
    }
    return out;
  }
}
