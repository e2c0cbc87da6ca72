package io.promfed.discovery.kubernetes;

import static org.assertj.core.api.Assertions.assertThat;

import io.fabric8.kubernetes.api.model.EndpointAddress;
import io.fabric8.kubernetes.api.model.EndpointSubset;
import io.fabric8.kubernetes.api.model.Pod;
import io.fabric8.kubernetes.api.model.PodBuilder;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.fabric8.kubernetes.client.server.mock.EnableKubernetesMockClient;
import io.fabric8.kubernetes.client.server.mock.KubernetesMockServer;
import io.promfed.config.GlobalConfig;
import io.promfed.config.KubernetesSdConfig;
import io.promfed.config.ScrapeConfig;
import io.promfed.discovery.TargetGroup;
import io.promfed.model.labels.Labels;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * Targets follow the cluster one watch event at a time: each API write below is one watch event,
 * and the very next update delivered must already reflect it (no resync, no polling).
 */
@EnableKubernetesMockClient(crud = true)
class DiscoveryDynamicsTest {

  static final String POD_A = SeedServiceMonitorTest.POD_A;
  static final String POD_B = SeedServiceMonitorTest.POD_B;
  static final String POD_C = "golang-server-7c9d8f6b5-zz8rt";

  KubernetesMockServer server;
  KubernetesClient client;

  @BeforeEach
  void applySeed() {
    MockCluster.installServiceMonitorCrd(server);
    MockCluster.apply(client, "seed/server_service.yaml", "seed/controller-objects.yaml");
  }

  @Test
  void podRoleFollowsPodsComingTurningUnreadyAndGoing() throws Exception {
    GroupCollector updates = new GroupCollector();
    try (PodDiscoverer d = new PodDiscoverer(client, List.of("default"), List.of())) {
      d.start(updates);
      List<TargetGroup> first = updates.next();
      assertThat(first)
          .extracting(TargetGroup::source)
          .containsExactlyInAnyOrder("pod/default/" + POD_A, "pod/default/" + POD_B);

      // A pod comes: one event, one update with its group.
      client.pods().inNamespace("default").resource(podC()).create();
      List<TargetGroup> added = updates.next();
      assertThat(added).extracting(TargetGroup::source).containsExactly("pod/default/" + POD_C);
      assertThat(added.get(0).targets())
          .extracting(t -> t.get("__address__"))
          .containsExactly("10.244.3.9:8080");
      assertThat(added.get(0).labels().get("__meta_kubernetes_pod_ready")).isEqualTo("true");

      // It turns unready: the next update carries pod_ready="false".
      client
          .pods()
          .inNamespace("default")
          .withName(POD_C)
          .edit(
              p ->
                  new PodBuilder(p)
                      .editStatus()
                      .editFirstCondition()
                      .withStatus("False")
                      .endCondition()
                      .endStatus()
                      .build());
      List<TargetGroup> unready = updates.next();
      assertThat(unready).extracting(TargetGroup::source).containsExactly("pod/default/" + POD_C);
      assertThat(unready.get(0).labels().get("__meta_kubernetes_pod_ready")).isEqualTo("false");

      // It goes: an empty group tells the scrape side to drop its targets.
      client.pods().inNamespace("default").withName(POD_C).delete();
      List<TargetGroup> gone = updates.next();
      assertThat(gone).hasSize(1);
      assertThat(gone.get(0).source()).isEqualTo("pod/default/" + POD_C);
      assertThat(gone.get(0).targets()).isEmpty();
      assertThat(updates.overlapped()).isFalse();
    }
  }

  @Test
  void endpointsRoleFollowsReadinessPhaseAndDeletionThroughTheOperatorChain() throws Exception {
    ScrapeConfig job =
        new ServiceMonitorCompiler(GlobalConfig.DEFAULT, KubernetesSdConfig.ROLE_ENDPOINTS, null)
            .compile(
                ServiceMonitor.from(
                    (io.fabric8.kubernetes.api.model.GenericKubernetesResource)
                        MockCluster.load(client, "seed/service-monitor.yaml").get(0)))
            .get(0);
    GroupCollector updates = new GroupCollector();
    try (InformerDiscoverer<?> d =
        KubernetesDiscovery.create(client, job.kubernetesSdConfigs().get(0), null)) {
      d.start(updates);
      List<TargetGroup> first = updates.next();
      assertThat(first)
          .extracting(TargetGroup::source)
          .containsExactly("endpoints/default/golang-server");
      assertThat(podsOf(first, job)).containsExactlyInAnyOrder(POD_A, POD_B);

      // The endpoints controller moves B to notReadyAddresses: endpoint_ready="false".
      client
          .endpoints()
          .inNamespace("default")
          .withName("golang-server")
          .edit(
              e -> {
                EndpointSubset ss = e.getSubsets().get(0);
                EndpointAddress b = ss.getAddresses().remove(1);
                ss.setNotReadyAddresses(new ArrayList<>(List.of(b)));
                return e;
              });
      List<TargetGroup> notReady = updates.next();
      assertThat(notReady)
          .extracting(TargetGroup::source)
          .containsExactly("endpoints/default/golang-server");
      assertThat(readiness(notReady.get(0)))
          .containsEntry(POD_A, "true")
          .containsEntry(POD_B, "false");

      // A's phase turns Failed with no Endpoints change: the pod handler rebuilds the group and
      // filterRunning drops A.
      client
          .pods()
          .inNamespace("default")
          .withName(POD_A)
          .edit(p -> new PodBuilder(p).editStatus().withPhase("Failed").endStatus().build());
      List<TargetGroup> failed = updates.next();
      assertThat(failed)
          .extracting(TargetGroup::source)
          .containsExactly("endpoints/default/golang-server");
      assertThat(podsOf(failed, job)).containsExactly(POD_B);

      // The Endpoints object goes: an empty group with the same source.
      client.endpoints().inNamespace("default").withName("golang-server").delete();
      List<TargetGroup> gone = updates.next();
      assertThat(gone).hasSize(1);
      assertThat(gone.get(0).source()).isEqualTo("endpoints/default/golang-server");
      assertThat(gone.get(0).targets()).isEmpty();
    }
  }

  static Pod podC() {
    return new PodBuilder()
        .withNewMetadata()
        .withName(POD_C)
        .withNamespace("default")
        .addToLabels("app", "golang-server")
        .addToLabels("group", "database")
        .endMetadata()
        .withNewSpec()
        .withNodeName("k8s-node1")
        .addNewContainer()
        .withName("golang-server")
        .withImage("honkytonkman/server_in_k8s:1.2")
        .addNewPort()
        .withContainerPort(8080)
        .withProtocol("TCP")
        .endPort()
        .endContainer()
        .endSpec()
        .withNewStatus()
        .withPhase("Running")
        .withPodIP("10.244.3.9")
        .addNewCondition()
        .withType("Ready")
        .withStatus("True")
        .endCondition()
        .endStatus()
        .build();
  }

  private static List<String> podsOf(List<TargetGroup> update, ScrapeConfig job) {
    Map<String, TargetGroup> byId = new java.util.TreeMap<>();
    update.forEach(g -> byId.put(g.source(), g));
    return SeedServiceMonitorTest.kept(byId, job).stream().map(l -> l.get("pod")).toList();
  }

  private static Map<String, String> readiness(TargetGroup g) {
    Map<String, String> out = new java.util.TreeMap<>();
    for (Labels t : g.targets()) {
      out.put(t.get("__meta_kubernetes_pod_name"), t.get("__meta_kubernetes_endpoint_ready"));
    }
    return out;
  }
}
