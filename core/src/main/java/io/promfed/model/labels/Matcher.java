package io.promfed.model.labels;

import com.google.re2j.Pattern;
import com.google.re2j.PatternSyntaxException;

/**
 * A label matcher as in PromQL selectors: {@code name="v"}, {@code !=}, {@code =~}, {@code !~}.
 *
 * <p>Regexes use RE2 syntax and are fully anchored as {@code ^(?s:re)$}, exactly like Prometheus's
 * {@code labels.NewFastRegexMatcher}; RE2/J runs in linear time, so a user's pattern cannot
 * backtrack catastrophically. A missing label matches as the empty string. Thread-safe (immutable).
 */
public final class Matcher {

  public enum Type {
    EQUAL("="),
    NOT_EQUAL("!="),
    REGEX("=~"),
    NOT_REGEX("!~");

    private final String op;

    Type(String op) {
      this.op = op;
    }

    public String op() {
      return op;
    }
  }

  private final Type type;
  private final String name;
  private final String value;
  private final Pattern pattern; // null unless a regex type

  private Matcher(Type type, String name, String value, Pattern pattern) {
    this.type = type;
    this.name = name;
    this.value = value;
    this.pattern = pattern;
  }

  /**
   * @throws IllegalArgumentException with RE2's message when a regex does not compile
   */
  public static Matcher of(Type type, String name, String value) {
    Pattern p = null;
    if (type == Type.REGEX || type == Type.NOT_REGEX) {
      try {
        p = Pattern.compile("^(?s:" + value + ")$");
      } catch (PatternSyntaxException e) {
        throw new IllegalArgumentException(
            "invalid regular expression " + quote(value) + ": " + e.getDescription(), e);
      }
    }
    return new Matcher(type, name, value, p);
  }

  public static Matcher equal(String name, String value) {
    return of(Type.EQUAL, name, value);
  }

  public static Matcher regex(String name, String value) {
    return of(Type.REGEX, name, value);
  }

  public Type type() {
    return type;
  }

  public String name() {
    return name;
  }

  public String value() {
    return value;
  }

  /** Whether a label value (empty string for a missing label) satisfies this matcher. */
  public boolean matches(String v) {
    if (v == null) {
      v = "";
    }
    return switch (type) {
      case EQUAL -> value.equals(v);
      case NOT_EQUAL -> !value.equals(v);
      case REGEX -> pattern.matches(v);
      case NOT_REGEX -> !pattern.matches(v);
    };
  }

  /** Whether this matcher accepts the empty string, i.e. also matches series lacking the label. */
  public boolean matchesEmpty() {
    return matches("");
  }

  public boolean matches(Labels labels) {
    return matches(labels.get(name));
  }

  @Override
  public String toString() {
    return name + type.op + quote(value);
  }

  private static String quote(String v) {
    StringBuilder sb = new StringBuilder(v.length() + 2).append('"');
    Labels.appendEscaped(sb, v);
    return sb.append('"').toString();
  }

  @Override
  public boolean equals(Object o) {
    return o instanceof Matcher m && m.type == type && m.name.equals(name) && m.value.equals(value);
  }

  @Override
  public int hashCode() {
    return (type.hashCode() * 31 + name.hashCode()) * 31 + value.hashCode();
  }
}
