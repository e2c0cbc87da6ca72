package io.promfed.web.api;

import static io.promfed.web.api.ApiFixtures.params;
import static org.assertj.core.api.Assertions.assertThat;

import io.promfed.config.ConfigLoader;
import io.promfed.config.PrometheusConfig;
import io.promfed.model.labels.Labels;
import io.promfed.storage.Appender;
import io.promfed.storage.remote.RemoteReadFanout;
import io.promfed.storage.remote.RemoteReadServer;
import io.promfed.tsdb.Head;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.net.URI;
import java.net.http.HttpClient;
import java.time.Duration;
import java.util.List;
import java.util.Set;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * The master's query API over its own head fanned out to leaves by remote read (issue #6): data
 * held only by a leaf is answered, series in both are merged, and a dead leaf turns into a
 * warning on a successful response.
 */
class QueryApiFanoutTest {

  static final long NOW_MS = 600_000;

  final Head masterHead = new Head(() -> NOW_MS, Duration.ofDays(1));
  final Head leafHead = new Head(() -> NOW_MS, Duration.ofDays(1));
  RemoteReadServer leaf;
  URI deadUrl;
  QueryApi api;

  @BeforeEach
  void start() throws Exception {
    // The master federated the aggregate; only the leaf has the raw series.
    Appender m = masterHead.appender();
    Appender l = leafHead.appender();
    for (long t = 0; t <= NOW_MS; t += 60_000) {
      m.append(0, Labels.of("__name__", "job:requests:sum", "cluster", "c1"), t, 2 * t);
      l.append(0, Labels.of("__name__", "job:requests:sum"), t, 2 * t);
      l.append(0, Labels.of("__name__", "requests_total", "pod", "p1"), t, t);
      l.append(0, Labels.of("__name__", "requests_total", "pod", "p2"), t, t);
    }
    m.commit();
    l.commit();
    leaf = new RemoteReadServer(leafHead, Labels.of("cluster", "c1"));
    try (ServerSocket s = new ServerSocket(0, 1, InetAddress.getLoopbackAddress())) {
      deadUrl = URI.create("http://127.0.0.1:" + s.getLocalPort() + "/api/v1/read");
    }
    PrometheusConfig config =
        ConfigLoader.loadString(
            """
            remote_read:
              - url: %s
                read_recent: true
            """
                .formatted(leaf.url()),
            "master.yml");
    HttpClient http = HttpClient.newBuilder().version(HttpClient.Version.HTTP_1_1).build();
    RemoteReadFanout fanout =
        new RemoteReadFanout(
            masterHead, () -> config, () -> Set.of(deadUrl), http, "promfed/test", () -> 0);
    api =
        new QueryApi(
            fanout,
            ApiFixtures.engine(),
            TargetRetriever.NONE,
            RulesRetriever.NONE,
            ApiFixtures.STATUS,
            () -> NOW_MS);
  }

  @AfterEach
  void stop() {
    leaf.close();
  }

  String warning() {
    return "remote read from " + deadUrl + " failed: connection refused";
  }

  @Test
  void rawSeriesOfTheLeafAreAnsweredWithAWarningForTheDeadLeaf() {
    ApiResponse r = api.query(params("query", "sum(requests_total)", "time", "600"));
    assertThat(r.status()).isEqualTo(200);
    assertThat(r.body())
        .isEqualTo(
            "{\"status\":\"success\",\"data\":{\"resultType\":\"vector\",\"result\":"
                + "[{\"metric\":{},\"value\":[600,\"1200000\"]}]},"
                + "\"warnings\":[\""
                + warning()
                + "\"]}");
  }

  @Test
  void aSeriesInMasterAndLeafIsOneSeries() {
    ApiResponse r =
        api.queryRange(
            params("query", "job:requests:sum", "start", "540", "end", "600", "step", "60"));
    assertThat(r.status()).isEqualTo(200);
    assertThat(r.body())
        .contains(
            "\"result\":[{\"metric\":{\"__name__\":\"job:requests:sum\",\"cluster\":\"c1\"},"
                + "\"values\":[[540,\"1080000\"],[600,\"1200000\"]]}]")
        .contains("\"warnings\":[\"" + warning() + "\"]");
  }

  @Test
  void seriesAndLabelsReachTheLeavesToo() {
    ApiResponse series = api.series(params("match[]", "requests_total"));
    assertThat(series.body())
        .startsWith(
            "{\"status\":\"success\",\"data\":[{\"__name__\":\"requests_total\",\"cluster\":\"c1\","
                + "\"pod\":\"p1\"},")
        .endsWith("\"warnings\":[\"" + warning() + "\"]}");
    ApiResponse values = api.labelValues("pod", params());
    assertThat(values.body()).contains("\"data\":[\"p1\",\"p2\"]");
    assertThat(values.warnings()).containsExactly(warning());
  }

  @Test
  void withEveryLeafUpThereIsNoWarning() throws Exception {
    QueryApi healthy =
        new QueryApi(
            new RemoteReadFanout(
                masterHead,
                () -> PrometheusConfig.empty(),
                () -> List.of(leaf.url()),
                HttpClient.newHttpClient(),
                "promfed/test",
                () -> 0),
            ApiFixtures.engine(),
            TargetRetriever.NONE,
            RulesRetriever.NONE,
            ApiFixtures.STATUS,
            () -> NOW_MS);
    ApiResponse r = healthy.query(params("query", "count(requests_total)", "time", "600"));
    assertThat(r.body())
        .isEqualTo(
            "{\"status\":\"success\",\"data\":{\"resultType\":\"vector\",\"result\":"
                + "[{\"metric\":{},\"value\":[600,\"2\"]}]}}");
  }
}
