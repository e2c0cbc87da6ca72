package io.promfed.discovery.kubernetes;

import static io.promfed.discovery.kubernetes.MetaLabels.nullToEmpty;

import io.fabric8.kubernetes.api.model.Container;
import io.fabric8.kubernetes.api.model.ContainerPort;
import io.fabric8.kubernetes.api.model.ContainerStatus;
import io.fabric8.kubernetes.api.model.Pod;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.fabric8.kubernetes.client.informers.SharedIndexInformer;
import io.promfed.config.KubernetesSdConfig;
import io.promfed.discovery.TargetGroup;
import io.promfed.model.labels.Labels;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

/**
 * The {@code pod} role: one group per pod (source {@code pod/<namespace>/<name>}) with one target
 * per container port, or one port-less target ({@code __address__} = pod IP) per container without
 * ports, init containers included. Mirrors prometheus/prometheus {@code
 * discovery/kubernetes/pod.go} ({@code buildPod}); pods without an IP yield an empty group. Group
 * labels: {@code __meta_kubernetes_namespace} and the pod labels ({@code pod_name}, {@code pod_ip},
 * {@code pod_label_*}, {@code pod_labelpresent_*}, {@code pod_annotation_*}, {@code
 * pod_annotationpresent_*}, {@code pod_ready}, {@code pod_phase}, {@code pod_node_name}, {@code
 * pod_host_ip}, {@code pod_uid}, {@code pod_controller_kind}, {@code pod_controller_name}); target
 * labels: {@code pod_container_name}, {@code _id}, {@code _image}, {@code _port_name}, {@code
 * _port_number}, {@code _port_protocol}, {@code _init}. Node, namespace and deployment metadata
 * ({@code attach_metadata}) are not supported.
 *
 * <p>Watches pods with the {@code pod} selectors. Thread-safe; see {@link InformerDiscoverer} for
 * the delivery contract.
 */
public final class PodDiscoverer extends InformerDiscoverer<PodDiscoverer.PodUnit> {

  static final class PodUnit extends InformerDiscoverer.Unit {
    SharedIndexInformer<Pod> pods;

    PodUnit(String namespace) {
      super(namespace);
    }
  }

  /**
   * @param client the Kubernetes client (not closed by this discoverer)
   * @param namespaces the namespaces to watch; {@code [""]} watches all namespaces
   * @param selectors the job's {@code selectors}; only the {@code pod} entry is used
   */
  public PodDiscoverer(
      KubernetesClient client,
      List<String> namespaces,
      List<KubernetesSdConfig.Selector> selectors) {
    super(client, KubernetesSdConfig.ROLE_POD, namespaces, selectors);
  }

  @Override
  PodUnit newUnit(String namespace) {
    PodUnit u = new PodUnit(namespace);
    u.pods = informer(u, client.pods(), "pod", "pods", "", Map.of(), enqueueAll());
    u.primary = u.pods;
    return u;
  }

  @Override
  TargetGroup build(PodUnit unit, String namespace, String name) {
    Pod pod = unit.pods.getStore().getByKey(MetaLabels.namespacedName(namespace, name));
    String source = source(namespace, name);
    if (pod == null) {
      return new TargetGroup(source, List.of(), Labels.EMPTY);
    }
    return buildPod(pod);
  }

  static String source(String namespace, String name) {
    return "pod/" + MetaLabels.namespacedName(namespace, name);
  }

  /** {@code buildPod}. */
  static TargetGroup buildPod(Pod pod) {
    String source = source(pod.getMetadata().getNamespace(), pod.getMetadata().getName());
    String podIp = pod.getStatus() == null ? "" : nullToEmpty(pod.getStatus().getPodIP());
    // PodIP can be empty when a pod is starting or has been evicted.
    if (podIp.isEmpty()) {
      return new TargetGroup(source, List.of(), Labels.EMPTY);
    }
    Map<String, String> group = new HashMap<>();
    MetaLabels.addPodLabels(group, pod);
    group.put(MetaLabels.NAMESPACE, nullToEmpty(pod.getMetadata().getNamespace()));

    List<Labels> targets = new ArrayList<>();
    List<Container> containers = containers(pod);
    int regular = regularContainers(pod);
    for (int i = 0; i < containers.size(); i++) {
      Container c = containers.get(i);
      boolean init = i >= regular;
      String containerId =
          containerId(
              init
                  ? pod.getStatus().getInitContainerStatuses()
                  : pod.getStatus().getContainerStatuses(),
              c.getName());
      if (c.getPorts() == null || c.getPorts().isEmpty()) {
        // No port: the pod IP alone; the user has to add a port by relabeling.
        targets.add(
            Labels.of(
                TargetGroup.ADDRESS_LABEL,
                podIp,
                MetaLabels.POD_CONTAINER_NAME,
                nullToEmpty(c.getName()),
                MetaLabels.POD_CONTAINER_ID,
                containerId,
                MetaLabels.POD_CONTAINER_IMAGE,
                nullToEmpty(c.getImage()),
                MetaLabels.POD_CONTAINER_INIT,
                Boolean.toString(init)));
        continue;
      }
      for (ContainerPort port : c.getPorts()) {
        int number = MetaLabels.intOrZero(port.getContainerPort());
        targets.add(
            Labels.of(
                TargetGroup.ADDRESS_LABEL,
                MetaLabels.joinHostPort(podIp, number),
                MetaLabels.POD_CONTAINER_NAME,
                nullToEmpty(c.getName()),
                MetaLabels.POD_CONTAINER_ID,
                containerId,
                MetaLabels.POD_CONTAINER_IMAGE,
                nullToEmpty(c.getImage()),
                MetaLabels.POD_CONTAINER_PORT_NUMBER,
                Integer.toUnsignedString(number),
                MetaLabels.POD_CONTAINER_PORT_NAME,
                nullToEmpty(port.getName()),
                MetaLabels.POD_CONTAINER_PORT_PROTOCOL,
                nullToEmpty(port.getProtocol()),
                MetaLabels.POD_CONTAINER_INIT,
                Boolean.toString(init)));
      }
    }
    return new TargetGroup(source, targets, Labels.from(group));
  }

  /** {@code append(pod.Spec.Containers, pod.Spec.InitContainers...)}. */
  static List<Container> containers(Pod pod) {
    List<Container> all = new ArrayList<>();
    if (pod.getSpec() != null) {
      if (pod.getSpec().getContainers() != null) {
        all.addAll(pod.getSpec().getContainers());
      }
      if (pod.getSpec().getInitContainers() != null) {
        all.addAll(pod.getSpec().getInitContainers());
      }
    }
    return all;
  }

  /** How many of {@link #containers} are regular containers; the rest are init containers. */
  static int regularContainers(Pod pod) {
    return pod.getSpec() == null || pod.getSpec().getContainers() == null
        ? 0
        : pod.getSpec().getContainers().size();
  }

  /** {@code findPodContainerID}: the status's container ID, "" when not found. */
  private static String containerId(List<ContainerStatus> statuses, String name) {
    if (statuses != null) {
      for (ContainerStatus s : statuses) {
        if (s.getName() != null && s.getName().equals(name)) {
          return nullToEmpty(s.getContainerID());
        }
      }
    }
    return "";
  }
}
