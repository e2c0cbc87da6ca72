package io.promfed.rules;

import java.time.Instant;
import java.util.Map;

/**
 * One recording rule as Prometheus's {@code GET /api/v1/rules} shows it (web/api/v1/api.go, {@code
 * RecordingRule}); components are in the JSON field order. Immutable.
 *
 * @param name the {@code record} name
 * @param query the expression, printed back as PromQL
 * @param labels the rule labels, sorted by name ({@code {}} when none)
 * @param health {@code ok}, {@code err} or {@code unknown}
 * @param lastError the last error, or {@code null} when none (upstream omits the field then)
 * @param evaluationTime seconds the last evaluation took
 * @param lastEvaluation when the last evaluation started (wall clock), or {@link RuleGroup#NEVER}
 *     (Go's zero time, {@code 0001-01-01T00:00:00Z}) before the first one
 * @param type always {@code recording}
 */
public record RecordingRuleStatus(
    String name,
    String query,
    Map<String, String> labels,
    String health,
    String lastError,
    double evaluationTime,
    Instant lastEvaluation,
    String type) {}
