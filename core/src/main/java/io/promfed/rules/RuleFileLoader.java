package io.promfed.rules;

import io.promfed.config.ConfigException;
import io.promfed.model.labels.Labels;
import io.promfed.model.gostrconv.GoQuote;
import io.promfed.model.relabel.Names;
import io.promfed.promql.parser.Expr;
import io.promfed.promql.parser.Parser;
import io.promfed.promql.parser.ParserOptions;
import io.promfed.promql.parser.PromQLParseException;
import io.promfed.rules.RuleYamlReader.Struct;
import java.io.IOException;
import java.io.StringReader;
import java.nio.ByteBuffer;
import java.nio.charset.CharacterCodingException;
import java.nio.charset.CodingErrorAction;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.Iterator;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import org.yaml.snakeyaml.LoaderOptions;
import org.yaml.snakeyaml.Yaml;
import org.yaml.snakeyaml.error.Mark;
import org.yaml.snakeyaml.error.MarkedYAMLException;
import org.yaml.snakeyaml.error.YAMLException;
import org.yaml.snakeyaml.nodes.Node;
import org.yaml.snakeyaml.nodes.NodeTuple;

/**
 * Reads Prometheus rule files ({@code rule_files}) into validated {@link RuleGroupConfig}s: the
 * format and checks of prometheus/prometheus {@code model/rulefmt/rulefmt.go} ({@code ParseFile},
 * {@code RuleGroups.Validate}, {@code Rule.Validate}) and the glob expansion of
 * cmd/prometheus/main.go. See docs/configuration/recording_rules.md for the format.
 *
 * <p>Every error is a {@link ConfigException} naming the file and line, with rulefmt's wording:
 * {@code rules.yml:3: groupname: "api" is repeated in the same file}, {@code rules.yml:7: group
 * "api", rule 2, "job:errors": could not parse expression: 1:6: parse error: …}, {@code
 * rules.yml:5: field recrod not found in type rulefmt.Rule}. Where Prometheus returns all problems
 * of a file, this loader reports the first: like Prometheus, structural (decoding) problems of the
 * whole file come before semantic ones.
 *
 * <p><b>Alerting rules</b> ({@code alert:}) are validated like Prometheus does and then rejected
 * with {@code alerting rules are not supported by promfed}: the suite has no Alertmanager client,
 * and skipping them silently would let a file that promises alerts load without any. Keep alerting
 * rules in files only Prometheus reads.
 *
 * <p>Names are checked with Prometheus's legacy scheme (the only one the suite implements, as
 * {@code metric_name_validation_scheme} in the config loader): a {@code record:} must match {@code
 * [a-zA-Z_:][a-zA-Z0-9_:]*}, rule label names {@code [a-zA-Z_][a-zA-Z0-9_]*}. Group {@code labels}
 * (Prometheus 3.5) are supported. Only the first YAML document of a file is read, as upstream.
 *
 * <p>Stateless apart from the PromQL parser options; thread-safe.
 */
public final class RuleFileLoader {

  private static final System.Logger LOG = System.getLogger(RuleFileLoader.class.getName());

  // Go type names as go-yaml v3 prints them for rulefmt's structs.
  private static final String T_GROUPS = "rulefmt.RuleGroups";
  private static final String T_GROUP = "rulefmt.RuleGroup";
  private static final String T_RULE = "rulefmt.Rule";

  private static final Set<String> GROUPS_KEYS = Set.of("groups");
  private static final Set<String> GROUP_KEYS =
      Set.of("name", "interval", "query_offset", "limit", "rules", "labels");
  private static final Set<String> RULE_KEYS =
      Set.of("record", "alert", "expr", "for", "keep_firing_for", "labels", "annotations");

  private static final int CODE_POINT_LIMIT = 64 * 1024 * 1024;

  private final Parser parser;

  /** A loader that parses expressions with Prometheus's default parser options. */
  public RuleFileLoader() {
    this(ParserOptions.DEFAULT);
  }

  /**
   * @param parserOptions pass the engine's options ({@code enableExperimentalFunctions}) so that a
   *     rule file is accepted exactly when its expressions would run
   */
  public RuleFileLoader(ParserOptions parserOptions) {
    this.parser = new Parser(parserOptions);
  }

