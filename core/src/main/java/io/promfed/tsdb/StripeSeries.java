package io.promfed.tsdb;

import io.promfed.model.labels.Labels;
import it.unimi.dsi.fastutil.longs.Long2ObjectOpenHashMap;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.function.Consumer;

/**
 * The head's series maps, like Prometheus's {@code stripeSeries} (tsdb/head.go): stripes find a
 * series by label hash, each stripe with its own lock and fastutil map, so concurrent scrapes
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
   * A fastutil open-addressing map from a {@code long} label hash to a series that
   * can tell its real size: its tables never shrink, so the heap it holds depends on its history,
   * not only on its current size.
   */
  static final class SeriesMap extends Long2ObjectOpenHashMap<MemSeries> {

    /** Shallow size of a {@link Long2ObjectOpenHashMap} with compressed oops (JOL: 64). */
    private static final long SHALLOW_BYTES = 64;

    SeriesMap() {
      super(4);
    }

    /**
     * This map and its two tables ({@code long} keys, references; always of one length), headers
     * and padding.
     */
    long ramBytesUsed() {
      int slots = key.length; // value is a generic array: reading it here would need a cast
      return SHALLOW_BYTES + align(16 + 8L * slots) + align(16 + 4L * slots);
    }
  }

  /**
   * Label hash → series, with a side map for the (astronomically rare) 64-bit hash collision, as
   * Prometheus's {@code seriesHashmap} keeps {@code unique} and {@code conflicts}.
   */
  static final class HashStripe {
    final SeriesMap unique = new SeriesMap();
    Map<Long, List<MemSeries>> conflicts; // null until needed

    MemSeries get(long hash, Labels labels) {
      MemSeries s = unique.get(hash);
      if (s != null && s.labels.equals(labels)) {
        return s;
      }
      if (conflicts != null) {
        List<MemSeries> l = conflicts.get(hash);
        if (l != null) {
          for (MemSeries c : l) {
            if (c.labels.equals(labels)) {
              return c;
            }
          }
        }
      }
      return null;
    }

    void put(long hash, MemSeries s) {
      if (!unique.containsKey(hash)) {
        unique.put(hash, s);
        return;
      }
      if (conflicts == null) {
        conflicts = new HashMap<>();
      }
      conflicts.computeIfAbsent(hash, k -> new ArrayList<>(2)).add(s);
    }

    void remove(long hash, MemSeries s) {
      if (unique.get(hash) == s) {
        unique.remove(hash);
        if (conflicts != null) {
          List<MemSeries> l = conflicts.get(hash);
          if (l != null) {
            unique.put(hash, l.remove(l.size() - 1));
            if (l.isEmpty()) {
              conflicts.remove(hash);
            }
          }
        }
      } else if (conflicts != null) {
        List<MemSeries> l = conflicts.get(hash);
        if (l != null) {
          l.remove(s);
          if (l.isEmpty()) {
            conflicts.remove(hash);
          }
        }
      }
    }

    void forEach(Consumer<MemSeries> action) {
      unique.values().forEach(action);
      if (conflicts != null) {
        conflicts.values().forEach(l -> l.forEach(action));
      }
    }
  }

  int stripes() {
    return mask + 1;
  }

  HashStripe hashStripe(long hash) {
    return hashStripes[(int) (hash ^ (hash >>> 32)) & mask];
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
   * stripe object and its map tables at their current capacity, and the ref table. A hash collision list, which
   * practically never exists, is estimated. Takes each stripe lock in turn.
   */
  long ramBytesUsed() {
    long bytes = 24 + align(16 + 4L * hashStripes.length) + byRef.ramBytesUsed();
    for (HashStripe hs : hashStripes) {
      synchronized (hs) {
        bytes += 24 + hs.unique.ramBytesUsed();
        if (hs.conflicts != null) {
          bytes += 64 + hs.conflicts.size() * 96L;
        }
      }
    }
    return bytes;
  }

  private static long align(long n) {
    return (n + 7) & ~7L;
  }
}
