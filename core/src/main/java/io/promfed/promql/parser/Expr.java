package io.promfed.promql.parser;

/**
 * A PromQL expression node ({@code parser.Expr}). Nodes are immutable once the parser returns them,
 * so a parsed expression may be shared between threads and evaluated many times; the engine keeps
 * its per-query state (resolved {@code @} times, effective offsets) outside the tree.
 *
 * <p>{@link #toString()} prints the expression back as PromQL, like Prometheus's {@code
 * printer.go}: parsing the printed form yields an equivalent tree.
 */
public sealed interface Expr
    permits AggregateExpr,
        BinaryExpr,
        Call,
        MatrixSelector,
        NumberLiteral,
        ParenExpr,
        StringLiteral,
        SubqueryExpr,
        UnaryExpr,
        VectorSelector {

  /** The type this expression evaluates to. */
  ValueType type();

  /** Where the expression is in the query text. */
  PositionRange positionRange();
}
