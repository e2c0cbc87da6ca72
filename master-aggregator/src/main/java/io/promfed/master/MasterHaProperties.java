package io.promfed.master;

import io.promfed.storage.ha.HaConfig;
import java.time.Duration;
import org.springframework.boot.context.properties.ConfigurationProperties;
import org.springframework.boot.context.properties.bind.DefaultValue;

/**
 * De-duplication of HA leaf pairs (see docs/ha-dedup.md): leaves that scrape the same pods carry
 * the same {@code cluster} and a different {@code replica} external label; the master stores one
 * replica's samples per cluster, without the replica label, and fails over when it stops.
 * Series without the replica label pass through untouched, so this costs nothing without HA.
 */
@ConfigurationProperties("master.ha")
public record MasterHaProperties(
    @DefaultValue(HaConfig.DEFAULT_CLUSTER_LABEL) String clusterLabel,
    @DefaultValue(HaConfig.DEFAULT_REPLICA_LABEL) String replicaLabel,
    @DefaultValue("30s") Duration failoverTimeout,
    @DefaultValue("100") int maxClusters) {

  HaConfig toConfig() {
    return new HaConfig(clusterLabel, replicaLabel, failoverTimeout, maxClusters);
  }
}
