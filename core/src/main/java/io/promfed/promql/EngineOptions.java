package io.promfed.promql;

import java.time.Duration;

/**
 * Engine settings ({@code promql.EngineOpts}).
 *
 * @param timeout the longest a query may run before failing with {@link ErrorType#TIMEOUT}
 * @param maxSamples the most samples a query may hold in memory at once (Prometheus's {@code
 *     --query.max-samples}, default 50 000 000)
 * @param lookbackDelta how far back an instant selector looks for the latest sample (default 5m)
 * @param noStepSubqueryInterval the step of subqueries written without one, {@code x[1h:]}
 *     (Prometheus uses the global evaluation interval, default 1m)
 * @param enableExperimentalFunctions parse functions Prometheus marks experimental
 */
public record EngineOptions(
    Duration timeout,
    int maxSamples,
    Duration lookbackDelta,
    Duration noStepSubqueryInterval,
    boolean enableExperimentalFunctions) {

  public EngineOptions {
    if (timeout == null || timeout.isNegative() || timeout.isZero()) {
      throw new IllegalArgumentException("timeout must be positive");
    }
    if (maxSamples < 0) {
      throw new IllegalArgumentException("maxSamples must not be negative");
    }
    if (lookbackDelta == null || lookbackDelta.isZero() || lookbackDelta.isNegative()) {
      lookbackDelta = Duration.ofMinutes(5);
    }
    if (noStepSubqueryInterval == null
        || noStepSubqueryInterval.isZero()
        || noStepSubqueryInterval.isNegative()) {
      noStepSubqueryInterval = Duration.ofMinutes(1);
    }
  }

  /** Prometheus's defaults: 2m timeout, 50M samples, 5m lookback, 1m subquery step. */
  public static EngineOptions defaults() {
    return new EngineOptions(
        Duration.ofMinutes(2), 50_000_000, Duration.ofMinutes(5), Duration.ofMinutes(1), false);
  }

  public EngineOptions withTimeout(Duration d) {
    return new EngineOptions(
        d, maxSamples, lookbackDelta, noStepSubqueryInterval, enableExperimentalFunctions);
  }

  public EngineOptions withMaxSamples(int n) {
    return new EngineOptions(
        timeout, n, lookbackDelta, noStepSubqueryInterval, enableExperimentalFunctions);
  }

  public EngineOptions withLookbackDelta(Duration d) {
    return new EngineOptions(
        timeout, maxSamples, d, noStepSubqueryInterval, enableExperimentalFunctions);
  }

  public EngineOptions withExperimentalFunctions(boolean enable) {
    return new EngineOptions(timeout, maxSamples, lookbackDelta, noStepSubqueryInterval, enable);
  }
}
