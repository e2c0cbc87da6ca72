package io.promfed.storage;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.promfed.model.labels.Labels;
import io.promfed.model.labels.Matcher;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.SplittableRandom;
import java.util.TreeMap;
import org.junit.jupiter.api.Test;

class MergeQueryableTest {

  /** An in-memory store: series with (t, v) pairs, filtered by matchers and the querier range. */
  record Store(Map<Labels, double[][]> data) implements Queryable {

    @Override
    public Querier querier(long mintMs, long maxtMs) {
      return new Querier() {
        @Override
        public SeriesSet select(boolean sorted, Matcher... matchers) {
          List<Series> out = new ArrayList<>();
          new TreeMap<>(data)
              .forEach(
                  (labels, samples) -> {
                    for (Matcher m : matchers) {
                      if (!m.matches(labels)) {
                        return;
                      }
                    }
                    List<double[]> in = new ArrayList<>();
                    for (double[] s : samples) {
                      if (s[0] >= mintMs && s[0] <= maxtMs) {
                        in.add(s);
                      }
                    }
                    out.add(series(labels, in.toArray(new double[0][])));
                  });
          return setOf(out);
        }

        @Override
        public List<String> labelValues(String name, Matcher... matchers) {
          return data.keySet().stream().map(l -> l.get(name)).filter(v -> v != null).sorted()
              .distinct().toList();
        }

        @Override
        public List<String> labelNames(Matcher... matchers) {
          List<String> names = new ArrayList<>();
          data.keySet().forEach(l -> l.forEach((n, v) -> names.add(n)));
          return names.stream().sorted().distinct().toList();
        }

        @Override
        public Map<String, List<MetricMetadata>> metadata(String metric) {
          return Map.of();
        }

        @Override
        public void close() {}
      };
    }
  }

  static Series series(Labels labels, double[][] samples) {
    return new Series() {
      @Override
      public Labels labels() {
        return labels;
      }

      @Override
      public SeriesCursor cursor() {
        return new SeriesCursor() {
          int i = -1;

          @Override
          public boolean next() {
            return ++i < samples.length;
          }

          @Override
          public boolean seek(long t) {
            if (i < 0) {
              i = 0;
            }
            while (i < samples.length && samples[i][0] < t) {
              i++;
            }
            return i < samples.length;
          }

          @Override
          public long atT() {
            return (long) samples[i][0];
          }

          @Override
          public double atV() {
            return samples[i][1];
          }
        };
      }
    };
  }

  static SeriesSet setOf(List<Series> list) {
    return new SeriesSet() {
      int i = -1;

      @Override
      public boolean next() {
        return ++i < list.size();
      }

      @Override
      public Series at() {
        return list.get(i);
      }
    };
  }

  static final Labels A = Labels.of("__name__", "m", "job", "a");
  static final Labels B = Labels.of("__name__", "m", "job", "b");
  static final Labels C = Labels.of("__name__", "m", "job", "c");

  static Queryable dead(String message) {
    return (mint, maxt) -> {
      throw new UncheckedIOException(message, new IOException(message));
    };
  }

  /** Opens fine, fails when its series are first iterated, like a remote read in flight. */
  static Queryable failsLazily(String message) {
    return (mint, maxt) -> new LazilyFailingQuerier(message);
  }

  record LazilyFailingQuerier(String message) implements Querier {

    UncheckedIOException failure() {
      return new UncheckedIOException(message, new IOException(message));
    }

    @Override
    public SeriesSet select(boolean sorted, Matcher... matchers) {
      return new SeriesSet() {
        @Override
        public boolean next() {
          throw failure();
        }

        @Override
        public Series at() {
          throw new IllegalStateException();
        }
      };
    }

    @Override
    public List<String> labelValues(String name, Matcher... matchers) {
      throw failure();
    }

    @Override
    public List<String> labelNames(Matcher... matchers) {
      throw failure();
    }

    @Override
    public Map<String, List<MetricMetadata>> metadata(String metric) {
      return Map.of();
    }

    @Override
    public void close() {}
  }

  static List<String> read(Querier q, Matcher... ms) {
    List<String> out = new ArrayList<>();
    SeriesSet set = q.select(false, ms);
    while (set.next()) {
      StringBuilder sb = new StringBuilder(set.at().labels().get("job"));
      SeriesCursor c = set.at().cursor();
      while (c.next()) {
        sb.append(' ').append(c.atT()).append('=').append(c.atV());
      }
      out.add(sb.toString());
    }
    return out;
  }

  static final Matcher M = Matcher.equal("__name__", "m");

