package io.promfed.model.time;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.promfed.model.relabel.GoTestData;
import java.time.Duration;
import java.util.List;
import org.junit.jupiter.api.Test;

/** {@link Durations} against outputs of prometheus/common's own functions run under Go. */
class DurationsTest {

  private final List<String[]> rows = GoTestData.rows(getClass(), "testdata/durations.go.tsv");

  @Test
  void parseMatchesPrometheus() {
    int checked = 0;
    for (String[] row : rows) {
      if (row[0].equals("format")) {
        continue;
      }
      checked++;
      if (row[1].equals("error")) {
        assertThatThrownBy(() -> Durations.parse(row[0])).as(row[0]).hasMessage(row[2]);
      } else {
        Duration d = Durations.parse(row[0]);
        assertThat(d.toNanos()).as(row[0]).isEqualTo(Long.parseLong(row[1]));
        assertThat(Durations.format(d)).as("format(parse(%s))", row[0]).isEqualTo(row[2]);
      }
    }
    assertThat(checked).isGreaterThan(25);
  }

  @Test
  void formatMatchesPrometheus() {
    int checked = 0;
    for (String[] row : rows) {
      if (row[0].equals("format")) {
        checked++;
        assertThat(Durations.format(Duration.ofNanos(Long.parseLong(row[1]))))
            .as(row[1])
            .isEqualTo(row[2]);
      }
    }
    assertThat(checked).isGreaterThan(10);
  }

  /** PromQL's millisecond forms give the same answers as the {@link Duration} forms. */
  @Test
  void millisecondFormsMatchPrometheus() {
    int checked = 0;
    for (String[] row : rows) {
      checked++;
      if (row[0].equals("format")) {
        long ms = Long.parseLong(row[1]) / 1_000_000;
        assertThat(Durations.formatMillis(ms)).as(row[1]).isEqualTo(row[2]);
      } else if (row[1].equals("error")) {
        assertThatThrownBy(() -> Durations.parseMillis(row[0])).as(row[0]).hasMessage(row[2]);
      } else {
        long ms = Durations.parseMillis(row[0]);
        assertThat(ms * 1_000_000).as(row[0]).isEqualTo(Long.parseLong(row[1]));
        assertThat(Durations.formatMillis(ms)).as("format(parse(%s))", row[0]).isEqualTo(row[2]);
      }
    }
    assertThat(checked).isGreaterThan(35);
  }

  /**
   * Go reads the digits with {@code strconv.ParseUint}, so 2^63 up to 2^64-1 is a number that is
   * out of range, not an invalid string (the PromQL parser's former copy said "not a valid duration
   * string" there). Checked by running model.ParseDuration's code under go1.19.
   */
  @Test
  void digitsBeyondInt64ButWithinUint64AreOutOfRange() {
    assertThatThrownBy(() -> Durations.parseMillis("9223372036854775808ms"))
        .hasMessage("duration out of range");
    assertThatThrownBy(() -> Durations.parse("18446744073709551615ms"))
        .hasMessage("duration out of range");
    assertThatThrownBy(() -> Durations.parse("18446744073709551616ms"))
        .hasMessage("not a valid duration string: \"18446744073709551616ms\"");
  }
}
