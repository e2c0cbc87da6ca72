package io.promfed.web.api;

import java.util.Map;

/**
 * The server facts behind {@code /api/v1/status/*}: build, configuration, flags and runtime.
 * Prometheus passes these to its API one by one; they travel together here because they all come
 * from the application that hosts the API. Implementations must be thread-safe.
 */
public interface StatusRetriever {

  /** {@code /api/v1/status/buildinfo}. */
  BuildInfo buildInfo();

  /** {@code /api/v1/status/config}: the configuration in force, as YAML text. */
  String configYaml();

  /** {@code /api/v1/status/flags}: flag names (without dashes) to their values. */
  Map<String, String> flags();

  /** {@code /api/v1/status/runtimeinfo}, taken now. */
  RuntimeInfo runtimeInfo();
}
