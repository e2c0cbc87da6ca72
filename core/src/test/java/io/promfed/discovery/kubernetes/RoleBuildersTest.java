package io.promfed.discovery.kubernetes;

import static org.assertj.core.api.Assertions.assertThat;

import io.fabric8.kubernetes.api.model.Endpoints;
import io.fabric8.kubernetes.api.model.Pod;
import io.fabric8.kubernetes.api.model.Service;
import io.fabric8.kubernetes.api.model.discovery.v1.EndpointSlice;
import io.fabric8.kubernetes.client.utils.Serialization;
import io.promfed.discovery.TargetGroup;
import io.promfed.model.labels.Labels;
import java.util.Map;
import org.junit.jupiter.api.Test;

/**
 * The label sets of each role, exactly, for objects shaped like those of prometheus/prometheus
 * {@code discovery/kubernetes/*_test.go}. Empty values are absent: {@link Labels} stores none, and
 * Prometheus drops them when it builds a target's labels.
 */
class RoleBuildersTest {

  static final Pod TESTPOD =
      Serialization.unmarshal(
          """
          apiVersion: v1
          kind: Pod
          metadata: {name: testpod, namespace: default, uid: deadbeef}
          spec:
            nodeName: testnode
            containers:
            - name: c1
              image: c1:latest
              ports: [{name: mainport, containerPort: 9000, protocol: TCP}]
            - name: c2
              image: c2:latest
              ports: [{name: sideport, containerPort: 9001, protocol: TCP}]
          status: {hostIP: 2.3.4.5, podIP: 1.2.3.4}
          """,
          Pod.class);

  static Map<String, String> podLabels() {
    return Map.of(
        "__meta_kubernetes_pod_name", "testpod",
        "__meta_kubernetes_pod_ip", "1.2.3.4",
        "__meta_kubernetes_pod_ready", "unknown",
        "__meta_kubernetes_pod_node_name", "testnode",
        "__meta_kubernetes_pod_host_ip", "2.3.4.5",
        "__meta_kubernetes_pod_uid", "deadbeef");
  }

  static Labels labels(Map<String, String> base, String... more) {
    java.util.Map<String, String> m = new java.util.HashMap<>(base);
    for (int i = 0; i < more.length; i += 2) {
      m.put(more[i], more[i + 1]);
    }
    return Labels.from(m);
  }

  @Test
  void endpointsTargetsAndTheUncoveredContainerPort() {
    Endpoints eps =
        Serialization.unmarshal(
            """
            apiVersion: v1
            kind: Endpoints
            metadata: {name: testendpoints, namespace: default}
            subsets:
            - addresses:
              - ip: 4.3.2.1
                targetRef: {kind: Pod, name: testpod, namespace: default}
              ports: [{name: testport, port: 9000, protocol: TCP}]
            """,
            Endpoints.class);
    TargetGroup g = EndpointsDiscoverer.buildEndpoints(eps, null, ref -> TESTPOD);
    assertThat(g.source()).isEqualTo("endpoints/default/testendpoints");
    assertThat(g.labels())
        .isEqualTo(
            Labels.of(
                "__meta_kubernetes_endpoints_name", "testendpoints",
                "__meta_kubernetes_namespace", "default"));
    assertThat(g.targets())
        .containsExactly(
            labels(
                podLabels(),
                "__address__",
                "4.3.2.1:9000",
                "__meta_kubernetes_endpoint_port_name",
                "testport",
                "__meta_kubernetes_endpoint_port_protocol",
                "TCP",
                "__meta_kubernetes_endpoint_ready",
                "true",
                "__meta_kubernetes_endpoint_address_target_kind",
                "Pod",
                "__meta_kubernetes_endpoint_address_target_name",
                "testpod",
                "__meta_kubernetes_pod_container_name",
                "c1",
                "__meta_kubernetes_pod_container_image",
                "c1:latest",
                "__meta_kubernetes_pod_container_port_name",
                "mainport",
                "__meta_kubernetes_pod_container_port_number",
                "9000",
                "__meta_kubernetes_pod_container_port_protocol",
                "TCP",
                "__meta_kubernetes_pod_container_init",
                "false"),
            labels(
                podLabels(),
                "__address__",
                "1.2.3.4:9001",
                "__meta_kubernetes_pod_container_name",
                "c2",
                "__meta_kubernetes_pod_container_image",
                "c2:latest",
                "__meta_kubernetes_pod_container_port_name",
                "sideport",
                "__meta_kubernetes_pod_container_port_number",
                "9001",
                "__meta_kubernetes_pod_container_port_protocol",
                "TCP",
                "__meta_kubernetes_pod_container_init",
                "false"));
  }

