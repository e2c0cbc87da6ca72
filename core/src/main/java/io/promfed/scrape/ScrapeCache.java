package io.promfed.scrape;

import io.promfed.model.labels.Labels;
import it.unimi.dsi.fastutil.Hash;
import it.unimi.dsi.fastutil.objects.Object2ObjectOpenCustomHashMap;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;

/**
 * Per-target cache from the raw series bytes of a sample line to what the store knows about that
 * series (Prometheus's {@code scrapeCache}, scrape/scrape.go). A hit skips label parsing, honor
 * label merging, metric relabeling and hashing: the steady state of a scrape is one byte-slice
 * lookup and one append per sample.
 *
 * <p>It also tracks which series were seen in this and in the previous scrape, so that series
 * which disappear get a stale marker. Not thread-safe: owned by one {@link ScrapeLoop}.
 */
final class ScrapeCache {

  /** What the cache holds for one raw series. */
  static final class Entry {
    final byte[] key;
    long ref;
    /** Labels as stored (after honor_labels and metric relabeling); null when dropped. */
    final Labels labels;
    /** Iteration in which this series was last seen in a body. */
    int lastIteration = -1;
    /** Iteration in which this series was last tracked for staleness. */
    int trackedIteration = -1;
    /** {@link SeriesLimiter#generation()} in which the series limit admitted it, or -1. */
    int admittedGeneration = -1;

    Entry(byte[] key, long ref, Labels labels) {
      this.key = key;
      this.ref = ref;
      this.labels = labels;
    }

    boolean dropped() {
      return labels == null;
    }
  }

  /** Hashes and compares the live byte slice of a probe, or a stored key, without copying. */
  private static final class SliceStrategy implements Hash.Strategy<Object> {
    @Override
    public int hashCode(Object o) {
      if (o instanceof Probe p) {
        return hash(p.buf, p.start, p.end);
      }
      byte[] k = ((Entry) o).key;
      return hash(k, 0, k.length);
    }

    @Override
    public boolean equals(Object a, Object b) {
      if (a == null || b == null) {
        return a == b;
      }
      byte[] kb = b instanceof Entry e ? e.key : null;
      if (a instanceof Probe p && kb != null) {
        return Arrays.equals(p.buf, p.start, p.end, kb, 0, kb.length);
      }
      byte[] ka = a instanceof Entry e ? e.key : null;
      if (ka != null && kb != null) {
        return Arrays.equals(ka, kb);
      }
      return a == b;
    }
  }

  /** The reusable lookup key: a window into the parser's buffer. */
  private static final class Probe {
    byte[] buf;
    int start;
    int end;
  }

  static int hash(byte[] b, int start, int end) {
    int h = 1;
    for (int i = start; i < end; i++) {
      h = 31 * h + b[i];
    }
    return h ^ (h >>> 16);
  }

  // Keys are Entry (stored) or Probe (lookups); values are the Entry itself.
  private final Object2ObjectOpenCustomHashMap<Object, Entry> entries =
      new Object2ObjectOpenCustomHashMap<>(new SliceStrategy());
  private final Probe probe = new Probe();

  private int iteration;
  private List<Entry> seenThis = new ArrayList<>();
  private List<Entry> seenPrevious = new ArrayList<>();

  /** The entry for the raw series {@code buf[start, end)}, or null. No allocation. */
  Entry get(byte[] buf, int start, int end) {
    probe.buf = buf;
    probe.start = start;
    probe.end = end;
    Entry e = entries.get(probe);
    probe.buf = null;
    return e;
  }

  /** Adds an entry for {@code buf[start, end)}; {@code labels} null marks a dropped series. */
  Entry put(byte[] buf, int start, int end, long ref, Labels labels) {
    Entry e = new Entry(Arrays.copyOfRange(buf, start, end), ref, labels);
    entries.put(e, e);
    return e;
  }

  int iteration() {
    return iteration;
  }

  /**
   * Marks a series as present in this scrape's body (keeps its entry cached). Returns false if it
   * was already seen in this scrape (a duplicate series in one exposition).
   */
  boolean markSeen(Entry e) {
    if (e.lastIteration == iteration) {
      return false;
    }
    e.lastIteration = iteration;
    return true;
  }

  /**
   * Tracks a series for staleness in this scrape (Prometheus's {@code trackStaleness}): it gets a
   * stale marker when a later scrape does not track it again.
   */
  void trackStaleness(Entry e) {
    if (e.trackedIteration != iteration) {
      e.trackedIteration = iteration;
      seenThis.add(e);
    }
  }

  /** Series tracked last scrape but not in this one: they need a stale marker. */
  List<Entry> disappeared() {
    List<Entry> gone = new ArrayList<>();
    for (Entry e : seenPrevious) {
      if (e.trackedIteration != iteration) {
        gone.add(e);
      }
    }
    return gone;
  }

  /** Every series seen in the previous scrape (a failed scrape makes all of them stale). */
  List<Entry> seenPrevious() {
    return seenPrevious;
  }

  /**
   * Ends a scrape. A failed scrape ({@code success} false) counts as empty: nothing is
   * remembered as seen. Entries unseen for a few scrapes are evicted so the cache follows the
   * target's current series set rather than everything it ever exposed.
   */
  void iterationDone(boolean success) {
    if (!success) {
      seenThis.clear();
    }
    List<Entry> t = seenPrevious;
    seenPrevious = seenThis;
    seenThis = t;
    seenThis.clear();
    if (entries.size() > 2 * seenPrevious.size() + 64) {
      int keepFrom = iteration - 2;
      entries.values().removeIf(e -> e.lastIteration < keepFrom);
    }
    iteration++;
  }

  int size() {
    return entries.size();
  }
}
