package io.promfed.tsdb.index;

import io.promfed.model.labels.Labels;
import io.promfed.model.labels.Matcher;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Collection;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.NavigableMap;
import java.util.Set;
import java.util.TreeMap;
import java.util.TreeSet;
import java.util.concurrent.locks.ReentrantReadWriteLock;
import java.util.function.LongFunction;
import java.util.function.LongSupplier;

/**
 * The head's inverted index (Prometheus's {@code tsdb/index/postings.go} {@code MemPostings}):
 * label name → label value → sorted list of series references, plus the list of all series.
 * Resolves selectors to postings exactly as Prometheus's {@code PostingsForMatchers}
 * (tsdb/querier.go) does, including the rule that a matcher which matches the empty string also
 * selects series that lack the label.
 *
 * <p>Thread-safe. One read-write lock guards the maps; it is held only to look up or add entries,
 * never while a regex runs. Lists are copy-on-write except for plain appends (new series get the
 * highest reference so far, so the usual add appends), which lets readers keep {@link Postings}
 * views without copying and without holding the lock. Views stay valid forever.
 */
public final class MemPostings {

  /** A {@code TreeMap.Entry} (header, key, value, three links, colour) with compressed oops. */
  private static final long TREE_ENTRY_BYTES = 40;

  /** Per label name: a {@code HashMap.Node} (32) and the {@code TreeMap} of its values (48). */
  private static final long NAME_BYTES = 32 + 48;

  /**
   * This object (24), its {@code HashMap} (48), and the read-write lock with its sync object and
   * two views (24 + 48 + 16 + 16).
   */
  private static final long FIXED_BYTES = 24 + 48 + 104;

  private final ReentrantReadWriteLock lock = new ReentrantReadWriteLock();
  private final Map<String, TreeMap<String, PostingsList>> byName = new HashMap<>(); // guarded
  private final PostingsList all = new PostingsList(); // guarded

  /** An empty index. */
  public MemPostings() {}

  /**
   * A growable sorted list. Entries below {@code size} in the current array are never modified
   * after publication: inserts out of order and deletes allocate a new array.
   *
   * <p>References are kept as unsigned {@code int}s while they fit in 32 bits (four billion series
   * created in the head's life), in half the memory of {@code long}s: each series is in one list
   * per label and in {@link #all}, so this was a tenth of the leaf's heap per series. A list that
   * gets a larger reference widens to {@code long}s for good.
   */
  static final class PostingsList {
    private int[] narrow = new int[4]; // null once widened
    private long[] wide;
    int size;

    void add(long ref) {
      if (size > 0 && last() >= ref) {
        insertSlow(ref);
        return;
      }
      if (narrow != null && !Postings.fitsNarrow(ref)) {
        widen();
      }
      if (narrow != null) {
        if (size == narrow.length) {
          narrow = Arrays.copyOf(narrow, narrow.length + (narrow.length >>> 1) + 1);
        }
        narrow[size++] = (int) ref;
      } else {
        if (size == wide.length) {
          wide = Arrays.copyOf(wide, wide.length + (wide.length >>> 1) + 1);
        }
        wide[size++] = ref;
      }
    }

    private long last() {
      return narrow != null ? Integer.toUnsignedLong(narrow[size - 1]) : wide[size - 1];
    }

    private void widen() {
      wide = Arrays.copyOf(view().toArray(), Math.max(4, narrow.length));
      narrow = null;
    }

    /** Two series created concurrently may register out of ref order: copy, never shift. */
    private void insertSlow(long ref) {
      long[] refs = view().toArray();
      int idx = Arrays.binarySearch(refs, ref);
      if (idx >= 0) {
        return;
      }
      int at = -idx - 1;
      long[] n = new long[size + 1];
      System.arraycopy(refs, 0, n, 0, at);
      n[at] = ref;
      System.arraycopy(refs, at, n, at + 1, size - at);
      replace(n, n.length, Math.max(capacity(), size + 1));
    }

    /** Removes every ref in sorted {@code dead}; always into a new array. */
    void removeAll(long[] dead) {
      long[] refs = view().toArray();
      int k = 0;
      int j = 0;
      for (int i = 0; i < size; i++) {
        long r = refs[i];
        while (j < dead.length && dead[j] < r) {
          j++;
        }
        if (j < dead.length && dead[j] == r) {
          continue;
        }
        refs[k++] = r;
      }
      int capacity = Math.max(4, size);
      if (k < capacity / 2 && capacity > 8) {
        capacity = Math.max(4, k);
      }
      replace(refs, k, capacity);
    }

