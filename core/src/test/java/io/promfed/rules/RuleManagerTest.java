package io.promfed.rules;

import static io.promfed.rules.RulesFixture.T0;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.assertj.core.api.Assertions.entry;

import io.promfed.config.ConfigException;
import io.promfed.config.GlobalConfig;
import io.promfed.config.PrometheusConfig;
import io.promfed.model.labels.Labels;
import io.promfed.rules.RulesFixture.ManualScheduler;
import io.promfed.rules.RulesFixture.S;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * {@link RuleManager}: loading {@code rule_files} from a config, reloads that keep, replace or
 * remove groups, and scheduling on a {@link ManualScheduler} whose ticks the tests run by hand.
 */
class RuleManagerTest {

  static final Labels JOB_API = RuleGroupTest.JOB_API;
  static final Labels JOB_WEB = RuleGroupTest.JOB_WEB;

  @TempDir Path dir;

  final RulesFixture f = new RulesFixture();
  final ManualScheduler scheduler = new ManualScheduler();
  RuleManager manager;

  @BeforeEach
  void setUp() throws Exception {
    f.loadRequestCounters();
    manager = new RuleManager(f.engine, f.head, f.head, scheduler, f.clock);
  }

  private PrometheusConfig config(Duration evaluationInterval, String... ruleFiles) {
    GlobalConfig global =
        new GlobalConfig(
            Duration.ofMinutes(1), Duration.ofSeconds(10), evaluationInterval, Labels.EMPTY);
    return new PrometheusConfig(global, List.of(ruleFiles), List.of(), List.of());
  }

  private PrometheusConfig config(String... ruleFiles) {
    return config(Duration.ofSeconds(32), ruleFiles);
  }

  private Path write(String name, String yaml) throws IOException {
    Path p = dir.resolve(name);
    Files.createDirectories(p.getParent());
    Files.writeString(p, yaml);
    return p;
  }

  private static final String SEED =
      """
      groups:
        - name: http
          rules:
            - record: job:http_request_total:rate5m
              expr: sum by (job) (rate(http_request_total[5m]))
      """;

  @Test
  void appliesRuleFilesFromTheConfigAndEvaluatesThemOnDemand() throws Exception {
    write("rules/seed.yml", SEED);
    write(
        "rules/cluster.yml",
        """
        groups:
          - name: cluster
            interval: 1m
            rules:
              - record: cluster:http_request_total:sum
                expr: sum(http_request_total)
        """);
    manager.applyConfig(config(dir + "/rules/*.yml"));

    List<RuleGroup> groups = manager.ruleGroups();
    assertThat(groups).extracting(RuleGroup::name).containsExactly("cluster", "http");
    assertThat(groups)
        .extracting(RuleGroup::interval)
        .containsExactly(Duration.ofMinutes(1), Duration.ofSeconds(32)); // global default
    assertThat(manager.ruleGroup(dir + "/rules/seed.yml", "http")).isSameAs(groups.get(1));
    assertThat(scheduler.tasks).isEmpty(); // nothing runs before start()

    manager.evalAll(T0);
    assertThat(f.read("{__name__=~\"job:.*\"}"))
        .containsExactly(
            entry(JOB_API, List.of(S.of(T0, 3))), entry(JOB_WEB, List.of(S.of(T0, 0.5))));
    assertThat(manager.ruleGroupStatuses())
        .extracting(RuleGroupStatus::file, RuleGroupStatus::name, RuleGroupStatus::interval)
        .containsExactly(
            org.assertj.core.groups.Tuple.tuple(dir + "/rules/cluster.yml", "cluster", 60.0),
            org.assertj.core.groups.Tuple.tuple(dir + "/rules/seed.yml", "http", 32.0));
    assertThat(manager.ruleGroupStatuses().get(1).rules().get(0).health()).isEqualTo("ok");
  }

  @Test
  void reloadKeepsUnchangedGroupsWithTheirState() throws Exception {
    Path seed = write("seed.yml", SEED);
    manager.applyConfig(config(seed.toString()));
    RuleGroup before = manager.ruleGroups().get(0);
    manager.evalAll(T0);

    // Same definitions, different layout and comments: still the same group.
    write(
        "seed.yml",
        """
        # reformatted
        groups:
        - name: http
          rules:
          - record: job:http_request_total:rate5m
            expr: sum  by(job)  (rate(http_request_total[5m]))
        """);
    manager.applyConfig(config(seed.toString()));
    RuleGroup after = manager.ruleGroups().get(0);
    assertThat(after).isSameAs(before);
    assertThat(after.lastEvaluation()).isEqualTo(Instant.ofEpochMilli(T0));
    assertThat(after.rules().get(0).health()).isEqualTo(RuleHealth.OK);
  }

