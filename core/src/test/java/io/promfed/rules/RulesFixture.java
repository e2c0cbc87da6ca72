package io.promfed.rules;

import io.promfed.model.labels.Labels;
import io.promfed.model.labels.Matcher;
import io.promfed.promql.Engine;
import io.promfed.promql.EngineOptions;
import io.promfed.promql.parser.Parser;
import io.promfed.storage.Appender;
import io.promfed.storage.Querier;
import io.promfed.storage.SeriesCursor;
import io.promfed.storage.SeriesSet;
import io.promfed.storage.StorageException;
import io.promfed.tsdb.Head;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.time.ZoneId;
import java.time.ZoneOffset;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.concurrent.AbstractExecutorService;
import java.util.concurrent.Callable;
import java.util.concurrent.Delayed;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.ScheduledFuture;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;

/**
 * Shared test scaffolding: a settable clock, a head driven by it, an engine, the seed's request
 * counters, a manual scheduler, and helpers to read samples back with raw value bits.
 */
final class RulesFixture {

  /** 2023-11-14T22:13:20Z: evaluation time of most tests. */
  static final long T0 = 1_700_000_000_000L;

  /**
   * The scrape interval of the loaded counters. 32s rather than the seed's 15s so that rate() is
   * exact in binary floating point: at T0 the window (T0-5m, T0] holds samples T0-268s … T0-12s,
   * extrapolated by 32s and 12s to exactly 300s, so the factor is (300/256)/300 = 1/256.
   */
  static final long STEP_MS = 32_000;

  static final Labels API_A = series("http_request_total", "job", "api", "instance", "a:80");
  static final Labels API_B = series("http_request_total", "job", "api", "instance", "b:80");
  static final Labels WEB_C = series("http_request_total", "job", "web", "instance", "c:80");

  final MutableClock clock = new MutableClock(T0);
  final Head head = new Head(clock::millis, Duration.ofDays(1));
  final Engine engine = new Engine(EngineOptions.defaults());
  final RuleStats stats = new RuleStats();

  static Labels series(String name, String... pairs) {
    String[] all = new String[pairs.length + 2];
    all[0] = Labels.METRIC_NAME;
    all[1] = name;
    System.arraycopy(pairs, 0, all, 2, pairs.length);
    return Labels.of(all);
  }

  /**
   * The seed's counters at {@link #STEP_MS}, at T0-12s-k*32s: api/a grows 1/s, api/b 2/s, web/c
   * 0.5/s. api runs from T0-12m to T0+12m, web stops at T0 (its last sample is T0-12s).
   */
  void loadRequestCounters() throws StorageException {
    Appender app = head.appender();
    long first = T0 - 12_000 - 22 * STEP_MS;
    for (long t = first; t <= T0 + 12 * 60_000; t += STEP_MS) {
      double secs = (t - first) / 1000.0;
      app.append(0, API_A, t, 1000 + 1.0 * secs);
      app.append(0, API_B, t, 5000 + 2.0 * secs);
      if (t < T0) {
        app.append(0, WEB_C, t, 100 + 0.5 * secs);
      }
    }
    app.commit();
  }

  RuleGroup group(String yamlRules, Duration interval) throws Exception {
    return group("g", yamlRules, interval, "");
  }

  /** A group from rule YAML (the list under {@code rules:}) plus optional group-level YAML. */
  RuleGroup group(String name, String yamlRules, Duration interval, String groupFields)
      throws Exception {
    return new RuleGroup(
        config(name, yamlRules, groupFields), interval, engine, head, head, clock, stats);
  }

  static RuleGroupConfig config(String name, String yamlRules, String groupFields)
      throws Exception {
    String yaml =
        "groups:\n  - name: "
            + name
            + "\n"
            + groupFields.indent(4)
            + "    rules:\n"
            + yamlRules.indent(6);
    return new RuleFileLoader().loadString(yaml, "test.yml").get(0);
  }

  /** One sample as read back: timestamp and raw value bits (stale markers are NaN payloads). */
  record S(long t, long bits) {
    static S of(long t, double v) {
      return new S(t, Double.doubleToRawLongBits(v));
    }

    static S stale(long t) {
      return new S(t, io.promfed.model.value.StaleNaN.BITS);
    }

    @Override
    public String toString() {
      return t
          + "="
          + Double.longBitsToDouble(bits)
          + (bits == io.promfed.model.value.StaleNaN.BITS ? "(stale)" : "");
    }
  }

