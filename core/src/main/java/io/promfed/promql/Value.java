package io.promfed.promql;

import io.promfed.promql.parser.ValueType;

/**
 * The result of evaluating a PromQL expression ({@code parser.Value}): a {@link Scalar}, a {@link
 * StringValue}, an instant {@link Vector} or a range {@link Matrix}. All implementations are
 * immutable once returned by the {@link Engine}.
 */
public sealed interface Value permits Scalar, StringValue, Vector, Matrix {

  /** The PromQL type of this value. */
  ValueType type();
}
