package io.promfed.web.api;

import static org.assertj.core.api.Assertions.assertThat;

import io.promfed.tsdb.Head;
import java.util.stream.Stream;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.DynamicTest;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestFactory;

/**
 * Grafana's Prometheus data source against our API: the call sequence of
 * reference/prometheus-semantics.md §4.1 replayed in order ({@code testdata/grafana.cases}, whole
 * bodies in {@code grafana.golden}), plus the facts Grafana's code actually depends on, asserted
 * one by one.
 */
class GrafanaSequenceTest {

  QueryApi api;

  @BeforeEach
  void setUp() {
    Head head = ApiFixtures.head();
    api = ApiFixtures.api(head, TargetRetriever.NONE, RulesRetriever.NONE);
  }

  @TestFactory
  Stream<DynamicTest> sequence() {
    return QueryApiGoldenTest.run(api, "grafana");
  }

  ApiResponse call(String path, String... kv) {
    return ApiFixtures.dispatch(api, path, ApiFixtures.params(kv));
  }

  @Test
  void healthCheckIsTheScalarTwoAtTimeFour() {
    // pkg/promlib/healthcheck.go: expr "1+1", instant, time range 1s–4s; it checks the status
    // and that the frame holds the value 2.
    ApiResponse r = call("/api/v1/query", "query", "1+1", "time", "4");
    assertThat(r.status()).isEqualTo(200);
    assertThat(r.contentType()).isEqualTo("application/json");
    assertThat(r.body())
        .isEqualTo(
            "{\"status\":\"success\",\"data\":{\"resultType\":\"scalar\",\"result\":[4,\"2\"]}}");
  }

  @Test
  void buildInfoHasNoFeaturesSoGrafanaDoesNotTakeUsForMimir() {
    // pkg/promlib/heuristics.go: a non-empty data.features means a Mimir/Cortex ruler.
    String body = call("/api/v1/status/buildinfo").body();
    assertThat(body).doesNotContain("features").doesNotContain("application");
    assertThat(body).contains("\"version\":").contains("\"goVersion\":");
  }

  @Test
  void exemplarsProbeWithMillisecondEpochsSucceeds() {
    // datasource.ts areExemplarsAvailable: start/end are epoch milliseconds; only the status is
    // looked at, so a success with no exemplars turns the feature on harmlessly.
    ApiResponse r =
        call(
            "/api/v1/query_exemplars",
            "query",
            "test",
            "start",
            "1700000000000",
            "end",
            "1700003600000");
    assertThat(r.status()).isEqualTo(200);
    assertThat(r.body()).isEqualTo("{\"status\":\"success\",\"data\":[]}");
  }

  @Test
  void rulesAnswerAnEmptyGroupList() {
    // datasource.ts loadRules reads data.groups.
    assertThat(call("/api/v1/rules").body())
        .isEqualTo("{\"status\":\"success\",\"data\":{\"groups\":[]}}");
  }

  @Test
  void seriesWithMatchAllAndGrafanasDefaultLimit() {
    ApiResponse r =
        call(
            "/api/v1/series",
            "match[]",
            "{__name__!=\"\"}",
            "start",
            "0",
            "end",
            "6060",
            "limit",
            "40000");
    assertThat(r.status()).isEqualTo(200);
    assertThat(r.warnings()).isEmpty();
    assertThat(r.body()).startsWith("{\"status\":\"success\",\"data\":[{\"__name__\":\"up\"");
  }

  @Test
  void escapedLabelNameIsDecoded() {
    // escapeForUtf8Support sends non-legacy names U__-escaped; legacy ones decode to themselves.
    assertThat(call("/api/v1/label/U__job/values").body())
        .isEqualTo(call("/api/v1/label/job/values").body());
  }
}