    private int capacity() {
      return narrow != null ? narrow.length : wide.length;
    }

    /** A new array of {@code capacity} holding {@code refs[0, n)}, narrow when they all fit. */
    private void replace(long[] refs, int n, int capacity) {
      if (narrow != null && (n == 0 || Postings.fitsNarrow(refs[n - 1]))) {
        narrow = Postings.toNarrow(refs, n, capacity);
      } else {
        wide = Arrays.copyOf(refs, capacity);
        narrow = null;
      }
      size = n;
    }

    Postings view() {
      if (size == 0) {
        return Postings.EMPTY;
      }
      return narrow != null ? new Postings(narrow, size) : new Postings(wide, size);
    }

    /** This object (header, two references, an int: 24) and its array at its capacity. */
    long ramBytesUsed() {
      long array = narrow != null ? 16 + 4L * narrow.length : 16 + 8L * wide.length;
      return 24 + ((array + 7) & ~7L);
    }
  }

  /**
   * Draws a new series reference from {@code nextRef} and indexes it under each of {@code labels},
   * both under the write lock: references then reach every list in increasing order, and an add is
   * an append. Drawn outside the lock, concurrent creations (twenty targets' first scrapes) arrive
   * out of order, and each such insert copies the whole list: the all-series list is 8 MB at 1M
   * series, so a ramp to 1M series produced gigabytes of garbage.
   *
   * @return the reference drawn
   */
  public long addNew(LongSupplier nextRef, Labels labels) {
    lock.writeLock().lock();
    try {
      long ref = nextRef.getAsLong();
      addLocked(ref, labels);
      return ref;
    } finally {
      lock.writeLock().unlock();
    }
  }

  /** Indexes series {@code ref} under each of its labels. */
  public void add(long ref, Labels labels) {
    lock.writeLock().lock();
    try {
      addLocked(ref, labels);
    } finally {
      lock.writeLock().unlock();
    }
  }

  private void addLocked(long ref, Labels labels) {
    for (int i = 0; i < labels.size(); i++) {
      byName
          .computeIfAbsent(labels.name(i), k -> new TreeMap<>())
          .computeIfAbsent(labels.value(i), k -> new PostingsList())
          .add(ref);
    }
    all.add(ref);
  }

  /**
   * Removes series: {@code refs} are their references, {@code labelSets} their labels (to find the
   * lists to touch without scanning the whole index, as Prometheus's {@code Delete} takes the
   * affected label pairs). Empty lists and names are dropped.
   */
  public void delete(long[] refs, Collection<Labels> labelSets) {
    if (refs.length == 0) {
      return;
    }
    long[] dead = refs.clone();
    Arrays.sort(dead);
    Map<String, Set<String>> affected = new HashMap<>();
    for (Labels l : labelSets) {
      for (int i = 0; i < l.size(); i++) {
        affected.computeIfAbsent(l.name(i), k -> new HashSet<>()).add(l.value(i));
      }
    }
    lock.writeLock().lock();
    try {
      for (Map.Entry<String, Set<String>> e : affected.entrySet()) {
        TreeMap<String, PostingsList> values = byName.get(e.getKey());
        if (values == null) {
          continue;
        }
        for (String v : e.getValue()) {
          PostingsList pl = values.get(v);
          if (pl != null) {
            pl.removeAll(dead);
            if (pl.size == 0) {
              values.remove(v);
            }
          }
        }
        if (values.isEmpty()) {
          byName.remove(e.getKey());
        }
      }
      all.removeAll(dead);
    } finally {
      lock.writeLock().unlock();
    }
  }

  /** Series with label {@code name="value"}. */
  public Postings postings(String name, String value) {
    lock.readLock().lock();
    try {
      TreeMap<String, PostingsList> values = byName.get(name);
      PostingsList pl = values == null ? null : values.get(value);
      return pl == null ? Postings.EMPTY : pl.view();
    } finally {
      lock.readLock().unlock();
    }
  }

  /** Every indexed series (Prometheus's {@code AllPostingsKey}). */
  public Postings allPostings() {
    lock.readLock().lock();
    try {
      return all.view();
    } finally {
      lock.readLock().unlock();
    }
  }

  /** Number of indexed series. */
  public int numSeries() {
    lock.readLock().lock();
    try {
      return all.size;
    } finally {
      lock.readLock().unlock();
    }
  }

