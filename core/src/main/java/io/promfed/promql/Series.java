package io.promfed.promql;

import io.promfed.model.exposition.GoFloatFormat;
import io.promfed.model.labels.Labels;
import java.util.Arrays;

/**
 * One series of a {@link Matrix} ({@code promql.Series}): labels plus float points in time order,
 * held in two primitive arrays. Instances returned by the {@link Engine} are not modified
 * afterwards and may be shared between threads; while the engine builds them they are not
 * thread-safe.
 */
public final class Series {

  private final Labels labels;
  private long[] timestamps;
  private double[] values;
  private int size;

  Series(Labels labels, int capacity) {
    this.labels = labels;
    this.timestamps = new long[Math.max(capacity, 1)];
    this.values = new double[Math.max(capacity, 1)];
  }

  Series(Labels labels, long[] timestamps, double[] values, int size) {
    this.labels = labels;
    this.timestamps = timestamps;
    this.values = values;
    this.size = size;
  }

  public Labels labels() {
    return labels;
  }

  /** The number of points. */
  public int size() {
    return size;
  }

  public long timestampMs(int i) {
    return timestamps[i];
  }

  public double value(int i) {
    return values[i];
  }

  /** A copy of the timestamps. */
  public long[] timestamps() {
    return Arrays.copyOf(timestamps, size);
  }

  /** A copy of the values. */
  public double[] values() {
    return Arrays.copyOf(values, size);
  }

  void append(long t, double v) {
    if (size == timestamps.length) {
      int cap = size * 2;
      timestamps = Arrays.copyOf(timestamps, cap);
      values = Arrays.copyOf(values, cap);
    }
    timestamps[size] = t;
    values[size] = v;
    size++;
  }

  long[] rawTimestamps() {
    return timestamps;
  }

  double[] rawValues() {
    return values;
  }

  Series withLabels(Labels newLabels) {
    return new Series(newLabels, timestamps, values, size);
  }

  /** Negates every value in place (unary minus). */
  void negate() {
    for (int i = 0; i < size; i++) {
      values[i] = -values[i];
    }
  }

  @Override
  public String toString() {
    StringBuilder sb = new StringBuilder(labels.toString()).append(" =>");
    for (int i = 0; i < size; i++) {
      sb.append(' ')
          .append(GoFloatFormat.formatF(values[i]))
          .append(" @[")
          .append(timestamps[i])
          .append(']');
    }
    return sb.toString();
  }
}
