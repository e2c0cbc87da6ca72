package io.promfed.promql;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.promfed.model.labels.Labels;
import io.promfed.model.labels.Matcher;
import io.promfed.promql.parser.ValueType;
import io.promfed.storage.MetricMetadata;
import io.promfed.storage.Querier;
import io.promfed.storage.Queryable;
import io.promfed.storage.Series;
import io.promfed.storage.SeriesCursor;
import io.promfed.storage.SeriesSet;
import io.promfed.storage.StorageException;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.atomic.AtomicBoolean;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/** The engine's API: result shapes, errors and their types, limits, timeouts, cancellation. */
class EngineTest {

  private static final long MIN = 60_000;

  private TestStorage storage;
  private Engine engine;

  @BeforeEach
  void setUp() throws StorageException {
    storage = new TestStorage();
    for (int i = 0; i < 10; i++) {
      Labels l = Labels.of("__name__", "x_total", "i", Integer.toString(i));
      for (int t = 0; t <= 20; t++) {
        storage.add(l, t * MIN, t * (i + 1));
      }
    }
    engine = new Engine(EngineOptions.defaults());
  }

  @Test
  void instantVectorHasEvaluationTimestampAndStorageOrder() {
    Result r = engine.instantQuery(storage, "x_total{i=~\"1|2\"} offset 1m", 5 * MIN + 30_000);
    Vector v = (Vector) r.value();
    assertThat(v.size()).isEqualTo(2);
    assertThat(v.labels(0)).isEqualTo(Labels.of("__name__", "x_total", "i", "1"));
    assertThat(v.value(0)).isEqualTo(8); // sample at 4m, value 4 * 2
    assertThat(v.timestampMs(0)).isEqualTo(5 * MIN + 30_000);
    assertThat(r.warnings()).isEmpty();
    assertThat(r.infos()).isEmpty();
  }

  @Test
  void resultTypes() {
    assertThat(engine.instantQuery(storage, "1 + 2", 1000).value()).isEqualTo(new Scalar(1000, 3));
    assertThat(engine.instantQuery(storage, "\"hello\"", 1000).value())
        .isEqualTo(new StringValue(1000, "hello"));
    Value m = engine.instantQuery(storage, "x_total{i=\"0\"}[2m]", 10 * MIN).value();
    assertThat(m.type()).isEqualTo(ValueType.MATRIX);
    Series0 s = Series0.of(((Matrix) m).get(0));
    assertThat(s.timestamps).containsExactly(9 * MIN, 10 * MIN);
    assertThat(s.values).containsExactly(9.0, 10.0);
  }

  @Test
  void rangeQueryIsSortedByLabels() {
    Result r = engine.rangeQuery(storage, "sort_desc(x_total)", 0, 2 * MIN, MIN);
    Matrix m = (Matrix) r.value();
    assertThat(m.size()).isEqualTo(10);
    for (int i = 0; i + 1 < m.size(); i++) {
      assertThat(m.get(i).labels().compareTo(m.get(i + 1).labels())).isNegative();
    }
    assertThat(m.get(0).timestamps()).containsExactly(0, MIN, 2 * MIN);
    assertThat(r.warnings())
        .containsExactly(
            "PromQL warning: sort is ineffective for range queries since results are always"
                + " ordered by labels (1:1)");
  }

  @Test
  void rangeQueryOfScalar() {
    Matrix m = (Matrix) engine.rangeQuery(storage, "time()", 0, 2 * MIN, MIN).value();
    assertThat(m.size()).isEqualTo(1);
    assertThat(m.get(0).labels()).isEqualTo(Labels.EMPTY);
    assertThat(m.get(0).values()).containsExactly(0, 60, 120);
  }

  @Test
  void parseErrorsAreBadData() {
    assertThatThrownBy(() -> engine.instantQuery(storage, "sum(x", 0))
        .isInstanceOfSatisfying(
            PromQLException.class, e -> assertThat(e.errorType()).isEqualTo(ErrorType.BAD_DATA))
        .hasMessage("1:6: parse error: unclosed left parenthesis");
    assertThatThrownBy(() -> engine.rangeQuery(storage, "x_total[5m]", 0, MIN, MIN))
        .isInstanceOfSatisfying(
            PromQLException.class, e -> assertThat(e.errorType()).isEqualTo(ErrorType.BAD_DATA))
        .hasMessage(
            "invalid expression type \"range vector\" for range query, must be Scalar or instant"
                + " Vector");
    assertThatThrownBy(() -> engine.rangeQuery(storage, "x_total", 0, MIN, 0))
        .isInstanceOf(PromQLException.class);
    assertThatThrownBy(() -> engine.rangeQuery(storage, "x_total", MIN, 0, MIN))
        .hasMessage("end timestamp must not be before start time");
  }

