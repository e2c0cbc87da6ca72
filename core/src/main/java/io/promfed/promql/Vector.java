package io.promfed.promql;

import io.promfed.model.exposition.GoFloatFormat;
import io.promfed.model.labels.Labels;
import io.promfed.promql.parser.ValueType;
import java.util.ArrayList;
import java.util.List;

/**
 * An instant vector result: samples in the order the query produced them ({@code sort()}, {@code
 * topk()} order is kept). Held as parallel arrays. Immutable.
 */
public final class Vector implements Value {

  /**
   * One sample of a vector, for convenience.
   *
   * @param labels the series labels
   * @param timestampMs the sample time (the evaluation time for instant queries)
   * @param value the value
   */
  public record Sample(Labels labels, long timestampMs, double value) {}

  private final Labels[] labels;
  private final long[] timestamps;
  private final double[] values;

  Vector(Labels[] labels, long[] timestamps, double[] values) {
    this.labels = labels;
    this.timestamps = timestamps;
    this.values = values;
  }

  public int size() {
    return labels.length;
  }

  public Labels labels(int i) {
    return labels[i];
  }

  public long timestampMs(int i) {
    return timestamps[i];
  }

  public double value(int i) {
    return values[i];
  }

  /** The samples as objects; allocates, meant for tests and small results. */
  public List<Sample> samples() {
    List<Sample> out = new ArrayList<>(labels.length);
    for (int i = 0; i < labels.length; i++) {
      out.add(new Sample(labels[i], timestamps[i], values[i]));
    }
    return out;
  }

  @Override
  public ValueType type() {
    return ValueType.VECTOR;
  }

  @Override
  public String toString() {
    StringBuilder sb = new StringBuilder();
    for (int i = 0; i < labels.length; i++) {
      sb.append(labels[i])
          .append(" => ")
          .append(GoFloatFormat.formatF(values[i]))
          .append(" @[")
          .append(timestamps[i])
          .append("]\n");
    }
    return sb.toString();
  }
}
