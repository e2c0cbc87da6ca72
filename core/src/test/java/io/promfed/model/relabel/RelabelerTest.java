package io.promfed.model.relabel;

import static org.assertj.core.api.Assertions.assertThat;
import static org.junit.jupiter.api.DynamicTest.dynamicTest;

import io.promfed.model.labels.Labels;
import io.promfed.model.labels.LabelsBuilder;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.stream.Stream;
import org.junit.jupiter.api.DynamicContainer;
import org.junit.jupiter.api.DynamicNode;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestFactory;

/**
 * Conformance table for {@link Relabeler}: the cases of prometheus/prometheus {@code
 * model/relabel/relabel_test.go} ({@code TestRelabel}) rewritten as our own data, grouped per
 * action, plus edge cases of Go's semantics. Values that depend on Go's libraries (md5 hashmod,
 * case mapping, {@code Regexp.Expand}) are additionally checked against outputs of real Go in
 * {@code testdata/*.go.tsv}. Every case runs through both entry points.
 */
class RelabelerTest {

  /**
   * {@code output == null} means the rules drop the label set; {@code validRules} is false for
   * rules that {@link RelabelConfig#validate()} rejects but that can still be built in code.
   */
  record Case(
      String name, Labels input, List<RelabelConfig> rules, Labels output, boolean validRules) {}

  private static RelabelConfig.Builder rule() {
    return RelabelConfig.builder();
  }

  private static Labels ls(String... kv) {
    return Labels.of(kv);
  }

  private static Case kept(String name, Labels in, Labels out, RelabelConfig.Builder... rules) {
    return new Case(name, in, build(rules), out, true);
  }

  private static Case keptInvalid(
      String name, Labels in, Labels out, RelabelConfig.Builder... rules) {
    return new Case(name, in, build(rules), out, false);
  }

  private static Case dropped(String name, Labels in, RelabelConfig.Builder... rules) {
    return new Case(name, in, build(rules), null, true);
  }

  private static List<RelabelConfig> build(RelabelConfig.Builder... rules) {
    List<RelabelConfig> out = new ArrayList<>();
    for (RelabelConfig.Builder b : rules) {
      out.add(b.build());
    }
    return out;
  }

  private static final Labels ABC = ls("a", "foo", "b", "bar", "c", "baz");
  private static final Labels PORTS =
      ls("__tmp_port", "1234", "__port1", "1234", "__port2", "5678");

