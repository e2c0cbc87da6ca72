package io.promfed.promql.parser;

import io.promfed.model.time.Durations;

/**
 * A subquery: {@code rate(x[5m])[1h:1m] offset 1d @ end()}. Immutable.
 *
 * @param expr the inner instant-vector expression
 * @param rangeMs the range in milliseconds
 * @param stepMs the resolution in milliseconds, 0 for the engine's default
 * @param offsetMs the offset as written
 * @param timestampMs the {@code @} time in milliseconds, or null
 * @param startOrEnd {@link ItemType#START}/{@link ItemType#END} for {@code @ start()/end()}, or
 *     null
 * @param endPos offset after the closing bracket or last modifier
 */
public record SubqueryExpr(
    Expr expr,
    long rangeMs,
    long stepMs,
    long offsetMs,
    Long timestampMs,
    ItemType startOrEnd,
    int endPos)
    implements Expr {

  public boolean hasAt() {
    return timestampMs != null || startOrEnd != null;
  }

  SubqueryExpr withOffset(long ms, int end) {
    return new SubqueryExpr(expr, rangeMs, stepMs, ms, timestampMs, startOrEnd, end);
  }

  SubqueryExpr withAt(Long ts, ItemType preprocessor, int end) {
    return new SubqueryExpr(expr, rangeMs, stepMs, offsetMs, ts, preprocessor, end);
  }

  @Override
  public ValueType type() {
    return ValueType.MATRIX;
  }

  @Override
  public PositionRange positionRange() {
    return new PositionRange(expr.positionRange().start(), endPos);
  }

  @Override
  public String toString() {
    return expr
        + "["
        + Durations.formatMillis(rangeMs)
        + ":"
        + (stepMs != 0 ? Durations.formatMillis(stepMs) : "")
        + "]"
        + Printer.atString(timestampMs, startOrEnd)
        + Printer.offsetString(offsetMs);
  }
}
