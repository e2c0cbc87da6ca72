package io.promfed.discovery.kubernetes;

import static org.assertj.core.api.Assertions.assertThat;

import io.fabric8.kubernetes.api.model.Node;
import io.fabric8.kubernetes.api.model.NodeBuilder;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.fabric8.kubernetes.client.server.mock.EnableKubernetesMockClient;
import io.fabric8.kubernetes.client.utils.Serialization;
import io.promfed.config.KubernetesSdConfig;
import io.promfed.discovery.TargetGroup;
import io.promfed.model.labels.Labels;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

/**
 * The {@code node} role: prometheus/prometheus {@code discovery/kubernetes/node.go} label for label
 * (its {@code node_test.go} shapes), the address preference, and the watch-driven updates against
 * the mock API server.
 */
@EnableKubernetesMockClient(crud = true)
class NodeDiscovererTest {

  KubernetesClient client;

  static Node node(String yaml) {
    return Serialization.unmarshal(yaml, Node.class);
  }

  static Node testNode(String name, String internalIp) {
    return node(
        """
        apiVersion: v1
        kind: Node
        metadata:
          name: %s
          labels: {test-label: testvalue, kubernetes.io/hostname: %s}
          annotations: {test-annotation: testannotationvalue}
        spec: {providerID: "aws:///de-west-3a/i-abc"}
        status:
          addresses:
          - {type: InternalIP, address: %s}
          - {type: Hostname, address: %s.internal}
          daemonEndpoints: {kubeletEndpoint: {Port: 10250}}
          conditions:
          - {type: Ready, status: "True"}
          - {type: MemoryPressure, status: "False"}
          - {type: Network-Unavailable, status: Unknown}
        """
            .formatted(name, name, internalIp, name));
  }

  @Test
  void buildsUpstreamsLabelSet() {
    TargetGroup g = NodeDiscoverer.buildNode(testNode("test", "1.2.3.4"));
    assertThat(g.source()).isEqualTo("node/test");
    assertThat(g.labels())
        .isEqualTo(
            Labels.from(
                Map.ofEntries(
                    Map.entry("__meta_kubernetes_node_name", "test"),
                    Map.entry("__meta_kubernetes_node_provider_id", "aws:///de-west-3a/i-abc"),
                    Map.entry("__meta_kubernetes_node_label_test_label", "testvalue"),
                    Map.entry("__meta_kubernetes_node_labelpresent_test_label", "true"),
                    Map.entry("__meta_kubernetes_node_label_kubernetes_io_hostname", "test"),
                    Map.entry("__meta_kubernetes_node_labelpresent_kubernetes_io_hostname", "true"),
                    Map.entry(
                        "__meta_kubernetes_node_annotation_test_annotation", "testannotationvalue"),
                    Map.entry("__meta_kubernetes_node_annotationpresent_test_annotation", "true"),
                    // Type and status lower-cased, then the name sanitized.
                    Map.entry("__meta_kubernetes_node_condition_ready", "true"),
                    Map.entry("__meta_kubernetes_node_condition_memorypressure", "false"),
                    Map.entry("__meta_kubernetes_node_condition_network_unavailable", "unknown"))));
    assertThat(g.targets())
        .containsExactly(
            Labels.of(
                "__address__", "1.2.3.4:10250",
                "instance", "test",
                "__meta_kubernetes_node_address_InternalIP", "1.2.3.4",
                "__meta_kubernetes_node_address_Hostname", "test.internal"));
  }

