package io.promfed.promql.parser;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.promfed.model.gostrconv.GoQuote;
import io.promfed.model.labels.Labels;
import io.promfed.model.labels.Matcher;
import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStream;
import java.io.InputStreamReader;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.stream.Collectors;
import java.util.stream.Stream;
import org.junit.jupiter.api.DynamicTest;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestFactory;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

class ParserTest {

  /** A structural dump: every binary/unary node in parentheses, so precedence is visible. */
  static String tree(Expr e) {
    if (e instanceof BinaryExpr b) {
      return "("
          + tree(b.lhs())
          + " "
          + b.op().text()
          + (b.returnBool() ? " bool" : "")
          + " "
          + tree(b.rhs())
          + ")";
    }
    if (e instanceof UnaryExpr u) {
      return "(" + u.op().text() + tree(u.expr()) + ")";
    }
    if (e instanceof ParenExpr p) {
      return "[" + tree(p.expr()) + "]";
    }
    if (e instanceof Call c) {
      return c.function().name()
          + "("
          + c.args().stream().map(ParserTest::tree).collect(Collectors.joining(", "))
          + ")";
    }
    return e.toString();
  }

  @ParameterizedTest
  @CsvSource(
      delimiter = '|',
      quoteCharacter = '\u00a7',
      value = {
        "1 + 2 * 3 | (1 + (2 * 3))",
        "1 * 2 + 3 | ((1 * 2) + 3)",
        "2 ^ 3 ^ 2 | (2 ^ (3 ^ 2))",
        "-2 ^ 2 | (-(2 ^ 2))",
        "-a * b | ((-a) * b)",
        "-a ^ b | (-(a ^ b))",
        "a - b - c | ((a - b) - c)",
        "a or b and c | (a or (b and c))",
        "a and b unless c | ((a and b) unless c)",
        "a > b + 1 | (a > (b + 1))",
        "a == bool b | (a == bool b)",
        "a + b offset 5m | (a + b offset 5m)",
        "1 - -1 | (1 - -1)",
        "++-++-+-+-1 | 1",
        "a atan2 b * c | ((a atan2 b) * c)",
        "a % b ^ c | (a % (b ^ c))",
        "(1 + 2) * 3 | ([(1 + 2)] * 3)",
        "sum(a) by (x) + 1 | (sum by (x) (a) + 1)",
        "foo offset 5m ^ 2 | (foo offset 5m ^ 2)",
      })
  void precedence(String input, String expected) {
    assertThat(tree(Parser.parseExpr(input))).isEqualTo(expected);
  }

