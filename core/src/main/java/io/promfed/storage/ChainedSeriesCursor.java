package io.promfed.storage;

/**
 * The samples of several cursors over the same series, merged in timestamp order with one sample
 * per timestamp (Prometheus's {@code chainSampleIterator}, storage/merge.go). When sources hold a
 * sample at the same timestamp, the one of the earliest cursor in the array wins, so a querier's
 * primary (local) store is preferred over its secondaries. No allocation per sample. Not
 * thread-safe.
 */
final class ChainedSeriesCursor implements SeriesCursor {

  private final SeriesCursor[] cursors;
  private final boolean[] live; // cursors[i] is positioned on a sample
  private boolean started;
  private int current = -1; // the cursor whose sample is current, -1 when exhausted
  private long t;
  private double v;

  ChainedSeriesCursor(SeriesCursor[] cursors) {
    this.cursors = cursors;
    this.live = new boolean[cursors.length];
  }

  @Override
  public boolean next() {
    if (!started) {
      started = true;
      for (int i = 0; i < cursors.length; i++) {
        live[i] = cursors[i].next();
      }
    } else {
      if (current < 0) {
        return false;
      }
      // Advance every cursor that was on the timestamp just returned: the winner and duplicates.
      for (int i = 0; i < cursors.length; i++) {
        if (live[i] && cursors[i].atT() == t) {
          live[i] = cursors[i].next();
        }
      }
    }
    return pick();
  }

  @Override
  public boolean seek(long target) {
    if (started) {
      if (current < 0) {
        return false;
      }
      if (t >= target) {
        return true;
      }
      for (int i = 0; i < cursors.length; i++) {
        if (live[i] && cursors[i].atT() < target) {
          live[i] = cursors[i].seek(target);
        }
      }
    } else {
      started = true;
      for (int i = 0; i < cursors.length; i++) {
        live[i] = cursors[i].seek(target);
      }
    }
    return pick();
  }

  /** Makes the earliest sample current; on a tie the lowest index wins. */
  private boolean pick() {
    current = -1;
    long best = 0;
    for (int i = 0; i < cursors.length; i++) {
      if (live[i] && (current < 0 || cursors[i].atT() < best)) {
        current = i;
        best = cursors[i].atT();
      }
    }
    if (current < 0) {
      return false;
    }
    t = best;
    v = cursors[current].atV();
    return true;
  }

  @Override
  public long atT() {
    return t;
  }

  @Override
  public double atV() {
    return v;
  }
}