  /**
   * Expands the {@code rule_files} globs and loads every file, in pattern order and lexical order
   * within a pattern; a file matched twice is read once.
   *
   * @throws ConfigException for a malformed pattern or the first invalid file
   */
  public List<RuleGroupConfig> loadAll(List<String> patterns) throws ConfigException {
    List<RuleGroupConfig> out = new ArrayList<>();
    for (String file : expand(patterns)) {
      out.addAll(load(Path.of(file)));
    }
    return out;
  }

  /**
   * The files the {@code rule_files} globs match, like Go's {@code filepath.Glob}: a path without
   * metacharacters that does not exist matches nothing, as in Prometheus, and is logged here
   * because that is nearly always a typo.
   *
   * @throws ConfigException for a malformed pattern, e.g. {@code rule_files: error retrieving rule
   *     files for "rules/[a.yml": syntax error in pattern}
   */
  public static List<String> expand(List<String> patterns) throws ConfigException {
    Set<String> files = new LinkedHashSet<>();
    for (String pattern : patterns) {
      List<String> matched;
      try {
        matched = GoGlob.glob(pattern);
      } catch (GoGlob.BadPatternException e) {
        throw new ConfigException(
            "rule_files",
            0,
            0,
            "error retrieving rule files for " + GoQuote.quote(pattern) + ": " + e.getMessage());
      }
      if (matched.isEmpty()) {
        LOG.log(System.Logger.Level.WARNING, "rule_files entry {0} matches no files", pattern);
      }
      files.addAll(matched);
    }
    return List.copyOf(files);
  }

  /**
   * Reads and validates one rule file. Messages and {@link RuleGroupConfig#file()} use {@code
   * file.toString()}.
   *
   * @throws ConfigException when the file cannot be read, is not UTF-8 or YAML, or is invalid
   */
  public List<RuleGroupConfig> load(Path file) throws ConfigException {
    String name = file.toString();
    byte[] bytes;
    try {
      bytes = Files.readAllBytes(file);
    } catch (IOException e) {
      throw new ConfigException(name, 0, 0, "cannot read file: " + e, e);
    }
    String text;
    try {
      text =
          StandardCharsets.UTF_8
              .newDecoder()
              .onMalformedInput(CodingErrorAction.REPORT)
              .onUnmappableCharacter(CodingErrorAction.REPORT)
              .decode(ByteBuffer.wrap(bytes))
              .toString();
    } catch (CharacterCodingException e) {
      throw new ConfigException(name, 0, 0, "invalid UTF-8: the file must be UTF-8", e);
    }
    return loadString(text, name);
  }

  /**
   * Parses and validates rule file text.
   *
   * @param file names the file in messages and in the groups' {@link RuleGroupConfig#file()}
   * @throws ConfigException when the text is not YAML or not a valid rule file
   */
  public List<RuleGroupConfig> loadString(String yaml, String file) throws ConfigException {
    Node root = compose(yaml, file);
    RuleYamlReader r = new RuleYamlReader(file);
    List<GroupDraft> drafts = decode(r, root);
    return validate(r, file, drafts);
  }

  private static Node compose(String yaml, String file) throws ConfigException {
    try {
      LoaderOptions options = new LoaderOptions();
      options.setCodePointLimit(CODE_POINT_LIMIT);
      options.setProcessComments(false);
      Iterator<Node> docs = new Yaml(options).composeAll(new StringReader(yaml)).iterator();
      if (!docs.hasNext()) {
        return null;
      }
      Node first = docs.next();
      boolean more;
      try {
        more = docs.hasNext();
      } catch (YAMLException e) {
        more = true; // upstream only decodes the second document to warn about it
      }
      if (more) {
        LOG.log(
            System.Logger.Level.WARNING,
            "{0}: multiple document yaml rules files are not supported, only the first document"
                + " is processed",
            file);
      }
      return first;
    } catch (MarkedYAMLException e) {
      Mark m = e.getProblemMark() != null ? e.getProblemMark() : e.getContextMark();
      String problem = e.getProblem() != null ? e.getProblem() : e.getContext();
      if (m == null) {
        throw new ConfigException(file, 0, 0, problem, e);
      }
      throw new ConfigException(file, m.getLine() + 1, m.getColumn() + 1, problem, e);
    } catch (YAMLException e) {
      throw new ConfigException(file, 0, 0, e.getMessage(), e);
    }
  }

