/**
 * Recording rules: Prometheus's rule manager (prometheus/prometheus {@code rules/manager.go},
 * {@code group.go}, {@code recording.go}) and rule file format ({@code model/rulefmt}).
 *
 * <p>{@link io.promfed.rules.RuleFileLoader} reads the {@code rule_files} of the config into
 * validated {@link io.promfed.rules.RuleGroupConfig}s; {@link io.promfed.rules.RuleManager} turns
 * them into {@link io.promfed.rules.RuleGroup}s of {@link io.promfed.rules.RecordingRule}s, keeps
 * them across reloads and schedules their evaluation; each evaluation queries through the PromQL
 * {@link io.promfed.promql.Engine} and appends its output, with stale markers for vanished series,
 * to a {@link io.promfed.storage.Appendable}. {@link io.promfed.rules.RuleGroupStatus} is the shape
 * of {@code GET /api/v1/rules}. Alerting rules are rejected at load time.
 *
 * <p>Depends on {@code config}, {@code promql}, {@code storage} and {@code model}; never on {@code
 * tsdb}: the apps pick the store.
 */
package io.promfed.rules;
