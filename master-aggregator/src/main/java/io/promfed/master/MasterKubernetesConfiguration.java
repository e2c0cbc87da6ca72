package io.promfed.master;

import io.fabric8.kubernetes.client.KubernetesClient;
import io.promfed.discovery.DiscoveryManager;
import io.promfed.discovery.kubernetes.KubernetesDiscovery;
import org.springframework.beans.factory.ObjectProvider;
import org.springframework.beans.factory.annotation.Value;
import org.springframework.context.annotation.Bean;
import org.springframework.context.annotation.Configuration;

/**
 * Finds leaves in Kubernetes: {@code kubernetes_sd_configs} in the master's config (e.g. role
 * {@code endpoints} selecting the leaf Service's {@code web} port) run on the client that
 * spring-cloud-kubernetes configures. Outside a cluster there is no client bean: such jobs are
 * reported and ignored, static_configs work as usual.
 */
@Configuration(proxyBeanMethods = false)
class MasterKubernetesConfiguration {

  @Bean
  DiscoveryManager.KubernetesDiscovererFactory kubernetesDiscovererFactory(
      ObjectProvider<KubernetesClient> client,
      @Value("${master.kubernetes.pod-namespace:}") String podNamespace) {
    return KubernetesDiscovery.factory(client::getIfAvailable, podNamespace);
  }
}
