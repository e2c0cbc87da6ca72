package io.promfed.discovery.kubernetes;

import io.promfed.config.ScrapeConfig;
import io.promfed.model.relabel.Action;
import io.promfed.model.relabel.RelabelConfig;
import java.util.ArrayList;
import java.util.List;

/**
 * Which share of the targets one replica scrapes: prometheus-operator's sharding relabelings
 * ({@code appendShardingRelabelingWithLabel} in {@code pkg/prometheus/promcfg.go}). A target's
 * {@code __address__} is copied into {@code __tmp_hash} (unless a rule already set it), hashed with
 * {@code hashmod} (md5, bytes 8..15 big-endian, mod {@code shards}) and kept only by the shard
 * whose number equals the hash, or by every shard when {@code __tmp_disable_sharding} is set. The
 * operator writes {@code $(SHARD)} and lets the config reloader substitute the pod's shard; here
 * the shard number is known when the rules are built. Immutable and thread-safe.
 *
 * @param shard this replica's shard, {@code 0 <= shard < shards}
 * @param shards how many shards the targets are split into, at least 1
 */
public record Sharding(int shard, int shards) {

  /** The label holding a target's hash ({@code hashLabelNameForSharding}). */
  public static final String HASH_LABEL = "__tmp_hash";

  /**
   * A non-empty value makes every shard keep the target ({@code
   * hashLabelNameForDisablingSharding}).
   */
  public static final String DISABLE_LABEL = "__tmp_disable_sharding";

  /** One shard: every target is kept. */
  public static final Sharding NONE = new Sharding(0, 1);

  public Sharding {
    if (shards < 1) {
      throw new IllegalArgumentException("shards must be at least 1, got " + shards);
    }
    if (shard < 0 || shard >= shards) {
      throw new IllegalArgumentException("shard must be in [0, " + shards + "), got " + shard);
    }
  }

  /**
   * The shard of a StatefulSet pod: its ordinal, the number after the last {@code -} of its name
   * ({@code leaf-agent-2} is shard 2 of {@code shards}).
   *
   * @throws IllegalArgumentException when the name has no ordinal or it is not below {@code shards}
   */
  public static Sharding fromPodName(String podName, int shards) {
    int dash = podName.lastIndexOf('-');
    String ordinal = dash < 0 ? "" : podName.substring(dash + 1);
    if (ordinal.isEmpty() || !ordinal.chars().allMatch(c -> c >= '0' && c <= '9')) {
      throw new IllegalArgumentException(
          "pod name \"" + podName + "\" has no StatefulSet ordinal (expected <name>-<n>)");
    }
    int n;
    try {
      n = Integer.parseInt(ordinal);
    } catch (NumberFormatException e) {
      throw new IllegalArgumentException("pod ordinal of \"" + podName + "\" is too large", e);
    }
    return new Sharding(n, shards);
  }

  /** The three relabel rules that keep this shard's targets, in the operator's order. */
  public List<RelabelConfig> relabelConfigs() {
    return List.of(
        RelabelConfig.builder()
            .sourceLabels(io.promfed.discovery.TargetGroup.ADDRESS_LABEL, HASH_LABEL)
            .targetLabel(HASH_LABEL)
            .regex("(.+);")
            .replacement("$1")
            .action(Action.REPLACE)
            .build(),
        RelabelConfig.builder()
            .sourceLabels(HASH_LABEL)
            .targetLabel(HASH_LABEL)
            .modulus(shards)
            .action(Action.HASHMOD)
            .build(),
        RelabelConfig.builder()
            .sourceLabels(HASH_LABEL, DISABLE_LABEL)
            .regex(shard + ";|.+;.+")
            .action(Action.KEEP)
            .build());
  }

  /**
   * {@code cfg} with {@link #relabelConfigs()} appended to its {@code relabel_configs}, so that of
   * {@code shards} replicas each target is scraped by exactly one. With one shard {@code cfg} is
   * returned unchanged (the operator adds the rules even then, with modulus 1; they keep
   * everything).
   */
  public ScrapeConfig apply(ScrapeConfig cfg) {
    if (shards == 1) {
      return cfg;
    }
    List<RelabelConfig> rules = new ArrayList<>(cfg.relabelConfigs());
    rules.addAll(relabelConfigs());
    return cfg.toBuilder().relabelConfigs(rules).build();
  }
}
