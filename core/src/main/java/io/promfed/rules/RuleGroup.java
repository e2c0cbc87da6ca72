package io.promfed.rules;

import io.promfed.model.labels.Labels;
import io.promfed.model.value.StaleNaN;
import io.promfed.promql.Engine;
import io.promfed.storage.Appendable;
import io.promfed.storage.Appender;
import io.promfed.storage.Queryable;
import io.promfed.storage.StorageException;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.ScheduledFuture;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.locks.ReentrantLock;

/**
 * A group of recording rules evaluated in order at one interval (prometheus/prometheus
 * rules/group.go, {@code Group}).
 *
 * <p><b>One evaluation</b> ({@link #eval(long)}, upstream's {@code Group.Eval}) runs each rule as
 * an instant query at {@code timestamp - query_offset}. Each rule's output is appended through its
 * <em>own</em> appender and committed before the next rule runs, exactly as upstream does: that
 * commit is what lets a later rule of the same group read an earlier rule's output of the same
 * evaluation ({@code job:a = …; job:b = job:a * 2} works without a one-interval lag). Readers never
 * see half of one rule's output. Series a rule wrote last time but not this time get a stale marker
 * in the same commit ({@code seriesInPreviousEval}); a failed rule keeps its previous series
 * unmarked, as upstream. A sample the store rejects (out of order, duplicate) marks the rule {@code
 * err} with the store's message; the rest of its output is still committed.
 *
 * <p><b>Scheduling</b> follows upstream's {@code Group.run}: evaluation times are the multiples of
 * the interval shifted by a per-group offset derived from a hash of the group's name and file
 * ({@link #evalTimestamp(long)}), so groups spread over the interval and a group keeps its slots
 * across restarts. A late tick skips the slots it missed (counted in {@link
 * RuleStats#iterationsMissed()}) instead of catching up. The offset differs from Prometheus's for
 * the same group because the label hash differs (FNV-1a here, xxHash upstream).
 *
 * <p>Time is injected: slots come from the {@link Clock}, and tests call {@link #eval(long)}
 * directly instead of waiting for a tick.
 *
 * <p>Thread-safe: evaluations are serialized by a lock (a scheduled tick and a direct {@link
 * #eval(long)} never overlap); status accessors may be called from any thread.
 */
public final class RuleGroup {

  /** Go's zero {@code time.Time}: what the rules API reports before the first evaluation. */
  public static final Instant NEVER = Instant.parse("0001-01-01T00:00:00Z");

  private static final System.Logger LOG = System.getLogger(RuleGroup.class.getName());

  private final RuleGroupConfig config;
  private final Duration interval;
  private final long intervalMs;
  private final Duration queryOffset;
  private final long queryOffsetMs;
  private final List<RecordingRule> rules;
  private final Engine engine;
  private final Queryable queryable;
  private final Appendable appendable;
  private final Clock clock;
  private final RuleStats stats;

  private final ReentrantLock evalLock = new ReentrantLock();
  // Guarded by evalLock. Per rule: the series of its last committed output, with their refs.
  private final List<Map<Labels, Long>> seriesInPreviousEval;
  // Guarded by evalLock. Series of rules deleted by a reload, marked stale after the next eval.
  private List<Labels> staleSeries = new ArrayList<>();

  private volatile Instant lastEvaluation = NEVER;
  private volatile Duration evaluationTime = Duration.ZERO;
  private volatile long lastEvalTimestampMs = Long.MIN_VALUE;
  private volatile boolean stopped;

  // Scheduling state: the future is set by start and read by stop (both under the manager's
  // lock); the slot is advanced by the tick, whose executions never overlap.
  private ScheduledFuture<?> schedule;
  private volatile long scheduledEvalTimestampMs = Long.MIN_VALUE;