  @ParameterizedTest
  @CsvSource(
      delimiter = '|',
      quoteCharacter = '\u00a7',
      value = {
        "1 | 1",
        "+Inf | +Inf",
        "-Inf | -Inf",
        ".5 | 0.5",
        "5. | 5",
        "123.4567 | 123.4567",
        "5e-3 | 0.005",
        "5e3 | 5000",
        "0xc | 12",
        "0755 | 493",
        "+5.5e-3 | 0.0055",
        "-0755 | -493",
        "1_000 | 1000",
        "NaN | NaN",
        "nAN | NaN",
        "5m | 300",
        "1h30m | 5400",
        "500ms | 0.5",
        "foo | foo",
        "min | min",
        "sum:rate5m | sum:rate5m",
        "offset | offset",
        "foo offset 5m | foo offset 5m",
        "foo offset -7m | foo offset -7m",
        "foo OFFSET 1h30m | foo offset 1h30m",
        "foo offset 90 | foo offset 1m30s",
        "foo @ 1603774568 | foo @ 1603774568.000",
        "foo @ -100 | foo @ -100.000",
        "foo @ .3 | foo @ 0.300",
        "foo @ 3. | foo @ 3.000",
        "foo @ 3.33 | foo @ 3.330",
        "foo @ 100s | foo @ 100.000",
        "foo @ start() | foo @ start()",
        "foo @ end() offset 1m | foo @ end() offset 1m",
        "foo offset 1m @ 10 | foo @ 10.000 offset 1m",
        "'foo\"bar' | \"foo\\\"bar\"",
        "`a\\b` | \"a\\\\b\"",
        "foo:bar{a=\"bc\"} | foo:bar{a=\"bc\"}",
        "foo{NaN='bc'} | foo{NaN=\"bc\"}",
        "foo{bar='}'} | foo{bar=\"}\"}",
        "foo{a=\"b\", foo!=\"bar\", test=~\"test\", bar!~\"baz\"} |"
            + " foo{a=\"b\",bar!~\"baz\",foo!=\"bar\",test=~\"test\"}",
        "foo{a=\"b\", foo!~\"bar\", test=~\"test\", bar!~\"baz\", } |"
            + " foo{a=\"b\",bar!~\"baz\",foo!~\"bar\",test=~\"test\"}",
        "{__name__=~\"foo.+\"} | {__name__=~\"foo.+\"}",
        "{\"some.metric\"} | {__name__=\"some.metric\"}",
        "{\"foo\", a=\"bc\"} | {__name__=\"foo\",a=\"bc\"}",
        "test[5s] | test[5s]",
        "test[5] | test[5s]",
        "test[5m] OFFSET 1h | test[5m] offset 1h",
        "test[5m] @ 10 offset 5m | test[5m] @ 10.000 offset 5m",
        "test:name{on!~\"bar\"}[4m] | test:name{on!~\"bar\"}[4m]",
        "test[ 5m ] | test[5m]",
        "foo[10m:6s] | foo[10m:6s]",
        "foo[10m:] | foo[10m:]",
        "rate(foo[5m])[1h:1m] offset 1h | rate(foo[5m])[1h:1m] offset 1h",
        "sum by (foo)(some_metric) | sum by (foo) (some_metric)",
        "avg by (foo)(some_metric) | avg by (foo) (some_metric)",
        "COUNT by (foo) keep_common (some_metric) | ERR",
        "sum without (foo) (some_metric) | sum without (foo) (some_metric)",
        "sum (some_metric) without (foo) | sum without (foo) (some_metric)",
        "stddev(some_metric) | stddev(some_metric)",
        "topk(5, some_metric) | topk(5, some_metric)",
        "count_values(\"value\", some_metric) | count_values(\"value\", some_metric)",
        "sum without(and, by, avg, count, alert, annotations)(some_metric) | sum without (and, by,"
            + " avg, count, alert, annotations) (some_metric)",
        "sum by (\"foo\")(some_metric) | sum by (foo) (some_metric)",
        "sum by (\"foo.bar\")(some_metric) | sum by (\"foo.bar\") (some_metric)",
        "sum by ()(some_metric) | sum(some_metric)",
        "sum by (foo,bar,)(some_metric) | sum by (foo, bar) (some_metric)",
        "quantile(0.9, foo) | quantile(0.9, foo)",
        "time() | time()",
        "floor(some_metric{foo!=\"bar\"}) | floor(some_metric{foo!=\"bar\"})",
        "rate(some_metric[5m]) | rate(some_metric[5m])",
        "round(some_metric) | round(some_metric)",
        "round(some_metric, 5) | round(some_metric, 5)",
        "label_join(a, \"b\", \"c\", \"d\", \"e\") | label_join(a, \"b\", \"c\", \"d\", \"e\")",
        "a + on(b) group_left(c) d | a + on (b) group_left (c) d",
        "a + ignoring(b) group_right d | a + ignoring (b) group_right () d",
        "a and on() b | a and on () b",
        "a == bool ignoring(x) b | a == bool ignoring (x) b",
        "foo * sum | foo * sum",
        "foo == 1 | foo == 1",
        "foo == bool 1 | foo == bool 1",
        "2.5 / bar | 2.5 / bar",
        "foo and bar | foo and bar",
        "foo or bar | foo or bar",
        "foo unless bar | foo unless bar",
        "foo + bar or bla and blub | foo + bar or bla and blub",
        "-some_metric | -some_metric",
        "+some_metric | +some_metric",
        "- 1^2 | -1 ^ 2",
        "(foo + bar{nm=\"val\"})[5m:] | (foo + bar{nm=\"val\"})[5m:]",
        "min_over_time(rate(foo{bar=\"baz\"}[2s])[5m:5s] offset 4m)[4m:3s] |"
            + " min_over_time(rate(foo{bar=\"baz\"}[2s])[5m:5s] offset 4m)[4m:3s]",
        "sum without(a) (x) @ end() | ERR",
        "start | start",
        "end | end",
        "by | by",
        "foo # comment\\n+ bar | foo + bar",
      })
  void parsesAndPrints(String input, String expected) {
    input = input.replace("\\n", "\n");
    if (expected.equals("ERR")) {
      String q = input;
      assertThatThrownBy(() -> Parser.parseExpr(q)).isInstanceOf(PromQLParseException.class);
      return;
    }
    Expr e = Parser.parseExpr(input);
    assertThat(e.toString()).isEqualTo(expected);
    // The printed form parses back to the same printed form.
    assertThat(Parser.parseExpr(e.toString()).toString()).isEqualTo(expected);
  }

