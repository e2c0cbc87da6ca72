package io.promfed.promql.parser;

/**
 * The type an expression evaluates to ({@code parser.ValueType}). {@link #toString()} gives
 * Prometheus's internal name ({@code matrix}); {@link #documentedName()} the name used in type
 * errors ({@code range vector}).
 */
public enum ValueType {
  NONE("none", "none"),
  SCALAR("scalar", "scalar"),
  VECTOR("vector", "instant vector"),
  MATRIX("matrix", "range vector"),
  STRING("string", "string");

  private final String name;
  private final String documentedName;

  ValueType(String name, String documentedName) {
    this.name = name;
    this.documentedName = documentedName;
  }

  /** Prometheus's {@code DocumentedType}: {@code instant vector}, {@code range vector}, … */
  public String documentedName() {
    return documentedName;
  }

  @Override
  public String toString() {
    return name;
  }
}
