package io.promfed.promql;

import io.promfed.model.value.StaleNaN;
import io.promfed.storage.SeriesCursor;

/**
 * Finds, for increasing reference times, the latest sample at or before the reference time
 * (Prometheus's {@code MemoizedSeriesIterator} as used by {@code vectorSelectorSingle}). Samples
 * older than the lookback window are skipped with {@link SeriesCursor#seek(long)}; the window is
 * left-open, {@code (ref - lookback, ref]}, as in Prometheus 3 (2.x included the left edge). A
 * stale marker as the latest sample means "no value". Not thread-safe.
 */
final class LookbackCursor {

  private final SeriesCursor cursor;
  private boolean started;
  private boolean hasCur;
  private long curT;
  private double curV;
  private boolean hasPrev;
  private long prevT;
  private double prevV;

  /** Time and value of the sample found by the last successful {@link #find}. */
  long t;

  double v;

  LookbackCursor(SeriesCursor cursor) {
    this.cursor = cursor;
  }

  private void load() {
    if (hasCur) {
      curT = cursor.atT();
      curV = cursor.atV();
    }
  }

  /**
   * Positions on the latest sample with {@code ref - lookbackMs < t <= ref}; false when there is
   * none or it is a stale marker. Successive calls must not decrease {@code ref}.
   */
  boolean find(long ref, long lookbackMs) {
    long from = ref - lookbackMs + 1;
    if (!started) {
      started = true;
      hasCur = cursor.seek(from);
      load();
    }
    if (hasCur && curT <= ref) {
      if (curT < from) {
        hasPrev = false;
        hasCur = cursor.seek(from);
        load();
      }
      while (hasCur && curT <= ref) {
        hasPrev = true;
        prevT = curT;
        prevV = curV;
        hasCur = cursor.next();
        load();
      }
    }
    if (!hasPrev || prevT < from || StaleNaN.is(prevV)) {
      return false;
    }
    t = prevT;
    v = prevV;
    return true;
  }
}
