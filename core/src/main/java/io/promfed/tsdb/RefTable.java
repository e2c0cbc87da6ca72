package io.promfed.tsdb;

import java.lang.invoke.MethodHandles;
import java.lang.invoke.VarHandle;
import java.util.Arrays;
import java.util.function.Consumer;

/**
 * The head's reference → series index: a paged array, because the head draws references in order
 * from 1 and never reuses them. Every appended sample looks its series up here, so the lookup is
 * two array reads and no lock; a striped hash map (what Prometheus's {@code stripeSeries} uses)
 * cost a lock and a hash probe into a table too large for the cache: a sixth of a scrape thread's
 * time at 100k series.
 *
 * <p>Memory: a page holds {@value #PAGE_SIZE} slots (16 KB) and goes away when its last series is
 * removed, so churn leaves behind only pages that still hold a live series. Writers synchronize on
 * this table; readers see a series once its {@link #put} returned, through release/acquire on the
 * slots (a series' final fields are safe to read after that; the rest is guarded by its monitor).
 */
final class RefTable {

  static final int PAGE_BITS = 12;
  static final int PAGE_SIZE = 1 << PAGE_BITS;
  private static final int SLOT_MASK = PAGE_SIZE - 1;
  private static final VarHandle SLOT = MethodHandles.arrayElementVarHandle(MemSeries[].class);

  private static final class Page {
    final MemSeries[] slots = new MemSeries[PAGE_SIZE];
    int live; // guarded by the table
  }

  /** Indexed by {@code ref >>> PAGE_BITS}; replaced (copied) when it grows. */
  private volatile Page[] pages = new Page[16];

  private int pageCount; // guarded by this

  MemSeries get(long ref) {
    Page[] ps = pages;
    long p = ref >>> PAGE_BITS;
    if (ref <= 0 || p >= ps.length) {
      return null;
    }
    Page page = ps[(int) p];
    return page == null ? null : (MemSeries) SLOT.getAcquire(page.slots, (int) ref & SLOT_MASK);
  }

  synchronized void put(long ref, MemSeries s) {
    if (ref <= 0 || (ref >>> PAGE_BITS) >= Integer.MAX_VALUE - 8) {
      throw new IllegalArgumentException("series reference out of range: " + ref);
    }
    int p = (int) (ref >>> PAGE_BITS);
    Page[] ps = pages;
    if (p >= ps.length) {
      ps = Arrays.copyOf(ps, Math.max(p + 1, ps.length * 2));
    }
    Page page = ps[p];
    if (page == null) {
      page = new Page();
      ps[p] = page;
      pageCount++;
    }
    int i = (int) ref & SLOT_MASK;
    if (page.slots[i] == null) {
      page.live++;
    }
    SLOT.setRelease(page.slots, i, s);
    pages = ps; // publishes a grown array; a no-op store otherwise
  }

  /** Removes {@code ref}'s series; drops its page once the page holds none. */
  synchronized void remove(long ref) {
    Page[] ps = pages;
    long p = ref >>> PAGE_BITS;
    if (ref <= 0 || p >= ps.length || ps[(int) p] == null) {
      return;
    }
    Page page = ps[(int) p];
    int i = (int) ref & SLOT_MASK;
    if (page.slots[i] == null) {
      return;
    }
    SLOT.setRelease(page.slots, i, null);
    if (--page.live == 0) {
      ps[(int) p] = null;
      pageCount--;
    }
  }

  /** Every series at the time its page is visited, in reference order (weakly consistent). */
  void forEach(Consumer<MemSeries> action) {
    Page[] ps = pages;
    for (Page page : ps) {
      if (page == null) {
        continue;
      }
      for (int i = 0; i < PAGE_SIZE; i++) {
        MemSeries s = (MemSeries) SLOT.getAcquire(page.slots, i);
        if (s != null) {
          action.accept(s);
        }
      }
    }
  }

  /** Heap bytes: the page index and the pages (header, slots, count), compressed oops. */
  synchronized long ramBytesUsed() {
    long pageBytes = 16 + (16 + 4L * PAGE_SIZE);
    return 16 + (16 + 4L * pages.length) + pageCount * pageBytes;
  }
}