  @Test
  void executionErrors() {
    assertThatThrownBy(() -> engine.instantQuery(storage, "x_total * on() x_total", 0))
        .isInstanceOfSatisfying(
            PromQLException.class, e -> assertThat(e.errorType()).isEqualTo(ErrorType.EXECUTION))
        .hasMessageStartingWith("found duplicate series for the match group {} on the right");
    assertThatThrownBy(
            () ->
                engine.instantQuery(
                    storage,
                    "rate(x_total[5m]) or label_replace(rate(x_total[5m]), \"i\", \"0\", \"\","
                        + " \"\")",
                    10 * MIN))
        .hasMessage("vector cannot contain metrics with the same labelset");
  }

  @Test
  void tooManySamples() {
    Engine small = new Engine(EngineOptions.defaults().withMaxSamples(5));
    assertThatThrownBy(() -> small.instantQuery(storage, "x_total", 10 * MIN))
        .isInstanceOfSatisfying(
            PromQLException.class, e -> assertThat(e.errorType()).isEqualTo(ErrorType.EXECUTION))
        .hasMessage("query processing would load too many samples into memory in query execution");
    // Ten samples in memory at once are fine for a limit of ten.
    Engine ten = new Engine(EngineOptions.defaults().withMaxSamples(10));
    assertThat(((Vector) ten.instantQuery(storage, "x_total", 10 * MIN).value()).size())
        .isEqualTo(10);
    assertThatThrownBy(() -> ten.instantQuery(storage, "sum_over_time(x_total[2m])", 10 * MIN))
        .hasMessageContaining("too many samples");
  }

  @Test
  void timeout() {
    Engine quick = new Engine(EngineOptions.defaults().withTimeout(Duration.ofNanos(1)));
    assertThatThrownBy(() -> quick.instantQuery(storage, "sum(rate(x_total[5m]))", 10 * MIN))
        .isInstanceOfSatisfying(
            PromQLException.class, e -> assertThat(e.errorType()).isEqualTo(ErrorType.TIMEOUT))
        .hasMessage("query timed out in expression evaluation");
  }

  @Test
  void cancelBeforeAndDuringExecution() {
    Query q = engine.newInstantQuery(storage, "x_total", 10 * MIN);
    q.cancel();
    assertThatThrownBy(q::exec)
        .isInstanceOfSatisfying(
            PromQLException.class, e -> assertThat(e.errorType()).isEqualTo(ErrorType.CANCELED))
        .hasMessage("query was canceled in query execution");

    // Cancel from inside the storage while the query reads series.
    Query[] holder = new Query[1];
    Queryable canceling = wrap(storage, () -> holder[0].cancel());
    holder[0] = engine.newRangeQuery(canceling, "sum(x_total)", 0, 20 * MIN, MIN);
    assertThatThrownBy(holder[0]::exec)
        .isInstanceOfSatisfying(
            PromQLException.class, e -> assertThat(e.errorType()).isEqualTo(ErrorType.CANCELED))
        .hasMessage("query was canceled in expression evaluation");
  }

  @Test
  void lookbackDeltaOption() {
    Engine shortLookback =
        new Engine(EngineOptions.defaults().withLookbackDelta(Duration.ofSeconds(90)));
    assertThat(((Vector) shortLookback.instantQuery(storage, "x_total", 21 * MIN).value()).size())
        .isEqualTo(10);
    assertThat(
            ((Vector) shortLookback.instantQuery(storage, "x_total", 21 * MIN + 30_000).value())
                .size())
        .isZero();
    assertThat(((Vector) engine.instantQuery(storage, "x_total", 24 * MIN).value()).size())
        .isEqualTo(10);
  }

