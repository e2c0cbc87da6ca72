package io.promfed.rules;

import static io.promfed.rules.RulesFixture.T0;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.entry;

import io.promfed.model.labels.Labels;
import io.promfed.promql.Result;
import io.promfed.promql.Vector;
import io.promfed.rules.RulesFixture.S;
import io.promfed.storage.Appendable;
import io.promfed.storage.Appender;
import io.promfed.storage.MetricMetadata;
import io.promfed.storage.Querier;
import io.promfed.storage.StorageException;
import io.promfed.web.federate.FederateHandler;
import java.io.ByteArrayOutputStream;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CountDownLatch;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * {@link RuleGroup} evaluations over a real {@link io.promfed.tsdb.Head} loaded with the seed's
 * request counters; every evaluation is driven with an explicit timestamp.
 */
class RuleGroupTest {

  static final String SEED_RULE =
      """
      - record: job:http_request_total:rate5m
        expr: sum by (job) (rate(http_request_total[5m]))
      """;

  static final Labels JOB_API = RulesFixture.series("job:http_request_total:rate5m", "job", "api");
  static final Labels JOB_WEB = RulesFixture.series("job:http_request_total:rate5m", "job", "web");

  final RulesFixture f = new RulesFixture();

  @BeforeEach
  void load() throws StorageException {
    f.loadRequestCounters();
  }

  @Test
  void seedRuleRecordsExactPerJobRates() throws Exception {
    RuleGroup g = f.group(SEED_RULE, Duration.ofSeconds(15));
    g.eval(T0);

    // api: 1/s + 2/s; web: 0.5/s.
    assertThat(f.read("{__name__=~\"job:.*\"}"))
        .containsExactly(
            entry(JOB_API, List.of(S.of(T0, 3))), entry(JOB_WEB, List.of(S.of(T0, 0.5))));
    RecordingRule rule = g.rules().get(0);
    assertThat(rule.health()).isEqualTo(RuleHealth.OK);
    assertThat(rule.lastError()).isNull();
    assertThat(rule.lastEvaluation()).isEqualTo(Instant.ofEpochMilli(T0));
    assertThat(g.lastEvaluation()).isEqualTo(Instant.ofEpochMilli(T0));
    assertThat(g.lastEvalTimestampMs()).isEqualTo(T0);
    assertThat(f.stats.evaluations()).isEqualTo(1);
    assertThat(f.stats.evaluationFailures()).isZero();
    assertThat(f.stats.samplesAppended()).isEqualTo(2);
    assertThat(f.stats.iterations()).isEqualTo(1);
  }

  @Test
  void recordedSeriesIsVisibleToAQuerierRightAfterTheEvaluationCommits() throws Exception {
    RuleGroup g = f.group(SEED_RULE, Duration.ofSeconds(15));
    try (Querier before = f.head.querier(Long.MIN_VALUE, Long.MAX_VALUE)) {
      g.eval(T0);
      // Isolation: a querier opened before the commit does not see the rule output ...
      assertThat(
              before
                  .select(
                      true, io.promfed.model.labels.Matcher.equal("__name__", JOB_API.metricName()))
                  .next())
          .isFalse();
    }
    // ... and one opened right after it does, as /federate and PromQL will.
    Result r = f.engine.instantQuery(f.head, "{__name__=~\"job:.*\"}", T0);
    assertThat(((Vector) r.value()).samples())
        .containsExactly(new Vector.Sample(JOB_API, T0, 3), new Vector.Sample(JOB_WEB, T0, 0.5));
  }

  @Test
  void seedFederationSeesTheRecordedSeriesAndDropsStaleOnes() throws Exception {
    RuleGroup g = f.group(SEED_RULE, Duration.ofSeconds(32));
    FederateHandler federate =
        new FederateHandler(f.head, () -> Labels.EMPTY, Duration.ofMinutes(5), f.clock::millis);
    List<List<io.promfed.model.labels.Matcher>> jobSeries =
        FederateHandler.parseSelectors(List.of("{__name__=~\"job:.*\"}"));

    g.eval(T0);
    ByteArrayOutputStream out = new ByteArrayOutputStream();
    federate.write(jobSeries, out);
    assertThat(out.toString(StandardCharsets.UTF_8))
        .isEqualTo(
            """
            # TYPE job:http_request_total:rate5m untyped
            job:http_request_total:rate5m{job="api",instance=""} 3 1700000000000
            job:http_request_total:rate5m{job="web",instance=""} 0.5 1700000000000
            """);

    long t1 = T0 + 10 * RulesFixture.STEP_MS;
    f.clock.set(t1);
    g.eval(t1);
    out.reset();
    federate.write(jobSeries, out);
    // web's marker ends it at once: the upstream server stops seeing it on its next scrape.
    assertThat(out.toString(StandardCharsets.UTF_8))
        .isEqualTo(
            """
            # TYPE job:http_request_total:rate5m untyped
            job:http_request_total:rate5m{job="api",instance=""} 3 1700000320000
            """);
  }

