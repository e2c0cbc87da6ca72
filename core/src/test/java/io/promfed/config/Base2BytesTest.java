package io.promfed.config;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.promfed.model.relabel.GoTestData;
import java.util.List;
import org.junit.jupiter.api.Test;

/** {@link Base2Bytes} against outputs of alecthomas/units run under Go. */
class Base2BytesTest {

  @Test
  void parseMatchesUnitsParseBase2Bytes() {
    List<String[]> rows = GoTestData.rows(getClass(), "testdata/base2bytes.go.tsv");
    assertThat(rows).hasSizeGreaterThan(20);
    for (String[] row : rows) {
      if (row[1].equals("error")) {
        assertThatThrownBy(() -> Base2Bytes.parse(row[0])).as(row[0]).hasMessage(row[2]);
      } else {
        assertThat(Base2Bytes.parse(row[0])).as(row[0]).isEqualTo(Long.parseLong(row[1]));
      }
    }
  }
}