  /**
   * @param config the group as loaded from its rule file
   * @param defaultInterval the global {@code evaluation_interval}, used when the group sets none
   * @param engine runs the rule queries
   * @param queryable what the queries read; normally the same store as {@code appendable}, so that
   *     chained rules see each other's output
   * @param appendable where the output goes (the head, or a fan-out that also remote-writes)
   * @param clock wall time: evaluation slots, {@code lastEvaluation}, evaluation durations
   * @param stats counters shared with the manager's other groups
   */
  public RuleGroup(
      RuleGroupConfig config,
      Duration defaultInterval,
      Engine engine,
      Queryable queryable,
      Appendable appendable,
      Clock clock,
      RuleStats stats) {
    this.config = Objects.requireNonNull(config, "config");
    this.interval = config.interval().isZero() ? defaultInterval : config.interval();
    if (interval == null || interval.toMillis() <= 0) {
      throw new IllegalArgumentException("evaluation interval must be at least 1ms: " + interval);
    }
    this.intervalMs = interval.toMillis();
    // Upstream falls back to global.rule_query_offset, which the config loader does not accept.
    this.queryOffset = config.queryOffset() == null ? Duration.ZERO : config.queryOffset();
    this.queryOffsetMs = queryOffset.toMillis();
    List<RecordingRule> rs = new ArrayList<>(config.rules().size());
    List<Map<Labels, Long>> prev = new ArrayList<>(config.rules().size());
    for (RuleConfig rc : config.rules()) {
      rs.add(new RecordingRule(rc));
      prev.add(Map.of());
    }
    this.rules = List.copyOf(rs);
    this.seriesInPreviousEval = prev;
    this.engine = Objects.requireNonNull(engine, "engine");
    this.queryable = Objects.requireNonNull(queryable, "queryable");
    this.appendable = Objects.requireNonNull(appendable, "appendable");
    this.clock = Objects.requireNonNull(clock, "clock");
    this.stats = Objects.requireNonNull(stats, "stats");
  }

  public String name() {
    return config.name();
  }

  public String file() {
    return config.file();
  }

  /** The effective interval: the group's own, or the global evaluation interval. */
  public Duration interval() {
    return interval;
  }

  /** The effective query offset: rules query {@code timestamp - queryOffset}. */
  public Duration queryOffset() {
    return queryOffset;
  }

  /** The series limit per rule; 0 or negative for none. */
  public int limit() {
    return config.limit();
  }

  public RuleGroupConfig config() {
    return config;
  }

  /** The rules in file order. */
  public List<RecordingRule> rules() {
    return rules;
  }

  /** When the last evaluation started (wall clock), or {@link #NEVER}. */
  public Instant lastEvaluation() {
    return lastEvaluation;
  }

  /** How long the last evaluation took. */
  public Duration evaluationTime() {
    return evaluationTime;
  }

  /** The slot (evaluation timestamp) of the last evaluation, or {@link Long#MIN_VALUE}. */
  public long lastEvalTimestampMs() {
    return lastEvalTimestampMs;
  }

  /** This group as the rules API shows it. */
  public RuleGroupStatus status() {
    List<RecordingRuleStatus> rs = new ArrayList<>(rules.size());
    for (RecordingRule r : rules) {
      rs.add(r.status());
    }
    return new RuleGroupStatus(
        name(),
        file(),
        rs,
        RecordingRule.seconds(interval),
        limit(),
        RecordingRule.seconds(evaluationTime),
        lastEvaluation);
  }

  /**
   * The group's identity hash (upstream's {@code Group.hash}: the labels {@code name} and {@code
   * file}), which places its slots within the interval.
   */
  long hash() {
    return Labels.of("name", name(), "file", file()).hash64();
  }

  /**
   * The latest evaluation slot at or before {@code nowMs} (upstream's {@code EvalTimestamp}): slots
   * are {@code k * interval + offset}, with {@code offset = hash % interval}.
   */
  public long evalTimestamp(long nowMs) {
    long offset = Long.remainderUnsigned(hash(), intervalMs);
    // Subtract the offset before aligning so the slot is never in the future, then add it back.
    long adjusted = nowMs - offset;
    long base = adjusted - Math.floorMod(adjusted, intervalMs);
    return base + offset;
  }

  /**
   * One full evaluation at {@code timestampMs} (upstream's {@code DefaultEvalIterationFunc}):
   * evaluates every rule in order, marks vanished series stale, then records the group's {@link
   * #lastEvaluation()} and {@link #evaluationTime()}. Does nothing once the group is stopped.
   */
  public void eval(long timestampMs) {
    evalLock.lock();
    try {
      if (stopped) {
        return;
      }
      stats.iterations.increment();
      Instant start = clock.instant();
      evalRules(timestampMs);
      evaluationTime = Duration.between(start, clock.instant());
      lastEvaluation = start;
      lastEvalTimestampMs = timestampMs;
    } finally {
      evalLock.unlock();
    }
  }

  /** Upstream's {@code Group.Eval}, sequential (no {@code concurrent-rule-eval}). */
  private void evalRules(long timestampMs) {
    long queryTimeMs = timestampMs - queryOffsetMs;
    for (int i = 0; i < rules.size(); i++) {
      if (stopped) {
        return; // upstream checks g.done between rules
      }
      RecordingRule rule = rules.get(i);
      Instant start = clock.instant();
      try {
        evalRule(i, rule, queryTimeMs);
      } catch (RuntimeException e) {
        // A bug or an appender failing in an unexpected way: the group must go on with the next
        // rule and the next tick. Counted, and logged once per distinct message.
        stats.evaluationFailures.increment();
        fail(rule, "unexpected error: " + e, e);
      } finally {
        rule.setEvaluation(start, Duration.between(start, clock.instant()));
      }
    }
    cleanupStaleSeries(queryTimeMs);
  }

