package io.promfed.discovery.kubernetes;

import static org.assertj.core.api.Assertions.assertThat;

import io.fabric8.kubernetes.api.model.GenericKubernetesResource;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.fabric8.kubernetes.client.server.mock.EnableKubernetesMockClient;
import io.fabric8.kubernetes.client.server.mock.KubernetesMockServer;
import io.promfed.config.ConfigLoader;
import io.promfed.config.GlobalConfig;
import io.promfed.config.KubernetesSdConfig;
import io.promfed.config.PrometheusConfig;
import io.promfed.config.ScrapeConfig;
import io.promfed.discovery.TargetGroup;
import io.promfed.discovery.TargetLabels;
import io.promfed.model.labels.Labels;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

/**
 * Mirrors prometheus-operator's golden file ServiceMonitorObjectWithMatchLabelSelector.golden: the
 * same ServiceMonitor compiles to the same scrape config (parsed from the golden YAML with our
 * Prometheus config loader), and against a small cluster its discovery yields the label sets in
 * ServiceMonitorObjectWithMatchLabelSelector.targets.golden.
 */
@EnableKubernetesMockClient(crud = true)
class ServiceMonitorGoldenTest {

  static final String CASE = "operator/ServiceMonitorObjectWithMatchLabelSelector";

  KubernetesMockServer server;
  KubernetesClient client;

  private ScrapeConfig compiled() {
    GenericKubernetesResource sm =
        (GenericKubernetesResource) MockCluster.load(client, CASE + ".yaml").get(0);
    // The operator test's Prometheus: scrapeInterval 30s, the default timeout, one shard.
    GlobalConfig global =
        new GlobalConfig(
            Duration.ofSeconds(30), Duration.ofSeconds(10), Duration.ofSeconds(30), Labels.EMPTY);
    List<ScrapeConfig> configs =
        new ServiceMonitorCompiler(global, KubernetesSdConfig.ROLE_ENDPOINTS, Sharding.NONE)
            .compile(ServiceMonitor.from(sm));
    assertThat(configs).hasSize(1);
    return configs.get(0);
  }

  @Test
  void compilesToTheOperatorsScrapeConfig() throws Exception {
    PrometheusConfig golden = ConfigLoader.loadString(Golden.read(CASE + ".golden"), CASE);
    assertThat(List.of(compiled())).isEqualTo(golden.scrapeConfigs());
  }

  @Test
  void discoveredTargetsMatchTheGoldenLabelSets() throws Exception {
    MockCluster.installServiceMonitorCrd(server);
    MockCluster.apply(client, "operator/cluster.yaml");
    ScrapeConfig job = compiled();
    assertThat(job.jobName()).isEqualTo("serviceMonitor/default/defaultServiceMonitor/0");

    GroupCollector groups = new GroupCollector();
    try (InformerDiscoverer<?> d =
        KubernetesDiscovery.create(client, job.kubernetesSdConfigs().get(0), null)) {
      d.start(groups);
      Map<String, TargetGroup> seen =
          groups.await(
              g -> g.containsKey("endpoints/default/example-app"), "the example-app Endpoints");
      // The API-side selector and the namespace list keep the decoys out of discovery entirely.
      assertThat(seen).containsOnlyKeys("endpoints/default/example-app");

      List<String> lines = new ArrayList<>();
      for (TargetGroup g : seen.values()) {
        for (Labels t : g.targets()) {
          TargetLabels.Result r = TargetLabels.populate(g, t, job);
          lines.add(
              r.isKept()
                  ? "kept    " + r.labels()
                  : "dropped "
                      + t.get("__address__")
                      + " ("
                      + (r.isFailed() ? r.error() : "relabeling")
                      + ")");
        }
      }
      lines.sort(null);
      Golden.assertMatches(CASE + ".targets.golden", String.join("\n", lines) + "\n");
    }
  }
}
