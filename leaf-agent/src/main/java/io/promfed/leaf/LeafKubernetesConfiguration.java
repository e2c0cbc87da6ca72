package io.promfed.leaf;

import io.fabric8.kubernetes.client.KubernetesClient;
import io.promfed.config.ScrapeJobSources;
import io.promfed.discovery.DiscoveryManager;
import io.promfed.discovery.kubernetes.KubernetesDiscovery;
import io.promfed.discovery.kubernetes.ServiceMonitorCompiler;
import io.promfed.discovery.kubernetes.ServiceMonitorWatcher;
import io.promfed.discovery.kubernetes.Sharding;
import io.promfed.config.GlobalConfig;
import java.util.List;
import org.springframework.beans.factory.ObjectProvider;
import org.springframework.boot.autoconfigure.condition.ConditionalOnProperty;
import org.springframework.boot.context.properties.EnableConfigurationProperties;
import org.springframework.context.annotation.Bean;
import org.springframework.context.annotation.Configuration;
import org.springframework.context.SmartLifecycle;

/**
 * Kubernetes wiring: kubernetes_sd_configs run on the client spring-cloud-kubernetes configures,
 * and, when enabled, ServiceMonitors become scrape jobs. Outside a cluster there is no client
 * bean: kubernetes_sd_configs are then reported and ignored, everything else works.
 */
@Configuration(proxyBeanMethods = false)
@EnableConfigurationProperties(LeafKubernetesProperties.class)
class LeafKubernetesConfiguration {

  @Bean
  DiscoveryManager.KubernetesDiscovererFactory kubernetesDiscovererFactory(
      ObjectProvider<KubernetesClient> client, LeafKubernetesProperties props) {
    return KubernetesDiscovery.factory(client::getIfAvailable, props.podNamespace());
  }

  @Bean
  @ConditionalOnProperty(prefix = "leaf.kubernetes", name = "service-monitors", havingValue = "true")
  ServiceMonitorJobs serviceMonitorJobs(
      KubernetesClient client, LeafKubernetesProperties props, ScrapeJobSources jobs) {
    Sharding sharding =
        props.shards() > 1 ? Sharding.fromPodName(props.podName(), props.shards()) : null;
    return new ServiceMonitorJobs(
        new ServiceMonitorWatcher(
            client,
            List.of(KubernetesDiscovery.ALL_NAMESPACES),
            "",
            new ServiceMonitorCompiler(GlobalConfig.DEFAULT, props.serviceMonitorRole(), sharding)),
        jobs);
  }

  /** Runs the ServiceMonitor watch for the app's lifetime, feeding its jobs to the scrape side. */
  static final class ServiceMonitorJobs implements SmartLifecycle {
    private final ServiceMonitorWatcher watcher;
    private final ScrapeJobSources jobs;
    private volatile boolean running;

    ServiceMonitorJobs(ServiceMonitorWatcher watcher, ScrapeJobSources jobs) {
      this.watcher = watcher;
      this.jobs = jobs;
    }

    @Override
    public void start() {
      watcher.start(configs -> jobs.extraJobs("ServiceMonitors", configs));
      running = true;
    }

    @Override
    public void stop() {
      watcher.close();
      running = false;
    }

    @Override
    public boolean isRunning() {
      return running;
    }
  }
}
