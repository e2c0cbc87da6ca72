package io.promfed.config;

import java.time.Duration;

/**
 * Forwards to {@link io.promfed.model.time.Durations}, where Prometheus's duration syntax now lives
 * so that PromQL can share it. Kept only for the callers outside {@code config}/{@code
 * model}/{@code promql} (discovery's {@code TargetLabels} and {@code ServiceMonitorCompiler},
 * scrape's {@code TargetBuilder}); delete it once they import the model class.
 *
 * @deprecated use {@link io.promfed.model.time.Durations}
 */
@Deprecated
public final class Durations {

  private Durations() {}

  /** See {@link io.promfed.model.time.Durations#parse}. */
  public static Duration parse(String s) {
    return io.promfed.model.time.Durations.parse(s);
  }

  /** See {@link io.promfed.model.time.Durations#format}. */
  public static String format(Duration d) {
    return io.promfed.model.time.Durations.format(d);
  }
}
