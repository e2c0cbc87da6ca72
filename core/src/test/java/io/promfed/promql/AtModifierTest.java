package io.promfed.promql;

import static org.assertj.core.api.Assertions.assertThat;

import io.promfed.model.exposition.GoFloatFormat;
import io.promfed.model.labels.Labels;
import io.promfed.promql.parser.Parser;
import io.promfed.storage.StorageException;
import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.stream.Stream;
import org.junit.jupiter.api.DynamicTest;
import org.junit.jupiter.api.TestFactory;

/**
 * The {@code @} modifier with negative and millisecond timestamps, in instant and range queries,
 * compared exactly (timestamps included) with the cases in {@code at_modifier_cases.txt}.
 */
class AtModifierTest {

  static TestStorage storage() throws StorageException {
    TestStorage s = new TestStorage();
    for (int i = 0; i <= 1000; i++) {
      long t = i * 10_000L;
      s.add(Labels.of("__name__", "metric", "job", "1"), t, i);
      s.add(Labels.of("__name__", "metric", "job", "2"), t, 2 * i);
      s.add(Labels.of("__name__", "metric_topk", "instance", "1"), t, i);
      s.add(Labels.of("__name__", "metric_topk", "instance", "2"), t, 2 * i);
      s.add(Labels.of("__name__", "metric_topk", "instance", "3"), t, 1000 - i);
    }
    for (int i = 0; i <= 10000; i++) {
      s.add(Labels.of("__name__", "metric_ms"), i, i);
    }
    // Samples at negative times.
    Labels neg = Labels.of("__name__", "metric_neg");
    s.add(neg, -1_000_000, 1000);
    for (long ts = -1_000_000 + 1000; ts <= 0; ts += 1000) {
      s.add(neg, ts, -(double) (ts / 1000) + 1);
    }
    // prometheus/prometheus#8433: a range longer than the lookback delta.
    s.add(Labels.of("__name__", "metric_timestamp"), 3600 * 1000, 1000);
    return s;
  }

  @TestFactory
  Stream<DynamicTest> cases() throws IOException, StorageException {
    String text;
    try (InputStream in = getClass().getResourceAsStream("at_modifier_cases.txt")) {
      text = new String(in.readAllBytes(), StandardCharsets.UTF_8);
    }
    TestStorage storage = storage();
    Engine engine = PromQLScriptTest.testEngine();
    List<DynamicTest> tests = new ArrayList<>();
    String[] lines = text.split("\n");
    for (int i = 0; i < lines.length; i++) {
      if (!lines[i].startsWith("query: ")) {
        continue;
      }
      String query = lines[i].substring(7);
      String[] time = lines[++i].substring(6).trim().split(" ");
      long start = Long.parseLong(time[0]) * 1000;
      long end = Long.parseLong(time[1]) * 1000;
      long step = Long.parseLong(time[2]) * 1000;
      boolean vector = lines[++i].endsWith("vector");
      List<String> want = new ArrayList<>();
      while (i + 1 < lines.length && lines[i + 1].startsWith("series: ")) {
        String e = lines[++i].substring(8);
        int arrow = e.indexOf(" =>");
        want.add(Parser.parseMetric(e.substring(0, arrow)) + e.substring(arrow));
      }
      int line = i + 1;
      tests.add(
          DynamicTest.dynamicTest(
              "at_modifier_cases.txt:" + line + " " + query,
              () -> {
                Value v =
                    step == 0
                        ? engine.instantQuery(storage, query, start).value()
                        : engine.rangeQuery(storage, query, start, end, step).value();
                List<String> actual = new ArrayList<>();
                if (vector) {
                  Vector vec = (Vector) v;
                  for (int k = 0; k < vec.size(); k++) {
                    actual.add(
                        vec.labels(k)
                            + " => "
                            + vec.timestampMs(k)
                            + ":"
                            + GoFloatFormat.formatF(vec.value(k)));
                  }
                } else {
                  for (Series s : ((Matrix) v).series()) {
                    StringBuilder sb = new StringBuilder(s.labels().toString()).append(" =>");
                    for (int k = 0; k < s.size(); k++) {
                      sb.append(' ')
                          .append(s.timestampMs(k))
                          .append(':')
                          .append(GoFloatFormat.formatF(s.value(k)));
                    }
                    actual.add(sb.toString());
                  }
                }
                assertThat(actual).isEqualTo(want);
              }));
    }
    return tests.stream();
  }
}
