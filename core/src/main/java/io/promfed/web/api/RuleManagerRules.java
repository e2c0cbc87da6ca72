package io.promfed.web.api;

import io.promfed.model.labels.Labels;
import io.promfed.rules.RecordingRuleStatus;
import io.promfed.rules.RuleGroup;
import io.promfed.rules.RuleGroupStatus;
import io.promfed.rules.RuleManager;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;

/** Shows the rule manager's groups in {@code /api/v1/rules}: maps rules' status to the API's. */
public final class RuleManagerRules implements RulesRetriever {

  private final RuleManager rules;

  public RuleManagerRules(RuleManager rules) {
    this.rules = rules;
  }

  @Override
  public List<Group> ruleGroups() {
    List<Group> out = new ArrayList<>();
    for (RuleGroupStatus g : rules.ruleGroupStatuses()) {
      List<RecordingRule> rs = new ArrayList<>(g.rules().size());
      for (RecordingRuleStatus r : g.rules()) {
        rs.add(
            new RecordingRule(
                r.name(),
                r.query(),
                Labels.from(r.labels()),
                Health.valueOf(r.health().toUpperCase(java.util.Locale.ROOT)),
                r.lastError(),
                r.evaluationTime(),
                evaluatedAt(r.lastEvaluation())));
      }
      out.add(
          new Group(
              g.name(),
              g.file(),
              Duration.ofMillis(Math.round(g.interval() * 1000)),
              g.limit(),
              rs,
              g.evaluationTime(),
              evaluatedAt(g.lastEvaluation())));
    }
    return out;
  }

  /** The API writes a missing evaluation itself; the rules package uses Go's zero time. */
  private static Instant evaluatedAt(Instant t) {
    return t == null || t.equals(RuleGroup.NEVER) ? null : t;
  }
}