  @Test
  void overlappingSeriesMergeIntoOneWithSamplesDeduplicatedByTimestamp() {
    Store local = new Store(Map.of(A, new double[][] {{10, 1}, {30, 3}}));
    Store remote = new Store(Map.of(A, new double[][] {{10, 99}, {20, 2}, {30, 99}, {40, 4}}));
    try (Querier q = new MergeQueryable(local, List.of(remote)).querier(0, 100)) {
      // The primary's sample wins a tie.
      assertThat(read(q, M)).containsExactly("a 10=1.0 20=2.0 30=3.0 40=4.0");
      assertThat(q.warnings()).isEmpty();
    }
  }

  @Test
  void disjointSeriesComeOutSortedFromAllSources() {
    Store local = new Store(Map.of(B, new double[][] {{1, 1}}));
    Store r1 = new Store(Map.of(C, new double[][] {{1, 3}}));
    Store r2 = new Store(Map.of(A, new double[][] {{1, 2}}, C, new double[][] {{2, 4}}));
    try (Querier q = new MergeQueryable(local, List.of(r1, r2)).querier(0, 100)) {
      assertThat(read(q, M)).containsExactly("a 1=2.0", "b 1=1.0", "c 1=3.0 2=4.0");
      assertThat(q.labelValues("job")).containsExactly("a", "b", "c");
    }
  }

  @Test
  void aDeadSecondaryIsAWarningAndTheOthersStillAnswer() {
    Store local = new Store(Map.of(A, new double[][] {{1, 1}}));
    Store alive = new Store(Map.of(B, new double[][] {{1, 2}}));
    Queryable merged =
        new MergeQueryable(
            local,
            List.of(
                dead("remote read from http://x/api/v1/read failed: connection refused"),
                alive,
                failsLazily("remote read from http://y/api/v1/read failed: timeout")));
    try (Querier q = merged.querier(0, 100)) {
      assertThat(read(q, M)).containsExactly("a 1=1.0", "b 1=2.0");
      assertThat(q.labelValues("job")).containsExactly("a", "b");
      assertThat(q.warnings())
          .containsExactly(
              "remote read from http://x/api/v1/read failed: connection refused",
              "remote read from http://y/api/v1/read failed: timeout");
    }
  }

  @Test
  void aFailingPrimaryFailsTheRead() {
    Queryable merged =
        new MergeQueryable(
            failsLazily("local store broken"), List.of(new Store(Map.of(A, new double[][] {}))));
    try (Querier q = merged.querier(0, 100)) {
      assertThatThrownBy(() -> read(q, M))
          .isInstanceOf(UncheckedIOException.class)
          .hasMessage("local store broken");
    }
    assertThatThrownBy(() -> new MergeQueryable(dead("gone"), List.of()).querier(0, 1))
        .hasMessage("gone");
  }

  @Test
  void withoutSecondariesThePrimaryQuerierIsUsedAsIs() {
    Store local = new Store(Map.of(A, new double[][] {{1, 1}}));
    try (Querier q = new MergeQueryable(local, List.of()).querier(0, 100)) {
      assertThat(q).isNotInstanceOf(MergeQuerier.class);
    }
  }

  @Test
  void chainedCursorMatchesATreeMapModel() {
    long seed = System.nanoTime();
    SplittableRandom rnd = new SplittableRandom(seed);
    for (int round = 0; round < 500; round++) {
      int n = 1 + rnd.nextInt(4);
      SeriesCursor[] cursors = new SeriesCursor[n];
      TreeMap<Long, Double> model = new TreeMap<>();
      for (int i = 0; i < n; i++) {
        List<double[]> samples = new ArrayList<>();
        long t = rnd.nextInt(5);
        for (int k = rnd.nextInt(8); k > 0; k--) {
          double v = i * 1000 + t;
          samples.add(new double[] {t, v});
          model.putIfAbsent(t, v); // the earliest source wins a tie
          t += 1 + rnd.nextInt(3);
        }
        cursors[i] = series(A, samples.toArray(new double[0][])).cursor();
      }
      ChainedSeriesCursor c = new ChainedSeriesCursor(cursors);
      // Interleave next() and seek() and compare with the model.
      Long expect = null;
      boolean first = true;
      while (true) {
        boolean useSeek = rnd.nextInt(3) == 0;
        boolean has;
        if (useSeek) {
          long target = (first ? 0 : c.atT()) + rnd.nextInt(4);
          Long k = model.ceilingKey(target);
          if (!first && expect != null && expect >= target) {
            k = expect;
          }
          expect = k;
          has = c.seek(target);
        } else {
          expect = first ? (model.isEmpty() ? null : model.firstKey()) : model.higherKey(expect);
          has = c.next();
        }
        first = false;
        assertThat(has).as("seed %d round %d", seed, round).isEqualTo(expect != null);
        if (!has) {
          break;
        }
        assertThat(c.atT()).as("seed %d round %d", seed, round).isEqualTo(expect);
        assertThat(c.atV()).as("seed %d round %d", seed, round).isEqualTo(model.get(expect));
      }
    }
  }
}
