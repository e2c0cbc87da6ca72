package io.promfed.web.api;

import io.promfed.model.labels.Labels;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Objects;

/**
 * Where {@code /api/v1/rules} gets its rule groups (Prometheus's {@code RulesRetriever}). The
 * records here are the API's view of a group, decoupled from the rules engine that fills them.
 * Implementations must be thread-safe and return a consistent snapshot per call.
 */
@FunctionalInterface
public interface RulesRetriever {

  /** The groups in evaluation order (file order, then group order within a file). */
  List<Group> ruleGroups();

  /** No rules: the API answers {@code {"groups":[]}}. */
  RulesRetriever NONE = List::of;

  /** A rule's health after its last evaluation ({@code rules.RuleHealth}). */
  enum Health {
    UNKNOWN("unknown"),
    OK("ok"),
    ERR("err");

    private final String text;

    Health(String text) {
      this.text = text;
    }

    /** The API's spelling. */
    public String text() {
      return text;
    }
  }

  /**
   * A rule group.
   *
   * @param name the group's name, unique within its file
   * @param file the rule file it was loaded from
   * @param interval how often it is evaluated
   * @param limit the group's series limit, 0 for none
   * @param rules its rules in file order
   * @param evaluationTimeSeconds how long the last evaluation of the whole group took
   * @param lastEvaluation when it was last evaluated; null if never
   */
  record Group(
      String name,
      String file,
      Duration interval,
      int limit,
      List<RecordingRule> rules,
      double evaluationTimeSeconds,
      Instant lastEvaluation) {

    public Group {
      Objects.requireNonNull(name, "name");
      Objects.requireNonNull(file, "file");
      Objects.requireNonNull(interval, "interval");
      rules = List.copyOf(rules);
    }
  }

  /**
   * A recording rule.
   *
   * @param name the metric name it records
   * @param query the PromQL expression, as printed by the parser
   * @param labels the labels it adds
   * @param health its health after the last evaluation
   * @param lastError the last evaluation's error, empty when it succeeded
   * @param evaluationTimeSeconds how long the last evaluation took
   * @param lastEvaluation when it was last evaluated; null if never
   */
  record RecordingRule(
      String name,
      String query,
      Labels labels,
      Health health,
      String lastError,
      double evaluationTimeSeconds,
      Instant lastEvaluation) {

    public RecordingRule {
      Objects.requireNonNull(name, "name");
      Objects.requireNonNull(query, "query");
      labels = labels == null ? Labels.EMPTY : labels;
      health = health == null ? Health.UNKNOWN : health;
      lastError = lastError == null ? "" : lastError;
    }
  }
}
