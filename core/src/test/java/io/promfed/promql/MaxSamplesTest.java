package io.promfed.promql;

import static org.assertj.core.api.Assertions.assertThatCode;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.promfed.model.labels.Labels;
import io.promfed.storage.StorageException;
import java.time.Duration;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

/**
 * The sample limit is reached exactly where Prometheus reaches it: each query passes with {@code
 * maxSamples} and fails with one less. Cases and peaks from Prometheus's {@code
 * TestMaxQuerySamples} (promql/engine_test.go), float samples only.
 */
class MaxSamplesTest {

  private static TestStorage storage() throws StorageException {
    TestStorage s = new TestStorage();
    for (int i = 0; i <= 100; i++) {
      long t = i * 10_000L;
      s.add(Labels.of("__name__", "metric"), t, 1 + i);
      s.add(Labels.of("__name__", "bigmetric", "a", "1"), t, 1 + i);
      s.add(Labels.of("__name__", "bigmetric", "a", "2"), t, 1 + i);
    }
    return s;
  }

  private static Engine engine(int maxSamples) {
    return new Engine(
        new EngineOptions(
            Duration.ofSeconds(100),
            maxSamples,
            Duration.ofMinutes(5),
            Duration.ofMinutes(1),
            true));
  }

  @ParameterizedTest(name = "{0} start={2} end={3} step={4}: peak {1}")
  @CsvSource(
      delimiter = '|',
      quoteCharacter = '\u00a7',
      value = {
        "1 | 1 | 1 | 0 | 0",
        "metric | 1 | 1 | 0 | 0",
        "metric[20s] | 2 | 10 | 0 | 0",
        "rate(metric[20s]) | 3 | 10 | 0 | 0",
        "metric[20s:5s] | 3 | 10 | 0 | 0",
        "metric[20s] @ 10 | 2 | 0 | 0 | 0",
        "1 | 3 | 0 | 2 | 1",
        "metric | 3 | 0 | 2 | 1",
        "metric | 3 | 0 | 10 | 5",
        "rate(bigmetric[1s]) | 1 | 0 | 10 | 5",
        "metric @ 10 | 3 | 0 | 10 | 5",
        "rate(bigmetric[10s:1s] @ 10) | 32 | 0 | 10 | 5",
        "rate(bigmetric[10s:1s] @ 10) + rate(bigmetric[10s:1s] @ 30) | 34 | 0 | 10 | 5",
        "rate(bigmetric[10s:1s]) + rate(bigmetric[10s:1s] @ 30) | 56 | 10 | 20 | 5",
        "rate(rate(bigmetric[10:1s] @ 10)[100s:25s] @ 1000)[100s:20s] @ 2000 | 32 | 10 | 0 | 0",
        "rate(rate(bigmetric[10s:1s] @ 10)[100s:25s] @ 1000)[17s:1s] @ 2000 | 34 | 10 | 0 | 0",
      })
  void limitIsReachedExactly(String query, int peak, long startS, long endS, long stepS)
      throws StorageException {
    TestStorage s = storage();
    Runnable within = () -> run(engine(peak), s, query, startS, endS, stepS);
    assertThatCode(within::run).doesNotThrowAnyException();
    assertThatThrownBy(() -> run(engine(peak - 1), s, query, startS, endS, stepS))
        .isInstanceOf(PromQLException.class)
        .hasMessage("query processing would load too many samples into memory in query execution");
  }

  private static void run(Engine e, TestStorage s, String q, long startS, long endS, long stepS) {
    if (stepS == 0) {
      e.instantQuery(s, q, startS * 1000);
    } else {
      e.rangeQuery(s, q, startS * 1000, endS * 1000, stepS * 1000);
    }
  }
}
