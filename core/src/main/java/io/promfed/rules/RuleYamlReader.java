package io.promfed.rules;

import io.promfed.config.ConfigException;
import io.promfed.model.time.Durations;
import java.math.BigInteger;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import org.yaml.snakeyaml.DumperOptions;
import org.yaml.snakeyaml.nodes.MappingNode;
import org.yaml.snakeyaml.nodes.Node;
import org.yaml.snakeyaml.nodes.NodeTuple;
import org.yaml.snakeyaml.nodes.ScalarNode;
import org.yaml.snakeyaml.nodes.SequenceNode;
import org.yaml.snakeyaml.nodes.Tag;

/**
 * Decodes SnakeYAML nodes the way go-yaml v3 with {@code KnownFields(true)} decodes a rule file
 * into prometheus/prometheus {@code model/rulefmt} structs, with go-yaml v3's wording ({@code field
 * x not found in type rulefmt.Rule}, {@code mapping key "x" already defined at line 3}, {@code
 * cannot unmarshal !!str `abc` into int}) and every error located at its node's line.
 *
 * <p>The config package has the same kind of reader for go-yaml v2 ({@code config.NodeReader}); it
 * is package-private there and v2's messages differ, so this small one lives here. One instance per
 * file; not thread-safe.
 */
final class RuleYamlReader {

  private static final String YAML_TAG_PREFIX = "tag:yaml.org,2002:";
  private static final int MAX_MERGE_DEPTH = 16;

  private final String source;

  RuleYamlReader(String source) {
    this.source = source;
  }

  ConfigException error(Node at, String problem) {
    return error(at, problem, null);
  }

  ConfigException error(Node at, String problem, Throwable cause) {
    if (at == null || at.getStartMark() == null) {
      return new ConfigException(source, 0, 0, problem, cause);
    }
    return new ConfigException(
        source, at.getStartMark().getLine() + 1, at.getStartMark().getColumn() + 1, problem, cause);
  }

  static boolean isNull(Node n) {
    return n == null || (n instanceof ScalarNode && Tag.NULL.equals(n.getTag()));
  }

  private static String shortTag(Node n) {
    String t = n.getTag().getValue();
    return t.startsWith(YAML_TAG_PREFIX) ? "!!" + t.substring(YAML_TAG_PREFIX.length()) : t;
  }

  /** go-yaml's type error; scalars show their value, cut to 7 characters plus "..." past 10. */
  ConfigException typeError(Node n, String goType) {
    String value = "";
    if (n instanceof ScalarNode s) {
      String v = s.getValue();
      value = v.length() > 10 ? " `" + v.substring(0, 7) + "...`" : " `" + v + "`";
    }
    return error(n, "cannot unmarshal " + shortTag(n) + value + " into " + goType);
  }

  /** A mapping decoded as a Go struct: its known fields by name (merge keys applied). */
  static final class Struct {
    final Node node;
    private final Map<String, NodeTuple> fields;

    private Struct(Node node, Map<String, NodeTuple> fields) {
      this.node = node;
      this.fields = fields;
    }

    boolean has(String key) {
      return fields.containsKey(key);
    }

    /** The value node, or null when absent. May be a null scalar. */
    Node value(String key) {
      NodeTuple t = fields.get(key);
      return t == null ? null : t.getValueNode();
    }

    /** The key node, or the mapping itself when the key is absent (for error positions). */
    Node at(String key) {
      NodeTuple t = fields.get(key);
      return t == null ? node : t.getKeyNode();
    }

    /** The value node when present and not null, else the key, else the mapping. */
    Node valueOrAt(String key) {
      Node v = value(key);
      return v != null && !isNull(v) ? v : at(key);
    }
  }

  /**
   * Reads a mapping as the Go struct {@code typeName}; keys outside {@code known} are rejected as
   * go-yaml v3's {@code KnownFields} does, and so are duplicate keys.
   */
  Struct struct(Node n, String typeName, Set<String> known) throws ConfigException {
    if (!(n instanceof MappingNode m)) {
      throw typeError(n, typeName);
    }
    Map<String, NodeTuple> fields = new LinkedHashMap<>();
    collect(m, typeName, known, fields, true, 0);
    return new Struct(n, fields);
  }

  /**
   * Adds the keys of {@code m} to {@code fields}. Explicit keys are added first and win over keys
   * from {@code <<} merges, which YAML applies only where the key is not written.
   */
  private void collect(
      MappingNode m,
      String typeName,
      Set<String> known,
      Map<String, NodeTuple> fields,
      boolean explicit,
      int depth)
      throws ConfigException {
    Map<String, NodeTuple> own = new LinkedHashMap<>();
    for (NodeTuple t : m.getValue()) {
      Node k = t.getKeyNode();
      if (isMergeKey(k)) {
        continue;
      }
      String name = keyText(k);
      NodeTuple dup = own.get(name);
      if (dup != null) {
        throw error(
            k,
            "mapping key \""
                + name
                + "\" already defined at line "
                + (dup.getKeyNode().getStartMark().getLine() + 1));
      }
      if (!known.contains(name)) {
        throw error(k, "field " + name + " not found in type " + typeName);
      }
      own.put(name, t);
    }
    if (explicit) {
      fields.putAll(own);
    } else {
      own.forEach(fields::putIfAbsent);
    }
    for (NodeTuple t : m.getValue()) {
      if (!isMergeKey(t.getKeyNode())) {
        continue;
      }
      if (depth > MAX_MERGE_DEPTH) {
        throw error(t.getKeyNode(), "merge keys nested too deeply");
      }
      Node v = t.getValueNode();
      List<Node> sources = new ArrayList<>();
      if (v instanceof MappingNode) {
        sources.add(v);
      } else if (v instanceof SequenceNode s) {
        sources.addAll(s.getValue());
      } else {
        throw error(v, "map merge requires map or sequence of maps as the value");
      }
      for (Node src : sources) {
        if (!(src instanceof MappingNode sm)) {
          throw error(src, "map merge requires map or sequence of maps as the value");
        }
        collect(sm, typeName, known, fields, false, depth + 1);
      }
    }
  }

