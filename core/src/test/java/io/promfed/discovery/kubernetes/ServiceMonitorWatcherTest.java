package io.promfed.discovery.kubernetes;

import static org.assertj.core.api.Assertions.assertThat;

import io.fabric8.kubernetes.api.model.GenericKubernetesResource;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.fabric8.kubernetes.client.server.mock.EnableKubernetesMockClient;
import io.fabric8.kubernetes.client.server.mock.KubernetesMockServer;
import io.fabric8.kubernetes.client.utils.Serialization;
import io.promfed.config.ScrapeConfig;
import java.util.List;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;

/** The watcher emits the whole compiled list whenever a ServiceMonitor comes, changes or goes. */
@EnableKubernetesMockClient(crud = true)
class ServiceMonitorWatcherTest {

  KubernetesMockServer server;
  KubernetesClient client;

  @Test
  void emitsTheCompiledListOnEveryChange() throws Exception {
    MockCluster.installServiceMonitorCrd(server);
    BlockingQueue<List<ScrapeConfig>> lists = new LinkedBlockingQueue<>();
    try (ServiceMonitorWatcher w =
        new ServiceMonitorWatcher(client, List.of(""), "", new ServiceMonitorCompiler())) {
      w.start(lists::add);
      assertThat(next(lists)).as("the first, empty list once synced").isEmpty();

      MockCluster.apply(client, "seed/service-monitor.yaml");
      assertThat(next(lists))
          .extracting(ScrapeConfig::jobName)
          .containsExactly("serviceMonitor/default/golang-service-monitor/0");

      // A ServiceMonitor that does not compile is left out: the list does not change.
      MockCluster.create(
          client,
          Serialization.unmarshal(
              """
              apiVersion: monitoring.coreos.com/v1
              kind: ServiceMonitor
              metadata: {name: broken, namespace: apps}
              spec:
                selector: {}
                endpoints: [{port: web, interval: 10s, scrapeTimeout: 1m}]
              """,
              GenericKubernetesResource.class));
      // A valid one in another namespace sorts before "default".
      MockCluster.create(
          client,
          Serialization.unmarshal(
              """
              apiVersion: monitoring.coreos.com/v1
              kind: ServiceMonitor
              metadata: {name: api, namespace: apps}
              spec:
                selector: {matchLabels: {app: api}}
                endpoints: [{port: http}, {port: admin, path: /admin/metrics}]
              """,
              GenericKubernetesResource.class));
      assertThat(next(lists))
          .extracting(ScrapeConfig::jobName)
          .containsExactly(
              "serviceMonitor/apps/api/0",
              "serviceMonitor/apps/api/1",
              "serviceMonitor/default/golang-service-monitor/0");

      client
          .genericKubernetesResources(ServiceMonitorWatcher.SERVICE_MONITORS)
          .inNamespace("default")
          .withName("golang-service-monitor")
          .delete();
      assertThat(next(lists))
          .extracting(ScrapeConfig::jobName)
          .containsExactly("serviceMonitor/apps/api/0", "serviceMonitor/apps/api/1");
      assertThat(w.current()).hasSize(2);
    }
  }

  private static List<ScrapeConfig> next(BlockingQueue<List<ScrapeConfig>> q)
      throws InterruptedException {
    List<ScrapeConfig> l = q.poll(GroupCollector.TIMEOUT.toMillis(), TimeUnit.MILLISECONDS);
    assertThat(l).as("a list within %s", GroupCollector.TIMEOUT).isNotNull();
    return l;
  }
}
