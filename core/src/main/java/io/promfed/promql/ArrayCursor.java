package io.promfed.promql;

import io.promfed.storage.SeriesCursor;

/**
 * A {@link SeriesCursor} over an in-memory {@link Series}, so that subquery results feed range
 * functions through the same code as stored series. Not thread-safe.
 */
final class ArrayCursor implements SeriesCursor {

  private final long[] t;
  private final double[] v;
  private final int size;
  private int i = -1;

  ArrayCursor(Series s) {
    this.t = s.rawTimestamps();
    this.v = s.rawValues();
    this.size = s.size();
  }

  @Override
  public boolean next() {
    if (i < size) {
      i++;
    }
    return i < size;
  }

  @Override
  public boolean seek(long ts) {
    if (i < 0) {
      i = 0;
    }
    while (i < size && t[i] < ts) {
      i++;
    }
    return i < size;
  }

  @Override
  public long atT() {
    return t[i];
  }

  @Override
  public double atV() {
    return v[i];
  }
}
