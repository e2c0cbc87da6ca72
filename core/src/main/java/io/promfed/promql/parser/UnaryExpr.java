package io.promfed.promql.parser;

/**
 * A unary {@code -} or {@code +} applied to a scalar or instant vector. A sign in front of a number
 * literal is folded into the literal by the parser instead. Immutable.
 *
 * @param op {@link ItemType#SUB} or {@link ItemType#ADD}
 * @param expr the operand
 * @param startPos offset of the operator
 */
public record UnaryExpr(ItemType op, Expr expr, int startPos) implements Expr {

  @Override
  public ValueType type() {
    return expr.type();
  }

  @Override
  public PositionRange positionRange() {
    return new PositionRange(startPos, expr.positionRange().end());
  }

  @Override
  public String toString() {
    return op.text() + expr;
  }
}
