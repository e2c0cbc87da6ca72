package io.promfed.tsdb;

import io.promfed.model.labels.Labels;
import io.promfed.storage.Series;
import io.promfed.storage.SeriesCursor;
import io.promfed.tsdb.chunkenc.PackedChunks;
import io.promfed.tsdb.chunkenc.XorChunk;

/**
 * A series as one querier sees it: labels plus an immutable snapshot of its chunks (a view of the
 * packed closed chunks, pinned, and a copy of the head chunk), restricted to the querier's time
 * range and isolation state. Thread-safe (immutable); each {@link #cursor()} is independent and
 * lives as long as the caller holds it, even after the querier is closed or the head truncated.
 */
final class HeadSeries implements Series {

  final Labels labels;

  /** Closed chunks overlapping the range, or null. */
  final PackedChunks.View closed;

  /** Copy of the head chunk if it overlaps the range, or null. */
  final XorChunk head;

  /** Ordinal (position in the series' whole history) of the first sample of {@code closed}. */
  final long closedFirstOrdinal;

  /** Ordinal of the head chunk's first sample. */
  final long headFirstOrdinal;

  /**
   * Sorted ordinals of samples written by commits this read must not see, or null (then the
   * ordinals above are not needed and may be inexact).
   */
  final long[] hidden;

  final long mintMs;
  final long maxtMs;

  /**
   * The newest sample, when the snapshot knows it is visible and in range (the series' last
   * committed sample, no commit hidden); otherwise {@link Long#MIN_VALUE} and it is decoded.
   */
  final long latestT;

  final long latestVBits;

  HeadSeries(
      Labels labels,
      PackedChunks.View closed,
      XorChunk head,
      long closedFirstOrdinal,
      long headFirstOrdinal,
      long[] hidden,
      long mintMs,
      long maxtMs,
      long latestT,
      long latestVBits) {
    this.labels = labels;
    this.closed = closed;
    this.head = head;
    this.closedFirstOrdinal = closedFirstOrdinal;
    this.headFirstOrdinal = headFirstOrdinal;
    this.hidden = hidden;
    this.mintMs = mintMs;
    this.maxtMs = maxtMs;
    this.latestT = latestT;
    this.latestVBits = latestVBits;
  }

  /** Whether the newest sample is known without decoding; then the range is not empty. */
  boolean latestKnown() {
    return latestT != Long.MIN_VALUE;
  }

  @Override
  public long latest(double[] value) {
    if (latestKnown()) {
      value[0] = Double.longBitsToDouble(latestVBits);
      return latestT;
    }
    return Series.super.latest(value);
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
