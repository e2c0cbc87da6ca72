package io.promfed.promql;

import io.promfed.promql.parser.ValueType;

/**
 * A string result (only a string literal evaluates to one).
 *
 * @param timestampMs the evaluation time
 * @param value the string
 */
public record StringValue(long timestampMs, String value) implements Value {

  @Override
  public ValueType type() {
    return ValueType.STRING;
  }
}
