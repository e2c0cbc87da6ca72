package io.promfed.tsdb.index;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.Comparator;
import java.util.List;

/**
 * A sorted, duplicate-free list of series references (Prometheus's {@code index.Postings}), with
 * the set operations a selector needs: {@link #intersect}, {@link #union}, {@link #without}.
 *
 * <p>Immutable: a view of the first {@link #size()} entries of an array whose entries below that
 * size are never written again ({@link MemPostings} copies on any write that is not a pure append),
 * so a view taken under the index's read lock stays valid and unchanged for as long as it is held.
 * Thread-safe.
 */
public final class Postings {

  /** The empty list. */
  public static final Postings EMPTY = new Postings(new long[0], 0);

  /** Above this size ratio, intersection and subtraction gallop through the larger list. */
  private static final int GALLOP_RATIO = 32;

  /** The references, unless they are stored {@link #narrow}. */
  private final long[] refs;

  /** The references as unsigned 32-bit values, or null (see {@link #fitsNarrow}). */
  private final int[] narrow;

  private final int size;

  Postings(long[] refs, int size) {
    this.refs = refs;
    this.narrow = null;
    this.size = size;
  }

  /** A view of unsigned 32-bit references, the way {@link MemPostings} stores them when it can. */
  Postings(int[] narrow, int size) {
    this.refs = null;
    this.narrow = narrow;
    this.size = size;
  }

  /** Whether {@code ref} can be stored as an unsigned 32-bit value. */
  static boolean fitsNarrow(long ref) {
    return (ref >>> 32) == 0;
  }

  /** The {@code i}-th reference, no bounds check beyond the array's. */
  private long at(int i) {
    return narrow != null ? Integer.toUnsignedLong(narrow[i]) : refs[i];
  }

  /**
   * A list over a copy of {@code refs}, which must be sorted ascending without duplicates.
   *
   * @throws IllegalArgumentException if not strictly ascending
   */
  public static Postings of(long... refs) {
    for (int i = 1; i < refs.length; i++) {
      if (refs[i - 1] >= refs[i]) {
        throw new IllegalArgumentException("postings must be strictly ascending");
      }
    }
    return wrap(refs.clone(), refs.length);
  }

  public int size() {
    return size;
  }

  public boolean isEmpty() {
    return size == 0;
  }

  /** The {@code i}-th smallest reference. */
  public long get(int i) {
    if (i >= size) {
      throw new IndexOutOfBoundsException(i);
    }
    return at(i);
  }

  /** A fresh array holding the references in ascending order. */
  public long[] toArray() {
    if (narrow == null) {
      return Arrays.copyOf(refs, size);
    }
    long[] out = new long[size];
    for (int i = 0; i < size; i++) {
      out[i] = Integer.toUnsignedLong(narrow[i]);
    }
    return out;
  }

  /** Whether {@code ref} is in this list (binary search). */
  public boolean contains(long ref) {
    int i = lowerBound(0, size, ref);
    return i < size && at(i) == ref;
  }

  /** The first index in {@code [lo, hi)} whose reference is {@code >= x}, or {@code hi}. */
  private int lowerBound(int lo, int hi, long x) {
    while (lo < hi) {
      int mid = (lo + hi) >>> 1;
      if (at(mid) < x) {
        lo = mid + 1;
      } else {
        hi = mid;
      }
    }
    return lo;
  }

  /** Whether the two lists share at least one reference; stops at the first. */
  public boolean intersects(Postings o) {
    Postings a = this;
    Postings b = o;
    if (a.size > b.size) {
      Postings t = a;
      a = b;
      b = t;
    }
    if (a.size == 0) {
      return false;
    }
    int j = 0;
    for (int i = 0; i < a.size; i++) {
      long x = a.at(i);
      j = b.advance(j, x, a.size * GALLOP_RATIO < b.size);
      if (j == b.size) {
        return false;
      }
      if (b.at(j) == x) {
        return true;
      }
    }
    return false;
  }

  /** References in all of {@code lists}; the empty list when {@code lists} is empty. */
  public static Postings intersect(List<Postings> lists) {
    if (lists.isEmpty()) {
      return EMPTY;
    }
    if (lists.size() == 1) {
      return lists.get(0);
    }
    // Smallest first: the running result only shrinks, so each step costs at most the smaller side.
    List<Postings> sorted = new ArrayList<>(lists);
    sorted.sort(Comparator.comparingInt(Postings::size));
    Postings acc = sorted.get(0);
    for (int k = 1; k < sorted.size() && acc.size > 0; k++) {
      acc = intersect(acc, sorted.get(k));
    }
    return acc;
  }