  private void evalRule(int i, RecordingRule rule, long queryTimeMs) {
    stats.evaluations.increment();
    RecordingRule.Output out;
    try {
      out = rule.eval(engine, queryable, queryTimeMs, config.limit());
    } catch (RecordingRule.EvalException e) {
      stats.evaluationFailures.increment();
      fail(rule, e.getMessage(), null);
      return; // no stale markers: a failed rule's series are not known to be gone
    }
    rule.setHealth(RuleHealth.OK, null);

    Map<Labels, Long> previous = seriesInPreviousEval.get(i);
    Map<Labels, Long> returned = new HashMap<>(Math.max(16, previous.size() * 2));
    Appender app = appendable.appender();
    boolean done = false;
    try {
      String appendError = null;
      for (int j = 0; j < out.size(); j++) {
        Labels l = out.labels[j];
        Long ref = previous.get(l);
        try {
          long r = app.append(ref == null ? 0 : ref, l, out.timestampMs, out.values[j]);
          returned.put(l, r);
        } catch (StorageException e) {
          // Upstream sets the rule's health per failed sample and keeps appending the rest.
          appendError = e.getMessage();
        }
      }
      for (Map.Entry<Labels, Long> e : previous.entrySet()) {
        if (!returned.containsKey(e.getKey())) {
          try {
            app.append(e.getValue(), e.getKey(), out.timestampMs, StaleNaN.VALUE);
          } catch (StorageException ignored) {
            // Out of order or duplicate is expected when another rule now writes the series.
          }
        }
      }
      app.commit();
      done = true;
      seriesInPreviousEval.set(i, returned);
      stats.samplesAppended.add(returned.size());
      if (appendError != null) {
        fail(rule, appendError, null);
      }
    } finally {
      if (!done) {
        rollbackQuietly(app);
      }
    }
  }

  private void fail(RecordingRule rule, String message, Throwable cause) {
    String previous = rule.lastError();
    rule.setHealth(RuleHealth.ERR, message);
    // Upstream logs every failed evaluation; once per distinct error keeps a broken rule from
    // flooding the log at every tick while still reporting each new problem.
    if (!message.equals(previous)) {
      LOG.log(
          System.Logger.Level.WARNING,
          "Evaluating rule failed: group " + name() + " (" + file() + "), " + rule + ": " + message,
          cause);
    }
  }

  private static void rollbackQuietly(Appender app) {
    try {
      app.rollback();
    } catch (RuntimeException e) {
      LOG.log(System.Logger.Level.WARNING, "rolling back a rule appender failed", e);
    }
  }

  /** Upstream's {@code cleanupStaleSeries}: stale markers for series of rules a reload deleted. */
  private void cleanupStaleSeries(long timestampMs) {
    if (staleSeries.isEmpty()) {
      return;
    }
    if (appendStale(staleSeries, timestampMs)) {
      staleSeries = new ArrayList<>();
    }
  }

  private boolean appendStale(List<Labels> series, long timestampMs) {
    Appender app = appendable.appender();
    try {
      for (Labels l : series) {
        try {
          app.append(0, l, timestampMs, StaleNaN.VALUE);
        } catch (StorageException ignored) {
          // Expected when the series is now written by another rule or group.
        }
      }
      app.commit();
      return true;
    } catch (RuntimeException e) {
      rollbackQuietly(app);
      LOG.log(
          System.Logger.Level.WARNING, "Stale sample appending for group " + name() + " failed", e);
      return false;
    }
  }

  // ---- lifecycle, driven by RuleManager ---------------------------------------------------

  /**
   * Schedules evaluations on {@code executor} (upstream's {@code Group.run}): the first at the
   * first slot after one full interval from now, then one per interval.
   */
  void start(ScheduledExecutorService executor) {
    long now = clock.millis();
    long first = evalTimestamp(now) + intervalMs;
    scheduledEvalTimestampMs = Long.MIN_VALUE;
    long firstSlot = first;
    schedule =
        executor.scheduleAtFixedRate(
            () -> tick(firstSlot), first - now, intervalMs, TimeUnit.MILLISECONDS);
  }