  @Test
  void endpointsWithServiceNodeNameHostnameNotReadyAndInitContainer() {
    Service svc =
        Serialization.unmarshal(
            """
            apiVersion: v1
            kind: Service
            metadata:
              name: testendpoints
              namespace: default
              labels: {app/name: test}
              annotations: {prometheus.io/scrape: "true"}
            """,
            Service.class);
    Pod pod =
        Serialization.unmarshal(
            """
            apiVersion: v1
            kind: Pod
            metadata:
              name: p
              namespace: default
              uid: u
              ownerReferences: [{apiVersion: apps/v1, kind: ReplicaSet, name: rs, uid: r, controller: true}]
            spec:
              nodeName: n
              initContainers:
              - name: sidecar
                image: s:1
                ports: [{name: side, containerPort: 9000, protocol: UDP}]
            status:
              phase: Running
              podIP: 1.1.1.1
              conditions: [{type: Ready, status: "False"}]
            """,
            Pod.class);
    Endpoints eps =
        Serialization.unmarshal(
            """
            apiVersion: v1
            kind: Endpoints
            metadata: {name: testendpoints, namespace: default}
            subsets:
            - notReadyAddresses:
              - ip: 1.1.1.1
                hostname: h
                nodeName: n
                targetRef: {kind: Pod, name: p, namespace: default}
              ports: [{name: web, port: 9000, protocol: TCP}]
            """,
            Endpoints.class);
    TargetGroup g = EndpointsDiscoverer.buildEndpoints(eps, svc, ref -> pod);
    assertThat(g.labels())
        .isEqualTo(
            Labels.of(
                "__meta_kubernetes_endpoints_name", "testendpoints",
                "__meta_kubernetes_namespace", "default",
                "__meta_kubernetes_service_name", "testendpoints",
                "__meta_kubernetes_service_label_app_name", "test",
                "__meta_kubernetes_service_labelpresent_app_name", "true",
                "__meta_kubernetes_service_annotation_prometheus_io_scrape", "true",
                "__meta_kubernetes_service_annotationpresent_prometheus_io_scrape", "true"));
    assertThat(g.targets())
        .containsExactly(
            Labels.from(
                Map.ofEntries(
                    Map.entry("__address__", "1.1.1.1:9000"),
                    Map.entry("__meta_kubernetes_endpoint_port_name", "web"),
                    Map.entry("__meta_kubernetes_endpoint_port_protocol", "TCP"),
                    Map.entry("__meta_kubernetes_endpoint_ready", "false"),
                    Map.entry("__meta_kubernetes_endpoint_hostname", "h"),
                    Map.entry("__meta_kubernetes_endpoint_node_name", "n"),
                    Map.entry("__meta_kubernetes_endpoint_address_target_kind", "Pod"),
                    Map.entry("__meta_kubernetes_endpoint_address_target_name", "p"),
                    Map.entry("__meta_kubernetes_pod_name", "p"),
                    Map.entry("__meta_kubernetes_pod_ip", "1.1.1.1"),
                    Map.entry("__meta_kubernetes_pod_ready", "false"),
                    Map.entry("__meta_kubernetes_pod_phase", "Running"),
                    Map.entry("__meta_kubernetes_pod_node_name", "n"),
                    Map.entry("__meta_kubernetes_pod_uid", "u"),
                    Map.entry("__meta_kubernetes_pod_controller_kind", "ReplicaSet"),
                    Map.entry("__meta_kubernetes_pod_controller_name", "rs"),
                    Map.entry("__meta_kubernetes_pod_container_name", "sidecar"),
                    Map.entry("__meta_kubernetes_pod_container_image", "s:1"),
                    Map.entry("__meta_kubernetes_pod_container_port_name", "side"),
                    Map.entry("__meta_kubernetes_pod_container_port_number", "9000"),
                    // The endpoints role reports the endpoint port's protocol here.
                    Map.entry("__meta_kubernetes_pod_container_port_protocol", "TCP"),
                    Map.entry("__meta_kubernetes_pod_container_init", "true"))));
  }

