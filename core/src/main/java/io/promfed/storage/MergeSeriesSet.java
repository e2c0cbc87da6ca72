package io.promfed.storage;

import io.promfed.model.labels.Labels;
import java.util.ArrayList;
import java.util.List;

/**
 * Several series sets, each sorted by labels, merged into one sorted set: series with identical
 * labels in several sets become one series whose samples are chained by timestamp ({@link
 * ChainedSeriesCursor}). Prometheus's {@code genericMergeSeriesSet} with {@code
 * ChainedSeriesMerge} (storage/merge.go). Sets earlier in the list win timestamp ties. The inputs
 * must be sorted; the few sources of a fan-out make a linear scan cheaper than a heap. Not
 * thread-safe; {@link #at()} is valid until the next {@link #next()}.
 */
public final class MergeSeriesSet implements SeriesSet {

  private final SeriesSet[] sets;
  private final Series[] heads; // the current series of each set, null once exhausted
  private boolean started;
  private Labels last;
  private Series current;

  /** Merges {@code sets}, each sorted by labels; ties go to earlier sets. */
  public MergeSeriesSet(List<? extends SeriesSet> sets) {
    this.sets = sets.toArray(new SeriesSet[0]);
    this.heads = new Series[this.sets.length];
  }

  @Override
  public boolean next() {
    if (!started) {
      started = true;
      for (int i = 0; i < sets.length; i++) {
        advance(i);
      }
    } else {
      if (last == null) {
        return false;
      }
      for (int i = 0; i < sets.length; i++) {
        if (heads[i] != null && heads[i].labels().equals(last)) {
          advance(i);
        }
      }
    }
    Labels min = null;
    for (Series s : heads) {
      if (s != null && (min == null || s.labels().compareTo(min) < 0)) {
        min = s.labels();
      }
    }
    last = min;
    if (min == null) {
      current = null;
      return false;
    }
    List<Series> same = new ArrayList<>(2);
    for (Series s : heads) {
      if (s != null && s.labels().equals(min)) {
        same.add(s);
      }
    }
    current = same.size() == 1 ? same.get(0) : new ChainedSeries(min, same);
    return true;
  }

  private void advance(int i) {
    heads[i] = sets[i].next() ? sets[i].at() : null;
  }

  @Override
  public Series at() {
    if (current == null) {
      throw new IllegalStateException("no current series");
    }
    return current;
  }

  /** One series found in several sets. */
  private record ChainedSeries(Labels labels, List<Series> parts) implements Series {

    @Override
    public SeriesCursor cursor() {
      SeriesCursor[] cursors = new SeriesCursor[parts.size()];
      for (int i = 0; i < cursors.length; i++) {
        cursors[i] = parts.get(i).cursor();
      }
      return new ChainedSeriesCursor(cursors);
    }
  }
}