  @Test
  void querierCoversExactlyTheNeededRange() {
    List<long[]> ranges = new ArrayList<>();
    AtomicBoolean closed = new AtomicBoolean();
    Queryable recording =
        (mint, maxt) -> {
          ranges.add(new long[] {mint, maxt});
          Querier q = storage.querier(mint, maxt);
          return new DelegatingQuerier(q) {
            @Override
            public void close() {
              closed.set(true);
              super.close();
            }
          };
        };
    engine.instantQuery(recording, "rate(x_total[5m] offset 1m)", 10 * MIN);
    assertThat(ranges.get(0)).containsExactly(4 * MIN + 1, 9 * MIN);
    assertThat(closed).isTrue();
    ranges.clear();
    engine.rangeQuery(recording, "x_total", 10 * MIN, 12 * MIN, MIN);
    assertThat(ranges.get(0)).containsExactly(5 * MIN + 1, 12 * MIN);
    ranges.clear();
    engine.instantQuery(recording, "max_over_time(x_total[10m:1m] @ 300)", 10 * MIN);
    assertThat(ranges.get(0)).containsExactly(-10 * MIN - 5 * MIN + 5 * MIN + 1, 5 * MIN);
    ranges.clear();
    engine.instantQuery(recording, "1 + 1", 10 * MIN);
    assertThat(ranges).isEmpty();
  }

  @Test
  void seriesSetMayReuseItsSeriesObject() {
    // A storage whose SeriesSet returns the same mutable Series object on every next(): the
    // engine takes labels and cursor while at() is valid.
    Queryable reusing =
        (mint, maxt) ->
            new DelegatingQuerier(storage.querier(mint, maxt)) {
              @Override
              public SeriesSet select(boolean sorted, Matcher... matchers) {
                SeriesSet inner = super.select(sorted, matchers);
                MutableSeries shared = new MutableSeries();
                return new SeriesSet() {
                  @Override
                  public boolean next() {
                    if (!inner.next()) {
                      return false;
                    }
                    shared.labels = inner.at().labels();
                    shared.delegate = inner.at();
                    return true;
                  }

                  @Override
                  public Series at() {
                    return shared;
                  }
                };
              }
            };
    Vector v = (Vector) engine.instantQuery(reusing, "rate(x_total[5m])", 10 * MIN).value();
    assertThat(v.size()).isEqualTo(10);
    assertThat(v.value(9)).isEqualTo(10 / 60.0);
  }

  private static final class MutableSeries implements Series {
    Labels labels;
    Series delegate;

    @Override
    public Labels labels() {
      return labels;
    }

    @Override
    public SeriesCursor cursor() {
      return delegate.cursor();
    }
  }

  private record Series0(long[] timestamps, double[] values) {
    static Series0 of(io.promfed.promql.Series s) {
      return new Series0(s.timestamps(), s.values());
    }
  }

  /** A storage that calls {@code hook} whenever a cursor advances. */
  private static Queryable wrap(TestStorage storage, Runnable hook) {
    return (mint, maxt) ->
        new DelegatingQuerier(storage.querier(mint, maxt)) {
          @Override
          public SeriesSet select(boolean sorted, Matcher... matchers) {
            SeriesSet inner = super.select(sorted, matchers);
            return new SeriesSet() {
              @Override
              public boolean next() {
                return inner.next();
              }

              @Override
              public Series at() {
                Series s = inner.at();
                return new Series() {
                  @Override
                  public Labels labels() {
                    return s.labels();
                  }

                  @Override
                  public SeriesCursor cursor() {
                    SeriesCursor c = s.cursor();
                    return new SeriesCursor() {
                      @Override
                      public boolean next() {
                        hook.run();
                        return c.next();
                      }

                      @Override
                      public boolean seek(long t) {
                        hook.run();
                        return c.seek(t);
                      }

                      @Override
                      public long atT() {
                        return c.atT();
                      }

                      @Override
                      public double atV() {
                        return c.atV();
                      }
                    };
                  }
                };
              }
            };
          }
        };
  }

  private static class DelegatingQuerier implements Querier {
    private final Querier q;

    DelegatingQuerier(Querier q) {
      this.q = q;
    }

    @Override
    public SeriesSet select(boolean sorted, Matcher... matchers) {
      return q.select(sorted, matchers);
    }

    @Override
    public List<String> labelValues(String name, Matcher... matchers) {
      return q.labelValues(name, matchers);
    }

    @Override
    public List<String> labelNames(Matcher... matchers) {
      return q.labelNames(matchers);
    }

    @Override
    public Map<String, List<MetricMetadata>> metadata(String metric) {
      return q.metadata(metric);
    }

    @Override
    public void close() {
      q.close();
    }
  }
}
