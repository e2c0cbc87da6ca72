package io.promfed.rules;

import io.promfed.model.labels.Labels;
import io.promfed.model.labels.LabelsBuilder;
import io.promfed.promql.Engine;
import io.promfed.promql.PromQLException;
import io.promfed.promql.Result;
import io.promfed.promql.Scalar;
import io.promfed.promql.Vector;
import io.promfed.promql.parser.Expr;
import io.promfed.storage.Queryable;
import java.time.Duration;
import java.time.Instant;
import java.util.HashSet;
import java.util.Map;
import java.util.Objects;
import java.util.Set;

/**
 * A recording rule (prometheus/prometheus rules/recording.go): evaluates its expression as an
 * instant query and renames the result to {@link #name()}, with the rule labels set on every
 * series. Its {@link RuleGroup} drives evaluation and appends the output.
 *
 * <p>Thread-safety: the definition is immutable; the health fields are volatile and written only by
 * the owning group's evaluation (one at a time), so readers such as the rules API may read them
 * from any thread. As upstream, the fields are independent: a reader may see the health of one
 * evaluation with the timing of the previous one.
 */
public final class RecordingRule {

  /** Upstream's {@code ErrDuplicateRecordingLabelSet}. */
  static final String DUPLICATE_LABELSET =
      "vector contains metrics with the same labelset after applying rule labels";

  /** Upstream's {@code EngineQueryFunc} error for strings and matrices. */
  static final String NOT_A_VECTOR = "rule result is not a vector or scalar";

  private final RuleConfig config;
  private final String query;
  // The rule labels as parallel arrays, applied per output series; "" deletes (see RuleConfig).
  private final String[] labelNames;
  private final String[] labelValues;

  private volatile RuleHealth health = RuleHealth.UNKNOWN;
  private volatile String lastError;
  private volatile Instant lastEvaluation = RuleGroup.NEVER;
  private volatile Duration evaluationTime = Duration.ZERO;

  /** A rule that has not been evaluated yet (health {@link RuleHealth#UNKNOWN}). */
  public RecordingRule(RuleConfig config) {
    this.config = Objects.requireNonNull(config, "config");
    this.query = config.query();
    this.labelNames = config.labels().keySet().toArray(new String[0]);
    this.labelValues = config.labels().values().toArray(new String[0]);
  }

  /** The output metric name ({@code record:}). */
  public String name() {
    return config.record();
  }

  /** The parsed expression. */
  public Expr expr() {
    return config.expr();
  }

  /** The expression printed back as PromQL: what runs, and what the rules API shows. */
  public String query() {
    return query;
  }

  /** The rule labels, sorted by name. */
  public Map<String, String> labels() {
    return config.labels();
  }

  public RuleConfig config() {
    return config;
  }

  public RuleHealth health() {
    return health;
  }

  /** The error of the last evaluation, or {@code null} when it succeeded or none ran yet. */
  public String lastError() {
    return lastError;
  }

  /** When the last evaluation started (wall clock), or {@link RuleGroup#NEVER}. */
  public Instant lastEvaluation() {
    return lastEvaluation;
  }

  /** How long the last evaluation took, including appending and committing its output. */
  public Duration evaluationTime() {
    return evaluationTime;
  }

  /** This rule as the rules API shows it. */
  public RecordingRuleStatus status() {
    return new RecordingRuleStatus(
        name(),
        query,
        labels(),
        health.apiName(),
        lastError,
        seconds(evaluationTime),
        lastEvaluation,
        "recording");
  }

  static double seconds(Duration d) {
    return d.getSeconds() + d.getNano() / 1e9;
  }

  /**
   * Upstream's {@code RecordingRule.Eval} with {@code EngineQueryFunc}: runs the query at {@code
   * timestampMs}, sets {@code __name__} and the rule labels, then checks for duplicate label sets
   * and the limit, in that order.
   *
   * @param limit the group's limit; when positive, more output series than this fail the rule
   * @throws EvalException with upstream's message when the rule fails
   */
  Output eval(Engine engine, Queryable queryable, long timestampMs, int limit)
      throws EvalException {
    Labels[] labels;
    double[] values;
    try {
      Result result = engine.instantQuery(queryable, query, timestampMs);
      if (result.value() instanceof Vector v) {
        labels = new Labels[v.size()];
        values = new double[v.size()];
        for (int i = 0; i < labels.length; i++) {
          labels[i] = v.labels(i);
          values[i] = v.value(i);
        }
      } else if (result.value() instanceof Scalar s) {
        // EngineQueryFunc turns a scalar into a one-sample vector without labels.
        labels = new Labels[] {Labels.EMPTY};
        values = new double[] {s.value()};
      } else {
        throw new EvalException(NOT_A_VECTOR);
      }
    } catch (PromQLException e) {
      throw new EvalException(e.getMessage());
    }

    LabelsBuilder lb = new LabelsBuilder();
    for (int i = 0; i < labels.length; i++) {
      lb.reset(labels[i]);
      lb.set(Labels.METRIC_NAME, config.record());
      for (int j = 0; j < labelNames.length; j++) {
        lb.set(labelNames[j], labelValues[j]);
      }
      labels[i] = lb.build();
    }
    // The engine rejects duplicate series itself; they can only appear here because the rule
    // labels overwrote what distinguished them, e.g. labels: {instance: all} on a per-instance
    // vector.
    Set<Labels> seen = new HashSet<>(labels.length * 2);
    for (Labels l : labels) {
      if (!seen.add(l)) {
        throw new EvalException(DUPLICATE_LABELSET);
      }
    }
    if (limit > 0 && labels.length > limit) {
      throw new EvalException("exceeded limit of " + limit + " with " + labels.length + " series");
    }
    return new Output(labels, values, timestampMs);
  }

  /** Records the outcome of an evaluation; called by the group. */
  void setHealth(RuleHealth health, String error) {
    this.health = health;
    this.lastError = error;
  }

  void setEvaluation(Instant start, Duration took) {
    this.lastEvaluation = start;
    this.evaluationTime = took;
  }

  /** Whether two rules are the same definition (upstream compares {@code Rule.String()}). */
  boolean sameDefinition(RecordingRule o) {
    return name().equals(o.name()) && query.equals(o.query) && labels().equals(o.labels());
  }

  /** Upstream's {@code nameAndLabels}: how state is matched between old and new rules. */
  String nameAndLabels() {
    return name() + labels();
  }

  @Override
  public String toString() {
    return "record: "
        + name()
        + ", expr: "
        + query
        + (labels().isEmpty() ? "" : ", labels: " + labels());
  }

  /** The renamed output of one evaluation: parallel arrays, all samples at one timestamp. */
  static final class Output {
    final Labels[] labels;
    final double[] values;
    final long timestampMs;

    Output(Labels[] labels, double[] values, long timestampMs) {
      this.labels = labels;
      this.values = values;
      this.timestampMs = timestampMs;
    }

    int size() {
      return labels.length;
    }
  }

  /** A failed evaluation; the message is what {@link #lastError()} reports. */
  static final class EvalException extends Exception {
    private static final long serialVersionUID = 1L;

    EvalException(String message) {
      super(message, null, false, false);
    }
  }
}
