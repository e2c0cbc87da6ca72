package io.promfed.promql;

import io.promfed.model.value.StaleNaN;
import io.promfed.storage.SeriesCursor;
import java.util.Arrays;

/**
 * The samples of one series inside a sliding range window {@code (mint, maxt]} (Prometheus's {@code
 * matrixIterSlice}). Moving the window forward keeps the overlapping samples, drops the old ones
 * and reads only the new ones from the cursor; stale markers are skipped. Samples live in {@link
 * #t}/{@link #v} between {@link #lo} and {@link #hi}. Not thread-safe.
 */
final class RangeWindow {

  private SeriesCursor cursor;
  private boolean started;
  private boolean hasCur;
  private long curT;
  private double curV;

  long[] t = new long[16];
  double[] v = new double[16];
  int lo;
  int hi;

  /** Starts over with a new series. */
  void reset(SeriesCursor c) {
    cursor = c;
    started = false;
    hasCur = false;
    lo = 0;
    hi = 0;
  }

  int size() {
    return hi - lo;
  }

  /**
   * Moves the window to {@code (mint, maxt]}; both bounds must not decrease between calls.
   *
   * @return the change in the number of samples held, for the engine's sample accounting
   */
  int advance(long mint, long maxt) {
    int before = hi - lo;
    while (lo < hi && t[lo] <= mint) {
      lo++;
    }
    if (lo == hi) {
      lo = 0;
      hi = 0;
    }
    if (!started) {
      started = true;
      hasCur = cursor.seek(mint + 1);
      load();
    } else if (hasCur && curT <= mint) {
      hasCur = cursor.seek(mint + 1);
      load();
    }
    while (hasCur && curT <= maxt) {
      if (!StaleNaN.is(curV)) {
        append(curT, curV);
      }
      hasCur = cursor.next();
      load();
    }
    return (hi - lo) - before;
  }

  private void load() {
    if (hasCur) {
      curT = cursor.atT();
      curV = cursor.atV();
    }
  }

  private void append(long ts, double val) {
    if (hi == t.length) {
      if (lo > 0) {
        int n = hi - lo;
        System.arraycopy(t, lo, t, 0, n);
        System.arraycopy(v, lo, v, 0, n);
        lo = 0;
        hi = n;
      }
      if (hi == t.length) {
        t = Arrays.copyOf(t, t.length * 2);
        v = Arrays.copyOf(v, v.length * 2);
      }
    }
    t[hi] = ts;
    v[hi] = val;
    hi++;
  }
}
