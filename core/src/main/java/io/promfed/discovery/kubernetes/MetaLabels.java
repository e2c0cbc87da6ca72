package io.promfed.discovery.kubernetes;

import io.fabric8.kubernetes.api.model.ContainerPort;
import io.fabric8.kubernetes.api.model.ObjectMeta;
import io.fabric8.kubernetes.api.model.OwnerReference;
import io.fabric8.kubernetes.api.model.Pod;
import io.fabric8.kubernetes.api.model.PodCondition;
import io.fabric8.kubernetes.api.model.Service;
import io.promfed.model.relabel.Names;
import java.util.Locale;
import java.util.Map;

/**
 * The {@code __meta_kubernetes_*} label names and the label-set fragments shared by the roles:
 * {@code addObjectMetaLabels}, {@code podLabels} and {@code serviceLabels} of prometheus/prometheus
 * {@code discovery/kubernetes/{kubernetes,pod,service}.go}. Stateless.
 */
final class MetaLabels {

  static final String PREFIX = "__meta_kubernetes_";
  static final String NAMESPACE = PREFIX + "namespace";
  static final String PRESENT = "true";

  // pod.go
  static final String POD_IP = PREFIX + "pod_ip";
  static final String POD_CONTAINER_NAME = PREFIX + "pod_container_name";
  static final String POD_CONTAINER_ID = PREFIX + "pod_container_id";
  static final String POD_CONTAINER_IMAGE = PREFIX + "pod_container_image";
  static final String POD_CONTAINER_PORT_NAME = PREFIX + "pod_container_port_name";
  static final String POD_CONTAINER_PORT_NUMBER = PREFIX + "pod_container_port_number";
  static final String POD_CONTAINER_PORT_PROTOCOL = PREFIX + "pod_container_port_protocol";
  static final String POD_CONTAINER_INIT = PREFIX + "pod_container_init";
  static final String POD_READY = PREFIX + "pod_ready";
  static final String POD_PHASE = PREFIX + "pod_phase";
  static final String POD_NODE_NAME = PREFIX + "pod_node_name";
  static final String POD_HOST_IP = PREFIX + "pod_host_ip";
  static final String POD_UID = PREFIX + "pod_uid";
  static final String POD_CONTROLLER_KIND = PREFIX + "pod_controller_kind";
  static final String POD_CONTROLLER_NAME = PREFIX + "pod_controller_name";

  // endpoints.go
  static final String ENDPOINT_NODE_NAME = PREFIX + "endpoint_node_name";
  static final String ENDPOINT_HOSTNAME = PREFIX + "endpoint_hostname";
  static final String ENDPOINT_READY = PREFIX + "endpoint_ready";
  static final String ENDPOINT_PORT_NAME = PREFIX + "endpoint_port_name";
  static final String ENDPOINT_PORT_PROTOCOL = PREFIX + "endpoint_port_protocol";
  static final String ENDPOINT_ADDRESS_TARGET_KIND = PREFIX + "endpoint_address_target_kind";
  static final String ENDPOINT_ADDRESS_TARGET_NAME = PREFIX + "endpoint_address_target_name";

  // endpointslice.go
  static final String SLICE_ADDRESS_TYPE = PREFIX + "endpointslice_address_type";
  static final String SLICE_PORT_NAME = PREFIX + "endpointslice_port_name";
  static final String SLICE_PORT_PROTOCOL = PREFIX + "endpointslice_port_protocol";
  static final String SLICE_PORT = PREFIX + "endpointslice_port";
  static final String SLICE_PORT_APP_PROTOCOL = PREFIX + "endpointslice_port_app_protocol";
  static final String SLICE_READY = PREFIX + "endpointslice_endpoint_conditions_ready";
  static final String SLICE_SERVING = PREFIX + "endpointslice_endpoint_conditions_serving";
  static final String SLICE_TERMINATING = PREFIX + "endpointslice_endpoint_conditions_terminating";
  static final String SLICE_ZONE = PREFIX + "endpointslice_endpoint_zone";
  static final String SLICE_HOSTNAME = PREFIX + "endpointslice_endpoint_hostname";
  static final String SLICE_NODE_NAME = PREFIX + "endpointslice_endpoint_node_name";
  static final String SLICE_ADDRESS_TARGET_KIND = PREFIX + "endpointslice_address_target_kind";
  static final String SLICE_ADDRESS_TARGET_NAME = PREFIX + "endpointslice_address_target_name";
  static final String SLICE_TOPOLOGY_PREFIX = PREFIX + "endpointslice_endpoint_topology_";
  static final String SLICE_TOPOLOGY_PRESENT_PREFIX =
      PREFIX + "endpointslice_endpoint_topology_present_";

  // service.go
  static final String SERVICE_PORT_NAME = PREFIX + "service_port_name";
  static final String SERVICE_PORT_NUMBER = PREFIX + "service_port_number";
  static final String SERVICE_PORT_PROTOCOL = PREFIX + "service_port_protocol";
  static final String SERVICE_CLUSTER_IP = PREFIX + "service_cluster_ip";
  static final String SERVICE_LOADBALANCER_IP = PREFIX + "service_loadbalancer_ip";
  static final String SERVICE_EXTERNAL_NAME = PREFIX + "service_external_name";
  static final String SERVICE_TYPE = PREFIX + "service_type";

  private MetaLabels() {}

  /** {@code strutil.SanitizeLabelName}, see {@link Names#sanitizeLabelName}. */
  static String sanitize(String name) {
    return Names.sanitizeLabelName(name);
  }

