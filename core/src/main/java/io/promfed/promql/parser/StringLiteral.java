package io.promfed.promql.parser;

import io.promfed.model.gostrconv.GoQuote;

/**
 * A string literal, unquoted ({@code "a\tb"} holds a tab). Immutable.
 *
 * @param value the unquoted value
 * @param positionRange where it is in the query, including the quotes
 */
public record StringLiteral(String value, PositionRange positionRange) implements Expr {

  @Override
  public ValueType type() {
    return ValueType.STRING;
  }

  @Override
  public String toString() {
    return GoQuote.quote(value);
  }
}
