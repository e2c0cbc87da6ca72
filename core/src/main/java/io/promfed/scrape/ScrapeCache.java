package io.promfed.scrape;

import io.promfed.model.labels.Labels;
import io.promfed.model.textparse.Parser;
import it.unimi.dsi.fastutil.ints.IntArrayList;
import java.lang.invoke.MethodHandles;
import java.lang.invoke.VarHandle;
import java.nio.ByteOrder;
import java.util.Arrays;

/**
 * Per-target cache from the raw series bytes of a sample line to what the store knows about that
 * series (Prometheus's {@code scrapeCache}, scrape/scrape.go). A hit skips label parsing, honor
 * label merging, metric relabeling and hashing of the label set: the steady state of a scrape is
 * one byte-slice lookup and one append per sample.
 *
 * <p>It also tracks which series were seen in this and in the previous scrape, so that series
 * which disappear get a stale marker.
 *
 * <p><b>Memory.</b> The cache lives as long as its target and holds one entry per series the
 * target exposes, so it is laid out for size: an entry is an {@code int} id into parallel arrays
 * (series reference, labels, last iteration, staleness flags, key position, key hash), and the
 * lookup table is an open-addressing {@code int[]} of entry ids probed by a hash of the raw bytes.
 * No object per entry: about 45 bytes plus the key's stored bytes per series. The labels an entry
 * holds should be the store's own instance ({@link #setLabels}), so a series' labels are in memory
 * once.
 *
 * <p><b>Keys are front-coded.</b> The raw series bytes of all entries are packed into one byte
 * arena in id order, each stored as the suffix it does not share with the previous entry's key
 * (as sorted-string tables store keys). Exporters write a family's series one after another, so
 * consecutive keys share the metric name and most of the label block: on node-exporter-like
 * bodies a key keeps 25 of its 69 bytes, at 5,000 series per target as at 50,000. Every
 * {@value #RESTART_INTERVAL}th entry is stored whole, so any key can be rebuilt from at most that
 * many suffixes. That walk is rarely needed: {@link #current} holds the key of the entry last
 * found, and the next entry in the scrape's order is that key's prefix plus one suffix.
 *
 * <p>Not thread-safe: owned by one {@link ScrapeLoop}. Entry ids stay valid until the next {@link
 * #iterationDone}, which may evict and renumber entries.
 */
final class ScrapeCache {

  /** Returned by {@link #get} for a series not in the cache. */
  static final int ABSENT = -1;

  private static final int INITIAL_ENTRIES = 16;
  private static final VarHandle LONG_LE =
      MethodHandles.byteArrayViewVarHandle(long[].class, ByteOrder.LITTLE_ENDIAN);

  // ---- entries, by id 0..size-1

  private long[] refs = new long[INITIAL_ENTRIES];

  /** Labels as stored (after honor_labels and metric relabeling); null when dropped. */
  private Labels[] labels = new Labels[INITIAL_ENTRIES];

  /** Iteration in which the entry was last seen, -1 for never. */
  private int[] lastIterations = new int[INITIAL_ENTRIES];

  /**
   * Staleness tracking: {@link #TRACKED_NOW} and {@link #TRACKED_BEFORE} bits. Flags instead of
   * lists of the ids tracked in this and the previous scrape: a byte per entry instead of eight,
   * for a pass over the entries at the end of each scrape.
   */
  private byte[] tracked = new byte[INITIAL_ENTRIES];

  private static final byte TRACKED_NOW = 1;
  private static final byte TRACKED_BEFORE = 2;

  /**
   * {@link SeriesLimiter#generation()} in which the series limit admitted the entry, or -1; null
   * (all -1) until a series limit admits one, as most targets have none.
   */
  private int[] admittedGenerations;

  /** Where the entry's stored suffix starts in the arena; it ends where the next one starts. */
  private int[] keyOffsets = new int[INITIAL_ENTRIES];

