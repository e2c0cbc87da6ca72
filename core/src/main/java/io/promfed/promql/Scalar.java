package io.promfed.promql;

import io.promfed.model.exposition.GoFloatFormat;
import io.promfed.promql.parser.ValueType;

/**
 * A scalar result.
 *
 * @param timestampMs the evaluation time
 * @param value the value
 */
public record Scalar(long timestampMs, double value) implements Value {

  @Override
  public ValueType type() {
    return ValueType.SCALAR;
  }

  @Override
  public String toString() {
    return "scalar: " + GoFloatFormat.formatF(value) + " @[" + timestampMs + "]";
  }
}