  private static boolean isMergeKey(Node k) {
    return k instanceof ScalarNode && Tag.MERGE.equals(k.getTag());
  }

  private String keyText(Node k) throws ConfigException {
    if (!(k instanceof ScalarNode s)) {
      throw typeError(k, "string");
    }
    return isNull(k) ? "" : s.getValue();
  }

  /** A Go {@code string}: any scalar's text (go-yaml v3 decodes ints and bools as written). */
  String string(Node n) throws ConfigException {
    if (isNull(n)) {
      return "";
    }
    if (!(n instanceof ScalarNode s)) {
      throw typeError(n, "string");
    }
    return s.getValue();
  }

  /**
   * A Go {@code int}, clamped to Java's int range; null is 0. Only YAML integers: a quoted {@code
   * "5"} is a string, which v3 refuses.
   */
  int integer(Node n) throws ConfigException {
    if (isNull(n)) {
      return 0;
    }
    if (!(n instanceof ScalarNode s)
        || !(s.getScalarStyle() == DumperOptions.ScalarStyle.PLAIN || Tag.INT.equals(s.getTag()))) {
      throw typeError(n, "int");
    }
    String text = s.getValue().replace("_", "");
    boolean neg = false;
    if (!text.isEmpty() && (text.charAt(0) == '-' || text.charAt(0) == '+')) {
      neg = text.charAt(0) == '-';
      text = text.substring(1);
    }
    int radix = 10;
    if (text.startsWith("0x") || text.startsWith("0X")) {
      radix = 16;
      text = text.substring(2);
    } else if (text.startsWith("0o") || text.startsWith("0O")) {
      radix = 8;
      text = text.substring(2);
    } else if (text.startsWith("0b") || text.startsWith("0B")) {
      radix = 2;
      text = text.substring(2);
    }
    if (text.isEmpty() || text.charAt(0) == '-' || text.charAt(0) == '+') {
      throw typeError(n, "int");
    }
    BigInteger v;
    try {
      v = new BigInteger(text, radix);
    } catch (NumberFormatException e) {
      throw typeError(n, "int");
    }
    if (neg) {
      v = v.negate();
    }
    if (v.bitLength() > 63) {
      throw typeError(n, "int");
    }
    // Go's int is 64-bit; only limits use this, and one beyond 2^31 series is no limit at all.
    return (int) Math.max(Integer.MIN_VALUE, Math.min(Integer.MAX_VALUE, v.longValue()));
  }

  /**
   * A Prometheus {@code model.Duration}; null is zero. Its {@code UnmarshalYAML} decodes a string
   * first, so a mapping is {@code cannot unmarshal !!map into string}.
   */
  Duration duration(Node n) throws ConfigException {
    if (isNull(n)) {
      return Duration.ZERO;
    }
    if (!(n instanceof ScalarNode)) {
      throw typeError(n, "string");
    }
    try {
      return Durations.parse(string(n));
    } catch (IllegalArgumentException e) {
      throw error(n, e.getMessage());
    }
  }

  /** A YAML sequence; null is empty. */
  List<Node> sequence(Node n, String goType) throws ConfigException {
    if (isNull(n)) {
      return List.of();
    }
    if (!(n instanceof SequenceNode s)) {
      throw typeError(n, goType);
    }
    return s.getValue();
  }

  /** A Go {@code map[string]string}: key/value tuples by key, in file order; null is empty. */
  Map<String, NodeTuple> stringMap(Node n) throws ConfigException {
    Map<String, NodeTuple> out = new LinkedHashMap<>();
    if (isNull(n)) {
      return out;
    }
    if (!(n instanceof MappingNode m)) {
      throw typeError(n, "map[string]string");
    }
    for (NodeTuple t : m.getValue()) {
      if (isMergeKey(t.getKeyNode())) {
        throw error(t.getKeyNode(), "merge keys are not supported in map[string]string");
      }
      String key = keyText(t.getKeyNode());
      NodeTuple dup = out.get(key);
      if (dup != null) {
        throw error(
            t.getKeyNode(),
            "mapping key \""
                + key
                + "\" already defined at line "
                + (dup.getKeyNode().getStartMark().getLine() + 1));
      }
      string(t.getValueNode()); // type check now, so decoding errors precede validation
      out.put(key, t);
    }
    return out;
  }
}
