package io.promfed.promql;

import static org.assertj.core.api.Assertions.assertThat;

import io.promfed.model.exposition.GoFloatFormat;
import io.promfed.model.labels.Labels;
import io.promfed.model.time.Durations;
import io.promfed.promql.parser.Parser;
import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.stream.Stream;
import org.junit.jupiter.api.DynamicTest;
import org.junit.jupiter.api.TestFactory;

/**
 * Subqueries at the top of instant queries return their inner evaluations as a matrix; checks
 * timestamps (step alignment, offsets) and values exactly, from {@code subquery_selector.txt}.
 */
class SubquerySelectorTest {

  @TestFactory
  Stream<DynamicTest> subqueries() throws IOException {
    String text;
    try (InputStream in = getClass().getResourceAsStream("subquery_selector.txt")) {
      text = new String(in.readAllBytes(), StandardCharsets.UTF_8);
    }
    List<DynamicTest> tests = new ArrayList<>();
    Engine engine = PromQLScriptTest.testEngine();
    TestStorage storage = null;
    String[] lines = text.split("\n");
    for (int i = 0; i < lines.length; i++) {
      String l = lines[i].trim();
      if (l.equals("load:")) {
        storage = new TestStorage();
        long step = Durations.parseMillis(lines[++i].trim().substring("load ".length()));
        while (i + 1 < lines.length && !lines[i + 1].isBlank()) {
          ScriptRunner.SeriesLine s = ScriptRunner.parseSeries(lines[++i].trim());
          long t = 0;
          for (Double v : s.values()) {
            if (v != null) {
              try {
                storage.add(s.labels(), t, v);
              } catch (io.promfed.storage.StorageException e) {
                throw new IllegalStateException(e);
              }
            }
            t += step;
          }
        }
      } else if (l.startsWith("query: ")) {
        String query = l.substring(7);
        long start = Long.parseLong(lines[++i].trim().substring(7)) * 1000;
        List<String> expected = new ArrayList<>();
        while (i + 1 < lines.length && lines[i + 1].startsWith("series: ")) {
          expected.add(lines[++i].substring(8));
        }
        TestStorage s = storage;
        int line = i + 1;
        tests.add(
            DynamicTest.dynamicTest(
                "subquery_selector.txt:" + line + " " + query + " at " + start,
                () -> {
                  Matrix m = (Matrix) engine.instantQuery(s, query, start).value();
                  List<String> actual = new ArrayList<>();
                  for (Series series : m.series()) {
                    StringBuilder sb = new StringBuilder(series.labels().toString()).append(" =>");
                    for (int k = 0; k < series.size(); k++) {
                      sb.append(' ')
                          .append(series.timestampMs(k))
                          .append(':')
                          .append(GoFloatFormat.formatF(series.value(k)));
                    }
                    actual.add(sb.toString());
                  }
                  List<String> want = new ArrayList<>();
                  for (String e : expected) {
                    int arrow = e.indexOf(" =>");
                    Labels labels = Parser.parseMetric(e.substring(0, arrow));
                    want.add(labels + e.substring(arrow));
                  }
                  want.sort(null);
                  actual.sort(null);
                  assertThat(actual).isEqualTo(want);
                }));
      }
    }
    return tests.stream();
  }
}