  @Test
  void aBadReloadThrowsAndKeepsThePreviousGroups() throws Exception {
    Path seed = write("seed.yml", SEED);
    manager.applyConfig(config(seed.toString()));
    RuleGroup before = manager.ruleGroups().get(0);

    Path bad =
        write(
            "bad.yml",
            "groups:\n  - name: x\n    rules:\n      - record: a\n        expr: rate(\n");
    assertThatThrownBy(() -> manager.applyConfig(config(seed.toString(), bad.toString())))
        .isInstanceOf(ConfigException.class)
        .hasMessageStartingWith(
            bad + ":5: group \"x\", rule 1, \"a\": could not parse expression: ");
    assertThat(manager.ruleGroups()).containsExactly(before);
    assertThat(before.isStopped()).isFalse();
  }

  @Test
  void aChangedGroupIsReplacedAndInheritsStalenessState() throws Exception {
    Path file =
        write(
            "g.yml",
            """
            groups:
              - name: http
                rules:
                  - record: job:http_request_total:rate5m
                    expr: sum by (job) (rate(http_request_total[5m]))
                  - record: job:http_request_total:count
                    expr: count by (job) (http_request_total)
            """);
    manager.applyConfig(config(file.toString()));
    RuleGroup before = manager.ruleGroups().get(0);
    manager.evalAll(T0);

    // The first rule now covers api only; the second rule is deleted.
    write(
        "g.yml",
        """
        groups:
          - name: http
            rules:
              - record: job:http_request_total:rate5m
                expr: sum by (job) (rate(http_request_total{job="api"}[5m]))
        """);
    manager.applyConfig(config(file.toString()));
    RuleGroup after = manager.ruleGroups().get(0);
    assertThat(after).isNotSameAs(before);
    assertThat(before.isStopped()).isTrue();
    assertThat(after.lastEvaluation()).isEqualTo(before.lastEvaluation());

    long t1 = T0 + RulesFixture.STEP_MS;
    manager.evalAll(t1);
    // web left the matched rule's output: marked stale through the copied seriesInPreviousEval.
    assertThat(f.read("{__name__=\"job:http_request_total:rate5m\"}"))
        .containsExactly(
            entry(JOB_API, List.of(S.of(T0, 3), S.of(t1, 3))),
            entry(JOB_WEB, List.of(S.of(T0, 0.5), S.stale(t1))));
    // The deleted rule's series are marked stale after the new group's first evaluation.
    assertThat(f.read("{__name__=\"job:http_request_total:count\"}"))
        .containsExactly(
            entry(
                RulesFixture.series("job:http_request_total:count", "job", "api"),
                List.of(S.of(T0, 2), S.stale(t1))),
            entry(
                RulesFixture.series("job:http_request_total:count", "job", "web"),
                List.of(S.of(T0, 1), S.stale(t1))));
  }

  @Test
  void aChangedIntervalReplacesTheGroup() throws Exception {
    Path seed = write("seed.yml", SEED);
    manager.applyConfig(config(Duration.ofSeconds(32), seed.toString()));
    RuleGroup before = manager.ruleGroups().get(0);
    manager.applyConfig(config(Duration.ofMinutes(1), seed.toString()));
    assertThat(manager.ruleGroups().get(0)).isNotSameAs(before);
    assertThat(manager.ruleGroups().get(0).interval()).isEqualTo(Duration.ofMinutes(1));
  }