  /** Length of the whole key (the shared prefix plus the stored suffix). */
  private int[] keyLengths = new int[INITIAL_ENTRIES];

  private int[] keyHashes = new int[INITIAL_ENTRIES];
  private int size;

  /** Key suffixes of all entries, back to back in id order; {@code arenaUsed} bytes are taken. */
  private byte[] arena = new byte[1024];

  private int arenaUsed;

  /** Entries stored whole (prefix length 0): ids that are multiples of this. */
  static final int RESTART_INTERVAL = 16;

  /** The whole key of entry {@link #currentId}, in {@code current[0, keyLengths[currentId])}. */
  private byte[] current = new byte[256];

  private int currentId = ABSENT;

  /** Open addressing, linear probing: entry id + 1, 0 for an empty slot. At most half full. */
  private int[] table = new int[2 * INITIAL_ENTRIES];

  private int iteration;

  /** The entry {@link #get} or {@link #put} returned last in this scrape, -1 at its start. */
  private int lastHit = -1;
  private int touchedThis; // entries marked seen in this iteration, tracked for staleness or not
  private int trackedThis; // entries tracked for staleness in this iteration
  private int trackedBefore; // entries tracked for staleness in the previous iteration

  /** What {@link #disappeared} and {@link #seenPrevious} return; reused. */
  private IntArrayList staleIds = new IntArrayList();

  /**
   * The entry for the raw series {@code buf[start, end)}, or {@link #ABSENT}. No allocation.
   *
   * <p>A target exposes its series in the same order every scrape, and entries are numbered in the
   * order they were first seen (eviction keeps that order), so the entry after the previous hit is
   * tried first: one suffix copy onto the previous key (usually already done by {@link #offerNext})
   * and one comparison, instead of hashing the line and probing the table at a random slot (a cache
   * miss per sample, as a target is scraped only every few seconds).
   */
  int get(byte[] buf, int start, int end) {
    int next = expectedNext();
    if (next != ABSENT && keyEquals(next, buf, start, end)) {
      lastHit = next;
      return next;
    }
    int h = hash(buf, start, end);
    int mask = table.length - 1;
    for (int i = h & mask; ; i = (i + 1) & mask) {
      int id = table[i] - 1;
      if (id < 0) {
        return ABSENT;
      }
      if (keyHashes[id] == h && keyEquals(id, buf, start, end)) {
        lastHit = id;
        return id;
      }
    }
  }

  private boolean keyEquals(int id, byte[] buf, int start, int end) {
    int len = end - start;
    if (keyLengths[id] != len) {
      return false;
    }
    rebuildKey(id);
    return Arrays.equals(buf, start, end, current, 0, len);
  }

  /** Bytes the entry stores in the arena (its key minus the prefix shared with the previous). */
  private int suffixLength(int id) {
    return (id + 1 < size ? keyOffsets[id + 1] : arenaUsed) - keyOffsets[id];
  }

  /**
   * Makes {@link #current} hold the whole key of {@code id}: one suffix copy when it follows the
   * entry held now (the usual case, as a scrape walks its entries in order), otherwise from the
   * last entry stored whole.
   */
  private void rebuildKey(int id) {
    if (id == currentId) {
      return;
    }
    int from = id - 1 == currentId ? id : id - id % RESTART_INTERVAL;
    for (int k = from; k <= id; k++) {
      int suffix = suffixLength(k);
      int len = keyLengths[k];
      ensureCurrentHolds(len);
      System.arraycopy(arena, keyOffsets[k], current, len - suffix, suffix);
    }
    currentId = id;
  }

  /** Grows {@link #current}, keeping its bytes, so it holds a key of {@code len} bytes. */
  private void ensureCurrentHolds(int len) {
    if (current.length < len) {
      current = Arrays.copyOf(current, Math.max(len, 2 * current.length));
    }
  }

