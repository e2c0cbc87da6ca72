package io.promfed.storage;

/** A store that can be read. PromQL, /federate and the API see only this. */
public interface Queryable {

  /**
   * A reader over samples with {@code mintMs <= t <= maxtMs}. It sees the state committed when it
   * was opened (isolation) and must be closed.
   */
  Querier querier(long mintMs, long maxtMs);
}
