package io.promfed.model.exposition;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.IOException;
import java.io.InputStream;
import java.lang.management.ManagementFactory;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

class GoFloatFormatTest {

  /** Lines of testdata/gofloat.txt: bits, 'g', JSON, OpenMetrics and 'f' forms, printed by Go. */
  private static List<String[]> goFixture() throws IOException {
    try (InputStream in = GoFloatFormatTest.class.getResourceAsStream("testdata/gofloat.txt")) {
      List<String[]> rows = new ArrayList<>();
      for (String line : new String(in.readAllBytes(), StandardCharsets.US_ASCII).split("\n")) {
        if (!line.isEmpty() && !line.startsWith("#")) {
          rows.add(line.split(" "));
        }
      }
      return rows;
    }
  }

  private static double bits(String hex) {
    return Double.longBitsToDouble(Long.parseUnsignedLong(hex, 16));
  }

  @Test
  void formatGMatchesGoOnEveryFixtureValue() throws IOException {
    List<String> mismatches = new ArrayList<>();
    List<String[]> rows = goFixture();
    assertThat(rows).hasSizeGreaterThan(3000);
    for (String[] r : rows) {
      String got = GoFloatFormat.formatG(bits(r[0]));
      if (!got.equals(r[1])) {
        mismatches.add(r[0] + ": go " + r[1] + ", ours " + got);
      }
    }
    assertThat(mismatches).isEmpty();
  }

  @Test
  void formatJsonMatchesPrometheusMarshalFloat() throws IOException {
    List<String> mismatches = new ArrayList<>();
    for (String[] r : goFixture()) {
      String got = GoFloatFormat.formatJson(bits(r[0]));
      if (!got.equals(r[2])) {
        mismatches.add(r[0] + ": go " + r[2] + ", ours " + got);
      }
    }
    assertThat(mismatches).isEmpty();
  }

  @Test
  void formatOpenMetricsMatchesPrometheusFormatOpenMetricsFloat() throws IOException {
    List<String> mismatches = new ArrayList<>();
    for (String[] r : goFixture()) {
      String got = GoFloatFormat.formatOpenMetrics(bits(r[0]));
      if (!got.equals(r[3])) {
        mismatches.add(r[0] + ": go " + r[3] + ", ours " + got);
      }
    }
    assertThat(mismatches).isEmpty();
  }

  @Test
  void formatFMatchesGoOnEveryFixtureValue() throws IOException {
    List<String> mismatches = new ArrayList<>();
    for (String[] r : goFixture()) {
      String got = GoFloatFormat.formatF(bits(r[0]));
      if (!got.equals(r[4])) {
        mismatches.add(r[0] + ": go " + r[4] + ", ours " + got);
      }
    }
    assertThat(mismatches).isEmpty();
  }

  @Test
  void textFormatIsGExceptNegativeZero() throws IOException {
    for (String[] r : goFixture()) {
      double v = bits(r[0]);
      String want = v == 0 ? "0" : r[1]; // expfmt writeFloat: case f == 0 also catches -0
      assertThat(GoFloatFormat.formatText(v)).as(r[0]).isEqualTo(want);
    }
  }

  @ParameterizedTest(name = "{0} -> {1}")
  @CsvSource(
      delimiter = '|',
      value = {
        // Go's 'g' with shortest precision switches to %e at exponent < -4 or >= 6 (eprec = 6
        // in strconv/ftoa.go), which is what Prometheus's text output shows.
        "0                      | 0",
        "-0.0                   | -0",
        "1                      | 1",
        "123456                 | 123456",
        "999999                 | 999999",
        "1000000                | 1e+06",
        "1234567                | 1.234567e+06",
        "25391432               | 2.5391432e+07",
        "0.0001                 | 0.0001",
        "0.00001                | 1e-05",
        "0.000123               | 0.000123",
        "0.0000123              | 1.23e-05",
        "0.1                    | 0.1",
        "0.30000000000000004    | 0.30000000000000004",
        "9007199254740992       | 9.007199254740992e+15",
        "1e21                   | 1e+21",
        "1e100                  | 1e+100",
        "4.9e-324               | 5e-324",
        "1.7976931348623157e308 | 1.7976931348623157e+308",
        "NaN                    | NaN",
        "Infinity               | +Inf",
        "-Infinity              | -Inf",
      })
  void formatGExamples(double v, String want) {
    assertThat(GoFloatFormat.formatG(v)).isEqualTo(want);
  }