  @Test
  void ruleLabelsOverrideAndEmptyValuesDelete() throws Exception {
    RuleGroup g =
        f.group(
            """
            - record: instance:http_request_total:rate5m
              expr: rate(http_request_total{job="api"}[5m])
              labels:
                job: frontend
                __tmp: ""
                tier: "1"
            - record: job:http_request_total:rate5m
              expr: sum by (job, instance) (rate(http_request_total{job="web"}[5m]))
              labels:
                instance: ""
            """,
            Duration.ofSeconds(15));
    g.eval(T0);
    String rec = "instance:http_request_total:rate5m";
    assertThat(f.read("{__name__=\"" + rec + "\"}"))
        .containsExactly(
            entry(
                RulesFixture.series(rec, "instance", "a:80", "job", "frontend", "tier", "1"),
                List.of(S.of(T0, 1))),
            entry(
                RulesFixture.series(rec, "instance", "b:80", "job", "frontend", "tier", "1"),
                List.of(S.of(T0, 2))));
    assertThat(f.read("{__name__=\"job:http_request_total:rate5m\"}"))
        .containsExactly(entry(JOB_WEB, List.of(S.of(T0, 0.5))));
  }

  @Test
  void seriesNoLongerProducedGetAStaleMarker() throws Exception {
    RuleGroup g = f.group(SEED_RULE, Duration.ofSeconds(32));
    g.eval(T0);
    // web's last sample is T0-12s: by T0+320s its rate window is empty.
    long t1 = T0 + 10 * RulesFixture.STEP_MS;
    g.eval(t1);
    long t2 = t1 + RulesFixture.STEP_MS;
    g.eval(t2);
    assertThat(f.read("{__name__=~\"job:.*\"}"))
        .containsExactly(
            entry(JOB_API, List.of(S.of(T0, 3), S.of(t1, 3), S.of(t2, 3))),
            // Marked once, at the first evaluation that no longer produced it.
            entry(JOB_WEB, List.of(S.of(T0, 0.5), S.stale(t1))));
    // A PromQL query no longer sees web right after the marker, without the 5m lookback.
    Vector v = (Vector) f.engine.instantQuery(f.head, "job:http_request_total:rate5m", t1).value();
    assertThat(v.samples()).containsExactly(new Vector.Sample(JOB_API, t1, 3));
  }

  @Test
  void duplicateLabelsetsFailTheRuleAndKeepItsSeries() throws Exception {
    RuleGroup g =
        f.group(
            """
            - record: job:http_request_total:rate5m
              expr: sum by (job, instance) (rate(http_request_total[5m]))
              labels:
                instance: ""
            - record: ok:total
              expr: sum(http_request_total)
            """,
            Duration.ofSeconds(15));
    g.eval(T0);
    RecordingRule dup = g.rules().get(0);
    assertThat(dup.health()).isEqualTo(RuleHealth.ERR);
    assertThat(dup.lastError())
        .isEqualTo("vector contains metrics with the same labelset after applying rule labels");
    assertThat(f.read("{__name__=\"job:http_request_total:rate5m\"}")).isEmpty();
    // The next rule still runs.
    assertThat(g.rules().get(1).health()).isEqualTo(RuleHealth.OK);
    assertThat(f.read("{__name__=\"ok:total\"}")).hasSize(1);
    assertThat(f.stats.evaluationFailures()).isEqualTo(1);
    assertThat(g.status().rules().get(0))
        .isEqualTo(
            new RecordingRuleStatus(
                "job:http_request_total:rate5m",
                "sum by (job, instance) (rate(http_request_total[5m]))",
                Map.of("instance", ""),
                "err",
                "vector contains metrics with the same labelset after applying rule labels",
                0,
                Instant.ofEpochMilli(T0),
                "recording"));
  }

