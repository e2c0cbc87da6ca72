package io.promfed.web.federate;

import static org.assertj.core.api.Assertions.assertThat;

import io.promfed.model.labels.Labels;
import io.promfed.storage.Appender;
import io.promfed.storage.MetricMetadata;
import io.promfed.tsdb.Head;
import java.io.ByteArrayOutputStream;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.Arrays;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/** {@code /federate} with the metadata scraped at this server: HELP and TYPE travel along. */
class FederateHandlerMetadataTest {

  static final long NOW = 100_000;

  Head head;

  @BeforeEach
  void setUp() {
    head = new Head(() -> NOW, Duration.ofDays(1));
  }

  void sample(String name, String... labels) throws Exception {
    String[] kv = new String[labels.length + 2];
    kv[0] = "__name__";
    kv[1] = name;
    System.arraycopy(labels, 0, kv, 2, labels.length);
    Appender app = head.appender();
    app.append(0, Labels.of(kv), NOW - 1000, 1);
    app.commit();
  }

  void metadata(String family, String type, String help) {
    Appender app = head.appender();
    app.updateMetadata(family, new MetricMetadata(type, help, ""));
    app.commit();
  }

  String federate(String... match) throws Exception {
    FederateHandler h =
        new FederateHandler(head, () -> Labels.EMPTY, Duration.ofMinutes(5), () -> NOW);
    ByteArrayOutputStream out = new ByteArrayOutputStream();
    h.write(FederateHandler.parseSelectors(Arrays.asList(match)), out);
    return out.toString(StandardCharsets.UTF_8);
  }

  static String lines(String... lines) {
    return String.join("\n", lines) + "\n";
  }

  @Test
  void countersAndGaugesGetTheirTypeAndHelp() throws Exception {
    metadata("http_requests_total", "counter", "Requests served.\nBy code.");
    metadata("temperature", "gauge", "");
    sample("http_requests_total", "code", "200");
    sample("temperature");
    sample("job:http_requests:rate5m"); // a rule output: no metadata

    assertThat(federate("{__name__=~\".+\"}"))
        .isEqualTo(
            lines(
                "# HELP http_requests_total Requests served.\\nBy code.",
                "# TYPE http_requests_total counter",
                "http_requests_total{code=\"200\",instance=\"\"} 1 99000",
                "# TYPE job:http_requests:rate5m untyped",
                "job:http_requests:rate5m{instance=\"\"} 1 99000",
                "# TYPE temperature gauge",
                "temperature{instance=\"\"} 1 99000"));
  }

  @Test
  void histogramMembersAreWrittenTogetherEvenWithOtherNamesSortingBetween() throws Exception {
    metadata("rpc", "histogram", "RPC latency.");
    sample("rpc_bucket", "le", "1");
    sample("rpc_bucket", "le", "+Inf");
    sample("rpc_count");
    sample("rpc_sum");
    // Sorts between rpc_bucket and rpc_count: must not split the family.
    sample("rpc_bucketz");

    assertThat(federate("{__name__=~\"rpc.*\"}"))
        .isEqualTo(
            lines(
                "# HELP rpc RPC latency.",
                "# TYPE rpc histogram",
                "rpc_bucket{le=\"+Inf\",instance=\"\"} 1 99000",
                "rpc_bucket{le=\"1\",instance=\"\"} 1 99000",
                "rpc_count{instance=\"\"} 1 99000",
                "rpc_sum{instance=\"\"} 1 99000",
                "# TYPE rpc_bucketz untyped",
                "rpc_bucketz{instance=\"\"} 1 99000"));
  }

