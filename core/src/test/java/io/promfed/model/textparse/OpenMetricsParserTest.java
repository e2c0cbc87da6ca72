package io.promfed.model.textparse;

import static io.promfed.model.textparse.Fixtures.dump;
import static io.promfed.model.textparse.Fixtures.firstError;
import static io.promfed.model.textparse.Fixtures.goUnquote;
import static io.promfed.model.textparse.Fixtures.golden;
import static io.promfed.model.textparse.Fixtures.resource;
import static io.promfed.model.textparse.Fixtures.tableLines;
import static org.assertj.core.api.Assertions.assertThat;
import static org.junit.jupiter.api.DynamicTest.dynamicTest;

import io.promfed.model.labels.Labels;
import io.promfed.model.labels.LabelsBuilder;
import io.promfed.model.textparse.Parser.Entry;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.stream.Stream;
import org.junit.jupiter.api.DynamicTest;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestFactory;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

class OpenMetricsParserTest {

  private static OpenMetricsParser parser(String body) {
    byte[] b = body.getBytes(StandardCharsets.UTF_8);
    return new OpenMetricsParser(b, b.length);
  }

  @ParameterizedTest
  @ValueSource(
      strings = {"openmetrics_upstream", "openmetrics_upstream_utf8", "openmetrics_node_exporter"})
  void bodiesMatchGoldenFiles(String name) {
    byte[] in = resource(name + ".txt");
    String got = dump(new OpenMetricsParser(in, in.length));
    assertThat(got).isEqualTo(golden(name + ".golden", got));
  }

  @Test
  void acceptedEdgeCasesMatchGoldenFile() {
    StringBuilder sb = new StringBuilder();
    for (String line : tableLines("openmetrics_accept.cases")) {
      byte[] in = goUnquote(line);
      sb.append("CASE ")
          .append(line)
          .append('\n')
          .append(dump(new OpenMetricsParser(in, in.length)));
    }
    String got = sb.toString();
    assertThat(got).doesNotContain("\nERROR ");
    assertThat(got).isEqualTo(golden("openmetrics_accept.golden", got));
  }

  @TestFactory
  Stream<DynamicTest> rejectsWithExactErrors() {
    return tableLines("openmetrics_errors.tsv").stream()
        .map(
            line -> {
              int tab = line.indexOf('\t');
              String input = line.substring(0, tab);
              String message = line.substring(tab + 1);
              return dynamicTest(
                  input,
                  () -> {
                    byte[] in = goUnquote(input);
                    assertThat(firstError(new OpenMetricsParser(in, in.length))).isEqualTo(message);
                  });
            });
  }

  @Test
  void missingEofIsAnErrorAtTheEnd() {
    assertThat(firstError(parser("a 1\nb 2\n"))).isEqualTo("line 3: data does not end with # EOF");
    assertThat(firstError(parser(""))).isEqualTo("line 1: data does not end with # EOF");
  }

  @Test
  void timestampsAreSecondsTruncatedToMilliseconds() throws ParseException {
    OpenMetricsParser p = parser("a 1 1520879607.789\nb 1 1.0005\nc 1 -1.0005\nd 1\n# EOF\n");
    long[] want = {1520879607789L, 1000L, -1000L};
    for (long w : want) {
      p.next();
      assertThat(p.hasTimestamp()).isTrue();
      assertThat(p.timestampMs()).isEqualTo(w);
    }
    p.next();
    assertThat(p.hasTimestamp()).isFalse();
  }

  @Test
  void exemplarsAreSkipped() throws ParseException {
    OpenMetricsParser p =
        parser("a_total{b=\"c\"} 3 1.5 # {trace_id=\"x\",\"y.z\"=\"w\"} 1 2\n# EOF\n");
    assertThat(p.next()).isEqualTo(Entry.SERIES);
    LabelsBuilder lb = new LabelsBuilder();
    p.labels(lb);
    assertThat(lb.build()).isEqualTo(Labels.of("__name__", "a_total", "b", "c"));
    assertThat(p.value()).isEqualTo(3);
    assertThat(p.timestampMs()).isEqualTo(1500);
    assertThat(
            new String(
                p.buffer(),
                p.seriesStart(),
                p.seriesEnd() - p.seriesStart(),
                StandardCharsets.UTF_8))
        .isEqualTo("a_total{b=\"c\"}");
    assertThat(p.next()).isEqualTo(Entry.EOF);
  }

  @Test
  void createdSeriesAreKeptByDefaultAndCanBeSkipped() throws ParseException {
    String body =
        "# TYPE a counter\na_total 1\na_created 1.5\n# TYPE g gauge\ng_created 2\n# EOF\n";
    byte[] b = body.getBytes(StandardCharsets.UTF_8);
    assertThat(seriesNames(new OpenMetricsParser(b, b.length)))
        .containsExactly("a_total", "a_created", "g_created");
    // Only counter, histogram and summary families have start timestamps to skip.
    assertThat(seriesNames(new OpenMetricsParser(b, b.length, true)))
        .containsExactly("a_total", "g_created");
  }

  private static List<String> seriesNames(Parser p) throws ParseException {
    List<String> names = new ArrayList<>();
    LabelsBuilder lb = new LabelsBuilder();
    for (Entry e = p.next(); e != Entry.EOF; e = p.next()) {
      if (e == Entry.SERIES) {
        lb.reset();
        p.labels(lb);
        names.add(lb.build().metricName());
      }
    }
    return names;
  }

  @Test
  void metadataAccessors() throws ParseException {
    OpenMetricsParser p =
        parser(
            "# TYPE a_seconds gaugehistogram\n"
                + "# UNIT a_seconds seconds\n"
                + "# HELP a_seconds x\\\"y\n"
                + "# EOF\n");
    assertThat(p.next()).isEqualTo(Entry.TYPE);
    assertThat(p.type()).isEqualTo("gaugehistogram");
    assertThat(p.next()).isEqualTo(Entry.UNIT);
    assertThat(p.metricFamilyName()).isEqualTo("a_seconds");
    assertThat(p.text()).isEqualTo("seconds");
    assertThat(p.next()).isEqualTo(Entry.HELP);
    assertThat(p.text()).isEqualTo("x\"y"); // OpenMetrics HELP also resolves \"
    assertThat(p.next()).isEqualTo(Entry.EOF);
    assertThat(p.next()).isEqualTo(Entry.EOF);
  }

  @Test
  void nextAllocatesNothingPerSample() throws ParseException {
    byte[] body = ParserAllocations.body(true);
    long perSample =
        ParserAllocations.bytesPerSample(() -> new OpenMetricsParser(body, body.length));
    assertThat(perSample).isLessThanOrEqualTo(1);
  }
}