  /**
   * {@code addObjectMetaLabels}: {@code <role>_name} and, per label and annotation, {@code
   * <role>_label_<name>}, {@code <role>_labelpresent_<name>}, {@code <role>_annotation_<name>} and
   * {@code <role>_annotationpresent_<name>}.
   */
  static void addObjectMeta(Map<String, String> ls, ObjectMeta meta, String role) {
    ls.put(PREFIX + role + "_name", nullToEmpty(meta.getName()));
    addLabelsAndAnnotations(ls, meta, role);
  }

  /** {@code addObjectAnnotationsAndLabels}. */
  static void addLabelsAndAnnotations(Map<String, String> ls, ObjectMeta meta, String resource) {
    if (meta.getLabels() != null) {
      meta.getLabels()
          .forEach(
              (k, v) -> {
                String ln = sanitize(k);
                ls.put(PREFIX + resource + "_label_" + ln, nullToEmpty(v));
                ls.put(PREFIX + resource + "_labelpresent_" + ln, PRESENT);
              });
    }
    if (meta.getAnnotations() != null) {
      meta.getAnnotations()
          .forEach(
              (k, v) -> {
                String ln = sanitize(k);
                ls.put(PREFIX + resource + "_annotation_" + ln, nullToEmpty(v));
                ls.put(PREFIX + resource + "_annotationpresent_" + ln, PRESENT);
              });
    }
  }

  /** {@code serviceLabels}: the namespace and the Service's name, labels and annotations. */
  static void addServiceLabels(Map<String, String> ls, Service svc) {
    ls.put(NAMESPACE, nullToEmpty(svc.getMetadata().getNamespace()));
    addObjectMeta(ls, svc.getMetadata(), "service");
  }

  /**
   * {@code podLabels} without the optional deployment/job metadata: IP, readiness, phase, node,
   * host IP, UID, the pod's name, labels and annotations, and its controller.
   */
  static void addPodLabels(Map<String, String> ls, Pod pod) {
    var status = pod.getStatus();
    ls.put(POD_IP, status == null ? "" : nullToEmpty(status.getPodIP()));
    ls.put(POD_READY, podReady(pod));
    ls.put(POD_PHASE, status == null ? "" : nullToEmpty(status.getPhase()));
    ls.put(POD_NODE_NAME, pod.getSpec() == null ? "" : nullToEmpty(pod.getSpec().getNodeName()));
    ls.put(POD_HOST_IP, status == null ? "" : nullToEmpty(status.getHostIP()));
    ls.put(POD_UID, nullToEmpty(pod.getMetadata().getUid()));
    addObjectMeta(ls, pod.getMetadata(), "pod");
    OwnerReference controller = controllerOf(pod.getMetadata());
    if (controller != null) {
      if (controller.getKind() != null && !controller.getKind().isEmpty()) {
        ls.put(POD_CONTROLLER_KIND, controller.getKind());
      }
      if (controller.getName() != null && !controller.getName().isEmpty()) {
        ls.put(POD_CONTROLLER_NAME, controller.getName());
      }
    }
  }

  /** {@code podReady}: the lower-cased status of the {@code Ready} condition, else "unknown". */
  static String podReady(Pod pod) {
    if (pod.getStatus() != null && pod.getStatus().getConditions() != null) {
      for (PodCondition c : pod.getStatus().getConditions()) {
        if ("Ready".equals(c.getType())) {
          return nullToEmpty(c.getStatus()).toLowerCase(Locale.ROOT);
        }
      }
    }
    return "unknown";
  }

  /** {@code GetControllerOf}: the owner reference with {@code controller: true}, if any. */
  static OwnerReference controllerOf(ObjectMeta meta) {
    if (meta.getOwnerReferences() != null) {
      for (OwnerReference ref : meta.getOwnerReferences()) {
        if (Boolean.TRUE.equals(ref.getController())) {
          return ref;
        }
      }
    }
    return null;
  }

  /**
   * Sets the container port labels that the endpoints roles attach when an endpoint port matches a
   * container port. {@code protocol} is the endpoint's port protocol for the endpoints role and the
   * container port's for the endpointslice role, as upstream.
   */
  static void putContainerPort(
      Map<String, String> ls,
      String containerName,
      String image,
      ContainerPort cport,
      String protocol,
      boolean init) {
    ls.put(POD_CONTAINER_NAME, nullToEmpty(containerName));
    ls.put(POD_CONTAINER_IMAGE, nullToEmpty(image));
    ls.put(POD_CONTAINER_PORT_NAME, nullToEmpty(cport.getName()));
    ls.put(
        POD_CONTAINER_PORT_NUMBER, Integer.toUnsignedString(intOrZero(cport.getContainerPort())));
    ls.put(POD_CONTAINER_PORT_PROTOCOL, nullToEmpty(protocol));
    ls.put(POD_CONTAINER_INIT, Boolean.toString(init));
  }

  /** Go's {@code net.JoinHostPort}: brackets hosts that contain a colon (IPv6). */
  static String joinHostPort(String host, int port) {
    String p = Integer.toUnsignedString(port);
    return host.indexOf(':') >= 0 ? "[" + host + "]:" + p : host + ":" + p;
  }

  static String namespacedName(String namespace, String name) {
    return namespace + "/" + name;
  }

  static String nullToEmpty(String s) {
    return s == null ? "" : s;
  }

  static int intOrZero(Integer i) {
    return i == null ? 0 : i;
  }
}
