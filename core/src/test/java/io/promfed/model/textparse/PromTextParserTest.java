package io.promfed.model.textparse;

import static io.promfed.model.textparse.Fixtures.dump;
import static io.promfed.model.textparse.Fixtures.firstError;
import static io.promfed.model.textparse.Fixtures.goUnquote;
import static io.promfed.model.textparse.Fixtures.golden;
import static io.promfed.model.textparse.Fixtures.resource;
import static io.promfed.model.textparse.Fixtures.tableLines;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.junit.jupiter.api.DynamicTest.dynamicTest;

import io.promfed.model.labels.Labels;
import io.promfed.model.labels.LabelsBuilder;
import io.promfed.model.textparse.Parser.Entry;
import io.promfed.model.value.StaleNaN;
import java.nio.charset.StandardCharsets;
import java.util.stream.Stream;
import org.junit.jupiter.api.DynamicTest;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestFactory;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

class PromTextParserTest {

  private static PromTextParser parser(String body) {
    byte[] b = body.getBytes(StandardCharsets.UTF_8);
    return new PromTextParser(b, b.length);
  }

  @ParameterizedTest
  @ValueSource(strings = {"promtext_upstream", "promtext_upstream_utf8", "promtext_node_exporter"})
  void bodiesMatchGoldenFiles(String name) {
    byte[] in = resource(name + ".txt");
    String got = dump(new PromTextParser(in, in.length));
    assertThat(got).isEqualTo(golden(name + ".golden", got));
  }

  @Test
  void acceptedEdgeCasesMatchGoldenFile() {
    StringBuilder sb = new StringBuilder();
    for (String line : tableLines("promtext_accept.cases")) {
      byte[] in = goUnquote(line);
      sb.append("CASE ").append(line).append('\n').append(dump(new PromTextParser(in, in.length)));
    }
    String got = sb.toString();
    assertThat(got).doesNotContain("\nERROR ");
    assertThat(got).isEqualTo(golden("promtext_accept.golden", got));
  }

  @TestFactory
  Stream<DynamicTest> rejectsWithExactErrors() {
    return tableLines("promtext_errors.tsv").stream()
        .map(
            line -> {
              int tab = line.indexOf('\t');
              String input = line.substring(0, tab);
              String message = line.substring(tab + 1);
              return dynamicTest(
                  input,
                  () -> {
                    byte[] in = goUnquote(input);
                    assertThat(firstError(new PromTextParser(in, in.length))).isEqualTo(message);
                  });
            });
  }

  @Test
  void seriesBytesAreTheRawNameAndLabelBlock() throws ParseException {
    PromTextParser p = parser("a 1\nb{c=\"d\"} 2 3\ne {f=\"g\"}\t4\n{\"h.i\",j=\"k\"} 5\n");
    String[] want = {"a", "b{c=\"d\"}", "e {f=\"g\"}", "{\"h.i\",j=\"k\"}"};
    for (String w : want) {
      assertThat(p.next()).isEqualTo(Entry.SERIES);
      assertThat(
              new String(
                  p.buffer(),
                  p.seriesStart(),
                  p.seriesEnd() - p.seriesStart(),
                  StandardCharsets.UTF_8))
          .isEqualTo(w);
    }
    assertThat(p.next()).isEqualTo(Entry.EOF);
  }

  @Test
  void negativeTimestampIsRejectedLikeUpstream() {
    assertThat(firstError(parser("a 1.5 -7\n")))
        .isEqualTo("line 1: expected timestamp or new record, got \"-\"");
  }

  @Test
  void timestampsAreIntegerMilliseconds() throws ParseException {
    PromTextParser p = parser("a 1 1700000000123\nb 2\n");
    p.next();
    assertThat(p.hasTimestamp()).isTrue();
    assertThat(p.timestampMs()).isEqualTo(1700000000123L);
    p.next();
    assertThat(p.hasTimestamp()).isFalse();
  }

  @Test
  void nanIsStoredWithPrometheusNormalNanBits() throws ParseException {
    PromTextParser p = parser("a NaN\nb nan\n");
    for (int i = 0; i < 2; i++) {
      p.next();
      assertThat(Double.doubleToRawLongBits(p.value())).isEqualTo(StaleNaN.NORMAL_NAN_BITS);
      assertThat(StaleNaN.is(p.value())).isFalse();
    }
  }

  @Test
  void metadataAccessors() throws ParseException {
    PromTextParser p = parser("# HELP a x\\\\y\\nz\\\"\n# TYPE a counter\n# plain \\n comment\n");
    assertThat(p.next()).isEqualTo(Entry.HELP);
    assertThat(p.metricFamilyName()).isEqualTo("a");
    assertThat(p.text()).isEqualTo("x\\y\nz\\\""); // text format HELP: only \\ and \n
    assertThat(p.next()).isEqualTo(Entry.TYPE);
    assertThat(p.metricFamilyName()).isEqualTo("a");
    assertThat(p.type()).isEqualTo("counter");
    assertThat(p.next()).isEqualTo(Entry.COMMENT);
    assertThat(p.text()).isEqualTo("# plain \\n comment"); // comments as written
  }

  @Test
  void labelsAreBuiltOnRequestWithEscapesResolved() throws ParseException {
    PromTextParser p = parser("{\"my.metric\",\"a b\"=\"x\\\"y\",c=\"\\n\"} 1\n");
    p.next();
    LabelsBuilder b = new LabelsBuilder();
    p.labels(b);
    assertThat(b.build()).isEqualTo(Labels.of("__name__", "my.metric", "a b", "x\"y", "c", "\n"));
  }

  @Test
  void lineNumbersCountRawNewlinesInsideLabelValues() {
    assertThat(firstError(parser("a{b=\"x\ny\"} 1\nc{ 2\n")))
        .isEqualTo("line 3: expected label name, got \"2\"");
  }

  @Test
  void parsesOnlyUpToLength() throws ParseException {
    byte[] b = "a 1\nthis is garbage".getBytes(StandardCharsets.US_ASCII);
    PromTextParser p = new PromTextParser(b, 4);
    assertThat(p.next()).isEqualTo(Entry.SERIES);
    assertThat(p.next()).isEqualTo(Entry.EOF);
    assertThatThrownBy(() -> new PromTextParser(b, b.length + 1))
        .isInstanceOf(IllegalArgumentException.class);
  }

  @Test
  void eofRepeatsAndErrorsStick() throws ParseException {
    PromTextParser ok = parser("a 1");
    ok.next();
    assertThat(ok.next()).isEqualTo(Entry.EOF);
    assertThat(ok.next()).isEqualTo(Entry.EOF);

    PromTextParser bad = parser("a 1\nb{\n");
    bad.next();
    ParseException first = null;
    try {
      bad.next();
    } catch (ParseException e) {
      first = e;
    }
    assertThat(first).isNotNull();
    assertThat(first.line()).isEqualTo(2);
    ParseException firstError = first;
    assertThatThrownBy(bad::next).isSameAs(firstError);
  }

  @Test
  void nextAllocatesNothingPerSample() throws ParseException {
    byte[] body = ParserAllocations.body(false);
    long perSample = ParserAllocations.bytesPerSample(() -> new PromTextParser(body, body.length));
    assertThat(perSample).isLessThanOrEqualTo(1);
  }
}
