package io.promfed.discovery.kubernetes;

import static io.promfed.discovery.kubernetes.MetaLabels.nullToEmpty;

import io.fabric8.kubernetes.api.model.Container;
import io.fabric8.kubernetes.api.model.ContainerPort;
import io.fabric8.kubernetes.api.model.EndpointAddress;
import io.fabric8.kubernetes.api.model.EndpointPort;
import io.fabric8.kubernetes.api.model.EndpointSubset;
import io.fabric8.kubernetes.api.model.Endpoints;
import io.fabric8.kubernetes.api.model.ObjectReference;
import io.fabric8.kubernetes.api.model.Pod;
import io.fabric8.kubernetes.api.model.Service;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.fabric8.kubernetes.client.informers.ResourceEventHandler;
import io.fabric8.kubernetes.client.informers.SharedIndexInformer;
import io.promfed.config.KubernetesSdConfig;
import io.promfed.discovery.TargetGroup;
import io.promfed.model.labels.Labels;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.function.Function;

/**
 * The {@code endpoints} role: one group per Endpoints object (source {@code
 * endpoints/<namespace>/<name>}) with one target per address and port, ready and not-ready
 * addresses alike. Mirrors prometheus/prometheus {@code discovery/kubernetes/endpoints.go} ({@code
 * buildEndpoints}).
 *
 * <p>Group labels: {@code __meta_kubernetes_namespace}, the Service's {@code service_name}, {@code
 * service_label_*}, {@code service_labelpresent_*}, {@code service_annotation_*}, {@code
 * service_annotationpresent_*} (when the Service exists), and {@code endpoints_name}, {@code
 * endpoints_label_*}, … of the Endpoints object. Target labels: {@code endpoint_port_name}, {@code
 * endpoint_port_protocol}, {@code endpoint_ready}, {@code endpoint_address_target_kind}/{@code
 * _name}, {@code endpoint_node_name}, {@code endpoint_hostname}; for addresses backed by a known
 * pod also the pod labels and, when a container port has the endpoint's port number, {@code
 * pod_container_name}, {@code _image}, {@code _port_name}, {@code _port_number}, {@code
 * _port_protocol}, {@code _init}. As upstream, every container port of those pods that no endpoint
 * port covers becomes an extra target {@code podIP:containerPort} carrying the pod labels.
 *
 * <p>Watches Endpoints, Services and Pods of each namespace with the {@code endpoints}, {@code
 * service} and {@code pod} selectors. A Service change rebuilds its Endpoints; a pod phase change
 * rebuilds the Endpoints that list the pod as a ready address (prometheus#11305), as upstream.
 * Thread-safe; see {@link InformerDiscoverer} for the delivery contract.
 */