  /**
   * Offers the parser the series that followed the last one found, so that when the target keeps
   * its order the parser need not scan the label block of a line whose bytes this cache already
   * holds (see {@link Parser#expectSeries}).
   */
  void offerNext(Parser p) {
    int next = expectedNext();
    if (next != ABSENT) {
      rebuildKey(next); // held until the next sample line, which is what the parser compares
      p.expectSeries(current, 0, keyLengths[next]);
    }
  }

  /** The entry after the one {@link #get} or {@link #put} returned last, or {@link #ABSENT}. */
  int expectedNext() {
    int next = lastHit + 1;
    return next < size ? next : ABSENT;
  }

  /**
   * Adds an entry for {@code buf[start, end)}, which must not be in the cache, with reference 0.
   * {@code labels} null marks a series dropped by metric relabeling. Returns its id.
   */
  int put(byte[] buf, int start, int end, Labels lset) {
    int len = end - start;
    if (size == refs.length) {
      growEntries();
    }
    int id = size;
    int shared = 0;
    if (id % RESTART_INTERVAL != 0) {
      rebuildKey(id - 1);
      shared = Arrays.mismatch(buf, start, end, current, 0, keyLengths[id - 1]);
      if (shared < 0) {
        shared = len; // only for a key equal to the previous one, which is never put twice
      }
    }
    int suffix = len - shared;
    if (arenaUsed + suffix > arena.length) {
      arena =
          Arrays.copyOf(arena, Math.max(arenaUsed + suffix, arena.length + (arena.length >> 1)));
    }
    System.arraycopy(buf, start + shared, arena, arenaUsed, suffix);
    size++;
    refs[id] = 0;
    labels[id] = lset;
    lastIterations[id] = -1;
    tracked[id] = 0;
    if (admittedGenerations != null) {
      admittedGenerations[id] = -1;
    }
    keyOffsets[id] = arenaUsed;
    keyLengths[id] = len;
    keyHashes[id] = hash(buf, start, end);
    arenaUsed += suffix;
    ensureCurrentHolds(len);
    System.arraycopy(buf, start + shared, current, shared, suffix);
    currentId = id;
    lastHit = id;
    if (2 * size > table.length) {
      rebuildTable(table.length * 2);
    } else {
      insert(id);
    }
    return id;
  }

  long ref(int id) {
    return refs[id];
  }

  void setRef(int id, long ref) {
    refs[id] = ref;
  }

  /** The labels to append with; null for a dropped series. */
  Labels labels(int id) {
    return labels[id];
  }

  /** Replaces an entry's labels with an equal instance, the store's own, so it is held once. */
  void setLabels(int id, Labels lset) {
    labels[id] = lset;
  }

  boolean dropped(int id) {
    return labels[id] == null;
  }

  int iteration() {
    return iteration;
  }

  /**
   * Marks a series as present in this scrape's body, which keeps its entry from eviction (dropped
   * series too, so metric relabeling is not redone for them). Returns false if it was already seen
   * in this scrape (a duplicate series in one exposition).
   */
  boolean markSeen(int id) {
    if (lastIterations[id] == iteration) {
      return false;
    }
    lastIterations[id] = iteration;
    touchedThis++;
    return true;
  }

  /** {@link #markSeen(int)}, then {@link #trackStaleness(int)} when {@code trackStaleness}. */
  boolean markSeen(int id, boolean trackStaleness) {
    boolean first = markSeen(id);
    if (first && trackStaleness) {
      trackStaleness(id);
    }
    return first;
  }

  /**
   * Tracks a series for staleness in this scrape (Prometheus's {@code trackStaleness}): it gets a
   * stale marker when a later scrape does not track it again.
   */
  void trackStaleness(int id) {
    if ((tracked[id] & TRACKED_NOW) == 0) {
      tracked[id] |= TRACKED_NOW;
      trackedThis++;
    }
  }

  /** The series limiter generation that admitted this entry, or -1. */
  int admittedGeneration(int id) {
    return admittedGenerations == null ? -1 : admittedGenerations[id];
  }

