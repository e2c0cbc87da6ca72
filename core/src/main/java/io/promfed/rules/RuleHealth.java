package io.promfed.rules;

/**
 * The health of a rule after its last evaluation (prometheus/prometheus {@code rules.RuleHealth}),
 * with the strings {@code /api/v1/rules} reports. Immutable.
 */
public enum RuleHealth {
  /** Not evaluated yet. */
  UNKNOWN("unknown"),
  /** The last evaluation succeeded and all its samples were appended. */
  OK("ok"),
  /** The last evaluation, or appending or committing its samples, failed. */
  ERR("err");

  private final String apiName;

  RuleHealth(String apiName) {
    this.apiName = apiName;
  }

  /**
   * The {@code health} field of Prometheus's rules API: {@code ok}, {@code err}, {@code unknown}.
   */
  public String apiName() {
    return apiName;
  }
}