  // ---- phase 1: decoding (go-yaml v3 into rulefmt.RuleGroups) ----------------------------------

  private record GroupDraft(
      Node node,
      String name,
      Duration interval,
      Duration queryOffset,
      int limit,
      Map<String, NodeTuple> labels,
      List<RuleDraft> rules) {}

  private record RuleDraft(
      Struct node,
      String record,
      String alert,
      String expr,
      Duration forDuration,
      Duration keepFiringFor,
      Map<String, NodeTuple> labels,
      Map<String, NodeTuple> annotations) {}

  private static List<GroupDraft> decode(RuleYamlReader r, Node root) throws ConfigException {
    List<GroupDraft> out = new ArrayList<>();
    if (RuleYamlReader.isNull(root)) {
      return out; // an empty file has no groups
    }
    Struct top = r.struct(root, T_GROUPS, GROUPS_KEYS);
    for (Node g : r.sequence(top.value("groups"), "[]" + T_GROUP)) {
      out.add(decodeGroup(r, g));
    }
    return out;
  }

  private static GroupDraft decodeGroup(RuleYamlReader r, Node n) throws ConfigException {
    if (RuleYamlReader.isNull(n)) {
      return new GroupDraft(n, "", Duration.ZERO, null, 0, Map.of(), List.of());
    }
    Struct s = r.struct(n, T_GROUP, GROUP_KEYS);
    String name = r.string(s.value("name"));
    Duration interval = r.duration(s.value("interval"));
    // A pointer upstream: absent or null means "use the default", an explicit 0s does not.
    Duration queryOffset =
        RuleYamlReader.isNull(s.value("query_offset")) ? null : r.duration(s.value("query_offset"));
    int limit = r.integer(s.value("limit"));
    List<RuleDraft> rules = new ArrayList<>();
    for (Node rn : r.sequence(s.value("rules"), "[]" + T_RULE)) {
      rules.add(decodeRule(r, rn));
    }
    Map<String, NodeTuple> labels = r.stringMap(s.value("labels"));
    return new GroupDraft(n, name, interval, queryOffset, limit, labels, rules);
  }

  private static RuleDraft decodeRule(RuleYamlReader r, Node n) throws ConfigException {
    if (RuleYamlReader.isNull(n)) {
      return new RuleDraft(
          null, "", "", "", Duration.ZERO, Duration.ZERO, Map.of(), Map.of()); // zero rulefmt.Rule
    }
    Struct s = r.struct(n, T_RULE, RULE_KEYS);
    return new RuleDraft(
        s,
        r.string(s.value("record")),
        r.string(s.value("alert")),
        r.string(s.value("expr")),
        r.duration(s.value("for")),
        r.duration(s.value("keep_firing_for")),
        r.stringMap(s.value("labels")),
        r.stringMap(s.value("annotations")));
  }

  // ---- phase 2: validation (RuleGroups.Validate, Rule.Validate) --------------------------------

  private List<RuleGroupConfig> validate(RuleYamlReader r, String file, List<GroupDraft> drafts)
      throws ConfigException {
    List<RuleGroupConfig> out = new ArrayList<>(drafts.size());
    Set<String> names = new HashSet<>();
    for (GroupDraft g : drafts) {
      if (g.name.isEmpty()) {
        throw r.error(g.node, "Groupname must not be empty");
      }
      if (!names.add(g.name)) {
        throw r.error(g.node, "groupname: \"" + g.name + "\" is repeated in the same file");
      }
      Map<String, String> groupLabels = new LinkedHashMap<>();
      for (Map.Entry<String, NodeTuple> e : g.labels.entrySet()) {
        String problem = labelProblem(e.getKey(), r.string(e.getValue().getValueNode()));
        if (problem != null) {
          throw r.error(e.getValue().getKeyNode(), problem);
        }
        groupLabels.put(e.getKey(), r.string(e.getValue().getValueNode()));
      }
      List<RuleConfig> rules = new ArrayList<>(g.rules.size());
      for (int i = 0; i < g.rules.size(); i++) {
        rules.add(validateRule(r, g, i, groupLabels));
      }
      out.add(new RuleGroupConfig(g.name, file, g.interval, g.queryOffset, g.limit, rules));
    }
    return out;
  }