  static Map<Action, List<Case>> table() {
    return Map.ofEntries(
        Map.entry(
            Action.REPLACE,
            List.of(
                kept(
                    "expands ${1} twice",
                    ABC,
                    ls("a", "foo", "b", "bar", "c", "baz", "d", "choo-choo"),
                    rule()
                        .sourceLabels("a")
                        .regex("f(.*)")
                        .targetLabel("d")
                        .replacement("ch${1}-ch${1}")),
                kept(
                    "chained rules see earlier results",
                    ABC,
                    ls("a", "boobam", "b", "bar", "c", "baz", "d", "boooom"),
                    rule()
                        .sourceLabels("a", "b")
                        .regex("f(.*);(.*)r")
                        .targetLabel("a")
                        .replacement("b${1}${2}m"),
                    rule()
                        .sourceLabels("c", "a")
                        .regex("(b).*b(.*)ba(.*)")
                        .targetLabel("d")
                        .replacement("$1$2$2$3")),
                kept(
                    "group inside a full match",
                    ls("a", "abc"),
                    ls("a", "abc", "d", "b"),
                    rule().sourceLabels("a").regex(".*(b).*").targetLabel("d")),
                kept(
                    "no match, no replacement",
                    ls("a", "boo"),
                    ls("a", "boo"),
                    rule().sourceLabels("a").regex("f").targetLabel("b").replacement("bar")),
                kept(
                    "blank replacement deletes the target label",
                    ls("a", "foo", "f", "baz"),
                    ls("a", "foo"),
                    rule().sourceLabels("a").regex("(f).*").targetLabel("$1").replacement("$2")),
                kept(
                    "target label from a group",
                    ls("a", "some-name-value"),
                    ls("a", "some-name-value", "name", "value"),
                    rule()
                        .sourceLabels("a")
                        .regex("some-([^-]+)-([^,]+)")
                        .targetLabel("${1}")
                        .replacement("${2}")),
                kept(
                    "missing group in replacement deletes (absent) target",
                    ls("a", "some-name-value"),
                    ls("a", "some-name-value"),
                    rule()
                        .sourceLabels("a")
                        .regex("some-([^-]+)-([^,]+)")
                        .targetLabel("${1}")
                        .replacement("${3}")),
                kept(
                    "target expanding to \"\" is invalid and skipped",
                    ls("a", "some-name-0"),
                    ls("a", "some-name-0"),
                    rule()
                        .sourceLabels("a")
                        .regex("some-([^-]+)-([^,]+)")
                        .targetLabel("${3}")
                        .replacement("${1}"),
                    rule()
                        .sourceLabels("a")
                        .regex("some-([^-]+)(-[^,]+)")
                        .targetLabel("${3}")
                        .replacement("${1}")),
                kept(
                    "real-life tag parsing",
                    ls("__meta_sd_tags", "path:/secret,job:some-job,label:foo=bar"),
                    ls(
                        "__meta_sd_tags",
                        "path:/secret,job:some-job,label:foo=bar",
                        "__metrics_path__",
                        "/secret",
                        "job",
                        "some-job",
                        "foo",
                        "bar"),
                    rule()
                        .sourceLabels("__meta_sd_tags")
                        .regex("(?:.+,|^)path:(/[^,]+).*")
                        .targetLabel("__metrics_path__")
                        .replacement("${1}"),
                    rule()
                        .sourceLabels("__meta_sd_tags")
                        .regex("(?:.+,|^)job:([^,]+).*")
                        .targetLabel("job")
                        .replacement("${1}"),
                    rule()
                        .sourceLabels("__meta_sd_tags")
                        .regex("(?:.+,|^)label:([^=]+)=([^,]+).*")
                        .targetLabel("${1}")
                        .replacement("${2}")),
                kept(
                    "(?s): dot matches newline",
                    ls("a", "line1\nline2", "b", "bar"),
                    ls("a", "line1\nline2", "b", "bar", "d", "match"),
                    rule()
                        .sourceLabels("a")
                        .regex("line1.*line2")
                        .targetLabel("d")
                        .replacement("match${1}")),
                kept(
                    "source label names are not validated while relabeling",
                    ls("utf-8.label", "line1\nline2"),
                    ls("utf-8.label", "line1\nline2", "d", "match"),
                    rule()
                        .sourceLabels("utf-8.label")
                        .regex("line1.*line2")
                        .targetLabel("d")
                        .replacement("match${1}")),
                keptInvalid(
                    "legacy names: a target with '.' is invalid and skipped (upstream UTF-8 mode"
                        + " sets it)",
                    ls("a", "line1\nline2"),
                    ls("a", "line1\nline2"),
                    rule()
                        .sourceLabels("a")
                        .regex("line1.*line2")
                        .targetLabel("utf-8.label")
                        .replacement("match"),
                    rule()
                        .sourceLabels("a")
                        .regex("line1.*line2")
                        .targetLabel("utf-8.label${1}")
                        .replacement("match${1}")),
                kept(
                    "named groups, all $var spellings",
                    ls("a", "line1\nline2"),
                    ls(
                        "a",
                        "line1\nline2",
                        "label1_line1",
                        "val_line2",
                        "label2_line1",
                        "val_line2"),
                    rule()
                        .sourceLabels("a")
                        .regex("(line1).*(?<second>line2)")
                        .targetLabel("label1_${1}")
                        .replacement("val_${second}"),
                    rule()
                        .sourceLabels("a")
                        .regex("(line1).*(?P<second>line2)")
                        .targetLabel("label2_$1")
                        .replacement("val_$second")),
                kept(
                    "metadata-style targets",
                    ls("__name__", "http_requests_total"),
                    ls("__name__", "http_requests_total", "__type__", "counter"),
                    rule()
                        .sourceLabels("__name__")
                        .regex(".*_total$")
                        .targetLabel("__type__")
                        .replacement("counter")),
                kept(
                    "fast path: empty value, default regex, literal target/replacement",
                    ls("job", "foo"),
                    ls("job", "foo", "abc", "static"),
                    rule().targetLabel("abc").replacement("static")),
                kept(
                    "fast path: empty replacement deletes",
                    ls("job", "foo", "abc", "x"),
                    ls("job", "foo"),
                    rule().targetLabel("abc").replacement("")),
                kept(
                    "explicit (.*) behaves like the default",
                    ls("job", "foo"),
                    ls("job", "foo", "abc", "static"),
                    rule().regex("(.*)").targetLabel("abc").replacement("static")),
                kept(
                    "${0} target on an empty value is invalid",
                    ls("job", "foo"),
                    ls("job", "foo"),
                    rule().targetLabel("${0}").replacement("dropped")),
                kept(
                    "${0} replacement of an empty value deletes",
                    ls("job", "foo", "dropped", "x"),
                    ls("job", "foo"),
                    rule().targetLabel("dropped").replacement("${0}")),
                kept(
                    "missing source labels join as empty strings",
                    ls("a", "1", "c", "3"),
                    ls("a", "1", "c", "3", "t", "1;;3"),
                    rule().sourceLabels("a", "b", "c").targetLabel("t")),
                kept(
                    "custom separator",
                    ls("a", "1", "c", "3"),
                    ls("a", "1", "c", "3", "t", "1//3"),
                    rule().sourceLabels("a", "c").separator("//").targetLabel("t")),
                kept(
                    "$1x names group \"1x\", which expands to \"\"",
                    ls("a", "foo"),
                    ls("a", "foo", "t", "x-oo"),
                    rule().sourceLabels("a").regex("f(.*)").targetLabel("t").replacement("$1x${1}"),
                    rule().sourceLabels("a").regex("f(.*)").targetLabel("t").replacement("x-${1}")),
                kept(
                    "target expanding to a digit-led name is skipped",
                    ls("a", "1abc"),
                    ls("a", "1abc"),
                    rule().sourceLabels("a").regex("(.*)").targetLabel("$1")),
                kept(
                    "$$ is a literal dollar",
                    ls("a", "foo"),
                    ls("a", "foo", "t", "$oo"),
                    rule().sourceLabels("a").regex("f(.*)").targetLabel("t").replacement("$$$1")),
                kept(
                    "k8s address rewrite",
                    ls("__address__", "10.0.0.1:80", "port", "9100"),
                    ls("__address__", "10.0.0.1:9100", "port", "9100"),
                    rule()
                        .sourceLabels("__address__", "port")
                        .regex("(.+?)(\\:\\d+)?;(\\d+)")
                        .targetLabel("__address__")
                        .replacement("$1:$3")))),
        Map.entry(
            Action.KEEP,
            List.of(
                dropped(
                    "no match drops",
                    ls("a", "foo"),
                    rule().sourceLabels("a").regex("no-match").action(Action.KEEP)),
                kept(
                    "match keeps",
                    ls("a", "foo"),
                    ls("a", "foo"),
                    rule().sourceLabels("a").regex("f.*").action(Action.KEEP)),
                dropped(
                    "anchored: a partial match is no match",
                    ls("a", "foo"),
                    rule().sourceLabels("a").regex("f").action(Action.KEEP)),
                kept(
                    "a missing label matches \"\"",
                    ls("a", "foo"),
                    ls("a", "foo"),
                    rule().sourceLabels("nope").regex("").action(Action.KEEP)),
                kept(
                    "issue 12283: labeldrop, then recreate, then keep",
                    ls(
                        "__meta_kubernetes_pod_container_port_name",
                        "foo",
                        "__meta_kubernetes_pod_annotation_XXX_metrics_port",
                        "9091"),
                    ls(
                        "__meta_kubernetes_pod_annotation_XXX_metrics_port",
                        "9091",
                        "__meta_kubernetes_pod_container_port_name",
                        "metrics"),
                    rule()
                        .regex("^__meta_kubernetes_pod_container_port_name$")
                        .action(Action.LABELDROP),
                    rule()
                        .sourceLabels("__meta_kubernetes_pod_annotation_XXX_metrics_port")
                        .regex("(.+)")
                        .targetLabel("__meta_kubernetes_pod_container_port_name")
                        .replacement("metrics"),
                    rule()
                        .sourceLabels("__meta_kubernetes_pod_container_port_name")
                        .regex("^metrics$")
                        .action(Action.KEEP)))),
        Map.entry(
            Action.DROP,
            List.of(
                dropped(
                    "match drops and stops",
                    ls("a", "foo"),
                    rule().sourceLabels("a").regex(".*o.*").action(Action.DROP),
                    rule()
                        .sourceLabels("a")
                        .regex("f(.*)")
                        .targetLabel("d")
                        .replacement("ch$1-ch$1")),
                dropped(
                    "match drops",
                    ls("a", "foo", "b", "bar"),
                    rule().sourceLabels("a").regex(".*o.*").action(Action.DROP)),
                kept(
                    "no match keeps",
                    ls("a", "foo"),
                    ls("a", "foo"),
                    rule().sourceLabels("a").regex("no-match").action(Action.DROP)),
                kept(
                    "alternation must match the whole value",
                    ls("a", "foo"),
                    ls("a", "foo"),
                    rule().sourceLabels("a").regex("f|o").action(Action.DROP)),
                dropped(
                    "empty regex matches a missing label",
                    ls("a", "foo"),
                    rule().sourceLabels("name").regex("").action(Action.DROP)))),
        Map.entry(
            Action.KEEPEQUAL,
            List.of(
                kept(
                    "equal keeps",
                    PORTS,
                    PORTS,
                    rule()
                        .sourceLabels("__tmp_port")
                        .targetLabel("__port1")
                        .action(Action.KEEPEQUAL)),
                dropped(
                    "different drops",
                    PORTS,
                    rule()
                        .sourceLabels("__tmp_port")
                        .targetLabel("__port2")
                        .action(Action.KEEPEQUAL)),
                kept(
                    "missing target equals empty source",
                    ls("a", "1"),
                    ls("a", "1"),
                    rule().sourceLabels("nope").targetLabel("none").action(Action.KEEPEQUAL)))),
        Map.entry(
            Action.DROPEQUAL,
            List.of(
                dropped(
                    "equal drops",
                    PORTS,
                    rule()
                        .sourceLabels("__tmp_port")
                        .targetLabel("__port1")
                        .action(Action.DROPEQUAL)),
                kept(
                    "different keeps",
                    PORTS,
                    PORTS,
                    rule()
                        .sourceLabels("__tmp_port")
                        .targetLabel("__port2")
                        .action(Action.DROPEQUAL)),
                dropped(
                    "missing both drops",
                    ls("a", "1"),
                    rule().sourceLabels("nope").targetLabel("none").action(Action.DROPEQUAL)))),
        Map.entry(
            Action.HASHMOD,
            List.of(
                kept(
                    "md5 mod 1000",
                    ABC,
                    ls("a", "foo", "b", "bar", "c", "baz", "d", "976"),
                    rule().sourceLabels("c").targetLabel("d").modulus(1000).action(Action.HASHMOD)),
                kept(
                    "newline in value",
                    ls("a", "foo\nbar"),
                    ls("a", "foo\nbar", "b", "734"),
                    rule().sourceLabels("a").targetLabel("b").modulus(1000).action(Action.HASHMOD)),
                kept(
                    "sharding: hash, keep shard, drop helper",
                    ls("__address__", "10.132.183.40:80"),
                    ls("__address__", "10.132.183.40:80"),
                    rule()
                        .sourceLabels("__address__")
                        .targetLabel("__tmp_hash")
                        .modulus(3)
                        .action(Action.HASHMOD),
                    rule().sourceLabels("__tmp_hash").regex("^1$").action(Action.KEEP),
                    rule().regex("__tmp_hash").action(Action.LABELDROP)),
                kept(
                    "unsigned 64-bit modulus",
                    ls("a", "x"),
                    ls("a", "x", "h", "17710500428000290726"),
                    rule()
                        .sourceLabels("a")
                        .targetLabel("h")
                        .modulus(Long.parseUnsignedLong("18446744073709551615"))
                        .action(Action.HASHMOD)))),
        Map.entry(
            Action.LABELMAP,
            List.of(
                kept(
                    "prefix copy",
                    ls("a", "foo", "b1", "bar", "b2", "baz"),
                    ls("a", "foo", "b1", "bar", "b2", "baz", "bar_b1", "bar", "bar_b2", "baz"),
                    rule().regex("(b.*)").replacement("bar_${1}").action(Action.LABELMAP)),
                kept(
                    "meta labels, originals kept",
                    ls(
                        "a",
                        "foo",
                        "__meta_my_bar",
                        "aaa",
                        "__meta_my_baz",
                        "bbb",
                        "__meta_other",
                        "ccc"),
                    ls(
                        "a",
                        "foo",
                        "__meta_my_bar",
                        "aaa",
                        "__meta_my_baz",
                        "bbb",
                        "__meta_other",
                        "ccc",
                        "my_bar",
                        "aaa",
                        "my_baz",
                        "bbb"),
                    rule().regex("__meta_(my.*)").replacement("${1}").action(Action.LABELMAP)),
                kept(
                    "overwrites an existing label",
                    ls("__meta_x", "1", "x", "old"),
                    ls("__meta_x", "1", "x", "1"),
                    rule().regex("__meta_(.*)").action(Action.LABELMAP)),
                kept(
                    "labels added by the rule are not mapped again",
                    ls("a", "1"),
                    ls("a", "1", "xa", "1"),
                    rule().regex("(.*)").replacement("x$1").action(Action.LABELMAP)),
                kept(
                    "values are read from the snapshot taken before the rule",
                    ls("a", "1", "b", "2"),
                    ls("a", "1", "b", "2"),
                    rule().regex("a|b").replacement("b").action(Action.LABELMAP)))),
        Map.entry(
            Action.LABELDROP,
            List.of(
                kept(
                    "drops matching names",
                    ls("a", "foo", "b1", "bar", "b2", "baz"),
                    ls("a", "foo"),
                    rule().regex("(b.*)").action(Action.LABELDROP)),
                kept(
                    "can empty the set without dropping it",
                    ls("a", "1", "b", "2"),
                    Labels.EMPTY,
                    rule().regex(".*").action(Action.LABELDROP)),
                kept(
                    "anchored on the name",
                    ls("ab", "1", "b", "2"),
                    ls("ab", "1"),
                    rule().regex("b").action(Action.LABELDROP)))),
        Map.entry(
            Action.LABELKEEP,
            List.of(
                kept(
                    "keeps matching names",
                    ls("a", "foo", "b1", "bar", "b2", "baz"),
                    ls("b1", "bar", "b2", "baz"),
                    rule().regex("(b.*)").action(Action.LABELKEEP)),
                kept(
                    "keeps nothing",
                    ls("a", "1", "b", "2"),
                    Labels.EMPTY,
                    rule().regex("z").action(Action.LABELKEEP)))),
        Map.entry(
            Action.LOWERCASE,
            List.of(
                kept(
                    "lower",
                    ls("foo", "bAr123Foo"),
                    ls("foo", "bAr123Foo", "foo_lowercase", "bar123foo"),
                    rule()
                        .sourceLabels("foo")
                        .targetLabel("foo_lowercase")
                        .action(Action.LOWERCASE)),
                kept(
                    "empty source deletes the target",
                    ls("t", "x"),
                    Labels.EMPTY,
                    rule().sourceLabels("nope").targetLabel("t").action(Action.LOWERCASE)),
                kept(
                    "per rune, no final sigma",
                    ls("s", "ΣΑΣ"),
                    ls("s", "ΣΑΣ", "t", "σασ"),
                    rule().sourceLabels("s").targetLabel("t").action(Action.LOWERCASE)))),
        Map.entry(
            Action.UPPERCASE,
            List.of(
                kept(
                    "upper",
                    ls("foo", "bAr123Foo"),
                    ls("foo", "bAr123Foo", "foo_uppercase", "BAR123FOO"),
                    rule()
                        .sourceLabels("foo")
                        .targetLabel("foo_uppercase")
                        .action(Action.UPPERCASE)),
                kept(
                    "joined sources",
                    ls("a", "x", "b", "y"),
                    ls("a", "x", "b", "y", "t", "X;Y"),
                    rule().sourceLabels("a", "b").targetLabel("t").action(Action.UPPERCASE)),
                kept(
                    "ß has no single-rune upper case",
                    ls("s", "straße"),
                    ls("s", "straße", "t", "STRAßE"),
                    rule().sourceLabels("s").targetLabel("t").action(Action.UPPERCASE)))));
  }

