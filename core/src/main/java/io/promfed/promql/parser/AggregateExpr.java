package io.promfed.promql.parser;

import java.util.List;

/**
 * An aggregation: {@code sum by (job) (x)}, {@code topk(3, x)}, {@code count_values("v", x)}.
 * Immutable.
 *
 * @param op the aggregation operator ({@link ItemType#SUM} …)
 * @param expr the aggregated instant vector
 * @param param the parameter of {@code topk}, {@code bottomk}, {@code quantile}, {@code
 *     count_values}, {@code limitk}, {@code limit_ratio}; null otherwise
 * @param grouping the {@code by}/{@code without} labels as written
 * @param without whether {@code grouping} lists labels to drop
 * @param positionRange from the operator to the closing parenthesis
 */
public record AggregateExpr(
    ItemType op,
    Expr expr,
    Expr param,
    List<String> grouping,
    boolean without,
    PositionRange positionRange)
    implements Expr {

  public AggregateExpr {
    grouping = List.copyOf(grouping);
  }

  @Override
  public ValueType type() {
    return ValueType.VECTOR;
  }

  @Override
  public String toString() {
    StringBuilder sb = new StringBuilder(op.text());
    if (without) {
      sb.append(" without (").append(Printer.labelList(grouping)).append(") ");
    } else if (!grouping.isEmpty()) {
      sb.append(" by (").append(Printer.labelList(grouping)).append(") ");
    }
    sb.append('(');
    if (param != null) {
      sb.append(param).append(", ");
    }
    return sb.append(expr).append(')').toString();
  }
}
