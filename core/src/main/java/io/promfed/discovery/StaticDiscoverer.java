package io.promfed.discovery;

import io.promfed.config.StaticConfig;
import io.promfed.model.labels.Labels;
import java.util.ArrayList;
import java.util.List;
import java.util.function.Consumer;

/**
 * The discoverer for {@code static_configs}: Prometheus's {@code staticDiscoverer} (prometheus/
 * prometheus {@code discovery/discovery.go}). It delivers all groups once, synchronously inside
 * {@link #start}, and never changes. Groups are numbered "0", "1", … in file order, as upstream
 * {@code readConfigs} does when it coalesces a job's static configs. Immutable and thread-safe.
 */
public final class StaticDiscoverer implements Discoverer {

  private final List<TargetGroup> groups;

  public StaticDiscoverer(List<StaticConfig> configs) {
    this.groups = targetGroups(configs);
  }

  /**
   * The target groups of a job's static configs: each target string becomes {@code {__address__=
   * "<target>"}} (an empty string yields a target without address, which fails later with "no
   * address", as upstream).
   */
  public static List<TargetGroup> targetGroups(List<StaticConfig> configs) {
    List<TargetGroup> out = new ArrayList<>(configs.size());
    for (int i = 0; i < configs.size(); i++) {
      StaticConfig sc = configs.get(i);
      List<Labels> targets = new ArrayList<>(sc.targets().size());
      for (String t : sc.targets()) {
        targets.add(Labels.of(TargetGroup.ADDRESS_LABEL, t));
      }
      out.add(new TargetGroup(Integer.toString(i), targets, sc.labels()));
    }
    return List.copyOf(out);
  }

  /** The groups this discoverer delivers. */
  public List<TargetGroup> groups() {
    return groups;
  }

  /** Delivers every group once, on the calling thread. */
  @Override
  public void start(Consumer<List<TargetGroup>> updates) {
    updates.accept(groups);
  }

  /** Nothing to release. */
  @Override
  public void close() {}
}
