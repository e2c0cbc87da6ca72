package io.promfed.web.federate;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.promfed.model.labels.Labels;
import io.promfed.model.value.StaleNaN;
import io.promfed.promql.parser.PromQLParseException;
import io.promfed.storage.Appender;
import io.promfed.tsdb.Head;
import java.io.ByteArrayOutputStream;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * The scenarios of Prometheus's web/federate_test.go, with our own data set: series loaded at a
 * 1 minute step and a federation request at minute 101.
 */
class FederateHandlerTest {

  static final long MINUTE = 60_000;
  static final long NOW = 101 * MINUTE;

  Head head;

  @BeforeEach
  void load() throws Exception {
    head = new Head(() -> NOW, Duration.ofDays(365));
    series(Labels.of("__name__", "test_metric1", "foo", "bar", "instance", "i"), 0, 100, 100);
    series(Labels.of("__name__", "test_metric1", "foo", "boo", "instance", "i"), 1, 0, 100);
    series(Labels.of("__name__", "test_metric2", "foo", "boo", "instance", "i"), 1, 0, 100);
    series(Labels.of("__name__", "test_metric_without_labels"), 1, 10, 100);
    series(Labels.of("__name__", "test_metric_old"), 1, 10, 98);
    series(Labels.of("__name__", "test_metric_stale"), 1, 10, 99);
    Appender app = head.appender();
    app.append(0, Labels.of("__name__", "test_metric_stale"), 100 * MINUTE, StaleNaN.VALUE);
    app.commit();
  }

  /** Prometheus's "start+stepxN" notation: N+1 samples, one a minute from t=0. */
  void series(Labels l, double start, double step, int n) throws Exception {
    Appender app = head.appender();
    for (int i = 0; i <= n; i++) {
      app.append(0, l, i * MINUTE, start + step * i);
    }
    app.commit();
  }

  String federate(Labels external, String... match) throws Exception {
    FederateHandler h = new FederateHandler(head, () -> external, Duration.ofMinutes(5), () -> NOW);
    ByteArrayOutputStream out = new ByteArrayOutputStream();
    h.write(FederateHandler.parseSelectors(Arrays.asList(match)), out);
    return out.toString(StandardCharsets.UTF_8);
  }

  String federate(String... match) throws Exception {
    return federate(Labels.EMPTY, match);
  }

  static String lines(String... lines) {
    return String.join("\n", lines) + "\n";
  }

  @Test
  void noMatchersGiveAnEmptyBody() throws Exception {
    assertThat(federate()).isEmpty();
  }

  @Test
  void matchNothingGivesAnEmptyBody() throws Exception {
    assertThat(federate("does_not_match_anything")).isEmpty();
  }

  @Test
  void invalidSelectorsFailWithTheParserMessage() {
    assertThatThrownBy(() -> federate("-not-a-valid-metric-name"))
        .isInstanceOf(PromQLParseException.class)
        .hasMessageContaining("parse error");
    assertThatThrownBy(() -> federate("{foo=~\".*\"}"))
        .hasMessageContaining("vector selector must contain at least one non-empty matcher");
  }

  @Test
  void singleMatcher() throws Exception {
    assertThat(federate("test_metric1"))
        .isEqualTo(
            lines(
                "# TYPE test_metric1 untyped",
                "test_metric1{foo=\"bar\",instance=\"i\"} 10000 6000000",
                "test_metric1{foo=\"boo\",instance=\"i\"} 1 6000000"));
  }

  @Test
  void twoMatchers() throws Exception {
    assertThat(federate("test_metric1", "test_metric2"))
        .isEqualTo(
            lines(
                "# TYPE test_metric1 untyped",
                "test_metric1{foo=\"bar\",instance=\"i\"} 10000 6000000",
                "test_metric1{foo=\"boo\",instance=\"i\"} 1 6000000",
                "# TYPE test_metric2 untyped",
                "test_metric2{foo=\"boo\",instance=\"i\"} 1 6000000"));
  }

  @Test
  void twoMatchersWithOverlapGiveEachSeriesOnce() throws Exception {
    assertThat(federate("{__name__=~\"test_metric1\"}", "{foo=\"bar\"}"))
        .isEqualTo(
            lines(
                "# TYPE test_metric1 untyped",
                "test_metric1{foo=\"bar\",instance=\"i\"} 10000 6000000",
                "test_metric1{foo=\"boo\",instance=\"i\"} 1 6000000"));
  }

  @Test
  void seriesWithoutInstanceGetEmptyInstance() throws Exception {
    assertThat(federate("test_metric_without_labels"))
        .isEqualTo(
            lines(
                "# TYPE test_metric_without_labels untyped",
                "test_metric_without_labels{instance=\"\"} 1001 6000000"));
  }

  @Test
  void staleSeriesAreLeftOutOldOnesWithinLookbackKept() throws Exception {
    assertThat(federate("test_metric_stale")).isEmpty();
    assertThat(federate("test_metric_old"))
        .isEqualTo(
            lines(
                "# TYPE test_metric_old untyped",
                "test_metric_old{instance=\"\"} 981 5880000"));
  }

  @Test
  void externalLabelsAreAddedOnlyWhereMissingAndAfterTheSeriesOwn() throws Exception {
    Labels external = Labels.of("foo", "baz", "zone", "ie");
    assertThat(federate(external, "{foo=~\"b.*\"}", "test_metric_without_labels"))
        .isEqualTo(
            lines(
                "# TYPE test_metric1 untyped",
                "test_metric1{foo=\"bar\",instance=\"i\",zone=\"ie\"} 10000 6000000",
                "test_metric1{foo=\"boo\",instance=\"i\",zone=\"ie\"} 1 6000000",
                "# TYPE test_metric2 untyped",
                "test_metric2{foo=\"boo\",instance=\"i\",zone=\"ie\"} 1 6000000",
                "# TYPE test_metric_without_labels untyped",
                "test_metric_without_labels{foo=\"baz\",instance=\"\",zone=\"ie\"} 1001 6000000"));
  }

  @Test
  void instanceAsExternalLabelReplacesTheEmptyOne() throws Exception {
    Labels external = Labels.of("instance", "baz");
    assertThat(federate(external, "test_metric1", "test_metric_without_labels"))
        .isEqualTo(
            lines(
                "# TYPE test_metric1 untyped",
                "test_metric1{foo=\"bar\",instance=\"i\"} 10000 6000000",
                "test_metric1{foo=\"boo\",instance=\"i\"} 1 6000000",
                "# TYPE test_metric_without_labels untyped",
                "test_metric_without_labels{instance=\"baz\"} 1001 6000000"));
  }

  @Test
  void manySeriesStreamInNameAndLabelOrder() throws Exception {
    Appender app = head.appender();
    List<String> expected = new ArrayList<>();
    for (int i = 0; i < 2000; i++) {
      app.append(0, Labels.of("__name__", "bulk", "i", String.format("%05d", i)), NOW, i);
      expected.add(String.format("bulk{i=\"%05d\",instance=\"\"} %d %d", i, i, NOW));
    }
    app.commit();
    String body = federate("bulk");
    List<String> got = new ArrayList<>(Arrays.asList(body.split("\n")));
    assertThat(got.remove(0)).isEqualTo("# TYPE bulk untyped");
    assertThat(got).containsExactlyElementsOf(expected);
  }
}