public final class EndpointsDiscoverer
    extends InformerDiscoverer<EndpointsDiscoverer.EndpointsUnit> {

  private static final String POD_INDEX = "pod";

  static final class EndpointsUnit extends InformerDiscoverer.Unit {
    SharedIndexInformer<Endpoints> endpoints;
    SharedIndexInformer<Service> services;
    SharedIndexInformer<Pod> pods;

    EndpointsUnit(String namespace) {
      super(namespace);
    }
  }

  /**
   * @param client the Kubernetes client (not closed by this discoverer)
   * @param namespaces the namespaces to watch; {@code [""]} watches all namespaces
   * @param selectors the job's {@code selectors}; the {@code endpoints}, {@code service} and {@code
   *     pod} entries are used
   */
  public EndpointsDiscoverer(
      KubernetesClient client,
      List<String> namespaces,
      List<KubernetesSdConfig.Selector> selectors) {
    super(client, KubernetesSdConfig.ROLE_ENDPOINTS, namespaces, selectors);
  }

  @Override
  EndpointsUnit newUnit(String namespace) {
    EndpointsUnit u = new EndpointsUnit(namespace);
    Map<String, Function<Endpoints, List<String>>> indexers =
        Map.of(POD_INDEX, EndpointsDiscoverer::readyPods);
    u.endpoints =
        informer(u, client.endpoints(), "endpoints", "endpoints", "", indexers, enqueueAll());
    u.services =
        informer(
            u,
            client.services(),
            "service",
            "services",
            "",
            Map.of(),
            new ResourceEventHandler<>() {
              @Override
              public void onAdd(Service svc) {
                serviceChanged(u, svc);
              }

              @Override
              public void onUpdate(Service oldSvc, Service svc) {
                serviceChanged(u, svc);
              }

              @Override
              public void onDelete(Service svc, boolean deletedFinalStateUnknown) {
                serviceChanged(u, svc);
              }
            });
    u.pods =
        informer(
            u,
            client.pods(),
            "pod",
            "pods",
            "",
            Map.of(),
            new ResourceEventHandler<>() {
              @Override
              public void onAdd(Pod pod) {}

              @Override
              public void onUpdate(Pod oldPod, Pod pod) {
                // The pod's phase may change without an update of the Endpoints or Service.
                if (!Objects.equals(phase(oldPod), phase(pod))) {
                  for (Endpoints eps :
                      u.endpoints
                          .getIndexer()
                          .byIndex(
                              POD_INDEX,
                              MetaLabels.namespacedName(
                                  pod.getMetadata().getNamespace(), pod.getMetadata().getName()))) {
                    enqueue(eps);
                  }
                }
              }

              @Override
              public void onDelete(Pod pod, boolean deletedFinalStateUnknown) {}
            });
    u.primary = u.endpoints;
    return u;
  }

  /** The Service's Endpoints, if known, is rebuilt: its group carries the Service's labels. */
  private void serviceChanged(EndpointsUnit u, Service svc) {
    String key =
        MetaLabels.namespacedName(svc.getMetadata().getNamespace(), svc.getMetadata().getName());
    Endpoints eps = u.endpoints.getStore().getByKey(key);
    if (eps != null) {
      enqueue(eps);
    }
  }

  private static String phase(Pod pod) {
    return pod.getStatus() == null ? null : pod.getStatus().getPhase();
  }

  /** The {@code pod} index: {@code <ns>/<name>} of every ready address that targets a pod. */
  private static List<String> readyPods(Endpoints e) {
    List<String> pods = new ArrayList<>();
    if (e.getSubsets() != null) {
      for (EndpointSubset ss : e.getSubsets()) {
        if (ss.getAddresses() != null) {
          for (EndpointAddress addr : ss.getAddresses()) {
            ObjectReference ref = addr.getTargetRef();
            if (ref != null && "Pod".equals(ref.getKind())) {
              pods.add(MetaLabels.namespacedName(ref.getNamespace(), ref.getName()));
            }
          }
        }
      }
    }
    return pods;
  }

  @Override
  TargetGroup build(EndpointsUnit unit, String namespace, String name) {
    String key = MetaLabels.namespacedName(namespace, name);
    Endpoints eps = unit.endpoints.getStore().getByKey(key);
    if (eps == null) {
      return new TargetGroup(source(namespace, name), List.of(), Labels.EMPTY);
    }
    return buildEndpoints(
        eps,
        unit.services.getStore().getByKey(key),
        ref ->
            unit.pods
                .getStore()
                .getByKey(MetaLabels.namespacedName(ref.getNamespace(), ref.getName())));
  }

  static String source(String namespace, String name) {
    return "endpoints/" + namespace + "/" + name;
  }

  /**
   * {@code buildEndpoints}.
   *
   * @param svc the Service of the same name, or {@code null}
   * @param pods resolves a {@code Pod} target reference to the pod, or {@code null}
   */
  static TargetGroup buildEndpoints(
      Endpoints eps, Service svc, Function<ObjectReference, Pod> pods) {
    String ns = nullToEmpty(eps.getMetadata().getNamespace());
    Map<String, String> group = new HashMap<>();
    group.put(MetaLabels.NAMESPACE, ns);
    if (svc != null) {
      MetaLabels.addServiceLabels(group, svc);
    }
    MetaLabels.addObjectMeta(group, eps.getMetadata(), "endpoints");

    List<Labels> targets = new ArrayList<>();
    // Insertion order, where upstream iterates a Go map: the extra targets come out in pod order.
    Map<String, PodEntry> seenPods = new LinkedHashMap<>();
    if (eps.getSubsets() != null) {
      for (EndpointSubset ss : eps.getSubsets()) {
        if (ss.getPorts() == null) {
          continue;
        }
        for (EndpointPort port : ss.getPorts()) {
          if (ss.getAddresses() != null) {
            for (EndpointAddress addr : ss.getAddresses()) {
              add(targets, seenPods, pods, addr, port, "true");
            }
          }
          if (ss.getNotReadyAddresses() != null) {
            for (EndpointAddress addr : ss.getNotReadyAddresses()) {
              add(targets, seenPods, pods, addr, port, "false");
            }
          }
        }
      }
    }

    // Container ports of the seen pods that no endpoint port covers become targets too.
    for (PodEntry pe : seenPods.values()) {
      String podIp = pe.pod.getStatus() == null ? "" : nullToEmpty(pe.pod.getStatus().getPodIP());
      if (podIp.isEmpty()) {
        continue; // starting or evicted
      }
      List<Container> containers = PodDiscoverer.containers(pe.pod);
      int regular = PodDiscoverer.regularContainers(pe.pod);
      for (int i = 0; i < containers.size(); i++) {
        Container c = containers.get(i);
        if (c.getPorts() == null) {
          continue;
        }
        for (ContainerPort cport : c.getPorts()) {
          int number = MetaLabels.intOrZero(cport.getContainerPort());
          boolean seen = false;
          for (EndpointPort eport : pe.servicePorts) {
            if (MetaLabels.intOrZero(eport.getPort()) == number) {
              seen = true;
              break;
            }
          }
          if (seen) {
            continue;
          }
          Map<String, String> t = new HashMap<>();
          t.put(TargetGroup.ADDRESS_LABEL, MetaLabels.joinHostPort(podIp, number));
          MetaLabels.putContainerPort(
              t, c.getName(), c.getImage(), cport, cport.getProtocol(), i >= regular);
          MetaLabels.addPodLabels(t, pe.pod);
          targets.add(Labels.from(t));
        }
      }
    }
    return new TargetGroup(source(ns, eps.getMetadata().getName()), targets, Labels.from(group));
  }

  private static final class PodEntry {
    final Pod pod;
    final List<EndpointPort> servicePorts = new ArrayList<>();

    PodEntry(Pod pod) {
      this.pod = pod;
    }
  }

  private static void add(
      List<Labels> targets,
      Map<String, PodEntry> seenPods,
      Function<ObjectReference, Pod> pods,
      EndpointAddress addr,
      EndpointPort port,
      String ready) {
    int number = MetaLabels.intOrZero(port.getPort());
    Map<String, String> t = new HashMap<>();
    t.put(TargetGroup.ADDRESS_LABEL, MetaLabels.joinHostPort(nullToEmpty(addr.getIp()), number));
    t.put(MetaLabels.ENDPOINT_PORT_NAME, nullToEmpty(port.getName()));
    t.put(MetaLabels.ENDPOINT_PORT_PROTOCOL, nullToEmpty(port.getProtocol()));
    t.put(MetaLabels.ENDPOINT_READY, ready);
    ObjectReference ref = addr.getTargetRef();
    if (ref != null) {
      t.put(MetaLabels.ENDPOINT_ADDRESS_TARGET_KIND, nullToEmpty(ref.getKind()));
      t.put(MetaLabels.ENDPOINT_ADDRESS_TARGET_NAME, nullToEmpty(ref.getName()));
    }
    if (addr.getNodeName() != null) {
      t.put(MetaLabels.ENDPOINT_NODE_NAME, addr.getNodeName());
    }
    if (addr.getHostname() != null && !addr.getHostname().isEmpty()) {
      t.put(MetaLabels.ENDPOINT_HOSTNAME, addr.getHostname());
    }

    Pod pod = ref != null && "Pod".equals(ref.getKind()) ? pods.apply(ref) : null;
    if (pod == null) {
      targets.add(Labels.from(t));
      return;
    }
    PodEntry pe =
        seenPods.computeIfAbsent(
            MetaLabels.namespacedName(
                pod.getMetadata().getNamespace(), pod.getMetadata().getName()),
            k -> new PodEntry(pod));
    MetaLabels.addPodLabels(t, pod);
    // The last container with a port of this number wins: upstream's break only leaves the
    // container's own port loop.
    List<Container> containers = PodDiscoverer.containers(pod);
    int regular = PodDiscoverer.regularContainers(pod);
    for (int i = 0; i < containers.size(); i++) {
      Container c = containers.get(i);
      if (c.getPorts() == null) {
        continue;
      }
      for (ContainerPort cport : c.getPorts()) {
        if (MetaLabels.intOrZero(cport.getContainerPort()) == number) {
          MetaLabels.putContainerPort(
              t, c.getName(), c.getImage(), cport, port.getProtocol(), i >= regular);
          break;
        }
      }
    }
    pe.servicePorts.add(port);
    targets.add(Labels.from(t));
  }
}
