package io.promfed.leaf;

import org.springframework.boot.context.properties.ConfigurationProperties;
import org.springframework.boot.context.properties.bind.DefaultValue;

/**
 * How the leaf runs inside Kubernetes. The Kubernetes client itself comes from
 * spring-cloud-kubernetes ({@code spring.cloud.kubernetes.*}: in-cluster service account or
 * kubeconfig).
 *
 * @param podName this pod's name (from the downward API); its StatefulSet ordinal picks the shard
 * @param podNamespace this pod's namespace, for {@code own_namespace: true} and ServiceMonitors
 *     without a namespaceSelector
 * @param serviceMonitors whether to watch {@code monitoring.coreos.com/v1} ServiceMonitors and
 *     scrape what they select, as prometheus-operator would configure a Prometheus
 * @param serviceMonitorRole the discovery role ServiceMonitor jobs use: endpoints or endpointslice
 * @param shards how many leaf replicas split the ServiceMonitor targets between them by hashmod of
 *     the address; 1 means every replica scrapes everything (HA pairs)
 */
@ConfigurationProperties("leaf.kubernetes")
public record LeafKubernetesProperties(
    @DefaultValue("") String podName,
    @DefaultValue("") String podNamespace,
    @DefaultValue("false") boolean serviceMonitors,
    @DefaultValue("endpoints") String serviceMonitorRole,
    @DefaultValue("1") int shards) {

  public LeafKubernetesProperties {
    if (shards < 1) {
      throw new IllegalArgumentException("leaf.kubernetes.shards must be >= 1, got " + shards);
    }
    if (!serviceMonitorRole.equals("endpoints") && !serviceMonitorRole.equals("endpointslice")) {
      throw new IllegalArgumentException(
          "leaf.kubernetes.service-monitor-role must be endpoints or endpointslice, got "
              + serviceMonitorRole);
    }
  }
}
