package io.promfed.tsdb.wal;

import java.util.Arrays;

/**
 * A set of head series references as a paged bitmap: the WAL asks it once per logged sample
 * whether the series' labels are in the log yet. The head draws references in order from 1, so a
 * bit per reference since the last checkpoint is both smaller and faster than a hash set of
 * {@code long}s (a probe into a table of every series, which showed in scrape profiles): 100k
 * series take 16 KB. Not thread-safe: the WAL uses it under its lock.
 */
final class RefBitSet {

  private static final int PAGE_BITS = 16; // 65,536 references, 8 KB per page
  private static final int BIT_MASK = (1 << PAGE_BITS) - 1;

  private long[][] pages = new long[16][];

  boolean contains(long ref) {
    long p = ref >>> PAGE_BITS;
    if (ref < 0 || p >= pages.length) {
      return false;
    }
    long[] page = pages[(int) p];
    int bit = (int) ref & BIT_MASK;
    return page != null && (page[bit >>> 6] & (1L << bit)) != 0;
  }

  /** Adds {@code ref} (non-negative, below 2^47); returns whether it was new. */
  boolean add(long ref) {
    long p = ref >>> PAGE_BITS;
    if (ref < 0 || p >= Integer.MAX_VALUE - 8) {
      throw new IllegalArgumentException("series reference out of range: " + ref);
    }
    if (p >= pages.length) {
      pages = Arrays.copyOf(pages, (int) Math.max(p + 1, pages.length * 2L));
    }
    long[] page = pages[(int) p];
    if (page == null) {
      page = new long[1 << (PAGE_BITS - 6)];
      pages[(int) p] = page;
    }
    int bit = (int) ref & BIT_MASK;
    long mask = 1L << bit;
    boolean fresh = (page[bit >>> 6] & mask) == 0;
    page[bit >>> 6] |= mask;
    return fresh;
  }

  void clear() {
    pages = new long[16][];
  }
}