  /** Sorted values of label {@code name} over all series. */
  public List<String> labelValues(String name) {
    lock.readLock().lock();
    try {
      TreeMap<String, PostingsList> values = byName.get(name);
      return values == null ? List.of() : List.copyOf(values.keySet());
    } finally {
      lock.readLock().unlock();
    }
  }

  /** Sorted label names over all series. */
  public List<String> labelNames() {
    lock.readLock().lock();
    try {
      return List.copyOf(new TreeSet<>(byName.keySet()));
    } finally {
      lock.readLock().unlock();
    }
  }

  /** Whether any series has label {@code name} with a value in {@code [from, to)}. */
  public boolean hasValueInRange(String name, String from, String to) {
    lock.readLock().lock();
    try {
      TreeMap<String, PostingsList> values = byName.get(name);
      if (values == null) {
        return false;
      }
      String k = values.ceilingKey(from);
      return k != null && k.compareTo(to) < 0;
    } finally {
      lock.readLock().unlock();
    }
  }

  /**
   * The series matching every matcher, as Prometheus's {@code PostingsForMatchers}: matchers that
   * do not match the empty string are intersected (the series must carry a matching value);
   * matchers that match the empty string subtract the series carrying a value they reject (so a
   * series lacking the label is kept, https://github.com/prometheus/prometheus/issues/3575). With
   * no intersecting matcher the base is every series. No matchers select every series.
   */
  public Postings postingsForMatchers(Matcher... matchers) {
    List<Postings> its = new ArrayList<>();
    List<Matcher> subtracting = new ArrayList<>();
    for (Matcher m : matchers) {
      boolean re = m.type() == Matcher.Type.REGEX || m.type() == Matcher.Type.NOT_REGEX;
      if (re && m.value().equals(".*")) {
        if (m.type() == Matcher.Type.NOT_REGEX) {
          return Postings.EMPTY; // matches nothing, not even a missing label
        }
        continue; // matches everything, including a missing label
      }
      if (m.matchesEmpty()) {
        subtracting.add(m);
        continue;
      }
      Postings p = Postings.union(valuesPostings(m.name(), m, true));
      if (p.isEmpty()) {
        return Postings.EMPTY;
      }
      its.add(p);
    }
    Postings result = its.isEmpty() ? allPostings() : Postings.intersect(its);
    for (Matcher m : subtracting) {
      if (result.isEmpty()) {
        break;
      }
      // The series to drop are those carrying a value the matcher rejects.
      result = Postings.without(result, Postings.union(valuesPostings(m.name(), m, false)));
    }
    return result;
  }

  /**
   * Sorted distinct values of {@code name} among series matching {@code matchers}, as Prometheus's
   * {@code labelValuesWithMatchers}: matchers on {@code name} itself first filter the values; only
   * if there are matchers on other labels are postings intersected.
   */
  public List<String> labelValues(String name, Matcher... matchers) {
    List<String> values = labelValues(name);
    boolean otherLabels = false;
    for (Matcher m : matchers) {
      if (!m.name().equals(name)) {
        otherLabels = true;
        continue;
      }
      List<String> kept = new ArrayList<>(values.size());
      for (String v : values) {
        if (m.matches(v)) {
          kept.add(v);
        }
      }
      values = kept;
    }
    if (!otherLabels || values.isEmpty()) {
      return List.copyOf(values);
    }
    Postings p = postingsForMatchers(matchers);
    List<String> out = new ArrayList<>();
    for (String v : values) {
      if (p.intersects(postings(name, v))) {
        out.add(v);
      }
    }
    return out;
  }

  /**
   * Sorted distinct label names among series matching {@code matchers} (all names when none),
   * reading each matched series' labels through {@code labelsOf} as Prometheus's {@code
   * LabelNamesFor} does; {@code labelsOf} may return null for a series that has gone.
   */
  public List<String> labelNames(LongFunction<Labels> labelsOf, Matcher... matchers) {
    if (matchers.length == 0) {
      return labelNames();
    }
    Postings p = postingsForMatchers(matchers);
    TreeSet<String> names = new TreeSet<>();
    for (int i = 0; i < p.size(); i++) {
      Labels l = labelsOf.apply(p.get(i));
      if (l != null) {
        for (int k = 0; k < l.size(); k++) {
          names.add(l.name(k));
        }
      }
    }
    return List.copyOf(names);
  }

