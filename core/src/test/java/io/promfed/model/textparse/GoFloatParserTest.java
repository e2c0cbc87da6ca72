package io.promfed.model.textparse;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.charset.StandardCharsets;
import java.util.Random;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

class GoFloatParserTest {

  private final GoFloatParser floats = new GoFloatParser();

  private static String status(int s) {
    return switch (s) {
      case GoFloatParser.OK -> "ok";
      case GoFloatParser.SYNTAX -> "syntax";
      case GoFloatParser.RANGE -> "range";
      default -> "unsupported";
    };
  }

  /**
   * Expected values and errors are Go's strconv.ParseFloat(s, 64) (go1.19, printed with %v), and
   * for the Prometheus dialect additionally its rejection of p, P and _.
   */
  @ParameterizedTest(name = "[{0}]")
  @CsvSource(
      delimiter = '|',
      value = {
        // input                  | Go value               | Go status | Prometheus status
        "1_000                    | 1000                   | ok        | unsupported",
        "0x1p-2                   | 0.25                   | ok        | unsupported",
        "0x10                     | 0                      | syntax    | syntax",
        "0x1.8p1                  | 3                      | ok        | unsupported",
        "0x.8p1                   | 1                      | ok        | unsupported",
        "0x1P-2                   | 0.25                   | ok        | unsupported",
        "0x                       | 0                      | syntax    | syntax",
        "0x1p                     | 0                      | syntax    | unsupported",
        "1e400                    | +Inf                   | range     | range",
        "-1e400                   | -Inf                   | range     | range",
        "1e-400                   | 0                      | ok        | ok",
        "+nan                     | 0                      | syntax    | syntax",
        "nan                      | NaN                    | ok        | ok",
        "NaN                      | NaN                    | ok        | ok",
        "-NaN                     | 0                      | syntax    | syntax",
        "Inf                      | +Inf                   | ok        | ok",
        "+inf                     | +Inf                   | ok        | ok",
        "-infinity                | -Inf                   | ok        | ok",
        "INFINITY                 | +Inf                   | ok        | ok",
        "infin                    | 0                      | syntax    | syntax",
        "1e                       | 0                      | syntax    | syntax",
        ".                        | 0                      | syntax    | syntax",
        ".5                       | 0.5                    | ok        | ok",
        "5.                       | 5                      | ok        | ok",
        "1e+                      | 0                      | syntax    | syntax",
        "1__0                     | 0                      | syntax    | unsupported",
        "_1                       | 0                      | syntax    | unsupported",
        "1_                       | 0                      | syntax    | unsupported",
        "1e1_0                    | 1e+10                  | ok        | unsupported",
        "00012                    | 12                     | ok        | ok",
        "+.5e-3                   | 0.0005                 | ok        | ok",
        "1E5                      | 100000                 | ok        | ok",
        "1.7976931348623157e308   | 1.7976931348623157e+308 | ok       | ok",
        "1.7976931348623158e308   | 1.7976931348623157e+308 | ok       | ok",
        "1.7976931348623159e308   | +Inf                   | range     | range",
        "4.9e-324                 | 5e-324                 | ok        | ok",
        "2e-324                   | 0                      | ok        | ok",
        "3e-324                   | 5e-324                 | ok        | ok",
        "-0                       | -0                     | ok        | ok",
        "1.2.3                    | 0                      | syntax    | syntax",
        "1d                       | 0                      | syntax    | syntax",
        "1f                       | 0                      | syntax    | syntax",
        "' 1'                     | 0                      | syntax    | syntax",
        "'1 '                     | 0                      | syntax    | syntax",
        "-                        | 0                      | syntax    | syntax",
        "''                       | 0                      | syntax    | syntax",
        "9007199254740993         | 9.007199254740992e+15  | ok        | ok",
        "123456789012345678901234567890 | 1.2345678901234568e+29 | ok | ok",
        "0.1000000000000000055511151231257827 | 0.1        | ok        | ok",
      })
  void matchesGoParseFloat(String in, String goValue, String goStatus, String promStatus) {
    byte[] b = in.getBytes(StandardCharsets.US_ASCII);
    double v = floats.parseGo(b, 0, b.length);
    assertThat(status(floats.status())).isEqualTo(goStatus);
    if (goStatus.equals("ok") || goStatus.equals("range")) {
      assertThat(io.promfed.model.exposition.GoFloatFormat.formatG(v)).isEqualTo(goValue);
    }
    double p = floats.parsePrometheus(b, 0, b.length);
    assertThat(status(floats.status())).isEqualTo(promStatus);
    if (promStatus.equals("ok")) {
      assertThat(Double.doubleToRawLongBits(p)).isEqualTo(Double.doubleToRawLongBits(v));
    }
  }

  /**
   * The String form PromQL uses for number literals and {@code le} values is Go's {@code f, err :=
   * strconv.ParseFloat(s, 64)}: ±Inf with a range error, 0 with a syntax error (go1.19).
   */
  @ParameterizedTest(name = "[{0}]")
  @CsvSource(
      delimiter = '|',
      value = {
        "1e400   | +Inf | range",
        "-1e400  | -Inf | range",
        "0x1F    | 0    | syntax",
        "++1     | 0    | syntax",
        "1_000.5 | 1000.5 | ok",
        "+Inf    | +Inf | ok",
        "0x1p-2  | 0.25 | ok",
      })
  void parseGoStringReportsLikeGo(String in, String goValue, String goStatus) {
    double v = floats.parseGo(in);
    assertThat(status(floats.status())).isEqualTo(goStatus);
    assertThat(io.promfed.model.exposition.GoFloatFormat.formatG(v)).isEqualTo(goValue);
  }

  /** Every path (exact, Eisel-Lemire, fallback) must round like Java's correctly rounded parser. */
  @Test
  void agreesWithDoubleParseDoubleOnRandomDecimals() {
    long seed = System.nanoTime();
    Random r = new Random(seed);
    for (int n = 0; n < 200_000; n++) {
      String s =
          switch (n % 4) {
            case 0 -> Double.toString(Double.longBitsToDouble(r.nextLong()));
            case 1 -> randomDigits(r);
            case 2 -> (r.nextInt(2_000_000) - 1_000_000) + "." + r.nextInt(1000);
            default -> String.valueOf(r.nextDouble() * Math.pow(10, r.nextInt(40) - 20));
          };
      if (s.contains("N") || s.contains("I")) {
        continue;
      }
      byte[] b = s.getBytes(StandardCharsets.US_ASCII);
      double got = floats.parsePrometheus(b, 0, b.length);
      double want = Double.parseDouble(s);
      if (Double.isInfinite(want)) {
        assertThat(floats.status()).as("seed %d: %s", seed, s).isEqualTo(GoFloatParser.RANGE);
      } else {
        assertThat(floats.status()).as("seed %d: %s", seed, s).isEqualTo(GoFloatParser.OK);
        assertThat(Double.doubleToRawLongBits(got))
            .as("seed %d: %s", seed, s)
            .isEqualTo(Double.doubleToRawLongBits(want));
      }
    }
  }

  private static String randomDigits(Random r) {
    StringBuilder sb = new StringBuilder();
    int nd = 1 + r.nextInt(25);
    for (int i = 0; i < nd; i++) {
      sb.append((char) ('0' + r.nextInt(10)));
    }
    if (r.nextBoolean()) {
      sb.insert(r.nextInt(nd + 1), '.');
      if (sb.length() == 1) {
        sb.append('0');
      }
    }
    if (r.nextBoolean()) {
      sb.append('e').append(r.nextInt(700) - 350);
    }
    return sb.toString();
  }
}
