package io.promfed.config;

import io.promfed.model.gostrconv.GoQuote;
import io.promfed.model.time.Durations;
import java.math.BigInteger;
import java.nio.ByteBuffer;
import java.nio.charset.CharacterCodingException;
import java.nio.charset.CodingErrorAction;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Base64;
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
 * Decodes SnakeYAML nodes the way go-yaml v2's strict mode ({@code yaml.UnmarshalStrict}) decodes
 * into Prometheus's Go structs, and turns every problem into a {@link ConfigException} at the
 * node's line. Type errors use go-yaml's wording ({@code cannot unmarshal !!str `abc` into bool})
 * with Go's type names, so messages match what Prometheus users know.
 *
 * <p>Go decoding rules mirrored here: a YAML null sets a field to its zero value ("", 0, false,
 * empty list); any non-null scalar decodes into a string as its raw text; booleans accept YAML 1.1
 * spellings ({@code yes}, {@code on}, {@code y} …) only when unquoted; unknown and duplicate keys
 * are errors; merge keys ({@code <<}) are applied with explicit keys taking precedence. One
 * instance per load; not thread-safe.
 */
final class NodeReader {

  private static final String YAML_TAG_PREFIX = "tag:yaml.org,2002:";
  private static final Set<String> TRUE_WORDS =
      Set.of("y", "Y", "yes", "Yes", "YES", "true", "True", "TRUE", "on", "On", "ON");
  private static final Set<String> FALSE_WORDS =
      Set.of("n", "N", "no", "No", "NO", "false", "False", "FALSE", "off", "Off", "OFF");
  private static final BigInteger MAX_UINT64 =
      BigInteger.ONE.shiftLeft(64).subtract(BigInteger.ONE);
  private static final int MAX_MERGE_DEPTH = 16;

  private final String source;

  NodeReader(String source) {
    this.source = source;
  }

  String source() {
    return source;
  }

  /** An error located at {@code at} (its start mark); {@code at} may be null for no position. */
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

  /** True for an absent value or a YAML null ({@code ~}, {@code null}, empty). */
  static boolean isNull(Node n) {
    return n == null || (n instanceof ScalarNode && Tag.NULL.equals(n.getTag()));
  }

  /** go-yaml's short tag: {@code !!str}, {@code !!int}, {@code !!map} … */
  private static String shortTag(Node n) {
    String t = n.getTag().getValue();
    return t.startsWith(YAML_TAG_PREFIX) ? "!!" + t.substring(YAML_TAG_PREFIX.length()) : t;
  }

  /** go-yaml's {@code terror}: scalars show their value, cut to 7 characters plus "..." past 10. */
  ConfigException typeError(Node n, String goType) {
    String value = "";
    if (n instanceof ScalarNode s) {
      String v = s.getValue();
      value = v.length() > 10 ? " `" + v.substring(0, 7) + "...`" : " `" + v + "`";
    }
    return error(n, "cannot unmarshal " + shortTag(n) + value + " into " + goType);
  }

  /** A mapping viewed as a Go struct: known keys, with unknown/duplicate keys already rejected. */
  static final class Struct {
    final Node node;
    final String typeName;
    private final Map<String, NodeTuple> fields;

    private Struct(Node node, String typeName, Map<String, NodeTuple> fields) {
      this.node = node;
      this.typeName = typeName;
      this.fields = fields;
    }

    /** Whether the key is written (its value may be null). */
    boolean has(String key) {
      return fields.containsKey(key);
    }

    /** The value node, or {@code null} when the key is absent. May be a null scalar. */
    Node value(String key) {
      NodeTuple t = fields.get(key);
      return t == null ? null : t.getValueNode();
    }

    /** The key node (for error positions), or the mapping itself when the key is absent. */
    Node at(String key) {
      NodeTuple t = fields.get(key);
      return t == null ? node : t.getKeyNode();
    }
  }

