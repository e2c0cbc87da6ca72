package io.promfed.promql.parser;

import io.promfed.model.time.Durations;

/**
 * A range vector selector: {@code http_requests_total[5m] offset 1h}. The {@code @} and {@code
 * offset} modifiers live on the inner {@link VectorSelector}. Immutable.
 *
 * @param vectorSelector the selected series and modifiers
 * @param rangeMs the range in milliseconds; the window is {@code (t - range, t]} (Prometheus 3)
 * @param endPos offset after the closing bracket or the last modifier
 */
public record MatrixSelector(VectorSelector vectorSelector, long rangeMs, int endPos)
    implements Expr {

  @Override
  public ValueType type() {
    return ValueType.MATRIX;
  }

  @Override
  public PositionRange positionRange() {
    return new PositionRange(vectorSelector.positionRange().start(), endPos);
  }

  @Override
  public String toString() {
    return vectorSelector.selectorString()
        + "["
        + Durations.formatMillis(rangeMs)
        + "]"
        + Printer.atString(vectorSelector.timestampMs(), vectorSelector.startOrEnd())
        + Printer.offsetString(vectorSelector.offsetMs());
  }
}
