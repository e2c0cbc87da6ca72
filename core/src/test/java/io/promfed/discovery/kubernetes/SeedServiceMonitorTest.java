package io.promfed.discovery.kubernetes;

import static org.assertj.core.api.Assertions.assertThat;

import io.fabric8.kubernetes.client.KubernetesClient;
import io.fabric8.kubernetes.client.server.mock.EnableKubernetesMockClient;
import io.fabric8.kubernetes.client.server.mock.KubernetesMockServer;
import io.promfed.config.KubernetesSdConfig;
import io.promfed.config.ScrapeConfig;
import io.promfed.discovery.TargetGroup;
import io.promfed.discovery.TargetLabels;
import io.promfed.model.labels.Labels;
import io.promfed.model.labels.LabelsBuilder;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/**
 * The seed's objects (golang-server Deployment's pods, the Service with its Endpoints and
 * EndpointSlice) and its service-monitor.yaml applied unchanged: the ServiceMonitor compiles to one
 * job whose discovery and relabeling yield exactly the two pod targets with the operator's labels.
 */
@EnableKubernetesMockClient(crud = true)
class SeedServiceMonitorTest {

  static final String POD_A = "golang-server-7c9d8f6b5-4xk2p";
  static final String POD_B = "golang-server-7c9d8f6b5-9lq7m";

  KubernetesMockServer server;
  KubernetesClient client;

  @BeforeEach
  void applySeed() {
    MockCluster.installServiceMonitorCrd(server);
    MockCluster.apply(
        client,
        "seed/server_deplyment.yaml",
        "seed/server_service.yaml",
        "seed/controller-objects.yaml",
        "seed/service-monitor.yaml");
  }

  @ParameterizedTest
  @ValueSource(strings = {"endpoints", "endpointslice"})
  void seedServiceMonitorYieldsTheTwoPodTargets(String role) throws Exception {
    ScrapeConfig job = compiledJob(role);
    assertThat(job.jobName()).isEqualTo("serviceMonitor/default/golang-service-monitor/0");
    assertThat(job.scrapeInterval()).isEqualTo(Duration.ofSeconds(15));
    assertThat(job.metricsPath()).isEqualTo("/metrics");
    KubernetesSdConfig sd = job.kubernetesSdConfigs().get(0);
    assertThat(sd.role()).isEqualTo(role);
    assertThat(sd.namespaceNames()).isEmpty(); // namespaceSelector.any

    List<Labels> targets = discoverAndRelabel(job, 2);

    assertThat(targets)
        .containsExactlyInAnyOrder(
            expected(POD_A, "10.244.1.5:8080"), expected(POD_B, "10.244.2.7:8080"));
  }

  /** What prometheus-operator's config gives for each pod: the non-"__" labels, and the address. */
  static Labels expected(String pod, String address) {
    return Labels.of(
        "__address__", address,
        "container", "golang-server",
        "endpoint", "service-web",
        "instance", address,
        "job", "golang-server",
        "namespace", "default",
        "pod", pod,
        "service", "golang-server");
  }

  private ScrapeConfig compiledJob(String role) throws Exception {
    CompletableFuture<List<ScrapeConfig>> first = new CompletableFuture<>();
    try (ServiceMonitorWatcher watcher =
        new ServiceMonitorWatcher(
            client,
            List.of(KubernetesDiscovery.ALL_NAMESPACES),
            "",
            new ServiceMonitorCompiler(io.promfed.config.GlobalConfig.DEFAULT, role, null))) {
      watcher.start(first::complete);
      List<ScrapeConfig> configs = first.get(10, TimeUnit.SECONDS);
      assertThat(configs).hasSize(1);
      return configs.get(0);
    }
  }

  /** Runs the job's discovery until {@code count} targets survive relabeling; returns them. */
  private List<Labels> discoverAndRelabel(ScrapeConfig job, int count) throws Exception {
    GroupCollector groups = new GroupCollector();
    try (InformerDiscoverer<?> d =
        KubernetesDiscovery.create(client, job.kubernetesSdConfigs().get(0), null)) {
      d.start(groups);
      Map<String, TargetGroup> seen =
          groups.await(g -> kept(g, job).size() == count, count + " kept targets");
      assertThat(groups.overlapped()).isFalse();
      return kept(seen, job);
    }
  }

  /** The kept targets, reduced to the labels that reach series plus {@code __address__}. */
  static List<Labels> kept(Map<String, TargetGroup> groups, ScrapeConfig job) {
    List<Labels> out = new ArrayList<>();
    for (TargetGroup g : groups.values()) {
      for (Labels t : g.targets()) {
        TargetLabels.Result r = TargetLabels.populate(g, t, job);
        if (r.isKept()) {
          out.add(withoutReserved(r.labels()));
        }
      }
    }
    return out;
  }

  static Labels withoutReserved(Labels l) {
    LabelsBuilder b = new LabelsBuilder();
    for (int i = 0; i < l.size(); i++) {
      if (!l.name(i).startsWith("__") || l.name(i).equals("__address__")) {
        b.set(l.name(i), l.value(i));
      }
    }
    return b.build();
  }
}
