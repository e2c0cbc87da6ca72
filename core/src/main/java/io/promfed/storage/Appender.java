package io.promfed.storage;

import io.promfed.model.labels.Labels;

/**
 * Collects samples for one transaction (one scrape, one rule group evaluation, one remote-write
 * request). Nothing appended is visible to readers until {@link #commit()}, and then all of it is
 * visible at once (isolation): a histogram is never read half old, half new. Not thread-safe.
 */
public interface Appender {

  /**
   * Appends one float sample.
   *
   * @param ref a series reference returned by an earlier append (cached per target), or 0 when
   *     unknown; a stale or unknown ref falls back to {@code labels}
   * @param labels the series labels; only read when {@code ref} does not resolve. May be null when
   *     {@code ref} is non-zero, for a caller that would have to build the labels (a decorator
   *     that rewrites them); if the ref then does not resolve, {@link
   *     StorageException#UNKNOWN_SERIES_REF} is thrown and the caller retries with labels
   * @return the series reference to cache for the next append of the same series
   * @throws StorageException for a rejected sample (out of order, duplicate timestamp with another
   *     value, out of bounds, unknown ref without labels); only this sample is dropped, the
   *     transaction stays usable
   */
  long append(long ref, Labels labels, long timestampMs, double value) throws StorageException;

  /**
   * The labels the store keeps for series {@code ref}, or null when it does not know {@code ref} or
   * keeps no labels of its own. A caller that caches references per series (the scrape cache) holds
   * this instance instead of its own equal copy, so a series' labels are in memory once.
   */
  default Labels labelsOf(long ref) {
    return null;
  }

  /**
   * Reads, without locking, the memory an append to series {@code ref} will need, and returns a
   * value of no meaning. A caller that knows which series come next (the scrape cache: targets keep
   * their order) touches a block of them at once: the CPU then fetches their cache lines in
   * parallel, where the appends, each taking a lock that orders memory, would wait for them one
   * after another. Only a hint; an unknown {@code ref} is ignored.
   */
  default int touch(long ref) {
    return 0;
  }

  /**
   * Records HELP/TYPE/UNIT for a metric family (as named in the exposition); kept by the store so
   * that federation and {@code /api/v1/metadata} can serve it. Applied on commit.
   */
  void updateMetadata(String metricFamilyName, MetricMetadata metadata);

  /** Makes every sample of this transaction visible at once. */
  void commit();

  /** Discards every sample of this transaction. */
  void rollback();
}
