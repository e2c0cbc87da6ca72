package io.promfed.config;

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
}
