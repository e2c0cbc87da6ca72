package io.promfed.storage.ha;

import io.promfed.model.labels.Labels;
import io.promfed.model.relabel.Names;
import java.time.Duration;
import java.util.Objects;

/**
 * How HA replicas are recognised and when the master fails over between them (the settings of
 * Cortex's and Mimir's HA tracker).
 *
 * @param clusterLabel the label naming the HA group; replicas of one group carry the same value
 *     and the label is kept on stored series (Mimir's {@code ha_cluster_label}, default {@code
 *     cluster})
 * @param replicaLabel the label telling the replicas of a group apart; dropped from stored series
 *     (Mimir's {@code ha_replica_label}; ours defaults to the external label {@code replica})
 * @param failoverTimeout how long the elected replica may deliver nothing before another replica
 *     is elected (Mimir's {@code ha_tracker_failover_timeout}, 30s). A failed scrape of the elected
 *     replica fails over at once when another replica is delivering
 * @param maxClusters how many HA groups are tracked; samples of further groups are dropped and
 *     counted, which keeps the per-cluster metrics' label values bounded (Mimir's {@code
 *     ha_max_clusters}, 100)
 */
public record HaConfig(
    String clusterLabel, String replicaLabel, Duration failoverTimeout, int maxClusters) {

  public static final String DEFAULT_CLUSTER_LABEL = "cluster";
  public static final String DEFAULT_REPLICA_LABEL = "replica";
  public static final Duration DEFAULT_FAILOVER_TIMEOUT = Duration.ofSeconds(30);
  public static final int DEFAULT_MAX_CLUSTERS = 100;

  /** Cortex's and Mimir's defaults, with our {@code replica} external label. */
  public static final HaConfig DEFAULTS =
      new HaConfig(
          DEFAULT_CLUSTER_LABEL,
          DEFAULT_REPLICA_LABEL,
          DEFAULT_FAILOVER_TIMEOUT,
          DEFAULT_MAX_CLUSTERS);

  public HaConfig {
    checkLabelName("cluster label", clusterLabel);
    checkLabelName("replica label", replicaLabel);
    if (clusterLabel.equals(replicaLabel)) {
      throw new IllegalArgumentException(
          "HA cluster label and replica label must differ, both are '" + clusterLabel + "'");
    }
    Objects.requireNonNull(failoverTimeout, "failoverTimeout");
    if (failoverTimeout.isNegative() || failoverTimeout.isZero()) {
      throw new IllegalArgumentException(
          "HA failover timeout must be positive, got " + failoverTimeout);
    }
    if (maxClusters < 1) {
      throw new IllegalArgumentException("HA max clusters must be at least 1, got " + maxClusters);
    }
  }

  private static void checkLabelName(String what, String name) {
    if (name == null || !Names.isValidLabelName(name) || name.equals(Labels.METRIC_NAME)) {
      throw new IllegalArgumentException(
          "HA " + what + " must be a valid label name other than __name__, got '" + name + "'");
    }
  }
}
