package io.promfed.rules;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.junit.jupiter.api.DynamicTest.dynamicTest;

import io.promfed.config.ConfigException;
import io.promfed.promql.parser.ParserOptions;
import java.io.IOException;
import java.net.URISyntaxException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeSet;
import java.util.stream.Collectors;
import java.util.stream.Stream;
import org.junit.jupiter.api.DynamicTest;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestFactory;
import org.junit.jupiter.api.io.TempDir;

/**
 * {@link RuleFileLoader} against the fixtures in {@code testdata/}: every {@code *.good.yml} loads
 * and every {@code *.bad.yml} fails with exactly the message in {@link #BAD_TABLE}. The bad
 * fixtures include upstream's model/rulefmt/testdata cases with their messages.
 */
class RuleFileLoaderTest {

  /**
   * The exact error of each bad fixture, one per line; the file name is the text before the first
   * colon. Lines starting with # group them.
   */
  private static final String BAD_TABLE =
      """
# Group checks (RuleGroups.Validate).
duplicate_group.bad.yml:3: groupname: "yolo" is repeated in the same file
group_name_empty.bad.yml:2: Groupname must not be empty
invalid_group_label.bad.yml:4: invalid label name: 0team
# Rule checks (Rule.Validate), with upstream's "group, rule N, name" prefix.
bad_expr.bad.yml:5: group "yolo", rule 1, "yolo": could not parse expression: 1:6: parse error: expected type range vector in call to function "rate", got instant vector
invalid_record_name.bad.yml:4: group "yolo", rule 1, "strawberry{flavor=\\"sweet\\"}": invalid recording rule name: strawberry{flavor="sweet"}
invalid_record_name_dash.bad.yml:4: group "yolo", rule 1, "job:http-requests:rate5m": invalid recording rule name: job:http-requests:rate5m
invalid_label_name.bad.yml:7: group "yolo", rule 1, "hola": invalid label name: __name__
invalid_label_name_dash.bad.yml:7: group "yolo", rule 1, "hola": invalid label name: ins-tance
no_rec_alert.bad.yml:4: group "yolo", rule 1, "": one of 'record' or 'alert' must be set
noexpr.bad.yml:4: group "yolo", rule 1, "ylo": field 'expr' must be set in rule
record_and_alert.bad.yml:4: group "yolo", rule 1, "Hello": only one of 'record' and 'alert' must be set
record_and_for.bad.yml:4: group "yolo", rule 1, "Hello": invalid field 'for' in recording rule
record_and_keep_firing_for.bad.yml:4: group "yolo", rule 1, "Hello": invalid field 'keep_firing_for' in recording rule
record_and_annotations.bad.yml:4: group "yolo", rule 1, "Hello": invalid field 'annotations' in recording rule
alerting.bad.yml:8: group "alerts", rule 1, "InstanceDown": alerting rules are not supported by promfed
# Decoding (go-yaml v3 with KnownFields), which comes before validation.
unknown_rule_field.bad.yml:8: field annotation not found in type rulefmt.Rule
unknown_group_field.bad.yml:3: field intervall not found in type rulefmt.RuleGroup
unknown_top_level_field.bad.yml:1: field group not found in type rulefmt.RuleGroups
decode_before_validate.bad.yml:10: field lables not found in type rulefmt.Rule
duplicate_key.bad.yml:6: mapping key "expr" already defined at line 5
interval_unit.bad.yml:3: unknown unit "x" in duration "5x"
interval_unitless.bad.yml:3: not a valid duration string: "15"
limit_type.bad.yml:3: cannot unmarshal !!str `10` into int
rules_type.bad.yml:4: cannot unmarshal !!map into []rulefmt.Rule
label_value_type.bad.yml:7: cannot unmarshal !!seq into string
top_level_type.bad.yml:1: cannot unmarshal !!seq into rulefmt.RuleGroups
yaml_syntax.bad.yml:6: expected ',' or ']', but got <stream end>
""";

  static final Map<String, String> BAD =
      BAD_TABLE
          .lines()
          .map(String::strip)
          .filter(l -> !l.isEmpty() && !l.startsWith("#"))
          .collect(Collectors.toMap(l -> l.substring(0, l.indexOf(':')), l -> l));

  static final Path TESTDATA = testdata();

  private static Path testdata() {
    try {
      return Path.of(RuleFileLoaderTest.class.getResource("testdata").toURI());
    } catch (URISyntaxException e) {
      throw new IllegalStateException(e);
    }
  }

  private final RuleFileLoader loader = new RuleFileLoader();

