package io.promfed.storage;

/**
 * A forward-only cursor over (timestamp, value) samples, without allocation per sample
 * (Prometheus's {@code chunkenc.Iterator}). Values may include the stale marker ({@code
 * io.promfed.model.value.StaleNaN}).
 */
public interface SeriesCursor {

  /** Advances to the next sample; false when exhausted. */
  boolean next();

  /**
   * Advances to the first sample with timestamp {@code >= t} (never moves backwards: if the current
   * sample already satisfies it, stays). False when there is none.
   */
  boolean seek(long t);

  long atT();

  double atV();
}