  @Test
  void aFailingRuleDoesNotMarkItsPreviousSeriesStale() throws Exception {
    RuleGroup g = f.group(SEED_RULE, Duration.ofSeconds(15));
    g.eval(T0);
    assertThat(f.read("{__name__=~\"job:.*\"}")).hasSize(2);
    // The same rule edited into a query that fails: the right side of a group_left must be unique.
    RuleGroup failing =
        f.group(
            """
- record: job:http_request_total:rate5m
  expr: sum by (job) (rate(http_request_total[5m])) + on() group_left http_request_total
""",
            Duration.ofSeconds(15));
    failing.copyState(g); // takes over the series of the previous evaluation
    failing.eval(T0 + 15_000);
    assertThat(failing.rules().get(0).health()).isEqualTo(RuleHealth.ERR);
    assertThat(failing.rules().get(0).lastError()).contains("many-to-many matching not allowed");
    // Upstream returns before the stale-marker loop when a rule fails: nothing is known gone.
    assertThat(f.read("{__name__=~\"job:.*\"}"))
        .containsExactly(
            entry(JOB_API, List.of(S.of(T0, 3))), entry(JOB_WEB, List.of(S.of(T0, 0.5))));
  }

  @Test
  void laterRulesSeeEarlierRulesOutputOfTheSameEvaluation() throws Exception {
    RuleGroup g =
        f.group(
            SEED_RULE
                + """
                  - record: cluster:http_request_total:rate5m
                    expr: sum(job:http_request_total:rate5m)
                  - record: cluster:http_request_total:rate5m:api_share
                    expr: |
                      job:http_request_total:rate5m{job="api"}
                        / on() group_left cluster:http_request_total:rate5m
                  """,
            Duration.ofSeconds(15));
    g.eval(T0); // the very first evaluation: no earlier output exists
    assertThat(f.read("{__name__=\"cluster:http_request_total:rate5m\"}"))
        .containsExactly(
            entry(
                RulesFixture.series("cluster:http_request_total:rate5m"), List.of(S.of(T0, 3.5))));
    assertThat(f.read("{__name__=\"cluster:http_request_total:rate5m:api_share\"}"))
        .containsExactly(
            entry(
                RulesFixture.series("cluster:http_request_total:rate5m:api_share", "job", "api"),
                List.of(S.of(T0, 3 / 3.5))));
  }

  @Test
  void eachRuleCommitsItsOwnAppenderBeforeTheNextRuleRuns() throws Exception {
    List<String> events = new ArrayList<>();
    Appendable recording =
        () -> {
          Appender inner = f.head.appender();
          events.add("open");
          return new Appender() {
            @Override
            public long append(long ref, Labels labels, long t, double v) throws StorageException {
              events.add("append " + labels.metricName());
              return inner.append(ref, labels, t, v);
            }

            @Override
            public void updateMetadata(String name, MetricMetadata md) {
              inner.updateMetadata(name, md);
            }

            @Override
            public void commit() {
              events.add("commit");
              inner.commit();
            }

            @Override
            public void rollback() {
              events.add("rollback");
              inner.rollback();
            }
          };
        };
    RuleGroupConfig cfg =
        RulesFixture.config(
            "g",
            """
            - record: a
              expr: vector(1)
            - record: b
              expr: a + 1
            """,
            "");
    RuleGroup g =
        new RuleGroup(cfg, Duration.ofSeconds(15), f.engine, f.head, recording, f.clock, f.stats);
    g.eval(T0);
    assertThat(events).containsExactly("open", "append a", "commit", "open", "append b", "commit");
    assertThat(f.read("{__name__=\"b\"}"))
        .containsExactly(entry(RulesFixture.series("b"), List.of(S.of(T0, 2))));
  }