  private RuleConfig validateRule(
      RuleYamlReader r, GroupDraft g, int index, Map<String, String> groupLabels)
      throws ConfigException {
    RuleDraft d = g.rules.get(index);
    String ruleName = !d.alert.isEmpty() ? d.alert : d.record;
    // Upstream's Error.Error(): group "name", rule N (1-based), "rule name": problem.
    String prefix =
        "group "
            + GoQuote.quote(g.name)
            + ", rule "
            + (index + 1)
            + ", "
            + GoQuote.quote(ruleName)
            + ": ";
    Node ruleNode = d.node != null ? d.node.node : g.node;
    Node recordAt = d.node != null ? d.node.valueOrAt("record") : ruleNode;

    if (!d.record.isEmpty() && !d.alert.isEmpty()) {
      throw r.error(recordAt, prefix + "only one of 'record' and 'alert' must be set");
    }
    if (d.record.isEmpty() && d.alert.isEmpty()) {
      throw r.error(ruleNode, prefix + "one of 'record' or 'alert' must be set");
    }
    Node exprAt = d.node != null ? d.node.valueOrAt("expr") : ruleNode;
    if (d.expr.isEmpty()) {
      throw r.error(exprAt, prefix + "field 'expr' must be set in rule");
    }
    Expr expr;
    try {
      expr = parser.parse(d.expr);
    } catch (PromQLParseException e) {
      throw r.error(exprAt, prefix + "could not parse expression: " + e.getMessage(), e);
    }
    if (!d.record.isEmpty()) {
      if (!d.annotations.isEmpty()) {
        throw r.error(recordAt, prefix + "invalid field 'annotations' in recording rule");
      }
      if (!d.forDuration.isZero()) {
        throw r.error(recordAt, prefix + "invalid field 'for' in recording rule");
      }
      if (!d.keepFiringFor.isZero()) {
        throw r.error(recordAt, prefix + "invalid field 'keep_firing_for' in recording rule");
      }
      // Upstream also rejects braces ("should it be in expr?"), which only the utf8 scheme lets
      // through this check.
      if (!Names.isValidMetricName(d.record)) {
        throw r.error(recordAt, prefix + "invalid recording rule name: " + d.record);
      }
    }
    Map<String, String> labels = new LinkedHashMap<>(groupLabels);
    for (Map.Entry<String, NodeTuple> e : d.labels.entrySet()) {
      String value = r.string(e.getValue().getValueNode());
      String problem = labelProblem(e.getKey(), value);
      if (problem != null) {
        throw r.error(e.getValue().getKeyNode(), prefix + problem);
      }
      labels.put(e.getKey(), value);
    }
    for (Map.Entry<String, NodeTuple> e : d.annotations.entrySet()) {
      if (!Names.isValidLabelName(e.getKey())) {
        throw r.error(e.getValue().getKeyNode(), prefix + "invalid annotation name: " + e.getKey());
      }
    }
    if (!d.alert.isEmpty()) {
      throw r.error(
          d.node.valueOrAt("alert"), prefix + "alerting rules are not supported by promfed");
    }
    return new RuleConfig(d.record, expr, labels);
  }

  /** rulefmt's label checks: a legacy label name other than {@code __name__}, a UTF-8 value. */
  private static String labelProblem(String name, String value) {
    if (!Names.isValidLabelName(name) || name.equals(Labels.METRIC_NAME)) {
      return "invalid label name: " + name;
    }
    if (!Names.isValidLabelValue(value)) {
      return "invalid label value: " + value;
    }
    return null;
  }
}