  @Test
  void positions() {
    Expr e = Parser.parseExpr("sum by (foo)(some_metric)");
    assertThat(e.positionRange()).isEqualTo(new PositionRange(0, 25));
    assertThat(((AggregateExpr) e).expr().positionRange()).isEqualTo(new PositionRange(13, 24));
    Expr m = Parser.parseExpr("foo[5m] offset 1m");
    assertThat(m.positionRange()).isEqualTo(new PositionRange(0, 17));
    Expr s = Parser.parseExpr("foo[5m:1m] @ 10");
    assertThat(s.positionRange()).isEqualTo(new PositionRange(0, 15));
    Expr neg = Parser.parseExpr("- 1");
    assertThat(neg).isEqualTo(new NumberLiteral(-1, new PositionRange(0, 3)));
  }

  @Test
  void metricSelector() {
    List<Matcher> ms = Parser.parseMetricSelector("up{job=~\"a|b\", instance!=\"x\"}");
    assertThat(ms)
        .containsExactly(
            Matcher.regex("job", "a|b"),
            Matcher.of(Matcher.Type.NOT_EQUAL, "instance", "x"),
            Matcher.equal("__name__", "up"));
    assertThat(Parser.parseMetricSelector("{__name__=\"up\"}"))
        .containsExactly(Matcher.equal("__name__", "up"));
    assertThatThrownBy(() -> Parser.parseMetricSelector("up + 1"))
        .hasMessage("1:4: parse error: unexpected <op:+>");
    assertThatThrownBy(() -> Parser.parseMetricSelector("rate(x[5m])"))
        .hasMessage("1:5: parse error: unexpected \"(\"");
  }

  @Test
  void metric() {
    assertThat(Parser.parseMetric("foo{a=\"b\", c=\"d\"}"))
        .isEqualTo(Labels.of("__name__", "foo", "a", "b", "c", "d"));
    assertThat(Parser.parseMetric("{a=\"b\"}")).isEqualTo(Labels.of("a", "b"));
  }

  @Test
  void experimentalFunctionsWhenEnabled() {
    Parser p = new Parser(new ParserOptions(true));
    assertThat(p.parse("sort_by_label(foo, \"a\", \"b\")").toString())
        .isEqualTo("sort_by_label(foo, \"a\", \"b\")");
    assertThat(p.parse("limitk(2, foo)").toString()).isEqualTo("limitk(2, foo)");
  }

  @Test
  void deepNestingIsAnErrorNotACrash() {
    String q = "(".repeat(100_000) + "1" + ")".repeat(100_000);
    assertThatThrownBy(() -> Parser.parseExpr(q))
        .isInstanceOf(PromQLParseException.class)
        .hasMessage("1:1: parse error: expression is nested too deeply");
    assertThat(Parser.parseExpr("(".repeat(200) + "1" + ")".repeat(200)).type())
        .isEqualTo(ValueType.SCALAR);
  }

  @TestFactory
  Stream<DynamicTest> parseErrors() throws IOException {
    List<DynamicTest> tests = new ArrayList<>();
    try (InputStream in = getClass().getResourceAsStream("parse_errors.txt");
        BufferedReader r = new BufferedReader(new InputStreamReader(in, StandardCharsets.UTF_8))) {
      String line;
      int n = 0;
      while ((line = r.readLine()) != null) {
        n++;
        if (line.isBlank() || line.startsWith("#")) {
          continue;
        }
        int sep = line.lastIndexOf(" ==> ");
        String query = GoQuote.unquote(line.substring(0, sep));
        String message = line.substring(sep + 5);
        tests.add(
            DynamicTest.dynamicTest(
                "parse_errors.txt:" + n + " " + query,
                () ->
                    assertThatThrownBy(() -> Parser.parseExpr(query))
                        .isInstanceOf(PromQLParseException.class)
                        .hasMessage(message)));
      }
    }
    return tests.stream();
  }
}