  @Test
  void stopWaitsForTheEvaluationInFlightAndSkipsTheRemainingRules() throws Exception {
    CountDownLatch committing = new CountDownLatch(1);
    CountDownLatch release = new CountDownLatch(1);
    List<String> committed = new java.util.concurrent.CopyOnWriteArrayList<>();
    Appendable blocking =
        () -> {
          Appender inner = f.head.appender();
          return new Appender() {
            String name;

            @Override
            public long append(long ref, Labels labels, long t, double v) throws StorageException {
              name = labels.metricName();
              return inner.append(ref, labels, t, v);
            }

            @Override
            public void updateMetadata(String n, MetricMetadata md) {}

            @Override
            public void commit() {
              committing.countDown();
              try {
                release.await();
              } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
              }
              inner.commit();
              committed.add(name);
            }

            @Override
            public void rollback() {
              inner.rollback();
            }
          };
        };
    RuleGroup g =
        new RuleGroup(
            RulesFixture.config(
                "g",
                """
                - record: a
                  expr: vector(1)
                - record: b
                  expr: vector(2)
                """,
                ""),
            Duration.ofSeconds(15),
            f.engine,
            f.head,
            blocking,
            f.clock,
            f.stats);
    Thread evaluator = new Thread(() -> g.eval(T0));
    evaluator.start();
    committing.await();
    Thread stopper = new Thread(g::stop);
    stopper.start();
    while (!g.isStopped()) {
      Thread.onSpinWait(); // the flag is set before stop() blocks on the evaluation
    }
    stopper.join(100);
    assertThat(stopper.isAlive()).as("stop() waits for the evaluation in flight").isTrue();
    release.countDown();
    stopper.join();
    evaluator.join();
    assertThat(committed).containsExactly("a"); // b never ran: stopped between rules
    assertThat(g.rules().get(1).health()).isEqualTo(RuleHealth.UNKNOWN);
    g.eval(T0 + 15_000); // a stopped group does not evaluate
    assertThat(committed).containsExactly("a");
  }

  @Test
  void limitFailsARuleWithMoreSeries() throws Exception {
    RuleGroup limited = f.group("limited", SEED_RULE, Duration.ofSeconds(15), "limit: 1");
    limited.eval(T0);
    assertThat(limited.rules().get(0).health()).isEqualTo(RuleHealth.ERR);
    assertThat(limited.rules().get(0).lastError()).isEqualTo("exceeded limit of 1 with 2 series");
    assertThat(f.read("{__name__=~\"job:.*\"}")).isEmpty();

    RuleGroup enough = f.group("enough", SEED_RULE, Duration.ofSeconds(15), "limit: 2");
    enough.eval(T0);
    assertThat(enough.rules().get(0).health()).isEqualTo(RuleHealth.OK);
    assertThat(f.read("{__name__=~\"job:.*\"}")).hasSize(2);
    assertThat(enough.status().limit()).isEqualTo(2);
  }

  @Test
  void scalarResultsAreRecordedWithoutLabelsAndStringsAreRefused() throws Exception {
    RuleGroup g =
        f.group(
            """
            - record: answer
              expr: 42
            - record: greeting
              expr: '"hello"'
            - record: labelled:answer
              expr: scalar(sum(http_request_total{job="web"}) > 0) * 2
              labels:
                source: rule
            """,
            Duration.ofSeconds(15));
    g.eval(T0);
    assertThat(f.read("{__name__=\"answer\"}"))
        .containsExactly(entry(RulesFixture.series("answer"), List.of(S.of(T0, 42))));
    assertThat(g.rules().get(1).lastError()).isEqualTo("rule result is not a vector or scalar");
    assertThat(f.read("{__name__=\"labelled:answer\"}"))
        .containsOnlyKeys(RulesFixture.series("labelled:answer", "source", "rule"));
  }

  @Test
  void queryOffsetShiftsQueryAndSampleTimestamps() throws Exception {
    RuleGroup g =
        f.group("offset", SEED_RULE, Duration.ofSeconds(15), "query_offset: " + 32 * 10 + "s");
    assertThat(g.queryOffset()).isEqualTo(Duration.ofSeconds(320));
    long t = T0 + 320_000;
    g.eval(t);
    // Evaluated as of T0: web still has data then.
    assertThat(f.read("{__name__=~\"job:.*\"}"))
        .containsExactly(
            entry(JOB_API, List.of(S.of(T0, 3))), entry(JOB_WEB, List.of(S.of(T0, 0.5))));
    assertThat(g.lastEvalTimestampMs()).isEqualTo(t);
  }

  @Test
  void rejectedSamplesMarkTheRuleButTheRestIsCommitted() throws Exception {
    RuleGroup g = f.group(SEED_RULE, Duration.ofSeconds(15));
    g.eval(T0);
    // Another writer already has a newer sample for api's output series.
    Appender app = f.head.appender();
    app.append(0, JOB_API, T0 + 60_000, 99);
    app.commit();
    g.eval(T0 + 32_000);
    RecordingRule rule = g.rules().get(0);
    assertThat(rule.health()).isEqualTo(RuleHealth.ERR);
    assertThat(rule.lastError()).isEqualTo("out of order sample");
    assertThat(f.stats.evaluationFailures()).isZero(); // as upstream: health only
    Vector web =
        (Vector)
            f.engine
                .instantQuery(
                    f.head, "sum by (job) (rate(http_request_total{job=\"web\"}[5m]))", T0 + 32_000)
                .value();
    assertThat(f.read("{__name__=~\"job:.*\"}").get(JOB_WEB))
        .containsExactly(S.of(T0, 0.5), S.of(T0 + 32_000, web.value(0)));
    // The next good evaluation clears the error.
    g.eval(T0 + 64_000 + 32_000);
    assertThat(rule.health()).isEqualTo(RuleHealth.OK);
    assertThat(rule.lastError()).isNull();
  }

  @Test
  void evalTimestampIsAlignedToTheIntervalWithAStablePerGroupOffset() throws Exception {
    Duration interval = Duration.ofMinutes(1);
    RuleGroup a = f.group("a", SEED_RULE, interval, "");
    RuleGroup a2 = f.group("a", SEED_RULE, interval, "");
    RuleGroup b = f.group("b", SEED_RULE, interval, "");

    long slot = a.evalTimestamp(T0);
    assertThat(slot).isLessThanOrEqualTo(T0).isGreaterThan(T0 - 60_000);
    long offset = Math.floorMod(slot, 60_000);
    assertThat(offset).isEqualTo(Long.remainderUnsigned(a.hash(), 60_000));
    // Every instant of one slot maps to it; the next instant starts the next slot.
    assertThat(a.evalTimestamp(slot)).isEqualTo(slot);
    assertThat(a.evalTimestamp(slot + 59_999)).isEqualTo(slot);
    assertThat(a.evalTimestamp(slot + 60_000)).isEqualTo(slot + 60_000);
    assertThat(a.evalTimestamp(slot - 1)).isEqualTo(slot - 60_000);
    // Deterministic per name and file, and different groups spread over the interval.
    assertThat(a2.evalTimestamp(T0)).isEqualTo(slot);
    assertThat(Math.floorMod(b.evalTimestamp(T0), 60_000)).isNotEqualTo(offset);
  }

  @Test
  void statusBeforeTheFirstEvaluation() throws Exception {
    RuleGroup g = f.group("http", SEED_RULE, Duration.ofSeconds(15), "");
    assertThat(g.status())
        .isEqualTo(
            new RuleGroupStatus(
                "http",
                "test.yml",
                List.of(
                    new RecordingRuleStatus(
                        "job:http_request_total:rate5m",
                        "sum by (job) (rate(http_request_total[5m]))",
                        Map.of(),
                        "unknown",
                        null,
                        0,
                        RuleGroup.NEVER,
                        "recording")),
                15,
                0,
                0,
                Instant.parse("0001-01-01T00:00:00Z")));
  }

  @Test
  void evaluationTimesComeFromTheClock() throws Exception {
    RuleGroup g = f.group(SEED_RULE, Duration.ofSeconds(15));
    RulesFixture.MutableClock c = f.clock;
    // Each clock read moves time by 250ms: rule start, rule end, group start, group end.
    RuleGroup timed =
        new RuleGroup(
            g.config(),
            Duration.ofSeconds(15),
            f.engine,
            f.head,
            f.head,
            new java.time.Clock() {
              @Override
              public java.time.ZoneId getZone() {
                return java.time.ZoneOffset.UTC;
              }

              @Override
              public java.time.Clock withZone(java.time.ZoneId zone) {
                return this;
              }

              @Override
              public Instant instant() {
                c.advance(Duration.ofMillis(250));
                return c.instant();
              }
            },
            f.stats);
    timed.eval(T0);
    assertThat(timed.lastEvaluation()).isEqualTo(Instant.ofEpochMilli(T0 + 250));
    assertThat(timed.evaluationTime()).isEqualTo(Duration.ofMillis(750));
    assertThat(timed.rules().get(0).lastEvaluation()).isEqualTo(Instant.ofEpochMilli(T0 + 500));
    assertThat(timed.rules().get(0).evaluationTime()).isEqualTo(Duration.ofMillis(250));
    assertThat(timed.status().evaluationTime()).isEqualTo(0.75);
    assertThat(timed.status().rules().get(0).evaluationTime()).isEqualTo(0.25);
  }
}