  private static Set<String> fixtures(String suffix) throws IOException {
    try (Stream<Path> s = Files.list(TESTDATA)) {
      return s.map(p -> p.getFileName().toString())
          .filter(n -> n.endsWith(suffix))
          .collect(Collectors.toCollection(TreeSet::new));
    }
  }

  private List<RuleGroupConfig> loadFixture(String name) throws Exception {
    return loader.loadString(Files.readString(TESTDATA.resolve(name)), name);
  }

  @Test
  void everyBadFixtureHasAnExpectedError() throws IOException {
    assertThat(fixtures(".bad.yml")).isEqualTo(new TreeSet<>(BAD.keySet()));
  }

  @TestFactory
  Stream<DynamicTest> badFixturesFailWithTheExactMessage() {
    return new TreeSet<>(BAD.keySet())
        .stream()
            .map(
                name ->
                    dynamicTest(
                        name,
                        () ->
                            assertThatThrownBy(() -> loadFixture(name))
                                .isInstanceOf(ConfigException.class)
                                .hasMessage(BAD.get(name))));
  }

  @TestFactory
  Stream<DynamicTest> goodFixturesLoad() throws IOException {
    Set<String> good = fixtures(".good.yml");
    assertThat(good).contains("seed.good.yml", "full.good.yml");
    return good.stream().map(name -> dynamicTest(name, () -> loader.load(TESTDATA.resolve(name))));
  }

  @Test
  void errorsCarryFileLineAndColumn() {
    assertThatThrownBy(() -> loadFixture("bad_expr.bad.yml"))
        .isInstanceOfSatisfying(
            ConfigException.class,
            e -> {
              assertThat(e.sourceName()).isEqualTo("bad_expr.bad.yml");
              assertThat(e.line()).isEqualTo(5);
              assertThat(e.column()).isEqualTo(15);
            });
  }

  @Test
  void seedRule() throws Exception {
    List<RuleGroupConfig> groups = loader.load(TESTDATA.resolve("seed.good.yml"));
    assertThat(groups).hasSize(1);
    RuleGroupConfig g = groups.get(0);
    assertThat(g.name()).isEqualTo("http");
    assertThat(g.file()).isEqualTo(TESTDATA.resolve("seed.good.yml").toString());
    assertThat(g.interval()).isEqualTo(Duration.ZERO); // the global evaluation_interval applies
    assertThat(g.queryOffset()).isNull();
    assertThat(g.limit()).isZero();
    assertThat(g.rules()).hasSize(1);
    RuleConfig r = g.rules().get(0);
    assertThat(r.record()).isEqualTo("job:http_request_total:rate5m");
    assertThat(r.query()).isEqualTo("sum by (job) (rate(http_request_total[5m]))");
    assertThat(r.labels()).isEmpty();
  }

  @Test
  void everyField() throws Exception {
    List<RuleGroupConfig> groups = loadFixture("full.good.yml");
    assertThat(groups).extracting(RuleGroupConfig::name).containsExactly("api", "scalar", "empty");

    RuleGroupConfig api = groups.get(0);
    assertThat(api.file()).isEqualTo("full.good.yml");
    assertThat(api.interval()).isEqualTo(Duration.ofSeconds(30));
    assertThat(api.limit()).isEqualTo(100);
    assertThat(api.queryOffset()).isEqualTo(Duration.ofMinutes(1));
    assertThat(api.rules()).hasSize(3);

    RuleConfig rate = api.rules().get(0);
    // Printed back in Prometheus's canonical form, whatever the layout in the file.
    assertThat(rate.query()).isEqualTo("sum by (job) (rate(http_request_total[5m]))");
    // Group labels, overridden by the rule's own (upstream's FromMaps).
    assertThat(rate.labels())
        .containsExactly(Map.entry("team", "web"), Map.entry("tier", "frontend"));

    RuleConfig ratio = api.rules().get(1);
    assertThat(ratio.record()).isEqualTo("job:http_errors:ratio_rate5m");
    assertThat(ratio.query())
        .isEqualTo(
            "sum by (job) (rate(http_request_total{code=~\"5..\"}[5m])) / sum by (job)"
                + " (rate(http_request_total[5m]))");
    assertThat(ratio.labels()).containsExactly(Map.entry("team", "platform"));

    // A merge key copies expr from the anchored rule; explicit keys win.
    RuleConfig copy = api.rules().get(2);
    assertThat(copy.record()).isEqualTo("job:http_errors:ratio_rate5m_copy");
    assertThat(copy.query()).isEqualTo(ratio.query());
    assertThat(copy.labels()).containsExactly(Map.entry("team", ""));

    RuleGroupConfig scalar = groups.get(1);
    assertThat(scalar.queryOffset()).isEqualTo(Duration.ZERO); // explicit, unlike an absent one
    assertThat(scalar.rules().get(0).query()).isEqualTo("42");

    assertThat(groups.get(2).rules()).isEmpty();
  }

