package io.promfed.rules;

import java.util.concurrent.atomic.LongAdder;

/**
 * Counters shared by all groups of a {@link RuleManager}, for the apps to export as self-metrics.
 * They mirror the Prometheus server's {@code prometheus_rule_evaluations_total}, {@code
 * prometheus_rule_evaluation_failures_total}, {@code prometheus_rule_group_iterations_total} and
 * {@code prometheus_rule_group_iterations_missed_total} (rules/group.go, {@code NewGroupMetrics}).
 * Thread-safe.
 */
public final class RuleStats {

  final LongAdder evaluations = new LongAdder();
  final LongAdder evaluationFailures = new LongAdder();
  final LongAdder iterations = new LongAdder();
  final LongAdder iterationsMissed = new LongAdder();
  final LongAdder samplesAppended = new LongAdder();

  /** Rule evaluations attempted. */
  public long evaluations() {
    return evaluations.sum();
  }

  /** Rule evaluations that failed: query error, duplicate labels, limit, append or commit error. */
  public long evaluationFailures() {
    return evaluationFailures.sum();
  }

  /** Group evaluations scheduled, whether run or missed. */
  public long iterations() {
    return iterations.sum();
  }

  /** Group evaluations skipped because the previous one ran longer than the interval. */
  public long iterationsMissed() {
    return iterationsMissed.sum();
  }

  /** Rule output samples appended and committed (stale markers excluded). */
  public long samplesAppended() {
    return samplesAppended.sum();
  }
}
