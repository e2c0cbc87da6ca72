package io.promfed.storage;

import io.promfed.model.labels.Matcher;
import java.io.UncheckedIOException;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeSet;

/**
 * The querier of a {@link MergeQueryable}: a primary querier whose failures propagate and
 * secondaries whose failures ({@link UncheckedIOException}) become {@link #warnings()}. Selects
 * always ask every source for sorted series, which the merge needs. Not thread-safe.
 */
final class MergeQuerier implements Querier {

  private final Querier primary;
  private final List<Querier> secondaries;
  private final Set<String> warnings;

  MergeQuerier(Querier primary, List<Querier> secondaries, List<String> openWarnings) {
    this.primary = primary;
    this.secondaries = secondaries;
    this.warnings = new LinkedHashSet<>(openWarnings);
  }

  @Override
  public SeriesSet select(boolean sorted, Matcher... matchers) {
    if (secondaries.isEmpty()) {
      return primary.select(sorted, matchers);
    }
    List<SeriesSet> sets = new ArrayList<>(secondaries.size() + 1);
    sets.add(primary.select(true, matchers));
    // A remote querier starts its request here and blocks only when first iterated, so every
    // secondary is in flight before the merge waits for any of them.
    for (Querier q : secondaries) {
      try {
        sets.add(new FailSoftSeriesSet(q.select(true, matchers)));
      } catch (UncheckedIOException e) {
        warnings.add(e.getMessage());
      }
    }
    return new MergeSeriesSet(sets);
  }

  @Override
  public List<String> labelValues(String name, Matcher... matchers) {
    Set<String> union = new TreeSet<>(primary.labelValues(name, matchers));
    for (Querier q : secondaries) {
      try {
        union.addAll(q.labelValues(name, matchers));
      } catch (UncheckedIOException e) {
        warnings.add(e.getMessage());
      }
    }
    return new ArrayList<>(union);
  }

  @Override
  public List<String> labelNames(Matcher... matchers) {
    Set<String> union = new TreeSet<>(primary.labelNames(matchers));
    for (Querier q : secondaries) {
      try {
        union.addAll(q.labelNames(matchers));
      } catch (UncheckedIOException e) {
        warnings.add(e.getMessage());
      }
    }
    return new ArrayList<>(union);
  }

  /** The primary's metadata, completed by families only the secondaries know. */
  @Override
  public Map<String, List<MetricMetadata>> metadata(String metric) {
    Map<String, List<MetricMetadata>> out = new LinkedHashMap<>(primary.metadata(metric));
    for (Querier q : secondaries) {
      try {
        q.metadata(metric).forEach(out::putIfAbsent);
      } catch (UncheckedIOException e) {
        warnings.add(e.getMessage());
      }
    }
    return out;
  }

  @Override
  public List<String> warnings() {
    Set<String> all = new LinkedHashSet<>(primary.warnings());
    all.addAll(warnings);
    for (Querier q : secondaries) {
      all.addAll(q.warnings());
    }
    return new ArrayList<>(all);
  }

  @Override
  public void close() {
    try {
      primary.close();
    } finally {
      for (Querier q : secondaries) {
        q.close();
      }
    }
  }

  /** A secondary's series set: failing while iterated ends it and leaves a warning. */
  private final class FailSoftSeriesSet implements SeriesSet {

    private final SeriesSet set;
    private boolean failed;

    FailSoftSeriesSet(SeriesSet set) {
      this.set = set;
    }

    @Override
    public boolean next() {
      if (failed) {
        return false;
      }
      try {
        return set.next();
      } catch (UncheckedIOException e) {
        failed = true;
        warnings.add(e.getMessage());
        return false;
      }
    }

    @Override
    public Series at() {
      return set.at();
    }
  }
}