  @TestFactory
  Stream<DynamicNode> conformance() {
    Map<Action, List<Case>> table = table();
    assertThat(table.keySet())
        .as("every action has cases")
        .containsExactlyInAnyOrder(Action.values());
    return Stream.of(Action.values())
        .map(
            action ->
                DynamicContainer.dynamicContainer(
                    action.configName(),
                    table.get(action).stream().map(c -> dynamicTest(c.name(), () -> check(c)))));
  }

  private static void check(Case c) {
    if (c.validRules()) {
      for (RelabelConfig rc : c.rules()) {
        rc.validate(); // the rules are valid configurations, not just code-built ones
      }
    }
    Labels out = Relabeler.process(c.input(), c.rules());
    LabelsBuilder lb = new LabelsBuilder(c.input());
    boolean keep = Relabeler.process(lb, c.rules());
    if (c.output() == null) {
      assertThat(out).as("dropped").isNull();
      assertThat(keep).isFalse();
    } else {
      assertThat(out).isEqualTo(c.output());
      assertThat(keep).isTrue();
      assertThat(lb.build()).isEqualTo(c.output());
    }
  }

  @Test
  void noRulesReturnsTheSameInstance() {
    assertThat(Relabeler.process(ABC, List.of())).isSameAs(ABC);
  }