  @ParameterizedTest(name = "{0} -> {1}")
  @CsvSource(
      delimiter = '|',
      value = {
        "0                     | 0",
        "-0.0                  | -0",
        "1234567               | 1234567",
        "0.000001              | 0.000001",
        "0.0000009999999       | 9.999999e-07",
        "1e20                  | 100000000000000000000",
        "1e21                  | 1e+21",
        "123456789.125         | 123456789.125",
      })
  void formatJsonExamples(double v, String want) {
    assertThat(GoFloatFormat.formatJson(v)).isEqualTo(want);
  }

  @ParameterizedTest(name = "{0} -> {1}")
  @CsvSource(
      delimiter = '|',
      value = {
        // Values a printer built on String.format("%.Ne") got wrong, checked with Go: 2^172, whose
        // shortest digits lie in the wider upper half of its interval (it printed one digit too
        // many), and a double whose digits String.format rounds twice (it printed ...659000).
        "5.986310706507379e51  | 5986310706507379000000000000000000000000000000000000",
        "6666546248871658000   | 6666546248871658000",
        "-0.0                  | -0",
        "1e21                  | 1000000000000000000000",
        "0.000001              | 0.000001",
        "1e-7                  | 0.0000001",
        "123456789.125         | 123456789.125",
        "NaN                   | NaN",
        "-Infinity             | -Inf",
      })
  void formatFExamples(double v, String want) {
    assertThat(GoFloatFormat.formatF(v)).isEqualTo(want);
  }

  @Test
  void appendWritesAtTheOffsetAndStaysWithinMaxLength() {
    double[] worst = {
      -1.2345678901234567e-308,
      -0.0000012345678901234567,
      -1.2345678901234567e+20,
      -Double.MIN_VALUE
    };
    for (double v : worst) {
      for (int mode = 0; mode < 3; mode++) {
        byte[] b = new byte[3 + GoFloatFormat.MAX_LENGTH];
        b[2] = 'x';
        int end =
            switch (mode) {
              case 0 -> GoFloatFormat.appendG(v, b, 3);
              case 1 -> GoFloatFormat.appendJson(v, b, 3);
              default -> GoFloatFormat.appendText(v, b, 3);
            };
        assertThat(end - 3).isLessThanOrEqualTo(GoFloatFormat.MAX_LENGTH);
        assertThat(b[2]).isEqualTo((byte) 'x');
      }
    }
  }

  @Test
  void appendAllocatesNothing() {
    com.sun.management.ThreadMXBean mx =
        (com.sun.management.ThreadMXBean) ManagementFactory.getThreadMXBean();
    byte[] buf = new byte[GoFloatFormat.MAX_LENGTH];
    long sink = 0;
    for (int i = 0; i < 200_000; i++) { // warm up
      sink += GoFloatFormat.appendText(i * 1.1, buf, 0) + GoFloatFormat.appendG(i, buf, 0);
    }
    long tid = Thread.currentThread().getId();
    long before = mx.getThreadAllocatedBytes(tid);
    for (int i = 0; i < 100_000; i++) {
      sink += GoFloatFormat.appendText(i, buf, 0);
      sink += GoFloatFormat.appendText(i * 0.001 + 1e-9, buf, 0);
      sink += GoFloatFormat.appendJson(i * 12345.678, buf, 0);
    }
    long after = mx.getThreadAllocatedBytes(tid);
    assertThat(sink).isPositive();
    assertThat(after - before).isLessThan(1024);
  }
}