  /** Every sample of the series matching {@code selector}, e.g. {@code {__name__=~"job:.*"}}. */
  Map<Labels, List<S>> read(String selector) {
    List<Matcher> ms = Parser.parseMetricSelector(selector);
    Map<Labels, List<S>> out = new LinkedHashMap<>();
    try (Querier q = head.querier(Long.MIN_VALUE, Long.MAX_VALUE)) {
      SeriesSet set = q.select(true, ms.toArray(new Matcher[0]));
      while (set.next()) {
        List<S> samples = new ArrayList<>();
        SeriesCursor c = set.at().cursor();
        while (c.next()) {
          samples.add(new S(c.atT(), Double.doubleToRawLongBits(c.atV())));
        }
        out.put(set.at().labels(), samples);
      }
    }
    return out;
  }

  /** A clock tests move by hand. */
  static final class MutableClock extends Clock {
    private final AtomicLong millis;

    MutableClock(long millis) {
      this.millis = new AtomicLong(millis);
    }

    void set(long ms) {
      millis.set(ms);
    }

    void advance(Duration d) {
      millis.addAndGet(d.toMillis());
    }

    @Override
    public long millis() {
      return millis.get();
    }

    @Override
    public Instant instant() {
      return Instant.ofEpochMilli(millis.get());
    }

    @Override
    public ZoneId getZone() {
      return ZoneOffset.UTC;
    }

    @Override
    public Clock withZone(ZoneId zone) {
      return this;
    }
  }

  /**
   * A scheduler that only records what is scheduled; tests run the tasks by hand ({@link
   * Task#run()}) after moving the clock, so no test waits for a tick.
   */
  static final class ManualScheduler extends AbstractExecutorService
      implements ScheduledExecutorService {

    final List<Task> tasks = new ArrayList<>();

    /** A scheduled task: its delay and period as requested, and whether it was canceled. */
    static final class Task implements ScheduledFuture<Object> {
      final Runnable body;
      final long delayMs;
      final long periodMs;
      volatile boolean canceled;
      volatile boolean ran;

      Task(Runnable body, long delayMs, long periodMs) {
        this.body = body;
        this.delayMs = delayMs;
        this.periodMs = periodMs;
      }

      void run() {
        if (canceled) {
          throw new IllegalStateException("task was canceled");
        }
        body.run();
        ran = true;
      }

      @Override
      public long getDelay(TimeUnit unit) {
        return unit.convert(delayMs, TimeUnit.MILLISECONDS);
      }

      @Override
      public int compareTo(Delayed o) {
        return Long.compare(delayMs, o.getDelay(TimeUnit.MILLISECONDS));
      }

      @Override
      public boolean cancel(boolean mayInterruptIfRunning) {
        canceled = true;
        return true;
      }

      @Override
      public boolean isCancelled() {
        return canceled;
      }

      @Override
      public boolean isDone() {
        return canceled || (periodMs == 0 && ran);
      }

      @Override
      public Object get() {
        return null;
      }

      @Override
      public Object get(long timeout, TimeUnit unit) {
        return null;
      }
    }

    List<Task> periodic() {
      return tasks.stream().filter(t -> t.periodMs > 0).toList();
    }

    List<Task> oneShot() {
      return tasks.stream().filter(t -> t.periodMs == 0).toList();
    }

    private Task add(Runnable r, long delay, long period, TimeUnit unit) {
      Task t = new Task(Objects.requireNonNull(r), unit.toMillis(delay), unit.toMillis(period));
      tasks.add(t);
      return t;
    }

    @Override
    public ScheduledFuture<?> schedule(Runnable command, long delay, TimeUnit unit) {
      return add(command, delay, 0, unit);
    }

    @Override
    public <V> ScheduledFuture<V> schedule(Callable<V> callable, long delay, TimeUnit unit) {
      throw new UnsupportedOperationException();
    }

    @Override
    public ScheduledFuture<?> scheduleAtFixedRate(
        Runnable command, long initialDelay, long period, TimeUnit unit) {
      return add(command, initialDelay, period, unit);
    }

    @Override
    public ScheduledFuture<?> scheduleWithFixedDelay(
        Runnable command, long initialDelay, long delay, TimeUnit unit) {
      return add(command, initialDelay, delay, unit);
    }

    @Override
    public void execute(Runnable command) {
      command.run();
    }

    @Override
    public void shutdown() {}

    @Override
    public List<Runnable> shutdownNow() {
      return List.of();
    }

    @Override
    public boolean isShutdown() {
      return false;
    }

    @Override
    public boolean isTerminated() {
      return false;
    }

    @Override
    public boolean awaitTermination(long timeout, TimeUnit unit) {
      return true;
    }
  }
}
