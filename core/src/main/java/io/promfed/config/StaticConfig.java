package io.promfed.config;

import io.promfed.model.labels.Labels;
import java.util.List;
import java.util.Objects;

/**
 * One entry of {@code static_configs}: Prometheus's {@code targetgroup.Group} as written in YAML
 * (prometheus/prometheus {@code discovery/targetgroup/targetgroup.go}). Each target string becomes
 * a target whose {@code __address__} is that string. Immutable.
 *
 * @param targets {@code host:port} addresses, in file order
 * @param labels labels shared by all targets of this group (already validated names)
 */
public record StaticConfig(List<String> targets, Labels labels) {

  public StaticConfig {
    targets = List.copyOf(targets);
    Objects.requireNonNull(labels, "labels");
  }
}