  void setAdmittedGeneration(int id, int generation) {
    if (admittedGenerations == null) {
      admittedGenerations = new int[refs.length];
      Arrays.fill(admittedGenerations, -1);
    }
    admittedGenerations[id] = generation;
  }

  /**
   * Series tracked last scrape but not in this one: they need a stale marker. The list is reused
   * by the next call of this or {@link #seenPrevious}.
   */
  IntArrayList disappeared() {
    return idsTracked(TRACKED_NOW | TRACKED_BEFORE, TRACKED_BEFORE);
  }

  /**
   * Every series tracked in the previous scrape (a failed scrape makes all of them stale). The list
   * is reused by the next call of this or {@link #disappeared}.
   */
  IntArrayList seenPrevious() {
    return idsTracked(TRACKED_BEFORE, TRACKED_BEFORE);
  }

  /** Entries whose flags under {@code mask} are {@code want}, in id order. */
  private IntArrayList idsTracked(int mask, int want) {
    if (staleIds.elements().length > 4096) {
      staleIds = new IntArrayList(); // the last list was long (a failed scrape): let it go
    }
    staleIds.clear();
    if (trackedBefore > 0) {
      for (int id = 0; id < size; id++) {
        if ((tracked[id] & mask) == want) {
          staleIds.add(id);
        }
      }
    }
    return staleIds;
  }

  /**
   * Ends a scrape. A failed scrape ({@code success} false) counts as empty: nothing is
   * remembered as seen. Entries unseen for a few scrapes are evicted so the cache follows the
   * target's current series set rather than everything it ever exposed; eviction renumbers the
   * remaining entries.
   */
  void iterationDone(boolean success) {
    int touched = touchedThis;
    touchedThis = 0;
    if (!success) {
      touched = 0;
    }
    if (trackedThis > 0 || trackedBefore > 0) {
      // What this scrape tracked becomes the previous scrape's; a failed one tracked nothing.
      byte keep = success ? TRACKED_NOW : 0;
      for (int id = 0; id < size; id++) {
        tracked[id] = (tracked[id] & keep) != 0 ? TRACKED_BEFORE : 0;
      }
    }
    trackedBefore = success ? trackedThis : 0;
    trackedThis = 0;
    if (size > 2 * touched + 64) {
      evictUnseenSince(iteration - 2);
    }
    iteration++;
    lastHit = -1;
  }

  int size() {
    return size;
  }

  /** Key bytes the arena holds: the suffixes, and the keys at restart points whole. */
  int storedKeyBytes() {
    return arenaUsed;
  }

  /**
   * Heap bytes of this cache: the entry arrays, the arena and the table at their capacity, the
   * rebuilt-key buffer and the stale-id list, headers included (compressed oops). The labels are
   * not counted: they are the store's.
   */
  long ramBytesUsed() {
    // refs, labels, last iterations, offsets, lengths, hashes; then the tracked flags
    long perEntry = 8L + 4 + 4 + 4 + 4 + 4;
    return 128
        + perEntry * refs.length
        + 7 * 16
        + align(16 + tracked.length)
        + (admittedGenerations == null ? 0 : align(16 + 4L * admittedGenerations.length))
        + align(16 + arena.length)
        + align(16 + current.length)
        + align(16 + 4L * table.length)
        + 24
        + align(16 + 4L * staleIds.elements().length);
  }

  // ---- internals