  @Test
  void hashmodMatchesGo() {
    List<String[]> rows = GoTestData.rows(getClass(), "testdata/hashmod.go.tsv");
    assertThat(rows).hasSizeGreaterThan(10);
    for (String[] row : rows) {
      String value = row[0];
      long modulus = Long.parseUnsignedLong(row[1]);
      assertThat(Relabeler.hashmod(value, modulus))
          .as("hashmod(%s, %s)", value, row[1])
          .isEqualTo(row[2]);
      // and through a rule, with the value spread over two source labels joined by ";"
      int semi = value.indexOf(';');
      Labels in =
          semi < 0
              ? ls("v", value)
              : ls("v", value.substring(0, semi), "w", value.substring(semi + 1));
      RelabelConfig r =
          rule()
              .sourceLabels(semi < 0 ? List.of("v") : List.of("v", "w"))
              .targetLabel("h")
              .modulus(modulus)
              .action(Action.HASHMOD)
              .build();
      assertThat(Relabeler.process(in, List.of(r)).get("h")).isEqualTo(row[2]);
    }
  }

  @Test
  void caseMappingMatchesGo() {
    for (String[] row : GoTestData.rows(getClass(), "testdata/case.go.tsv")) {
      Labels in = ls("s", row[0]);
      Labels lower =
          Relabeler.process(
              in,
              List.of(rule().sourceLabels("s").targetLabel("t").action(Action.LOWERCASE).build()));
      Labels upper =
          Relabeler.process(
              in,
              List.of(rule().sourceLabels("s").targetLabel("t").action(Action.UPPERCASE).build()));
      assertThat(lower.getOrEmpty("t")).as("lower(%s)", row[0]).isEqualTo(row[1]);
      assertThat(upper.getOrEmpty("t")).as("upper(%s)", row[0]).isEqualTo(row[2]);
    }
  }
}
