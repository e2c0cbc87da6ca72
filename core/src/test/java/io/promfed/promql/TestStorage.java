package io.promfed.promql;

import io.promfed.model.labels.Labels;
import io.promfed.model.labels.Matcher;
import io.promfed.model.value.StaleNaN;
import io.promfed.storage.Appendable;
import io.promfed.storage.Appender;
import io.promfed.storage.MetricMetadata;
import io.promfed.storage.Querier;
import io.promfed.storage.Queryable;
import io.promfed.storage.Series;
import io.promfed.storage.SeriesCursor;
import io.promfed.storage.SeriesSet;
import io.promfed.storage.StorageException;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Iterator;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.TreeSet;

/**
 * A small in-memory store for PromQL tests: a {@link TreeMap} of labels to sample arrays, sorted
 * like Prometheus's storage. Appends are applied on {@link Appender#commit()}; a sample older than
 * the last one of its series is rejected as out of order, like the TSDB head. {@link #snapshot()}
 * returns a read-only view frozen at that moment (arrays are only ever appended to), which lets a
 * script runner evaluate later. Not thread-safe for writers.
 */
final class TestStorage implements Queryable, Appendable {

  /** Samples of one series; immutable view of a prefix of shared, append-only arrays. */
  private record Data(long[] t, double[] v, int size) {
    Data append(long ts, double val) {
      long[] nt = t;
      double[] nv = v;
      if (size == t.length) {
        nt = Arrays.copyOf(t, Math.max(8, size * 2));
        nv = Arrays.copyOf(v, Math.max(8, size * 2));
      }
      nt[size] = ts;
      nv[size] = val;
      return new Data(nt, nv, size + 1);
    }
  }

  private final TreeMap<Labels, Data> series;

  TestStorage() {
    this(new TreeMap<>());
  }

  private TestStorage(TreeMap<Labels, Data> series) {
    this.series = series;
  }

  /** A read-only view of the current data. */
  TestStorage snapshot() {
    return new TestStorage(new TreeMap<>(series));
  }

  void clear() {
    series.clear();
  }

  /** Appends directly, for test setup; out-of-order samples are rejected. */
  void add(Labels labels, long t, double v) throws StorageException {
    Data d = series.get(labels);
    if (d == null) {
      d = new Data(new long[8], new double[8], 0);
    } else if (d.size > 0) {
      long last = d.t[d.size - 1];
      if (t < last) {
        throw StorageException.OUT_OF_ORDER_SAMPLE;
      }
      if (t == last) {
        if (Double.doubleToRawLongBits(d.v[d.size - 1]) != Double.doubleToRawLongBits(v)) {
          throw StorageException.DUPLICATE_SAMPLE_FOR_TIMESTAMP;
        }
        return;
      }
    }
    series.put(labels, d.append(t, v));
  }

  @Override
  public Appender appender() {
    return new Appender() {
      private final List<Object[]> pending = new ArrayList<>();

      @Override
      public long append(long ref, Labels labels, long timestampMs, double value) {
        pending.add(new Object[] {labels, timestampMs, value});
        return 0;
      }

      @Override
      public void updateMetadata(String metricFamilyName, MetricMetadata metadata) {}

      @Override
      public void commit() {
        for (Object[] p : pending) {
          try {
            add((Labels) p[0], (Long) p[1], (Double) p[2]);
          } catch (StorageException e) {
            // Dropped like a rejected sample.
          }
        }
        pending.clear();
      }

      @Override
      public void rollback() {
        pending.clear();
      }
    };
  }

  @Override
  public Querier querier(long mintMs, long maxtMs) {
    TreeMap<Labels, Data> view = new TreeMap<>(series);
    return new Querier() {
      @Override
      public SeriesSet select(boolean sorted, Matcher... matchers) {
        List<Series> out = new ArrayList<>();
        outer:
        for (Map.Entry<Labels, Data> e : view.entrySet()) {
          for (Matcher m : matchers) {
            if (!m.matches(e.getKey())) {
              continue outer;
            }
          }
          Data d = e.getValue();
          int lo = lowerBound(d, mintMs);
          int hi = lowerBound(d, maxtMs + 1);
          if (lo >= hi) {
            continue;
          }
          Labels l = e.getKey();
          out.add(
              new Series() {
                @Override
                public Labels labels() {
                  return l;
                }

                @Override
                public SeriesCursor cursor() {
                  return new Cursor(d, lo, hi);
                }
              });
        }
        Iterator<Series> it = out.iterator();
        return new SeriesSet() {
          private Series cur;

          @Override
          public boolean next() {
            if (!it.hasNext()) {
              return false;
            }
            cur = it.next();
            return true;
          }

          @Override
          public Series at() {
            return cur;
          }
        };
      }

      @Override
      public List<String> labelValues(String name, Matcher... matchers) {
        TreeSet<String> values = new TreeSet<>();
        SeriesSet s = select(true, matchers);
        while (s.next()) {
          String v = s.at().labels().get(name);
          if (v != null) {
            values.add(v);
          }
        }
        return new ArrayList<>(values);
      }

      @Override
      public List<String> labelNames(Matcher... matchers) {
        TreeSet<String> names = new TreeSet<>();
        SeriesSet s = select(true, matchers);
        while (s.next()) {
          s.at().labels().forEach((n, v) -> names.add(n));
        }
        return new ArrayList<>(names);
      }

      @Override
      public Map<String, List<MetricMetadata>> metadata(String metric) {
        return Map.of();
      }

      @Override
      public void close() {}
    };
  }

  private static int lowerBound(Data d, long t) {
    int lo = 0;
    int hi = d.size;
    while (lo < hi) {
      int mid = (lo + hi) >>> 1;
      if (d.t[mid] < t) {
        lo = mid + 1;
      } else {
        hi = mid;
      }
    }
    return lo;
  }

  /** A cursor over samples [lo, hi) of one series. */
  private static final class Cursor implements SeriesCursor {
    private final Data d;
    private final int lo;
    private final int hi;
    private int i;

    Cursor(Data d, int lo, int hi) {
      this.d = d;
      this.lo = lo;
      this.hi = hi;
      this.i = lo - 1;
    }

    @Override
    public boolean next() {
      if (i < hi) {
        i++;
      }
      return i < hi;
    }

    @Override
    public boolean seek(long t) {
      if (i < lo) {
        i = lo;
      }
      while (i < hi && d.t[i] < t) {
        i++;
      }
      return i < hi;
    }

    @Override
    public long atT() {
      return d.t[i];
    }

    @Override
    public double atV() {
      return d.v[i];
    }
  }

  /** Whether a value is the stale marker; handy in tests. */
  static boolean isStale(double v) {
    return StaleNaN.is(v);
  }
}
