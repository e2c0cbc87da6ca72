package io.promfed.rules;

import io.promfed.promql.parser.Expr;
import java.util.Collections;
import java.util.Map;
import java.util.Objects;
import java.util.TreeMap;

/**
 * One validated recording rule of a rule file (prometheus/prometheus {@code rulefmt.Rule} with
 * {@code record} set). Built by {@link RuleFileLoader}; immutable and thread-safe.
 *
 * @param record the output metric name ({@code record:}), a valid metric name
 * @param expr the parsed {@code expr:}; evaluated as {@code expr.toString()}, Prometheus's printed
 *     form, like upstream's {@code rule.vector.String()}
 * @param labels the group's {@code labels} overridden by the rule's own, sorted by name (upstream's
 *     {@code FromMaps(rg.Labels, r.Labels)}). An empty value is kept: it deletes that label from
 *     the output, as {@code labels.Builder.Set(name, "")} does upstream
 */
public record RuleConfig(String record, Expr expr, Map<String, String> labels) {

  public RuleConfig {
    Objects.requireNonNull(record, "record");
    Objects.requireNonNull(expr, "expr");
    labels = Collections.unmodifiableSortedMap(new TreeMap<>(labels));
  }

  /** The query the rule runs and {@code /api/v1/rules} shows: the expression printed back. */
  public String query() {
    return expr.toString();
  }
}
