package io.promfed.model.labels;

import java.util.Arrays;
import java.util.Map;
import java.util.function.BiConsumer;

/**
 * An immutable label set sorted by label name: the identity of a series.
 *
 * <p>Names and values live in one flat array ({@code name0, value0, name1, value1, …}) so a series
 * costs one array plus shared, interned strings. Empty values are never stored: as in Prometheus,
 * a label with an empty value is the same as no label. Thread-safe (immutable).
 *
 * <p>Build with {@link #of(String...)}, {@link #from(Map)} or a {@link LabelsBuilder}.
 */
public final class Labels implements Comparable<Labels> {

  /** The name of the label holding the metric name. */
  public static final String METRIC_NAME = "__name__";

  public static final Labels EMPTY = new Labels(new String[0]);

  /** Alternating names and values, sorted by name, no duplicate names, no empty values. */
  private final String[] pairs;

  private int hash; // cached; 0 means not computed yet (String-style benign race)

  private Labels(String[] pairs) {
    this.pairs = pairs;
  }

  /** Wraps an array that the caller guarantees is sorted, unique and free of empty values. */
  static Labels wrapSorted(String[] pairs) {
    return pairs.length == 0 ? EMPTY : new Labels(pairs);
  }

  /**
   * Labels from alternating name/value arguments, in any order. Empty values are dropped.
   *
   * @throws IllegalArgumentException on an odd count or a duplicate name
   */
  public static Labels of(String... namesAndValues) {
    if (namesAndValues.length % 2 != 0) {
      throw new IllegalArgumentException("labels need name/value pairs, got an odd count");
    }
    LabelsBuilder b = new LabelsBuilder();
    for (int i = 0; i < namesAndValues.length; i += 2) {
      if (b.get(namesAndValues[i]) != null) {
        throw new IllegalArgumentException("duplicate label name " + namesAndValues[i]);
      }
      b.set(namesAndValues[i], namesAndValues[i + 1]);
    }
    return b.build();
  }

  public static Labels from(Map<String, String> map) {
    LabelsBuilder b = new LabelsBuilder();
    map.forEach(b::set);
    return b.build();
  }

  public int size() {
    return pairs.length >> 1;
  }

  public boolean isEmpty() {
    return pairs.length == 0;
  }

  public String name(int i) {
    return pairs[i << 1];
  }

  public String value(int i) {
    return pairs[(i << 1) + 1];
  }

  /** The value of {@code name}, or {@code null} when absent. Binary search: labels are sorted. */
  public String get(String name) {
    int lo = 0;
    int hi = size() - 1;
    while (lo <= hi) {
      int mid = (lo + hi) >>> 1;
      int c = pairs[mid << 1].compareTo(name);
      if (c == 0) {
        return pairs[(mid << 1) + 1];
      } else if (c < 0) {
        lo = mid + 1;
      } else {
        hi = mid - 1;
      }
    }
    return null;
  }

  /** The value of {@code name}, or {@code ""} when absent (Prometheus's {@code Labels.Get}). */
  public String getOrEmpty(String name) {
    String v = get(name);
    return v == null ? "" : v;
  }

  public boolean has(String name) {
    return get(name) != null;
  }

  /** The metric name, or {@code null} for a nameless series. */
  public String metricName() {
    return get(METRIC_NAME);
  }

  public void forEach(BiConsumer<String, String> action) {
    for (int i = 0; i < pairs.length; i += 2) {
      action.accept(pairs[i], pairs[i + 1]);
    }
  }

  public LabelsBuilder toBuilder() {
    return new LabelsBuilder(this);
  }

  /** A copy without the metric name; what aggregations and most functions produce. */
  public Labels withoutMetricName() {
    return has(METRIC_NAME) ? toBuilder().delete(METRIC_NAME).build() : this;
  }

  /** Copies the pairs into {@code dst}, which must hold {@code 2 * size()} entries. */
  public void copyPairsTo(String[] dst) {
    System.arraycopy(pairs, 0, dst, 0, pairs.length);
  }

  /**
   * A 64-bit hash of the label set, stable across runs (it depends only on the characters), used
   * to find series. Collisions are possible and must be resolved with {@link #equals}.
   */
  public long hash64() {
    long h = 0xcbf29ce484222325L; // FNV-1a offset basis
    for (String s : pairs) {
      for (int i = 0, n = s.length(); i < n; i++) {
        h ^= s.charAt(i);
        h *= 0x100000001b3L;
      }
      h ^= 0xff; // separator: a char value never produced by a UTF-16 unit sequence alone
      h *= 0x100000001b3L;
    }
    return h;
  }

  @Override
  public int hashCode() {
    int h = hash;
    if (h == 0) {
      h = hashCodeOf(hash64());
      hash = h;
    }
    return h;
  }

  /**
   * The {@link #hashCode} of labels whose {@link #hash64} is {@code hash64}: a map keyed by the
   * 64-bit hash can compare the cached 32-bit one without touching the labels' strings.
   */
  public static int hashCodeOf(long hash64) {
    return (int) (hash64 ^ (hash64 >>> 32));
  }

  @Override
  public boolean equals(Object o) {
    if (this == o) {
      return true;
    }
    if (!(o instanceof Labels other)) {
      return false;
    }
    return hashCode() == other.hashCode() && Arrays.equals(pairs, other.pairs);
  }

  /** Prometheus's {@code labels.Compare}: pairwise by name, then value; shorter set first. */
  @Override
  public int compareTo(Labels o) {
    int n = Math.min(pairs.length, o.pairs.length);
    for (int i = 0; i < n; i++) {
      // The head interns label strings: equal names and values are mostly the same instance, and
      // sorting a metric's series (select, /federate) compares their shared prefixes again and
      // again. String.compareTo has no such shortcut.
      if (pairs[i] != o.pairs[i]) {
        int c = pairs[i].compareTo(o.pairs[i]);
        if (c != 0) {
          return c;
        }
      }
    }
    return Integer.compare(pairs.length, o.pairs.length);
  }

  /** Prometheus's string form: {@code {a="1", b="2"}} with Go-style escaping of values. */
  @Override
  public String toString() {
    StringBuilder sb = new StringBuilder(pairs.length * 8 + 2).append('{');
    for (int i = 0; i < pairs.length; i += 2) {
      if (i > 0) {
        sb.append(", ");
      }
      sb.append(pairs[i]).append("=\"");
      appendEscaped(sb, pairs[i + 1]);
      sb.append('"');
    }
    return sb.append('}').toString();
  }

  static void appendEscaped(StringBuilder sb, String v) {
    for (int i = 0; i < v.length(); i++) {
      char c = v.charAt(i);
      switch (c) {
        case '\\' -> sb.append("\\\\");
        case '"' -> sb.append("\\\"");
        case '\n' -> sb.append("\\n");
        default -> sb.append(c);
      }
    }
  }
}

