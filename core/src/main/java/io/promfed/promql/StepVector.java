package io.promfed.promql;

import io.promfed.model.labels.Labels;
import java.util.Arrays;

/**
 * The samples of one evaluation step ({@code promql.Vector} inside the engine): parallel arrays
 * reused from step to step so that evaluating a step allocates nothing per sample. {@code sig}
 * holds each sample's vector-matching signature ordinal when the step feeds a binary operation. Not
 * thread-safe; owned by one evaluation loop.
 */
final class StepVector {

  Labels[] labels;
  double[] values;
  long[] timestamps;
  int[] sig;
  int size;

  StepVector(int capacity) {
    int c = Math.max(capacity, 4);
    labels = new Labels[c];
    values = new double[c];
    timestamps = new long[c];
    sig = new int[c];
  }

  void clear() {
    Arrays.fill(labels, 0, size, null);
    size = 0;
  }

  void add(Labels l, long t, double v) {
    add(l, t, v, 0);
  }

  void add(Labels l, long t, double v, int signature) {
    if (size == labels.length) {
      int c = size * 2;
      labels = Arrays.copyOf(labels, c);
      values = Arrays.copyOf(values, c);
      timestamps = Arrays.copyOf(timestamps, c);
      sig = Arrays.copyOf(sig, c);
    }
    labels[size] = l;
    timestamps[size] = t;
    values[size] = v;
    sig[size] = signature;
    size++;
  }

  /** Copies sample {@code i} of {@code from} into this vector. */
  void addFrom(StepVector from, int i) {
    add(from.labels[i], from.timestamps[i], from.values[i], from.sig[i]);
  }

  /** Swaps samples i and j (used by the sort functions). */
  void swap(int i, int j) {
    Labels l = labels[i];
    labels[i] = labels[j];
    labels[j] = l;
    double v = values[i];
    values[i] = values[j];
    values[j] = v;
    long t = timestamps[i];
    timestamps[i] = timestamps[j];
    timestamps[j] = t;
    int s = sig[i];
    sig[i] = sig[j];
    sig[j] = s;
  }
}