  @Test
  void endpointSliceLabels() {
    EndpointSlice slice =
        Serialization.unmarshal(
            """
            apiVersion: discovery.k8s.io/v1
            kind: EndpointSlice
            metadata:
              name: testendpoints-abc
              namespace: default
              labels: {kubernetes.io/service-name: testendpoints}
            addressType: IPv4
            endpoints:
            - addresses: [1.2.3.4]
              conditions: {ready: true, serving: true, terminating: false}
              hostname: testendpoint1
              nodeName: foobar
              zone: us-east-1a
              deprecatedTopology: {topology.kubernetes.io/region: us-east-1}
            - addresses: [2.3.4.5]
              conditions: {ready: false}
              targetRef: {kind: Node, name: n2}
            ports:
            - {name: testport, port: 9000, protocol: TCP, appProtocol: http}
            """,
            EndpointSlice.class);
    TargetGroup g = EndpointSliceDiscoverer.buildEndpointSlice(slice, null, ref -> null);
    assertThat(g.source()).isEqualTo("endpointslice/default/testendpoints-abc");
    assertThat(g.labels())
        .isEqualTo(
            Labels.of(
                "__meta_kubernetes_namespace", "default",
                "__meta_kubernetes_endpointslice_address_type", "IPv4",
                "__meta_kubernetes_endpointslice_name", "testendpoints-abc",
                "__meta_kubernetes_endpointslice_label_kubernetes_io_service_name", "testendpoints",
                "__meta_kubernetes_endpointslice_labelpresent_kubernetes_io_service_name", "true"));
    Map<String, String> port =
        Map.of(
            "__meta_kubernetes_endpointslice_port_name", "testport",
            "__meta_kubernetes_endpointslice_port_protocol", "TCP",
            "__meta_kubernetes_endpointslice_port", "9000",
            "__meta_kubernetes_endpointslice_port_app_protocol", "http");
    assertThat(g.targets())
        .containsExactly(
            labels(
                port,
                "__address__",
                "1.2.3.4:9000",
                "__meta_kubernetes_endpointslice_endpoint_conditions_ready",
                "true",
                "__meta_kubernetes_endpointslice_endpoint_conditions_serving",
                "true",
                "__meta_kubernetes_endpointslice_endpoint_conditions_terminating",
                "false",
                "__meta_kubernetes_endpointslice_endpoint_hostname",
                "testendpoint1",
                "__meta_kubernetes_endpointslice_endpoint_node_name",
                "foobar",
                "__meta_kubernetes_endpointslice_endpoint_zone",
                "us-east-1a",
                "__meta_kubernetes_endpointslice_endpoint_topology_topology_kubernetes_io_region",
                "us-east-1",
                "__meta_kubernetes_endpointslice_endpoint_topology_present_topology_kubernetes_io_region",
                "true"),
            labels(
                port,
                "__address__",
                "2.3.4.5:9000",
                "__meta_kubernetes_endpointslice_endpoint_conditions_ready",
                "false",
                "__meta_kubernetes_endpointslice_address_target_kind",
                "Node",
                "__meta_kubernetes_endpointslice_address_target_name",
                "n2"));
  }

