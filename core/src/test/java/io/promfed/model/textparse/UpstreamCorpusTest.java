package io.promfed.model.textparse;

import static org.assertj.core.api.Assertions.assertThat;

import io.promfed.model.labels.Labels;
import io.promfed.model.labels.LabelsBuilder;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

/**
 * Differential test against Prometheus's own parsers: for every body in upstream_corpus.cases, both
 * our parsers must return exactly the entries that upstream's Go code returned (recorded in
 * upstream_corpus.go.out; see testdata/README.md for how it was produced and printed).
 */
class UpstreamCorpusTest {

  @Test
  void bothParsersAgreeWithUpstreamOnEveryBody() {
    List<String> inputs = Fixtures.tableLines("upstream_corpus.cases");
    Map<String, String> expected = cases(Fixtures.resourceText("upstream_corpus.go.out"));
    assertThat(expected).hasSize(inputs.size() * 2);

    List<String> mismatches = new ArrayList<>();
    for (int i = 0; i < inputs.size(); i++) {
      byte[] in = Fixtures.goUnquote(inputs.get(i));
      check(
          mismatches,
          i + " prom",
          inputs.get(i),
          expected,
          dump(new PromTextParser(in, in.length)));
      check(
          mismatches,
          i + " om",
          inputs.get(i),
          expected,
          dump(new OpenMetricsParser(in, in.length)));
    }
    assertThat(mismatches).as("bodies where we differ from upstream").isEmpty();
  }

  private static void check(
      List<String> mismatches, String key, String input, Map<String, String> expected, String got) {
    String want = expected.get(key);
    if (!got.equals(want) && mismatches.size() < 10) {
      mismatches.add("CASE " + key + " " + input + "\n-- upstream:\n" + want + "-- ours:\n" + got);
    }
  }

  private static Map<String, String> cases(String goOut) {
    Map<String, String> out = new LinkedHashMap<>();
    String key = null;
    StringBuilder sb = new StringBuilder();
    for (String line : goOut.split("\n")) {
      if (line.startsWith("CASE ")) {
        if (key != null) {
          out.put(key, sb.toString());
        }
        key = line.substring(5);
        sb.setLength(0);
      } else {
        sb.append(line).append('\n');
      }
    }
    out.put(key, sb.toString());
    return out;
  }

  /** Prints entries exactly as the Go program that produced upstream_corpus.go.out did. */
  private static String dump(Parser p) {
    StringBuilder sb = new StringBuilder();
    LabelsBuilder lb = new LabelsBuilder();
    try {
      while (true) {
        switch (p.next()) {
          case EOF -> {
            return sb.append("OK\n").toString();
          }
          case HELP ->
              sb.append("HELP ")
                  .append(q(p.metricFamilyName()))
                  .append(' ')
                  .append(q(p.text()))
                  .append('\n');
          case UNIT ->
              sb.append("UNIT ")
                  .append(q(p.metricFamilyName()))
                  .append(' ')
                  .append(q(p.text()))
                  .append('\n');
          // Upstream reports the text format's "untyped" as model.MetricTypeUnknown.
          case TYPE ->
              sb.append("TYPE ")
                  .append(q(p.metricFamilyName()))
                  .append(' ')
                  .append("untyped".equals(p.type()) ? "unknown" : p.type())
                  .append('\n');
          case COMMENT -> sb.append("COMMENT ").append(q(p.text())).append('\n');
          case SERIES -> {
            lb.reset();
            p.labels(lb);
            Labels l = lb.build();
            sb.append("SERIES ").append(q(p.buffer(), p.seriesStart(), p.seriesEnd())).append(" {");
            for (int i = 0; i < l.size(); i++) {
              sb.append(q(l.name(i))).append('=').append(q(l.value(i))).append(',');
            }
            sb.append("} ")
                .append(String.format("%016x", Double.doubleToRawLongBits(p.value())))
                .append(' ')
                .append(p.hasTimestamp() ? Long.toString(p.timestampMs()) : "-")
                .append('\n');
          }
        }
      }
    } catch (ParseException e) {
      return sb.append("ERR\n").toString();
    }
  }

  private static String q(String s) {
    byte[] b = s.getBytes(StandardCharsets.UTF_8);
    return q(b, 0, b.length);
  }

  private static String q(byte[] b, int start, int end) {
    StringBuilder sb = new StringBuilder("\"");
    for (int i = start; i < end; i++) {
      int c = b[i] & 0xff;
      if (c >= 0x20 && c < 0x7f && c != '"' && c != '\\') {
        sb.append((char) c);
      } else {
        sb.append(String.format("\\x%02x", c));
      }
    }
    return sb.append('"').toString();
  }
}
