package io.promfed.rules;

import java.time.Duration;
import java.util.List;
import java.util.Objects;

/**
 * One validated group of a rule file (prometheus/prometheus {@code rulefmt.RuleGroup}): rules
 * evaluated in order at one interval. Built by {@link RuleFileLoader}; immutable and thread-safe.
 *
 * @param name the group name, unique within its file
 * @param file the rule file as the {@code rule_files} glob produced it; groups are identified by
 *     file and name ({@code GroupKey})
 * @param interval {@code interval:}, or {@link Duration#ZERO} when unset (then the global {@code
 *     evaluation_interval} applies)
 * @param queryOffset {@code query_offset:}, or {@code null} when unset (then the global default,
 *     which is 0 here: {@code global.rule_query_offset} is not supported)
 * @param limit {@code limit:}; when positive, a rule producing more series fails; 0 means none
 * @param rules the recording rules, in file order
 */
public record RuleGroupConfig(
    String name,
    String file,
    Duration interval,
    Duration queryOffset,
    int limit,
    List<RuleConfig> rules) {

  public RuleGroupConfig {
    Objects.requireNonNull(name, "name");
    Objects.requireNonNull(file, "file");
    Objects.requireNonNull(interval, "interval");
    if (interval.isNegative() || (queryOffset != null && queryOffset.isNegative())) {
      throw new IllegalArgumentException("interval and query_offset must not be negative");
    }
    rules = List.copyOf(rules);
  }
}