  @Test
  void serviceTypes() {
    Service lb =
        Serialization.unmarshal(
            """
            apiVersion: v1
            kind: Service
            metadata: {name: s, namespace: ns}
            spec:
              type: LoadBalancer
              clusterIP: 10.0.0.1
              ports: [{name: http, port: 80, protocol: TCP}]
            status: {loadBalancer: {ingress: [{ip: 5.6.7.8}, {hostname: x}, {ip: 9.9.9.9}]}}
            """,
            Service.class);
    TargetGroup g = ServiceDiscoverer.buildService(lb);
    assertThat(g.source()).isEqualTo("svc/ns/s");
    assertThat(g.labels())
        .isEqualTo(
            Labels.of("__meta_kubernetes_namespace", "ns", "__meta_kubernetes_service_name", "s"));
    assertThat(g.targets())
        .containsExactly(
            Labels.of(
                "__address__", "s.ns.svc:80",
                "__meta_kubernetes_service_port_name", "http",
                "__meta_kubernetes_service_port_number", "80",
                "__meta_kubernetes_service_port_protocol", "TCP",
                "__meta_kubernetes_service_type", "LoadBalancer",
                "__meta_kubernetes_service_cluster_ip", "10.0.0.1",
                "__meta_kubernetes_service_loadbalancer_ip", "5.6.7.8,9.9.9.9"));

    Service ext =
        Serialization.unmarshal(
            """
            apiVersion: v1
            kind: Service
            metadata: {name: e, namespace: ns}
            spec:
              type: ExternalName
              externalName: db.example.com
              ports: [{name: pg, port: 5432, protocol: TCP}]
            """,
            Service.class);
    assertThat(ServiceDiscoverer.buildService(ext).targets().get(0))
        .isEqualTo(
            Labels.of(
                "__address__", "e.ns.svc:5432",
                "__meta_kubernetes_service_port_name", "pg",
                "__meta_kubernetes_service_port_number", "5432",
                "__meta_kubernetes_service_port_protocol", "TCP",
                "__meta_kubernetes_service_type", "ExternalName",
                "__meta_kubernetes_service_external_name", "db.example.com"));
  }

