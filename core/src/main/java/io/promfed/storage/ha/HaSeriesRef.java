package io.promfed.storage.ha;

/**
 * The series references {@link HaDedupAppendable} hands to its callers: the store's own reference
 * in the low {@value #STORE_REF_BITS} bits and a tag above it saying where the series came from,
 * so that the steady state of a scrape (an append by cached reference) needs neither the labels
 * nor a map lookup to know the sample's replica:
 *
 * <ul>
 *   <li>tag 0: not an HA series, passed through as is;
 *   <li>tag {@link #UP_TAG}: the {@code up} series of a scrape target (no replica label), whose
 *       value tells that a target's scrape failed;
 *   <li>any other tag: the id of the {@link HaTracker.Replica} that sent the series.
 * </ul>
 *
 * The store reference part may be 0 (a sample of a replica that was not elected never reached the
 * store). A store reference that does not fit is not handed out (0 is returned: the caller does
 * not cache it), so the encoding never misattributes a series. Stateless.
 */
final class HaSeriesRef {

  /** 2^40 series created in the store's lifetime: the head counts its references up from 1. */
  static final int STORE_REF_BITS = 40;

  static final long STORE_REF_MASK = (1L << STORE_REF_BITS) - 1;
  /** The highest tag; the sign bit stays clear so references are positive. */
  static final int UP_TAG = (1 << (63 - STORE_REF_BITS)) - 1;

  static final int MAX_REPLICA_ID = UP_TAG - 1;

  private HaSeriesRef() {}

  static int tag(long ref) {
    return (int) (ref >>> STORE_REF_BITS);
  }

  static long storeRef(long ref) {
    return ref & STORE_REF_MASK;
  }

  /** The reference to hand out, or 0 (do not cache) when {@code storeRef} does not fit. */
  static long of(int tag, long storeRef) {
    if (storeRef < 0 || storeRef > STORE_REF_MASK) {
      return 0;
    }
    return ((long) tag << STORE_REF_BITS) | storeRef;
  }
}
