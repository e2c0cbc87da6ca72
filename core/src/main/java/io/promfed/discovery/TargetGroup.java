package io.promfed.discovery;

import io.promfed.model.labels.Labels;
import java.util.List;
import java.util.Objects;

/**
 * A set of targets with common labels: Prometheus's {@code targetgroup.Group}
 * (prometheus/prometheus {@code discovery/targetgroup/targetgroup.go}). Immutable and thread-safe.
 *
 * <p>Groups are identified by {@code source} within one discoverer: an update carrying a group with
 * a known source replaces that group, and a group with no targets removes it.
 *
 * @param source identifies the group within its discoverer (for static configs the index, "0", "1"
 *     …)
 * @param targets one label set per target; each carries {@code __address__}, plus any {@code
 *     __meta_*} labels of the discovery mechanism
 * @param labels labels shared by all targets; a target's own label of the same name wins
 */
public record TargetGroup(String source, List<Labels> targets, Labels labels) {

  /** The label holding a target's {@code host:port}. */
  public static final String ADDRESS_LABEL = "__address__";

  public TargetGroup {
    Objects.requireNonNull(source, "source");
    targets = List.copyOf(targets);
    Objects.requireNonNull(labels, "labels");
  }
}