  /**
   * Drops entries last seen before {@code keepFrom}, packing the rest in order: ids, and keys
   * front-coded again against their new predecessors.
   */
  private void evictUnseenSince(int keepFrom) {
    byte[] newArena = new byte[Math.max(1024, arenaUsed)];
    byte[] previous = new byte[current.length]; // the whole key of the last entry kept
    int previousLength = 0;
    int kept = 0;
    int off = 0;
    // Walks every entry in order, so each key is rebuilt from the one before it, and entry arrays
    // are rewritten only at ids already walked past.
    for (int id = 0; id < size; id++) {
      rebuildKey(id);
      if (lastIterations[id] < keepFrom) {
        continue;
      }
      int len = keyLengths[id];
      int to = kept++;
      int shared = 0;
      if (to % RESTART_INTERVAL != 0) {
        shared = Arrays.mismatch(current, 0, len, previous, 0, previousLength);
        shared = shared < 0 ? len : shared;
      }
      if (off + len - shared > newArena.length) {
        newArena = Arrays.copyOf(newArena, Math.max(off + len, newArena.length * 2));
      }
      System.arraycopy(current, shared, newArena, off, len - shared);
      if (previous.length < len) {
        previous = new byte[current.length];
      }
      System.arraycopy(current, 0, previous, 0, len);
      previousLength = len;
      refs[to] = refs[id];
      labels[to] = labels[id];
      lastIterations[to] = lastIterations[id];
      tracked[to] = tracked[id];
      if (admittedGenerations != null) {
        admittedGenerations[to] = admittedGenerations[id];
      }
      keyOffsets[to] = off;
      keyLengths[to] = len;
      keyHashes[to] = keyHashes[id];
      off += len - shared;
    }
    Arrays.fill(labels, kept, size, null);
    size = kept;
    int arenaLength = Math.max(1024, off + (off >> 2));
    arena = arenaLength < newArena.length ? Arrays.copyOf(newArena, arenaLength) : newArena;
    arenaUsed = off;
    currentId = ABSENT;
    int entries = Math.max(INITIAL_ENTRIES, kept + (kept >> 1));
    if (entries < refs.length) {
      resizeEntries(entries);
    }
    rebuildTable(tableSizeFor(kept));
  }

  private void growEntries() {
    resizeEntries(refs.length + (refs.length >> 1));
  }

  private void resizeEntries(int n) {
    refs = Arrays.copyOf(refs, n);
    labels = Arrays.copyOf(labels, n);
    lastIterations = Arrays.copyOf(lastIterations, n);
    tracked = Arrays.copyOf(tracked, n);
    if (admittedGenerations != null) {
      int old = admittedGenerations.length;
      admittedGenerations = Arrays.copyOf(admittedGenerations, n);
      if (n > old) {
        Arrays.fill(admittedGenerations, old, n, -1);
      }
    }
    keyOffsets = Arrays.copyOf(keyOffsets, n);
    keyLengths = Arrays.copyOf(keyLengths, n);
    keyHashes = Arrays.copyOf(keyHashes, n);
  }

  private static int tableSizeFor(int entries) {
    int n = 2 * INITIAL_ENTRIES;
    while (n < 2 * entries) {
      n <<= 1;
    }
    return n;
  }

  private void rebuildTable(int slots) {
    table = new int[slots];
    for (int id = 0; id < size; id++) {
      insert(id);
    }
  }

  private void insert(int id) {
    int mask = table.length - 1;
    int i = keyHashes[id] & mask;
    while (table[i] != 0) {
      i = (i + 1) & mask;
    }
    table[i] = id + 1;
  }

  /**
   * A 32-bit hash of {@code b[start, end)}, eight bytes at a time (a multiply-xorshift mix), well
   * spread in its low bits for the power-of-two table.
   */
  static int hash(byte[] b, int start, int end) {
    long h = 0x9E3779B97F4A7C15L ^ (end - start);
    int i = start;
    for (; i + 8 <= end; i += 8) {
      h = mix(h ^ (long) LONG_LE.get(b, i));
    }
    long tail = 0;
    for (int shift = 0; i < end; i++, shift += 8) {
      tail |= (b[i] & 0xFFL) << shift;
    }
    h = mix(h ^ tail);
    return (int) (h ^ (h >>> 32));
  }

  private static long mix(long h) {
    h *= 0xBF58476D1CE4E5B9L;
    return h ^ (h >>> 31);
  }

  private static long align(long n) {
    return (n + 7) & ~7L;
  }
}