  /**
   * {@code nodeAddress}'s preference, whatever the order in the status; the first of a type wins.
   */
  @ParameterizedTest
  @CsvSource(
      delimiter = '|',
      value = {
        "Hostname=h;ExternalDNS=e.dns;InternalIP=10.0.0.1;InternalIP=10.0.0.2 | 10.0.0.1",
        "Hostname=h;ExternalIP=5.6.7.8;InternalDNS=i.dns                     | i.dns",
        "Hostname=h;ExternalDNS=e.dns;ExternalIP=5.6.7.8                     | 5.6.7.8",
        "Hostname=h;ExternalDNS=e.dns                                        | e.dns",
        "Hostname=h;LegacyHostIP=9.9.9.9                                     | 9.9.9.9",
        "Hostname=h                                                          | h",
        "InternalIP=fd00::1                                                  | [fd00::1]",
      })
  void picksTheAddressInUpstreamsOrder(String addresses, String expectedHost) {
    NodeBuilder b =
        new NodeBuilder()
            .withNewMetadata()
            .withName("n")
            .endMetadata()
            .withNewStatus()
            .withNewDaemonEndpoints()
            .withNewKubeletEndpoint(10250)
            .endDaemonEndpoints()
            .endStatus();
    for (String a : addresses.split(";")) {
      String[] kv = a.split("=", 2);
      b.editStatus().addNewAddress(kv[1], kv[0]).endStatus();
    }
    TargetGroup g = NodeDiscoverer.buildNode(b.build());
    assertThat(g.targets()).hasSize(1);
    assertThat(g.targets().get(0).get("__address__")).isEqualTo(expectedHost + ":10250");
  }

  @Test
  void aNodeWithoutAddressesYieldsNoGroup() {
    Node n = node("apiVersion: v1\nkind: Node\nmetadata: {name: bare}\nstatus: {}\n");
    assertThat(NodeDiscoverer.buildNode(n)).isNull();
  }

  @Test
  void followsNodesJoiningChangingAndLeavingTheCluster() throws Exception {
    client.nodes().resource(testNode("node-a", "10.0.0.1")).create();
    client.nodes().resource(testNode("node-b", "10.0.0.2")).create();
    GroupCollector updates = new GroupCollector();
    KubernetesSdConfig config =
        new KubernetesSdConfig("node", List.of("ignored"), false, List.of(), "", "");
    try (InformerDiscoverer<?> d = KubernetesDiscovery.create(client, config, null)) {
      assertThat(d).isInstanceOf(NodeDiscoverer.class);
      assertThat(d.namespaces()).containsExactly(KubernetesDiscovery.ALL_NAMESPACES);
      d.start(updates);
      assertThat(updates.next())
          .extracting(TargetGroup::source)
          .containsExactlyInAnyOrder("node/node-a", "node/node-b");

      // A label change is one watch event and one update.
      client
          .nodes()
          .withName("node-a")
          .edit(
              n ->
                  new NodeBuilder(n)
                      .editMetadata()
                      .addToLabels("zone", "z1")
                      .endMetadata()
                      .build());
      List<TargetGroup> relabeled = updates.next();
      assertThat(relabeled).extracting(TargetGroup::source).containsExactly("node/node-a");
      assertThat(relabeled.get(0).labels().get("__meta_kubernetes_node_label_zone"))
          .isEqualTo("z1");

      // Losing every address sends nothing, as upstream: the last group stands.
      client
          .nodes()
          .withName("node-b")
          .edit(n -> new NodeBuilder(n).editStatus().withAddresses(List.of()).endStatus().build());
      assertThat(updates.poll(Duration.ofMillis(500))).isNull();
      assertThat(updates.groups().get("node/node-b").targets()).hasSize(1);

      // A node leaves: its group is emptied.
      client.nodes().withName("node-a").delete();
      List<TargetGroup> gone = updates.next();
      assertThat(gone).extracting(TargetGroup::source).containsExactly("node/node-a");
      assertThat(gone.get(0).targets()).isEmpty();
    }
  }

  @Test
  void nodeSelectorsGoToTheApiServer() throws Exception {
    client.nodes().resource(testNode("worker", "10.0.0.1")).create();
    Node control = testNode("control", "10.0.0.9");
    control.getMetadata().getLabels().put("node-role.kubernetes.io/control-plane", "");
    client.nodes().resource(control).create();
    GroupCollector updates = new GroupCollector();
    KubernetesSdConfig config =
        new KubernetesSdConfig(
            "node",
            List.of(),
            false,
            List.of(
                new KubernetesSdConfig.Selector(
                    "node", "!node-role.kubernetes.io/control-plane", "")),
            "",
            "");
    try (InformerDiscoverer<?> d = KubernetesDiscovery.create(client, config, null)) {
      d.start(updates);
      assertThat(updates.next()).extracting(TargetGroup::source).containsExactly("node/worker");
    }
  }
}