  @Test
  void emptyFileHasNoGroups() throws Exception {
    assertThat(loadFixture("empty.good.yml")).isEmpty();
    assertThat(loader.loadString("", "x.yml")).isEmpty();
    assertThat(loader.loadString("groups:\n", "x.yml")).isEmpty();
  }

  @Test
  void onlyTheFirstDocumentIsRead() throws Exception {
    String yaml =
        """
        groups:
          - name: first
        ---
        groups:
          - name: second
        """;
    assertThat(loader.loadString(yaml, "x.yml"))
        .extracting(RuleGroupConfig::name)
        .containsExactly("first");
  }

  @Test
  void experimentalFunctionsFollowTheEngineOptions() throws Exception {
    String yaml =
        """
        groups:
          - name: g
            rules:
              - record: a
                expr: sort_by_label(up, "instance")
        """;
    assertThatThrownBy(() -> loader.loadString(yaml, "x.yml"))
        .hasMessageContaining("could not parse expression")
        .hasMessageContaining("sort_by_label");
    assertThat(new RuleFileLoader(new ParserOptions(true)).loadString(yaml, "x.yml")).hasSize(1);
  }

  @Test
  void unreadableFile(@TempDir Path dir) {
    Path missing = dir.resolve("missing.yml");
    assertThatThrownBy(() -> loader.load(missing))
        .isInstanceOf(ConfigException.class)
        .hasMessageStartingWith(missing + ": cannot read file: ");
  }

  @Test
  void invalidUtf8(@TempDir Path dir) throws IOException {
    Path f = dir.resolve("latin1.yml");
    Files.write(f, new byte[] {'#', ' ', (byte) 0xe9, '\n'});
    assertThatThrownBy(() -> loader.load(f))
        .isInstanceOf(ConfigException.class)
        .hasMessage(f + ": invalid UTF-8: the file must be UTF-8");
  }

  // ---- rule_files globs -------------------------------------------------------------------

  private static void write(Path f, String group) throws IOException {
    Files.createDirectories(f.getParent());
    Files.writeString(
        f,
        "groups:\n  - name: "
            + group
            + "\n    rules:\n      - record: job:"
            + group
            + ":sum\n        expr: sum(up)\n");
  }

  @Test
  void globsExpandInLexicalOrderAndMissingPathsMatchNothing(@TempDir Path dir) throws Exception {
    write(dir.resolve("rules/b.yml"), "b");
    write(dir.resolve("rules/a.yml"), "a");
    write(dir.resolve("rules/c.yaml"), "c");
    write(dir.resolve("other.yml"), "other");
    String rules = dir.resolve("rules").toString();

    assertThat(RuleFileLoader.expand(List.of(rules + "/*.yml")))
        .containsExactly(rules + "/a.yml", rules + "/b.yml");
    assertThat(RuleFileLoader.expand(List.of(rules + "/[ac].y*ml", rules + "/?.yml")))
        .containsExactly(rules + "/a.yml", rules + "/c.yaml", rules + "/b.yml"); // a.yml once
    assertThat(RuleFileLoader.expand(List.of(rules + "/nope.yml", rules + "/*.json"))).isEmpty();

    List<RuleGroupConfig> loaded =
        loader.loadAll(List.of(dir.resolve("other.yml").toString(), rules + "/*"));
    assertThat(loaded).extracting(RuleGroupConfig::name).containsExactly("other", "a", "b", "c");
    assertThat(loaded.get(1).file()).isEqualTo(rules + "/a.yml");
  }

  @Test
  void malformedGlob() {
    assertThatThrownBy(() -> RuleFileLoader.expand(List.of("rules/[a.yml")))
        .isInstanceOf(ConfigException.class)
        .hasMessage(
            "rule_files: error retrieving rule files for \"rules/[a.yml\": syntax error in"
                + " pattern");
  }

  @Test
  void firstBadFileFailsTheWholeLoad(@TempDir Path dir) throws Exception {
    write(dir.resolve("a.yml"), "a");
    Files.writeString(dir.resolve("b.yml"), "groups:\n  - name: x\n    interval: 1y1y\n");
    assertThatThrownBy(() -> loader.loadAll(List.of(dir + "/*.yml")))
        .isInstanceOf(ConfigException.class)
        .hasMessage(dir.resolve("b.yml") + ":3: not a valid duration string: \"1y1y\"");
  }
}