  /**
   * Postings lists of the values {@code v} of {@code name} with {@code m.matches(v) == want}. Uses
   * the direct lookups Prometheus uses (equality, literal alternations) and a prefix range for
   * regexes with a literal prefix; otherwise scans the values. The value keys are copied under the
   * read lock and matched outside it, so a slow regex never blocks series creation.
   */
  private List<Postings> valuesPostings(String name, Matcher m, boolean want) {
    Matcher.Type type = m.type();
    // A "positive" test: we want exactly the values the (possibly negated) pattern accepts.
    boolean positiveEq =
        (type == Matcher.Type.EQUAL && want) || (type == Matcher.Type.NOT_EQUAL && !want);
    boolean positiveRe =
        (type == Matcher.Type.REGEX && want) || (type == Matcher.Type.NOT_REGEX && !want);
    boolean re = type == Matcher.Type.REGEX || type == Matcher.Type.NOT_REGEX;
    if (!positiveEq && !positiveRe) {
      // We want the values the underlying = or =~ pattern rejects. Stored values are never empty.
      if (m.value().isEmpty()) {
        return allValuesPostings(name); // ="" and =~"" reject every stored value
      }
      if (re && m.value().equals(".+")) {
        return List.of(); // =~".+" accepts every stored value
      }
    }
    List<String> candidates;
    if (positiveEq) {
      candidates = List.of(m.value());
    } else if (positiveRe && m.value().equals(".+")) {
      return allValuesPostings(name);
    } else if (positiveRe && (candidates = RegexShortcuts.literalSet(m.value())) != null) {
      // direct lookups
    } else if (positiveRe) {
      String prefix = RegexShortcuts.literalPrefix(m.value());
      candidates = valueKeys(name, prefix);
    } else {
      candidates = valueKeys(name, "");
    }
    List<String> matched = new ArrayList<>();
    for (String v : candidates) {
      if (!v.isEmpty() && m.matches(v) == want) {
        matched.add(v);
      }
    }
    if (matched.isEmpty()) {
      return List.of();
    }
    List<Postings> out = new ArrayList<>(matched.size());
    lock.readLock().lock();
    try {
      TreeMap<String, PostingsList> values = byName.get(name);
      if (values == null) {
        return List.of();
      }
      for (String v : matched) {
        PostingsList pl = values.get(v);
        if (pl != null && pl.size > 0) {
          out.add(pl.view());
        }
      }
    } finally {
      lock.readLock().unlock();
    }
    return out;
  }

  private List<Postings> allValuesPostings(String name) {
    lock.readLock().lock();
    try {
      TreeMap<String, PostingsList> values = byName.get(name);
      if (values == null) {
        return List.of();
      }
      List<Postings> out = new ArrayList<>(values.size());
      for (PostingsList pl : values.values()) {
        out.add(pl.view());
      }
      return out;
    } finally {
      lock.readLock().unlock();
    }
  }

  /** Values of {@code name} starting with {@code prefix} (all for ""), copied under the lock. */
  private List<String> valueKeys(String name, String prefix) {
    lock.readLock().lock();
    try {
      TreeMap<String, PostingsList> values = byName.get(name);
      if (values == null) {
        return List.of();
      }
      NavigableMap<String, PostingsList> range =
          prefix.isEmpty() ? values : values.tailMap(prefix, true);
      List<String> out = new ArrayList<>();
      for (String v : range.keySet()) {
        if (!v.startsWith(prefix)) {
          break;
        }
        out.add(v);
      }
      return out;
    } finally {
      lock.readLock().unlock();
    }
  }

  /**
   * Heap bytes with compressed oops: maps, tree entries, list objects and their arrays at their
   * capacity, headers and padding included (strings are the symbol table's). The name map's table
   * is taken at the smallest power of two {@code HashMap} would use for its size.
   */
  public long ramBytesUsed() {
    lock.readLock().lock();
    try {
      int names = byName.size();
      int table = 0;
      if (names > 0) {
        table = 16; // HashMap's default; it doubles when more than 3/4 full
        while (table * 3L < names * 4L) {
          table <<= 1;
        }
      }
      long bytes = FIXED_BYTES + ((16 + 4L * table + 7) & ~7L) + all.ramBytesUsed();
      for (TreeMap<String, PostingsList> values : byName.values()) {
        bytes += NAME_BYTES;
        for (PostingsList pl : values.values()) {
          bytes += TREE_ENTRY_BYTES + pl.ramBytesUsed();
        }
      }
      return bytes;
    } finally {
      lock.readLock().unlock();
    }
  }
}
