package io.promfed.promql;

import io.promfed.promql.parser.ValueType;
import java.util.List;

/**
 * A range vector result: series sorted by labels (Prometheus sorts every matrix it returns).
 * Immutable.
 */
public final class Matrix implements Value {

  private final List<Series> series;

  Matrix(List<Series> series) {
    this.series = List.copyOf(series);
  }

  public List<Series> series() {
    return series;
  }

  public int size() {
    return series.size();
  }

  public Series get(int i) {
    return series.get(i);
  }

  @Override
  public ValueType type() {
    return ValueType.MATRIX;
  }

  @Override
  public String toString() {
    StringBuilder sb = new StringBuilder();
    for (Series s : series) {
      sb.append(s).append('\n');
    }
    return sb.toString();
  }
}
