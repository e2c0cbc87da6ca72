package io.promfed.rules;

import io.promfed.config.ConfigException;
import io.promfed.config.PrometheusConfig;
import io.promfed.promql.Engine;
import io.promfed.promql.parser.ParserOptions;
import io.promfed.storage.Appendable;
import io.promfed.storage.Queryable;
import java.time.Clock;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Collections;
import java.util.Comparator;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.concurrent.RejectedExecutionException;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.ScheduledFuture;
import java.util.concurrent.TimeUnit;

/**
 * Owns the rule groups of the {@code rule_files} (prometheus/prometheus rules/manager.go, {@code
 * Manager}): loads them on each config, schedules their evaluations on an injected executor, and
 * serves their state to the rules API.
 *
 * <p><b>Reloads</b> ({@link #applyConfig}) follow upstream's {@code Manager.Update}: if any rule
 * file fails to load, nothing changes and the {@link ConfigException} (file, line, problem) is
 * thrown for the reload to report. Otherwise a group whose definition is unchanged keeps running
 * with all its state; a changed group is stopped and replaced by one that inherits its staleness
 * state ({@code CopyState}); a removed group is stopped and, two of its intervals later, marks its
 * series stale (unless the manager stops first, as upstream).
 *
 * <p><b>Start</b>: groups are loaded by {@link #applyConfig} but evaluated only after {@link
 * #start()}, so that no query runs against storage that is still replaying its WAL (upstream's
 * {@code Manager.Run} unblocking {@code m.block}).
 *
 * <p>Tests call {@link #evalAll(long)} (or {@link RuleGroup#eval(long)}) with explicit timestamps
 * instead of starting the manager.
 *
 * <p>Thread-safe: reloads, start and stop are serialized; {@link #ruleGroups()} and the status
 * methods read an immutable snapshot and never block on evaluations.
 */
public final class RuleManager {

  private static final System.Logger LOG = System.getLogger(RuleManager.class.getName());

  private static final Comparator<RuleGroup> BY_FILE_AND_NAME =
      Comparator.comparing(RuleGroup::file).thenComparing(RuleGroup::name);

  private final Engine engine;
  private final Queryable queryable;
  private final Appendable appendable;
  private final ScheduledExecutorService executor;
  private final Clock clock;
  private final RuleFileLoader loader;
  private final RuleStats stats = new RuleStats();

  /** By group key (upstream's {@code GroupKey}: {@code file;name}), sorted by file and name. */
  private volatile Map<String, RuleGroup> groups = Map.of();

  private final List<ScheduledFuture<?>> pendingStaleness = new ArrayList<>();
  private boolean started;
  private boolean stopped;

  /**
   * A manager whose rule files are parsed with the engine's parser options.
   *
   * @param engine runs the rule queries (share the app's engine: same limits and lookback)
   * @param queryable what rules read (the head)
   * @param appendable where rule output goes (the head, or a fan-out that also remote-writes); must
   *     make committed samples visible to {@code queryable} for chained rules to work
   * @param executor schedules group evaluations; each group occupies one thread while it evaluates,
   *     so size it for the groups that may run at once
   * @param clock wall time for evaluation slots and timings
   */
  public RuleManager(
      Engine engine,
      Queryable queryable,
      Appendable appendable,
      ScheduledExecutorService executor,
      Clock clock) {
    this(
        engine,
        queryable,
        appendable,
        executor,
        clock,
        new RuleFileLoader(new ParserOptions(engine.options().enableExperimentalFunctions())));
  }

  /** As above, with an explicit rule file loader. */
  public RuleManager(
      Engine engine,
      Queryable queryable,
      Appendable appendable,
      ScheduledExecutorService executor,
      Clock clock,
      RuleFileLoader loader) {
    this.engine = Objects.requireNonNull(engine, "engine");
    this.queryable = Objects.requireNonNull(queryable, "queryable");
    this.appendable = Objects.requireNonNull(appendable, "appendable");
    this.executor = Objects.requireNonNull(executor, "executor");
    this.clock = Objects.requireNonNull(clock, "clock");
    this.loader = Objects.requireNonNull(loader, "loader");
  }

  /**
   * Loads {@code config.ruleFiles()} with {@code global.evaluation_interval} as the default
   * interval; see {@link #update}.
   */
  public void applyConfig(PrometheusConfig config) throws ConfigException {
    update(config.global().evaluationInterval(), config.ruleFiles());
  }

