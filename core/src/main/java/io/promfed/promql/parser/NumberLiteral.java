package io.promfed.promql.parser;

import io.promfed.model.exposition.GoFloatFormat;

/**
 * A number literal such as {@code 1}, {@code 0x1F}, {@code 1e3}, {@code Inf}, or a duration used as
 * a number ({@code 5m} is 300). Immutable.
 *
 * @param value the value
 * @param positionRange where it is in the query
 */
public record NumberLiteral(double value, PositionRange positionRange) implements Expr {

  @Override
  public ValueType type() {
    return ValueType.SCALAR;
  }

  @Override
  public String toString() {
    return GoFloatFormat.formatF(value);
  }
}
