package io.promfed.tsdb;

import io.promfed.model.labels.Labels;
import io.promfed.storage.Series;
import io.promfed.storage.SeriesCursor;
import io.promfed.tsdb.chunkenc.XorChunk;

/**
 * A series as one querier sees it: labels plus an immutable snapshot of its chunks (closed chunks
 * shared with the head, the head chunk copied), restricted to the querier's time range and
 * isolation state. Thread-safe (immutable); each {@link #cursor()} is independent and lives as long
 * as the caller holds it, even after the querier is closed or the head truncated.
 */
final class HeadSeries implements Series {

  final Labels labels;
  final XorChunk[] chunks;

  /** Ordinal (position in the series' whole history) of each chunk's first sample. */
  final long[] firstOrdinals;

  /** Sorted ordinals of samples written by commits this read must not see, or null. */
  final long[] hidden;

  final long mintMs;
  final long maxtMs;

  HeadSeries(
      Labels labels,
      XorChunk[] chunks,
      long[] firstOrdinals,
      long[] hidden,
      long mintMs,
      long maxtMs) {
    this.labels = labels;
    this.chunks = chunks;
    this.firstOrdinals = firstOrdinals;
    this.hidden = hidden;
    this.mintMs = mintMs;
    this.maxtMs = maxtMs;
  }

  @Override
  public Labels labels() {
    return labels;
  }

  @Override
  public SeriesCursor cursor() {
    return new HeadSeriesCursor(this);
  }

  @Override
  public String toString() {
    return labels.toString();
  }
}