  /**
   * Upstream's {@code Manager.Update}: expands the globs, loads every file, and swaps the groups in
   * (see the class comment). A stopped manager ignores updates.
   *
   * @param defaultInterval the interval of groups that set none
   * @param patterns rule file paths or globs, relative ones already resolved
   * @throws ConfigException for the first file that fails; the previous groups stay in force
   */
  public synchronized void update(Duration defaultInterval, List<String> patterns)
      throws ConfigException {
    if (stopped) {
      return;
    }
    List<RuleGroupConfig> configs;
    try {
      configs = loader.loadAll(patterns);
    } catch (ConfigException e) {
      LOG.log(
          System.Logger.Level.ERROR,
          "loading rule groups failed, previous rule set kept: {0}",
          e.getMessage());
      throw e;
    }
    List<RuleGroup> loaded = new ArrayList<>(configs.size());
    for (RuleGroupConfig c : configs) {
      loaded.add(new RuleGroup(c, defaultInterval, engine, queryable, appendable, clock, stats));
    }
    loaded.sort(BY_FILE_AND_NAME);

    Map<String, RuleGroup> old = new HashMap<>(groups);
    Map<String, RuleGroup> next = new LinkedHashMap<>();
    for (RuleGroup ng : loaded) {
      String key = key(ng);
      RuleGroup og = old.remove(key);
      if (og != null && og.sameDefinition(ng)) {
        next.put(key, og);
        continue;
      }
      if (og != null) {
        og.stop();
        ng.copyState(og);
      }
      next.put(key, ng);
      if (started) {
        ng.start(executor);
      }
    }
    long now = clock.millis();
    for (RuleGroup g : old.values()) {
      g.stop();
      scheduleStaleness(g, now);
    }
    groups = Collections.unmodifiableMap(next);
  }

  private void scheduleStaleness(RuleGroup g, long stopTimeMs) {
    pendingStaleness.removeIf(ScheduledFuture::isDone);
    if (!started) {
      return; // never evaluated, nothing written
    }
    try {
      pendingStaleness.add(
          executor.schedule(
              () -> g.markAllStale(stopTimeMs),
              2 * g.interval().toMillis(),
              TimeUnit.MILLISECONDS));
    } catch (RejectedExecutionException e) {
      LOG.log(System.Logger.Level.WARNING, "cannot schedule stale markers for " + g, e);
    }
  }

  private static String key(RuleGroup g) {
    return g.file() + ";" + g.name();
  }

  /** Starts evaluating the loaded groups, and groups loaded later as they come. Idempotent. */
  public synchronized void start() {
    if (started || stopped) {
      return;
    }
    started = true;
    for (RuleGroup g : groups.values()) {
      g.start(executor);
    }
  }

  /**
   * Stops every group, waiting for evaluations in flight, without stale markers (upstream's {@code
   * Manager.Stop}: the data is not gone, the server is). Pending stale markers of removed groups
   * are dropped too. The executor is the caller's to shut down.
   */
  public synchronized void stop() {
    stopped = true;
    for (RuleGroup g : groups.values()) {
      g.stop();
    }
    for (ScheduledFuture<?> f : pendingStaleness) {
      f.cancel(false);
    }
    pendingStaleness.clear();
  }

  /**
   * Evaluates every group once at {@code timestampMs}, in file and name order, on the calling
   * thread. For tests and tools; the schedule is independent of it.
   */
  public void evalAll(long timestampMs) {
    for (RuleGroup g : groups.values()) {
      g.eval(timestampMs);
    }
  }

  /** The groups, sorted by file, then name (upstream's {@code RuleGroups}). */
  public List<RuleGroup> ruleGroups() {
    return List.copyOf(groups.values());
  }

  /** The group of {@code file} named {@code name}, or null. */
  public RuleGroup ruleGroup(String file, String name) {
    return groups.get(file + ";" + name);
  }

  /**
   * The {@code data.groups} of {@code GET /api/v1/rules}, sorted by file, then name. The API layer
   * applies the {@code type}, {@code rule_name[]}, {@code rule_group[]} and {@code file[]} filters.
   */
  public List<RuleGroupStatus> ruleGroupStatuses() {
    List<RuleGroupStatus> out = new ArrayList<>();
    for (RuleGroup g : groups.values()) {
      out.add(g.status());
    }
    return out;
  }

  /** Counters for the self-metrics. */
  public RuleStats stats() {
    return stats;
  }
}
