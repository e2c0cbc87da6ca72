package io.promfed.tsdb;

import io.promfed.model.labels.Matcher;
import io.promfed.storage.MetricMetadata;
import io.promfed.storage.Querier;
import io.promfed.storage.Series;
import io.promfed.storage.SeriesSet;
import io.promfed.tsdb.index.Postings;
import java.util.Arrays;
import java.util.Comparator;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;

/**
 * A read view of a {@link Head} over {@code [mintMs, maxtMs]} with the isolation state taken when
 * it was opened (Prometheus's head querier, tsdb/head_read.go with tsdb/querier.go).
 *
 * <p>{@link #select} resolves matchers through the postings, then takes each series' snapshot
 * lazily as the set is iterated; series with no visible sample in range are skipped. Label names
 * and values come from the index, as Prometheus's head index reader gives them (they include series
 * whose samples are outside the range or not yet committed). Metadata is read live.
 *
 * <p>Not thread-safe. Must be closed; closing twice is harmless. Series and cursors obtained from
 * it stay readable after it is closed.
 */
final class HeadQuerier implements Querier {

  private static final Comparator<MemSeries> BY_LABELS = (a, b) -> a.labels.compareTo(b.labels);

  private final Head head;
  private final Isolation.ReadState state;
  private final long mintMs;
  private final long maxtMs;
  private boolean closed;

  HeadQuerier(Head head, Isolation.ReadState state, long mintMs, long maxtMs) {
    this.head = head;
    this.state = state;
    this.mintMs = mintMs;
    this.maxtMs = maxtMs;
  }

  @Override
  public SeriesSet select(boolean sorted, Matcher... matchers) {
    ensureOpen();
    if (mintMs > maxtMs) {
      return SeriesSet.EMPTY;
    }
    Postings p = head.postings.postingsForMatchers(matchers);
    MemSeries[] found = new MemSeries[p.size()];
    int n = 0;
    for (int i = 0; i < p.size(); i++) {
      MemSeries s = head.seriesByRef(p.get(i));
      if (s != null) {
        found[n++] = s;
      }
    }
    MemSeries[] list = n == found.length ? found : Arrays.copyOf(found, n);
    if (sorted) {
      Arrays.sort(list, BY_LABELS);
    }
    return new SeriesSet() {
      private int i = -1;
      private Series current;

      @Override
      public boolean next() {
        while (++i < list.length) {
          MemSeries s = list[i];
          list[i] = null; // let the GC have removed series as soon as we pass them
          HeadSeries hs;
          synchronized (s) {
            hs = s.snapshot(state, mintMs, maxtMs, head.chunkFiles());
          }
          if (hs != null && (hs.latestKnown() || hs.cursor().next())) {
            current = hs;
            return true;
          }
        }
        current = null;
        return false;
      }

      @Override
      public Series at() {
        if (current == null) {
          throw new IllegalStateException("no current series");
        }
        return current;
      }
    };
  }

  @Override
  public List<String> labelValues(String name, Matcher... matchers) {
    ensureOpen();
    return head.postings.labelValues(name, matchers);
  }

  @Override
  public List<String> labelNames(Matcher... matchers) {
    ensureOpen();
    return head.postings.labelNames(head::labelsOf, matchers);
  }

  @Override
  public Map<String, List<MetricMetadata>> metadata(String metric) {
    ensureOpen();
    Map<String, List<MetricMetadata>> out = new TreeMap<>();
    if (metric == null) {
      out.putAll(head.metadata);
    } else {
      List<MetricMetadata> md = head.metadata.get(metric);
      if (md != null) {
        out.put(metric, md);
      }
    }
    return out;
  }

  @Override
  public void close() {
    if (!closed) {
      closed = true;
      head.isolation.endRead(state);
    }
  }

  private void ensureOpen() {
    if (closed) {
      throw new IllegalStateException("querier is closed");
    }
  }
}
