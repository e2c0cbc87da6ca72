package io.promfed.tsdb;

import io.promfed.model.labels.Labels;
import java.util.function.Consumer;

/**
 * The head's series maps, like Prometheus's {@code stripeSeries} (tsdb/head.go): stripes find a
 * series by label hash, each stripe with its own lock and table, so concurrent scrapes
 * rarely contend and no lock covers all series; a {@link RefTable} finds it by reference without
 * a lock.
 *
 * <p>Thread-safe. Lock order, to stay deadlock-free: a hash stripe, then the ref table, then a
 * series monitor; nothing takes a stripe or table lock while holding a series monitor.
 */
final class StripeSeries {

  private final int mask;
  private final RefTable byRef = new RefTable();
  private final HashStripe[] hashStripes;

  StripeSeries(int stripes) {
    if (Integer.bitCount(stripes) != 1) {
      throw new IllegalArgumentException("stripes must be a power of two: " + stripes);
    }
    mask = stripes - 1;
    hashStripes = new HashStripe[stripes];
    for (int i = 0; i < stripes; i++) {
      hashStripes[i] = new HashStripe();
    }
  }

  /**
   * The series of one stripe by label hash: an open-addressing table of the series themselves
   * (linear probing, at most 3/4 full), with no key array beside it. A probe compares the label
   * hash each series' {@link Labels} caches ({@link Labels#hashCode}, derived from the same 64-bit
   * hash that picked the stripe), then the labels; series whose hashes collide simply sit in
   * different slots, so no side map is needed for them as Prometheus's {@code seriesHashmap}
   * needs {@code conflicts}.
   *
   * <p>Why not a {@code Long2ObjectOpenHashMap} from the 64-bit hash, as before: its key array
   * took 8 bytes a slot beside the 4 of the values, 25 bytes per series at the tables' usual
   * load, 17 more than this table (docs/benchmarks.md, eighth round). Not thread-safe: used
   * under the stripe's monitor.
   */
  static final class HashStripe {
    private static final int INITIAL_SLOTS = 8;

    private MemSeries[] table = new MemSeries[INITIAL_SLOTS];
    private int size;

    MemSeries get(long hash, Labels labels) {
      int h = Labels.hashCodeOf(hash);
      MemSeries[] t = table;
      int mask = t.length - 1;
      for (int i = slot(h, mask); ; i = (i + 1) & mask) {
        MemSeries s = t[i];
        if (s == null) {
          return null;
        }
        if (s.labels.hashCode() == h && s.labels.equals(labels)) {
          return s;
        }
      }
    }

    /** Adds {@code s}, whose labels hash to {@code hash} and are not in the stripe yet. */
    void put(long hash, MemSeries s) {
      if (4L * (size + 1) > 3L * table.length) {
        resize(table.length * 2);
      }
      insert(table, s, Labels.hashCodeOf(hash));
      size++;
    }

    /**
     * Removes {@code s} (this very series), if present. Its home slot comes from the hash its
     * labels cached when it was put, so no label string is hashed again.
     */
    void remove(MemSeries s) {
      MemSeries[] t = table;
      int mask = t.length - 1;
      int i = slot(s.labels.hashCode(), mask);
      while (t[i] != s) {
        if (t[i] == null) {
          return;
        }
        i = (i + 1) & mask;
      }
      // Backward-shift deletion: pull later entries of the probe run into the gap, so every
      // entry stays reachable from its home slot without tombstones.
      for (int j = (i + 1) & mask; t[j] != null; j = (j + 1) & mask) {
        int home = slot(t[j].labels.hashCode(), mask);
        boolean homeInGap = i <= j ? (home <= i || home > j) : (home <= i && home > j);
        if (homeInGap) {
          t[i] = t[j];
          i = j;
        }
      }
      t[i] = null;
      size--;
    }

    int size() {
      return size;
    }

    void forEach(Consumer<MemSeries> action) {
      for (MemSeries s : table) {
        if (s != null) {
          action.accept(s);
        }
      }
    }

    /** This stripe object (header, table reference, size) and its table, headers and padding. */
    long ramBytesUsed() {
      return 24 + align(16 + 4L * table.length);
    }

    private void resize(int slots) {
      MemSeries[] t = new MemSeries[slots];
      for (MemSeries s : table) {
        if (s != null) {
          insert(t, s, s.labels.hashCode());
        }
      }
      table = t;
    }

    private static void insert(MemSeries[] t, MemSeries s, int h) {
      int mask = t.length - 1;
      int i = slot(h, mask);
      while (t[i] != null) {
        i = (i + 1) & mask;
      }
      t[i] = s;
    }

    /**
     * The home slot of a hash. Mixed first (MurmurHash3's finalizer): the stripe was picked by the
     * same hash's low bits, so within a stripe those bits are all alike.
     */
    private static int slot(int h, int mask) {
      h ^= h >>> 16;
      h *= 0x85ebca6b;
      h ^= h >>> 13;
      h *= 0xc2b2ae35;
      h ^= h >>> 16;
      return h & mask;
    }
  }

  int stripes() {
    return mask + 1;
  }

  HashStripe hashStripe(long hash) {
    return hashStripes[Labels.hashCodeOf(hash) & mask];
  }

  HashStripe hashStripeAt(int i) {
    return hashStripes[i];
  }

  MemSeries getByRef(long ref) {
    return byRef.get(ref);
  }

  void putRef(long ref, MemSeries s) {
    byRef.put(ref, s);
  }

  void removeRef(long ref) {
    byRef.remove(ref);
  }

  /** Every series at the time its part of the ref table is visited (a weakly consistent walk). */
  void forEach(Consumer<MemSeries> action) {
    byRef.forEach(action);
  }

  /**
   * Heap bytes of the maps themselves (not the series): this object, the stripe array, each
   * stripe with its table at its current capacity, and the ref table. Takes each stripe lock in
   * turn.
   */
  long ramBytesUsed() {
    long bytes = 24 + align(16 + 4L * hashStripes.length) + byRef.ramBytesUsed();
    for (HashStripe hs : hashStripes) {
      synchronized (hs) {
        bytes += hs.ramBytesUsed();
      }
    }
    return bytes;
  }

  private static long align(long n) {
    return (n + 7) & ~7L;
  }
}