  /**
   * Reads a mapping as the Go struct {@code typeName}. Keys not in {@code known} are rejected:
   * {@code field x not found in type T}, or {@code field x is not supported by promfed in type T}
   * for Prometheus keys this suite does not implement.
   */
  Struct struct(Node n, String typeName, Set<String> known, Set<String> unsupported)
      throws ConfigException {
    if (!(n instanceof MappingNode m)) {
      throw typeError(n, typeName);
    }
    Map<String, NodeTuple> fields = new LinkedHashMap<>();
    for (NodeTuple t : m.getValue()) {
      Node k = t.getKeyNode();
      if (isMergeKey(k)) {
        continue;
      }
      String name = keyText(k);
      if (fields.containsKey(name)) {
        throw error(k, "field " + name + " already set in type " + typeName);
      }
      if (!known.contains(name)) {
        if (unsupported.contains(name)) {
          throw error(k, "field " + name + " is not supported by promfed in type " + typeName);
        }
        throw error(k, "field " + name + " not found in type " + typeName);
      }
      fields.put(name, t);
    }
    merge(m, fields, typeName, known, unsupported, 0);
    return new Struct(n, typeName, fields);
  }

  /** Adds keys from {@code <<} merges that are not written explicitly (YAML merge semantics). */
  private void merge(
      MappingNode m,
      Map<String, NodeTuple> fields,
      String typeName,
      Set<String> known,
      Set<String> unsupported,
      int depth)
      throws ConfigException {
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
        Map<String, NodeTuple> own = new LinkedHashMap<>();
        for (NodeTuple st : sm.getValue()) {
          if (isMergeKey(st.getKeyNode())) {
            continue;
          }
          String name = keyText(st.getKeyNode());
          if (!known.contains(name)) {
            String what =
                unsupported.contains(name) ? " is not supported by promfed" : " not found";
            throw error(st.getKeyNode(), "field " + name + what + " in type " + typeName);
          }
          own.putIfAbsent(name, st);
        }
        own.forEach(fields::putIfAbsent);
        merge(sm, fields, typeName, known, unsupported, depth + 1);
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

  /** A Go {@code string}: any scalar's text; null is "". {@code !!binary} is base64-decoded. */
  String string(Node n) throws ConfigException {
    if (isNull(n)) {
      return "";
    }
    if (!(n instanceof ScalarNode s)) {
      throw typeError(n, "string");
    }
    if (Tag.BINARY.equals(s.getTag())) {
      byte[] bytes;
      try {
        bytes = Base64.getMimeDecoder().decode(s.getValue());
      } catch (IllegalArgumentException e) {
        throw error(n, "!!binary value contains invalid base64 data");
      }
      try {
        return StandardCharsets.UTF_8
            .newDecoder()
            .onMalformedInput(CodingErrorAction.REPORT)
            .onUnmappableCharacter(CodingErrorAction.REPORT)
            .decode(ByteBuffer.wrap(bytes))
            .toString();
      } catch (CharacterCodingException e) {
        throw error(n, "!!binary value is not valid UTF-8");
      }
    }
    return s.getValue();
  }

  /** A Go {@code bool}; null is false. */
  boolean bool(Node n) throws ConfigException {
    if (isNull(n)) {
      return false;
    }
    if (n instanceof ScalarNode s && (isPlain(s) || Tag.BOOL.equals(s.getTag()))) {
      if (TRUE_WORDS.contains(s.getValue())) {
        return true;
      }
      if (FALSE_WORDS.contains(s.getValue())) {
        return false;
      }
    }
    throw typeError(n, "bool");
  }

  /** A Go unsigned integer ({@code uint}); null is 0. Values above 2^63-1 are rejected. */
  long uint(Node n, String goType) throws ConfigException {
    BigInteger v = integer(n, goType);
    if (v.signum() < 0 || v.bitLength() > 63) {
      throw typeError(n, goType);
    }
    return v.longValue();
  }

  /** A Go {@code uint64} stored in a long as an unsigned value; null is 0. */
  long uint64(Node n) throws ConfigException {
    BigInteger v = integer(n, "uint64");
    if (v.signum() < 0 || v.compareTo(MAX_UINT64) > 0) {
      throw typeError(n, "uint64");
    }
    return v.longValue(); // two's complement bits == the unsigned value
  }

  /** A Go {@code int} (64-bit), narrowed to a Java int; null is 0. */
  int int32(Node n) throws ConfigException {
    BigInteger v = integer(n, "int");
    if (v.bitLength() > 31) {
      throw typeError(n, "int");
    }
    return v.intValue();
  }

  /**
   * YAML 1.1 integers as go-yaml resolves them: optional sign, {@code _} separators, {@code 0x},
   * {@code 0o}/leading-zero octal and {@code 0b} prefixes.
   */
  private BigInteger integer(Node n, String goType) throws ConfigException {
    if (isNull(n)) {
      return BigInteger.ZERO;
    }
    if (!(n instanceof ScalarNode s) || !(isPlain(s) || Tag.INT.equals(s.getTag()))) {
      throw typeError(n, goType);
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
    } else if (text.startsWith("0b") || text.startsWith("0B")) {
      radix = 2;
      text = text.substring(2);
    } else if (text.startsWith("0o") || text.startsWith("0O")) {
      radix = 8;
      text = text.substring(2);
    } else if (text.length() > 1 && text.charAt(0) == '0') {
      radix = 8;
      text = text.substring(1);
    }
    if (text.isEmpty() || text.charAt(0) == '-' || text.charAt(0) == '+') {
      throw typeError(n, goType);
    }
    try {
      BigInteger v = new BigInteger(text, radix);
      return neg ? v.negate() : v;
    } catch (NumberFormatException e) {
      throw typeError(n, goType);
    }
  }

  /** A Prometheus {@code model.Duration}; null is zero. */
  Duration duration(Node n) throws ConfigException {
    if (isNull(n)) {
      return Duration.ZERO;
    }
    if (!(n instanceof ScalarNode)) {
      throw typeError(n, "string"); // Duration.UnmarshalYAML decodes a string first
    }
    try {
      return Durations.parse(string(n));
    } catch (IllegalArgumentException e) {
      throw error(n, e.getMessage());
    }
  }

  /** A {@code units.Base2Bytes}; null is 0. */
  long bytes(Node n) throws ConfigException {
    if (isNull(n)) {
      return 0;
    }
    if (!(n instanceof ScalarNode)) {
      throw typeError(n, "units.Base2Bytes");
    }
    try {
      return Base2Bytes.parse(string(n));
    } catch (IllegalArgumentException e) {
      throw error(n, e.getMessage());
    }
  }

  /** A YAML sequence; null is empty. Elements may be null scalars. */
  List<Node> sequence(Node n, String goType) throws ConfigException {
    if (isNull(n)) {
      return List.of();
    }
    if (!(n instanceof SequenceNode s)) {
      throw typeError(n, goType);
    }
    return s.getValue();
  }

  /** A Go {@code []string}; null elements are "". */
  List<String> strings(Node n) throws ConfigException {
    List<String> out = new ArrayList<>();
    for (Node e : sequence(n, "[]string")) {
      out.add(string(e));
    }
    return out;
  }

  /**
   * A Go map with string keys: the key/value node pairs by key text, in file order. Duplicate keys
   * are errors, as in go-yaml's strict mode ({@code key "x" already set in map}).
   */
  Map<String, NodeTuple> map(Node n, String goType) throws ConfigException {
    Map<String, NodeTuple> out = new LinkedHashMap<>();
    if (isNull(n)) {
      return out;
    }
    if (!(n instanceof MappingNode m)) {
      throw typeError(n, goType);
    }
    for (NodeTuple t : m.getValue()) {
      if (isMergeKey(t.getKeyNode())) {
        throw error(t.getKeyNode(), "merge keys are not supported in " + goType);
      }
      String key = keyText(t.getKeyNode());
      if (out.containsKey(key)) {
        throw error(t.getKeyNode(), "key " + GoQuote.quote(key) + " already set in map");
      }
      out.put(key, t);
    }
    return out;
  }

  private static boolean isPlain(ScalarNode s) {
    return s.getScalarStyle() == DumperOptions.ScalarStyle.PLAIN;
  }
}