  @Test
  void podTargetsPerContainerPortAndPortlessContainers() {
    Pod pod =
        Serialization.unmarshal(
            """
            apiVersion: v1
            kind: Pod
            metadata:
              name: testpod
              namespace: default
              uid: abc123
              labels: {app.kubernetes.io/name: demo}
              annotations: {note: x}
              ownerReferences: [{apiVersion: apps/v1, kind: ReplicaSet, name: rs, uid: r, controller: true}]
            spec:
              nodeName: testnode
              containers:
              - name: testcontainer
                image: testcontainer:latest
                ports: [{name: testport, containerPort: 9000, protocol: TCP}]
              - name: noports
                image: noports:latest
              initContainers:
              - name: init
                image: init:latest
            status:
              phase: Running
              podIP: 1.2.3.4
              hostIP: 2.3.4.5
              conditions: [{type: Ready, status: "True"}]
              containerStatuses: [{name: testcontainer, containerID: "docker://a1b2c3d4e5f6"}]
            """,
            Pod.class);
    TargetGroup g = PodDiscoverer.buildPod(pod);
    assertThat(g.source()).isEqualTo("pod/default/testpod");
    assertThat(g.labels())
        .isEqualTo(
            Labels.from(
                Map.ofEntries(
                    Map.entry("__meta_kubernetes_namespace", "default"),
                    Map.entry("__meta_kubernetes_pod_name", "testpod"),
                    Map.entry("__meta_kubernetes_pod_ip", "1.2.3.4"),
                    Map.entry("__meta_kubernetes_pod_ready", "true"),
                    Map.entry("__meta_kubernetes_pod_phase", "Running"),
                    Map.entry("__meta_kubernetes_pod_node_name", "testnode"),
                    Map.entry("__meta_kubernetes_pod_host_ip", "2.3.4.5"),
                    Map.entry("__meta_kubernetes_pod_uid", "abc123"),
                    Map.entry("__meta_kubernetes_pod_controller_kind", "ReplicaSet"),
                    Map.entry("__meta_kubernetes_pod_controller_name", "rs"),
                    Map.entry("__meta_kubernetes_pod_label_app_kubernetes_io_name", "demo"),
                    Map.entry("__meta_kubernetes_pod_labelpresent_app_kubernetes_io_name", "true"),
                    Map.entry("__meta_kubernetes_pod_annotation_note", "x"),
                    Map.entry("__meta_kubernetes_pod_annotationpresent_note", "true"))));
    assertThat(g.targets())
        .containsExactly(
            Labels.of(
                "__address__", "1.2.3.4:9000",
                "__meta_kubernetes_pod_container_name", "testcontainer",
                "__meta_kubernetes_pod_container_id", "docker://a1b2c3d4e5f6",
                "__meta_kubernetes_pod_container_image", "testcontainer:latest",
                "__meta_kubernetes_pod_container_port_name", "testport",
                "__meta_kubernetes_pod_container_port_number", "9000",
                "__meta_kubernetes_pod_container_port_protocol", "TCP",
                "__meta_kubernetes_pod_container_init", "false"),
            Labels.of(
                "__address__", "1.2.3.4",
                "__meta_kubernetes_pod_container_name", "noports",
                "__meta_kubernetes_pod_container_image", "noports:latest",
                "__meta_kubernetes_pod_container_init", "false"),
            Labels.of(
                "__address__", "1.2.3.4",
                "__meta_kubernetes_pod_container_name", "init",
                "__meta_kubernetes_pod_container_image", "init:latest",
                "__meta_kubernetes_pod_container_init", "true"));

    pod.getStatus().setPodIP(null);
    assertThat(PodDiscoverer.buildPod(pod).targets()).as("no IP yet").isEmpty();
  }

  @Test
  void sanitizeAndJoinHostPortAsGo() {
    assertThat(MetaLabels.sanitize("app.kubernetes.io/name")).isEqualTo("app_kubernetes_io_name");
    assertThat(MetaLabels.sanitize("ok_Name9")).isEqualTo("ok_Name9");
    assertThat(MetaLabels.sanitize("héllo-😀")).isEqualTo("h_llo__");
    assertThat(MetaLabels.joinHostPort("::1", 80)).isEqualTo("[::1]:80");
    assertThat(MetaLabels.joinHostPort("10.0.0.1", 80)).isEqualTo("10.0.0.1:80");
  }

  @Test
  void namespacesAsPrometheusComputesThem() throws Exception {
    var cfg =
        new io.promfed.config.KubernetesSdConfig(
            "pod", java.util.List.of(), false, java.util.List.of(), "", "");
    assertThat(KubernetesDiscovery.namespaces(cfg, null)).containsExactly("");
    var own =
        new io.promfed.config.KubernetesSdConfig(
            "pod", java.util.List.of("a"), true, java.util.List.of(), "", "");
    assertThat(KubernetesDiscovery.namespaces(own, "monitoring"))
        .containsExactly("a", "monitoring");
    java.nio.file.Path f = java.nio.file.Files.createTempFile("namespace", "");
    java.nio.file.Files.writeString(f, "monitoring");
    assertThat(KubernetesDiscovery.readOwnNamespace(f)).isEqualTo("monitoring");
    java.nio.file.Files.writeString(f, "");
    org.assertj.core.api.Assertions.assertThatThrownBy(
            () -> KubernetesDiscovery.readOwnNamespace(f))
        .hasMessage("could not read own namespace name (empty file)");
    java.nio.file.Files.delete(f);
    org.assertj.core.api.Assertions.assertThatThrownBy(
            () -> KubernetesDiscovery.readOwnNamespace(f))
        .hasMessageStartingWith("could not determine the pod's namespace: ");
  }
}
