package io.promfed.promql.parser;

/**
 * A binary operation: arithmetic, comparison (optionally {@code bool}), set operators, with
 * optional vector matching. Immutable.
 *
 * @param op the operator
 * @param lhs the left operand
 * @param rhs the right operand
 * @param matching the matching as written (one-to-one without labels when none was written)
 * @param returnBool whether {@code bool} was given
 */
public record BinaryExpr(
    ItemType op, Expr lhs, Expr rhs, VectorMatching matching, boolean returnBool) implements Expr {

  /**
   * The matching the engine applies: null unless both sides are instant vectors; set operators are
   * always many-to-many (Prometheus normalises this in {@code checkAST}).
   */
  public VectorMatching vectorMatching() {
    if (lhs.type() != ValueType.VECTOR || rhs.type() != ValueType.VECTOR) {
      return null;
    }
    if (op.isSetOperator() && matching.card() == VectorMatching.Cardinality.ONE_TO_ONE) {
      return matching.withCard(VectorMatching.Cardinality.MANY_TO_MANY);
    }
    return matching;
  }

  @Override
  public ValueType type() {
    if (lhs.type() == ValueType.SCALAR && rhs.type() == ValueType.SCALAR) {
      return ValueType.SCALAR;
    }
    return ValueType.VECTOR;
  }

  @Override
  public PositionRange positionRange() {
    return new PositionRange(lhs.positionRange().start(), rhs.positionRange().end());
  }

  @Override
  public String toString() {
    return lhs + " " + op.text() + (returnBool ? " bool" : "") + matchingString() + " " + rhs;
  }

  private String matchingString() {
    VectorMatching vm = vectorMatching();
    if (vm == null) {
      return "";
    }
    StringBuilder sb = new StringBuilder();
    boolean grouped =
        vm.card() == VectorMatching.Cardinality.MANY_TO_ONE
            || vm.card() == VectorMatching.Cardinality.ONE_TO_MANY;
    if (!vm.matchingLabels().isEmpty() || vm.on() || grouped) {
      sb.append(vm.on() ? " on (" : " ignoring (")
          .append(Printer.labelList(vm.matchingLabels()))
          .append(')');
    }
    if (grouped) {
      sb.append(
              vm.card() == VectorMatching.Cardinality.MANY_TO_ONE
                  ? " group_left ("
                  : " group_right (")
          .append(Printer.labelList(vm.include()))
          .append(')');
    }
    return sb.toString();
  }
}
