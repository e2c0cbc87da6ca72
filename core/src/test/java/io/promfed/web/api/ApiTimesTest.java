package io.promfed.web.api;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.promfed.web.api.ApiTimes.GoTime;
import java.util.List;
import java.util.Map;
import java.util.stream.Stream;
import org.junit.jupiter.api.DynamicTest;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestFactory;

/**
 * Time and duration parameters against Go itself: {@code testdata/oracle/times.txt} was printed by
 * {@code times.go}, which reads each input of {@code times.in} with Go's standard library the way
 * Prometheus's {@code parseTime} does.
 */
class ApiTimesTest {

  /**
   * Where current Go differs from the Go 1.19 that printed the oracle. Prometheus 3 is built with a
   * current Go, and so behaves like us: since Go 1.20, {@code time.Parse} has an RFC 3339 fast path
   * that accepts (and truncates) more than nine fraction digits, and the layout parser range-checks
   * zone offsets ({@code hr > 24}, {@code mm > 60}, time/format.go).
   */
  static final Map<String, String> CURRENT_GO =
      Map.of(
          "2015-07-01T20:10:51.7819999999Z", "ms=1435781451781 engine=1435781451781",
          "2015-07-01T20:10:51+25:00", "error",
          "2015-07-01T20:10:51+00:61", "error");

  @TestFactory
  Stream<DynamicTest> parseTimeMatchesGo() {
    List<String> lines = ApiFixtures.resourceText("oracle/times.txt").lines().toList();
    return lines.stream()
        .filter(l -> !l.startsWith("MIN\t") && !l.startsWith("MAX\t"))
        .map(
            line ->
                DynamicTest.dynamicTest(
                    "[" + line.substring(0, line.indexOf('\t')) + "]",
                    () -> {
                      String in = line.substring(0, line.indexOf('\t'));
                      String want = line.substring(line.indexOf('\t') + 1);
                      want = CURRENT_GO.getOrDefault(in, want);
                      assertThat(ours(in)).isEqualTo(want);
                    }));
  }

  static String ours(String in) {
    try {
      GoTime t = ApiTimes.parseTime(in);
      return "ms=" + t.toMillis() + " engine=" + t.toEngineMillis();
    } catch (IllegalArgumentException e) {
      assertThat(e)
          .hasMessage(
              "cannot parse "
                  + io.promfed.model.gostrconv.GoQuote.quote(in)
                  + " to a valid timestamp");
      return "error";
    }
  }

  @Test
  void boundaryTimesFormatLikeGo() {
    List<String> lines = ApiFixtures.resourceText("oracle/times.txt").lines().toList();
    assertThat(lines.get(0)).isEqualTo("MIN\t" + ApiTimes.MIN_TIME_FORMATTED);
    assertThat(lines.get(1)).isEqualTo("MAX\t" + ApiTimes.MAX_TIME_FORMATTED);
    assertThat(ApiTimes.parseTime(ApiTimes.MAX_TIME_FORMATTED)).isEqualTo(ApiTimes.MAX_TIME);
    assertThat(ApiTimes.MIN_TIME.toMillis()).isEqualTo(-9223309901257974000L);
    assertThat(ApiTimes.MAX_TIME.toMillis()).isEqualTo(9223309901257974999L);
  }

  @Test
  void rfc3339Formatting() {
    assertThat(ApiTimes.formatRfc3339Millis(1_700_000_000_123L))
        .isEqualTo("2023-11-14T22:13:20.123Z");
    assertThat(ApiTimes.formatRfc3339Millis(1_700_000_000_100L))
        .isEqualTo("2023-11-14T22:13:20.1Z");
    assertThat(ApiTimes.formatRfc3339Millis(0)).isEqualTo("1970-01-01T00:00:00Z");
    assertThat(ApiTimes.formatRfc3339Millis(-1)).isEqualTo("1969-12-31T23:59:59.999Z");
    assertThat(ApiTimes.formatRfc3339Nano(new GoTime(0, 1)))
        .isEqualTo("1970-01-01T00:00:00.000000001Z");
  }

  @Test
  void durationsAsFloatSecondsOrPrometheusDurations() {
    assertThat(ApiTimes.parseDurationNanos("15")).isEqualTo(15_000_000_000L);
    assertThat(ApiTimes.parseDurationNanos("0.5")).isEqualTo(500_000_000L);
    assertThat(ApiTimes.parseDurationNanos("1e-9")).isEqualTo(1L);
    assertThat(ApiTimes.parseDurationNanos("-15")).isEqualTo(-15_000_000_000L);
    assertThat(ApiTimes.parseDurationNanos("1m30s")).isEqualTo(90_000_000_000L);
    assertThat(ApiTimes.parseDurationNanos("1h")).isEqualTo(3_600_000_000_000L);
    assertThat(ApiTimes.parseDurationNanos("100ms")).isEqualTo(100_000_000L);
    assertThat(ApiTimes.parseDurationNanos("0")).isZero();
    assertThatThrownBy(() -> ApiTimes.parseDurationNanos("1e10"))
        .hasMessage("cannot parse \"1e10\" to a valid duration. It overflows int64");
    assertThatThrownBy(() -> ApiTimes.parseDurationNanos("30s1m"))
        .hasMessage("cannot parse \"30s1m\" to a valid duration");
    assertThatThrownBy(() -> ApiTimes.parseDurationNanos(""))
        .hasMessage("cannot parse \"\" to a valid duration");
    assertThatThrownBy(() -> ApiTimes.parseDurationNanos("-1m"))
        .hasMessage("cannot parse \"-1m\" to a valid duration");
  }

  @Test
  void subtractionSaturatesLikeGo() {
    assertThat(ApiTimes.MAX_TIME.minusNanos(ApiTimes.MIN_TIME)).isEqualTo(Long.MAX_VALUE);
    assertThat(ApiTimes.MIN_TIME.minusNanos(ApiTimes.MAX_TIME)).isEqualTo(Long.MIN_VALUE);
    assertThat(new GoTime(2, 0).minusNanos(new GoTime(1, 999_999_999))).isEqualTo(1);
  }
}