  @Test
  void summaryOwnsItsQuantilesCountAndSum() throws Exception {
    metadata("gc_pause", "summary", "GC pauses.");
    sample("gc_pause", "quantile", "0.5");
    sample("gc_pause_count");
    sample("gc_pause_sum");

    assertThat(federate("{__name__=~\"gc.*\"}"))
        .isEqualTo(
            lines(
                "# HELP gc_pause GC pauses.",
                "# TYPE gc_pause summary",
                "gc_pause{quantile=\"0.5\",instance=\"\"} 1 99000",
                "gc_pause_count{instance=\"\"} 1 99000",
                "gc_pause_sum{instance=\"\"} 1 99000"));
  }

  @Test
  void onlyTheMatchedMembersOfAFamilyAreWritten() throws Exception {
    metadata("rpc", "histogram", "RPC latency.");
    sample("rpc_bucket", "le", "+Inf");
    sample("rpc_count");

    assertThat(federate("rpc_count"))
        .isEqualTo(
            lines(
                "# HELP rpc RPC latency.",
                "# TYPE rpc histogram",
                "rpc_count{instance=\"\"} 1 99000"));
  }

  @Test
  void openMetricsCounterIsWrittenUnderItsTotalName() throws Exception {
    metadata("jobs", "counter", "Jobs run.");
    sample("jobs_total");
    sample("jobs_created");

    assertThat(federate("{__name__=~\"jobs.*\"}"))
        .isEqualTo(
            lines(
                "# TYPE jobs_created untyped",
                "jobs_created{instance=\"\"} 1 99000",
                "# HELP jobs_total Jobs run.",
                "# TYPE jobs_total counter",
                "jobs_total{instance=\"\"} 1 99000"));
  }

  @Test
  void disagreeingTypesFallBackToUntyped() throws Exception {
    metadata("queue_length", "gauge", "Queue length.");
    metadata("queue_length", "counter", "Queue length.");
    metadata("rpc", "histogram", "");
    metadata("rpc", "summary", "");
    sample("queue_length");
    sample("rpc_count");

    assertThat(federate("{__name__=~\"queue_length|rpc_count\"}"))
        .isEqualTo(
            lines(
                "# TYPE queue_length untyped",
                "queue_length{instance=\"\"} 1 99000",
                "# TYPE rpc_count untyped",
                "rpc_count{instance=\"\"} 1 99000"));
  }

  @Test
  void sameTypeWithDifferentHelpKeepsTheTypeAndTheLatestHelp() throws Exception {
    metadata("up_since", "gauge", "old help");
    metadata("up_since", "gauge", "new help");
    sample("up_since");

    assertThat(federate("up_since"))
        .isEqualTo(
            lines(
                "# HELP up_since new help",
                "# TYPE up_since gauge",
                "up_since{instance=\"\"} 1 99000"));
  }

  @Test
  void membersDeclaredAsFamiliesOfTheirOwnBreakTheGroup() throws Exception {
    metadata("x", "histogram", "");
    metadata("x_count", "gauge", "Counted elsewhere.");
    sample("x_bucket", "le", "+Inf");
    sample("x_count");

    assertThat(federate("{__name__=~\"x_.*\"}"))
        .isEqualTo(
            lines(
                "# TYPE x_bucket untyped",
                "x_bucket{le=\"+Inf\",instance=\"\"} 1 99000",
                "# HELP x_count Counted elsewhere.",
                "# TYPE x_count gauge",
                "x_count{instance=\"\"} 1 99000"));
  }

  @Test
  void histogramWithABareSampleAndTypesWithoutTextCounterpartAreUntyped() throws Exception {
    metadata("h", "histogram", "");
    metadata("g", "gaugehistogram", "");
    sample("h");
    sample("h_count");
    sample("g_bucket", "le", "+Inf");

    assertThat(federate("{__name__=~\"h|h_count|g_bucket\"}"))
        .isEqualTo(
            lines(
                "# TYPE g_bucket untyped",
                "g_bucket{le=\"+Inf\",instance=\"\"} 1 99000",
                "# TYPE h untyped",
                "h{instance=\"\"} 1 99000",
                "# TYPE h_count untyped",
                "h_count{instance=\"\"} 1 99000"));
  }
}