  /** References in both lists. */
  public static Postings intersect(Postings a, Postings b) {
    if (a.size > b.size) {
      Postings t = a;
      a = b;
      b = t;
    }
    if (a.size == 0) {
      return EMPTY;
    }
    boolean gallop = a.size * GALLOP_RATIO < b.size;
    long[] out = new long[a.size];
    int n = 0;
    int j = 0;
    for (int i = 0; i < a.size && j < b.size; i++) {
      long x = a.at(i);
      j = b.advance(j, x, gallop);
      if (j < b.size && b.at(j) == x) {
        out[n++] = x;
        j++;
      }
    }
    return wrap(out, n);
  }

  /** References in any of {@code lists}, merged pairwise in a balanced tree (O(N log k)). */
  public static Postings union(List<Postings> lists) {
    List<Postings> level = new ArrayList<>(lists.size());
    for (Postings p : lists) {
      if (p.size > 0) {
        level.add(p);
      }
    }
    if (level.isEmpty()) {
      return EMPTY;
    }
    while (level.size() > 1) {
      List<Postings> next = new ArrayList<>((level.size() + 1) / 2);
      for (int i = 0; i + 1 < level.size(); i += 2) {
        next.add(union(level.get(i), level.get(i + 1)));
      }
      if ((level.size() & 1) == 1) {
        next.add(level.get(level.size() - 1));
      }
      level = next;
    }
    return level.get(0);
  }

  /** References in either list. */
  public static Postings union(Postings a, Postings b) {
    if (a.size == 0) {
      return b;
    }
    if (b.size == 0) {
      return a;
    }
    long[] out = new long[a.size + b.size];
    int i = 0;
    int j = 0;
    int n = 0;
    while (i < a.size && j < b.size) {
      long x = a.at(i);
      long y = b.at(j);
      if (x < y) {
        out[n++] = x;
        i++;
      } else if (y < x) {
        out[n++] = y;
        j++;
      } else {
        out[n++] = x;
        i++;
        j++;
      }
    }
    while (i < a.size) {
      out[n++] = a.at(i++);
    }
    while (j < b.size) {
      out[n++] = b.at(j++);
    }
    return wrap(out, n);
  }

  /** References of {@code a} that are not in {@code b} (Prometheus's {@code index.Without}). */
  public static Postings without(Postings a, Postings b) {
    if (a.size == 0 || b.size == 0) {
      return a;
    }
    boolean gallop = a.size * GALLOP_RATIO < b.size;
    long[] out = new long[a.size];
    int n = 0;
    int j = 0;
    for (int i = 0; i < a.size; i++) {
      long x = a.at(i);
      j = b.advance(j, x, gallop);
      if (j < b.size && b.at(j) == x) {
        j++;
      } else {
        out[n++] = x;
      }
    }
    return n == a.size ? a : wrap(out, n);
  }

  /**
   * The first index {@code >= from} in this list whose value is {@code >= x}: a linear step when
   * the lists have similar sizes, exponential then binary search when this one is much longer.
   */
  private int advance(int from, long x, boolean gallop) {
    int n = size;
    if (!gallop) {
      // The hot loop of intersections of similar sizes: one per representation, no branch inside.
      int[] w = narrow;
      if (w != null) {
        while (from < n && Integer.toUnsignedLong(w[from]) < x) {
          from++;
        }
      } else {
        long[] r = refs;
        while (from < n && r[from] < x) {
          from++;
        }
      }
      return from;
    }
    if (from >= n || at(from) >= x) {
      return from;
    }
    int step = 1;
    int lo = from;
    int hi = from + 1;
    while (hi < n && at(hi) < x) {
      lo = hi;
      step <<= 1;
      hi = from + step;
    }
    if (hi > n) {
      hi = n;
    }
    // at(lo) < x, and at(hi) >= x or hi == n
    return lowerBound(lo + 1, hi, x);
  }

  /**
   * The first {@code n} of sorted {@code out}, stored narrow when they fit: with every list narrow
   * in practice, the set operations' loops only ever see one representation.
   */
  private static Postings wrap(long[] out, int n) {
    if (n == 0) {
      return EMPTY;
    }
    if (!fitsNarrow(out[n - 1])) {
      return new Postings(out, n);
    }
    return new Postings(toNarrow(out, n, n), n);
  }

  /** {@code refs[0, n)} (each must {@link #fitsNarrow}) in a new int array of {@code capacity}. */
  static int[] toNarrow(long[] refs, int n, int capacity) {
    int[] narrow = new int[capacity];
    for (int i = 0; i < n; i++) {
      narrow[i] = (int) refs[i];
    }
    return narrow;
  }

  @Override
  public boolean equals(Object o) {
    if (!(o instanceof Postings p) || p.size != size) {
      return false;
    }
    for (int i = 0; i < size; i++) {
      if (at(i) != p.at(i)) {
        return false;
      }
    }
    return true;
  }

  @Override
  public int hashCode() {
    int h = 1;
    for (int i = 0; i < size; i++) {
      h = 31 * h + Long.hashCode(at(i));
    }
    return h;
  }

  @Override
  public String toString() {
    return Arrays.toString(toArray());
  }
}
