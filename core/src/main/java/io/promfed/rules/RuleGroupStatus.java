package io.promfed.rules;

import java.time.Instant;
import java.util.List;

/**
 * One rule group as Prometheus's {@code GET /api/v1/rules} shows it (web/api/v1/api.go, {@code
 * RuleGroup}); components are in the JSON field order. The response is {@code
 * {"status":"success","data":{"groups":[…]}}} with groups sorted by file, then name, as {@link
 * RuleManager#ruleGroupStatuses()} returns them. Format the instants as RFC 3339 with the fraction
 * trimmed of trailing zeros, like Go's {@code time.Time} JSON. Immutable.
 *
 * @param name the group name
 * @param file the rule file
 * @param rules the rules in file order
 * @param interval the evaluation interval in seconds
 * @param limit the series limit per rule, 0 for none
 * @param evaluationTime seconds the last group evaluation took
 * @param lastEvaluation when the last group evaluation started (wall clock), or {@link
 *     RuleGroup#NEVER}
 */
public record RuleGroupStatus(
    String name,
    String file,
    List<RecordingRuleStatus> rules,
    double interval,
    int limit,
    double evaluationTime,
    Instant lastEvaluation) {

  public RuleGroupStatus {
    rules = List.copyOf(rules);
  }
}