  /** One scheduled evaluation; never throws, so the executor keeps scheduling it. */
  void tick(long firstSlotMs) {
    try {
      if (stopped) {
        return;
      }
      long ts;
      if (scheduledEvalTimestampMs == Long.MIN_VALUE) {
        ts = firstSlotMs;
      } else {
        // Upstream: missed = since(evalTimestamp)/interval - 1. Clamped at 0 so that a tick
        // arriving a little early (clock and scheduler disagree) cannot repeat a slot.
        long missed = Math.max(0, (clock.millis() - scheduledEvalTimestampMs) / intervalMs - 1);
        if (missed > 0) {
          stats.iterationsMissed.add(missed);
          stats.iterations.add(missed);
        }
        ts = scheduledEvalTimestampMs + (missed + 1) * intervalMs;
      }
      scheduledEvalTimestampMs = ts;
      eval(ts);
    } catch (RuntimeException | Error e) {
      LOG.log(System.Logger.Level.ERROR, "rule group " + name() + " (" + file() + ") failed", e);
      if (e instanceof Error err) {
        throw err;
      }
    }
  }

  /**
   * Stops scheduling and waits for an evaluation in flight to finish (upstream's {@code
   * Group.stop}), so that state copied afterwards is complete.
   */
  void stop() {
    stopped = true;
    if (schedule != null) {
      schedule.cancel(false);
    }
    evalLock.lock(); // waits for a running evaluation; it stops before its next rule
    evalLock.unlock();
  }

  boolean isStopped() {
    return stopped;
  }

  /**
   * Whether {@code other} is the same definition (upstream's {@code Group.Equals}): name, file,
   * interval, limit, query offset and rules. An unchanged group keeps running across a reload.
   */
  boolean sameDefinition(RuleGroup other) {
    if (!name().equals(other.name())
        || !file().equals(other.file())
        || !interval.equals(other.interval)
        || limit() != other.limit()
        || !Objects.equals(config.queryOffset(), other.config.queryOffset())
        || rules.size() != other.rules.size()) {
      return false;
    }
    for (int i = 0; i < rules.size(); i++) {
      if (!rules.get(i).sameDefinition(other.rules.get(i))) {
        return false;
      }
    }
    return true;
  }

  /**
   * Takes over the staleness state of the group this one replaces (upstream's {@code CopyState}):
   * rules are matched by name and labels, duplicates in order; series of old rules with no match
   * are marked stale after this group's next evaluation. Call after {@code from.stop()} and before
   * this group starts.
   */
  void copyState(RuleGroup from) {
    from.evalLock.lock();
    evalLock.lock();
    try {
      evaluationTime = from.evaluationTime;
      lastEvaluation = from.lastEvaluation;
      Map<String, List<Integer>> byKey = new HashMap<>();
      for (int fi = 0; fi < from.rules.size(); fi++) {
        byKey.computeIfAbsent(from.rules.get(fi).nameAndLabels(), k -> new ArrayList<>()).add(fi);
      }
      for (int i = 0; i < rules.size(); i++) {
        List<Integer> indexes = byKey.get(rules.get(i).nameAndLabels());
        if (indexes == null || indexes.isEmpty()) {
          continue;
        }
        seriesInPreviousEval.set(i, from.seriesInPreviousEval.get(indexes.remove(0)));
      }
      List<Labels> stale = new ArrayList<>(from.staleSeries);
      for (List<Integer> unmatched : byKey.values()) {
        for (int fi : unmatched) {
          stale.addAll(from.seriesInPreviousEval.get(fi).keySet());
        }
      }
      staleSeries = stale;
    } finally {
      evalLock.unlock();
      from.evalLock.unlock();
    }
  }

  /**
   * Marks every series this group wrote stale at {@code timestampMs - query_offset}: what upstream
   * does two intervals after a reload removed the group. By then a renamed group has written newer
   * samples for series it took over, so their markers are rejected as out of order and harmless.
   */
  void markAllStale(long timestampMs) {
    evalLock.lock();
    try {
      List<Labels> all = new ArrayList<>(staleSeries);
      for (Map<Labels, Long> m : seriesInPreviousEval) {
        all.addAll(m.keySet());
      }
      if (!all.isEmpty() && appendStale(all, timestampMs - queryOffsetMs)) {
        staleSeries = new ArrayList<>();
        for (int i = 0; i < seriesInPreviousEval.size(); i++) {
          seriesInPreviousEval.set(i, Map.of());
        }
      }
    } finally {
      evalLock.unlock();
    }
  }

  @Override
  public String toString() {
    return "RuleGroup[" + file() + ";" + name() + "]";
  }
}