  @Test
  void startSchedulesEachGroupAtItsAlignedSlots() throws Exception {
    write("seed.yml", SEED);
    manager.applyConfig(config(dir + "/seed.yml"));
    RuleGroup g = manager.ruleGroups().get(0);
    manager.start();

    assertThat(scheduler.periodic()).hasSize(1);
    ManualScheduler.Task tick = scheduler.periodic().get(0);
    long interval = 32_000;
    long firstSlot = g.evalTimestamp(T0) + interval; // one full interval after the last slot
    assertThat(tick.periodMs).isEqualTo(interval);
    assertThat(tick.delayMs).isEqualTo(firstSlot - T0);

    f.clock.set(firstSlot + 3); // the scheduler fires a little late
    tick.run();
    assertThat(g.lastEvalTimestampMs()).isEqualTo(firstSlot); // the slot, not the wall time
    assertThat(g.lastEvaluation()).isEqualTo(Instant.ofEpochMilli(firstSlot + 3));
    assertThat(f.read("{__name__=~\"job:.*\"}").get(JOB_API))
        .extracting(S::t)
        .containsExactly(firstSlot);

    f.clock.set(firstSlot + interval);
    tick.run();
    assertThat(g.lastEvalTimestampMs()).isEqualTo(firstSlot + interval);

    // An evaluation that overran: the slots it covered are skipped and counted, not caught up.
    f.clock.set(firstSlot + 4 * interval + 10);
    tick.run();
    assertThat(g.lastEvalTimestampMs()).isEqualTo(firstSlot + 4 * interval);
    assertThat(manager.stats().iterationsMissed()).isEqualTo(2);
    assertThat(manager.stats().iterations()).isEqualTo(5);

    // A tick that comes early cannot repeat a slot.
    f.clock.set(firstSlot + 5 * interval - 5);
    tick.run();
    assertThat(g.lastEvalTimestampMs()).isEqualTo(firstSlot + 5 * interval);
  }

  @Test
  void groupsAddedAfterStartAreScheduledAndReplacedOnesCanceled() throws Exception {
    Path seed = write("seed.yml", SEED);
    manager.start();
    manager.applyConfig(config(seed.toString()));
    assertThat(scheduler.periodic()).hasSize(1);
    ManualScheduler.Task first = scheduler.periodic().get(0);

    manager.applyConfig(config(Duration.ofMinutes(1), seed.toString()));
    assertThat(first.isCancelled()).isTrue();
    assertThat(scheduler.periodic()).hasSize(2);
    assertThat(scheduler.periodic().get(1).isCancelled()).isFalse();
    assertThat(scheduler.periodic().get(1).periodMs).isEqualTo(60_000);
  }

  @Test
  void aRemovedGroupMarksItsSeriesStaleTwoIntervalsLater() throws Exception {
    Path seed = write("seed.yml", SEED);
    manager.applyConfig(config(seed.toString()));
    manager.start();
    RuleGroup g = manager.ruleGroups().get(0);
    manager.evalAll(T0);

    long removedAt = T0 + 5_000;
    f.clock.set(removedAt);
    manager.applyConfig(config());
    assertThat(manager.ruleGroups()).isEmpty();
    assertThat(g.isStopped()).isTrue();
    assertThat(scheduler.periodic().get(0).isCancelled()).isTrue();
    assertThat(scheduler.oneShot()).hasSize(1);
    ManualScheduler.Task staleness = scheduler.oneShot().get(0);
    assertThat(staleness.delayMs).isEqualTo(2 * 32_000);

    f.clock.set(removedAt + 64_000);
    staleness.run();
    // Marked at the time of removal (upstream passes time.Now() at stop).
    assertThat(f.read("{__name__=~\"job:.*\"}"))
        .containsExactly(
            entry(JOB_API, List.of(S.of(T0, 3), S.stale(removedAt))),
            entry(JOB_WEB, List.of(S.of(T0, 0.5), S.stale(removedAt))));
  }

  @Test
  void stopCancelsEverythingAndIgnoresLaterReloads() throws Exception {
    Path seed = write("seed.yml", SEED);
    Path other = write("other.yml", SEED.replace("http", "other"));
    manager.applyConfig(config(seed.toString(), other.toString()));
    manager.start();
    manager.evalAll(T0);
    manager.applyConfig(config(seed.toString())); // "other" removed: staleness pending
    assertThat(scheduler.oneShot()).hasSize(1);

    manager.stop();
    assertThat(scheduler.periodic()).allMatch(ManualScheduler.Task::isCancelled);
    assertThat(scheduler.oneShot().get(0).isCancelled()).isTrue();
    assertThat(manager.ruleGroups()).allMatch(RuleGroup::isStopped);

    // Stopped groups do not evaluate, and reloads are ignored, as upstream.
    manager.evalAll(T0 + 32_000);
    assertThat(f.read("{__name__=~\"job:.*\"}").get(JOB_API)).hasSize(1);
    manager.applyConfig(config(other.toString()));
    assertThat(manager.ruleGroups()).extracting(RuleGroup::name).containsExactly("http");
  }

  @Test
  void groupsAreKeyedByFileAndName() throws Exception {
    Path a = write("a.yml", SEED);
    Path b = write("b.yml", SEED);
    manager.applyConfig(config(a.toString(), b.toString(), a.toString()));
    assertThat(manager.ruleGroups())
        .extracting(RuleGroup::file)
        .containsExactly(a.toString(), b.toString());
  }
}
