package io.promfed.discovery.kubernetes;

import static io.promfed.discovery.kubernetes.MetaLabels.nullToEmpty;

import io.fabric8.kubernetes.api.model.Container;
import io.fabric8.kubernetes.api.model.ContainerPort;
import io.fabric8.kubernetes.api.model.ObjectReference;
import io.fabric8.kubernetes.api.model.Pod;
import io.fabric8.kubernetes.api.model.Service;
import io.fabric8.kubernetes.api.model.discovery.v1.Endpoint;
import io.fabric8.kubernetes.api.model.discovery.v1.EndpointPort;
import io.fabric8.kubernetes.api.model.discovery.v1.EndpointSlice;
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
import java.util.function.Function;

/**
 * The {@code endpointslice} role over {@code discovery.k8s.io/v1}: one group per EndpointSlice
 * (source {@code endpointslice/<namespace>/<name>}) with one target per endpoint address and port.
 * Mirrors prometheus/prometheus {@code discovery/kubernetes/endpointslice.go} ({@code
 * buildEndpointSlice}).
 *
 * <p>Group labels: {@code __meta_kubernetes_namespace}, {@code endpointslice_address_type}, {@code
 * endpointslice_name}, {@code endpointslice_label_*}, … and the labels of the Service named by the
 * slice's {@code kubernetes.io/service-name} label. Target labels: {@code endpointslice_port_name},
 * {@code _port_protocol}, {@code _port}, {@code _port_app_protocol}, {@code
 * endpointslice_endpoint_conditions_ready}/{@code _serving}/{@code _terminating}, {@code
 * endpointslice_endpoint_hostname}, {@code _node_name}, {@code _zone}, {@code
 * endpointslice_endpoint_topology_*}, {@code endpointslice_address_target_kind}/{@code _name}, each
 * only when set; pod and container port labels and the extra container-port targets exactly as in
 * {@link EndpointsDiscoverer}. The secondary slice of a dual-stack Service yields no targets.
 *
 * <p>Watches EndpointSlices, Services and Pods with the {@code endpointslice}, {@code service} and
 * {@code pod} selectors; a Service change rebuilds its slices. Thread-safe; see {@link
 * InformerDiscoverer} for the delivery contract.
 */
public final class EndpointSliceDiscoverer
    extends InformerDiscoverer<EndpointSliceDiscoverer.SliceUnit> {

  private static final String SERVICE_INDEX = "service";
  private static final String SERVICE_NAME_LABEL = "kubernetes.io/service-name";

  static final class SliceUnit extends InformerDiscoverer.Unit {
    SharedIndexInformer<EndpointSlice> slices;
    SharedIndexInformer<Service> services;
    SharedIndexInformer<Pod> pods;

    SliceUnit(String namespace) {
      super(namespace);
    }
  }

  /**
   * @param client the Kubernetes client (not closed by this discoverer)
   * @param namespaces the namespaces to watch; {@code [""]} watches all namespaces
   * @param selectors the job's {@code selectors}; the {@code endpointslice}, {@code service} and
   *     {@code pod} entries are used
   */
  public EndpointSliceDiscoverer(
      KubernetesClient client,
      List<String> namespaces,
      List<KubernetesSdConfig.Selector> selectors) {
    super(client, KubernetesSdConfig.ROLE_ENDPOINTSLICE, namespaces, selectors);
  }

  @Override
  SliceUnit newUnit(String namespace) {
    SliceUnit u = new SliceUnit(namespace);
    Map<String, Function<EndpointSlice, List<String>>> indexers =
        Map.of(SERVICE_INDEX, EndpointSliceDiscoverer::serviceOf);
    u.slices =
        informer(
            u,
            client.discovery().v1().endpointSlices(),
            "endpointslice",
            "endpointslices",
            "discovery.k8s.io",
            indexers,
            enqueueAll());
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
    // Upstream keeps a pod informer only as a store for the target references.
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
              public void onUpdate(Pod oldPod, Pod newPod) {}

              @Override
              public void onDelete(Pod pod, boolean deletedFinalStateUnknown) {}
            });
    u.primary = u.slices;
    return u;
  }

  private void serviceChanged(SliceUnit u, Service svc) {
    for (EndpointSlice slice :
        u.slices
            .getIndexer()
            .byIndex(
                SERVICE_INDEX,
                MetaLabels.namespacedName(
                    svc.getMetadata().getNamespace(), svc.getMetadata().getName()))) {
      enqueue(slice);
    }
  }

  /** The {@code service} index: {@code <ns>/<kubernetes.io/service-name>}. */
  private static List<String> serviceOf(EndpointSlice e) {
    Map<String, String> labels = e.getMetadata().getLabels();
    String svc = labels == null ? null : labels.get(SERVICE_NAME_LABEL);
    return svc == null
        ? List.of()
        : List.of(MetaLabels.namespacedName(e.getMetadata().getNamespace(), svc));
  }

  @Override
  TargetGroup build(SliceUnit unit, String namespace, String name) {
    EndpointSlice slice =
        unit.slices.getStore().getByKey(MetaLabels.namespacedName(namespace, name));
    if (slice == null) {
      return new TargetGroup(source(namespace, name), List.of(), Labels.EMPTY);
    }
    Map<String, String> labels = slice.getMetadata().getLabels();
    String svcName = labels == null ? null : labels.get(SERVICE_NAME_LABEL);
    Service svc =
        svcName == null
            ? null
            : unit.services.getStore().getByKey(MetaLabels.namespacedName(namespace, svcName));
    return buildEndpointSlice(
        slice,
        svc,
        ref ->
            unit.pods
                .getStore()
                .getByKey(MetaLabels.namespacedName(ref.getNamespace(), ref.getName())));
  }

  static String source(String namespace, String name) {
    return "endpointslice/" + namespace + "/" + name;
  }

  /**
   * {@code buildEndpointSlice}.
   *
   * @param svc the Service named by the slice's {@code kubernetes.io/service-name}, or {@code null}
   * @param pods resolves a {@code Pod} target reference to the pod, or {@code null}
   */
  static TargetGroup buildEndpointSlice(
      EndpointSlice eps, Service svc, Function<ObjectReference, Pod> pods) {
    String ns = nullToEmpty(eps.getMetadata().getNamespace());
    String source = source(ns, eps.getMetadata().getName());
    Map<String, String> group = new HashMap<>();
    group.put(MetaLabels.NAMESPACE, ns);
    group.put(MetaLabels.SLICE_ADDRESS_TYPE, nullToEmpty(eps.getAddressType()));
    MetaLabels.addObjectMeta(group, eps.getMetadata(), "endpointslice");
    if (svc != null) {
      MetaLabels.addServiceLabels(group, svc);
    }
    if (nonPrimaryIpFamilySlice(svc, eps)) {
      return new TargetGroup(source, List.of(), Labels.from(group));
    }

    List<Labels> targets = new ArrayList<>();
    Map<String, PodEntry> seenPods = new LinkedHashMap<>();
    if (eps.getEndpoints() != null && eps.getPorts() != null) {
      for (Endpoint ep : eps.getEndpoints()) {
        for (EndpointPort port : eps.getPorts()) {
          if (ep.getAddresses() != null) {
            for (String addr : ep.getAddresses()) {
              add(targets, seenPods, pods, addr, ep, port);
            }
          }
        }
      }
    }

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
            if (eport.getPort() != null && eport.getPort() == number) {
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
    return new TargetGroup(source, targets, Labels.from(group));
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
      String addr,
      Endpoint ep,
      EndpointPort port) {
    Map<String, String> t = new HashMap<>();
    t.put(
        TargetGroup.ADDRESS_LABEL,
        port.getPort() != null ? MetaLabels.joinHostPort(addr, port.getPort()) : addr);
    if (port.getName() != null) {
      t.put(MetaLabels.SLICE_PORT_NAME, port.getName());
    }
    if (port.getProtocol() != null) {
      t.put(MetaLabels.SLICE_PORT_PROTOCOL, port.getProtocol());
    }
    if (port.getPort() != null) {
      t.put(MetaLabels.SLICE_PORT, Integer.toUnsignedString(port.getPort()));
    }
    if (port.getAppProtocol() != null) {
      t.put(MetaLabels.SLICE_PORT_APP_PROTOCOL, port.getAppProtocol());
    }
    if (ep.getConditions() != null) {
      if (ep.getConditions().getReady() != null) {
        t.put(MetaLabels.SLICE_READY, ep.getConditions().getReady().toString());
      }
      if (ep.getConditions().getServing() != null) {
        t.put(MetaLabels.SLICE_SERVING, ep.getConditions().getServing().toString());
      }
      if (ep.getConditions().getTerminating() != null) {
        t.put(MetaLabels.SLICE_TERMINATING, ep.getConditions().getTerminating().toString());
      }
    }
    if (ep.getHostname() != null) {
      t.put(MetaLabels.SLICE_HOSTNAME, ep.getHostname());
    }
    ObjectReference ref = ep.getTargetRef();
    if (ref != null) {
      t.put(MetaLabels.SLICE_ADDRESS_TARGET_KIND, nullToEmpty(ref.getKind()));
      t.put(MetaLabels.SLICE_ADDRESS_TARGET_NAME, nullToEmpty(ref.getName()));
    }
    if (ep.getNodeName() != null) {
      t.put(MetaLabels.SLICE_NODE_NAME, ep.getNodeName());
    }
    if (ep.getZone() != null) {
      t.put(MetaLabels.SLICE_ZONE, ep.getZone());
    }
    if (ep.getDeprecatedTopology() != null) {
      ep.getDeprecatedTopology()
          .forEach(
              (k, v) -> {
                String ln = MetaLabels.sanitize(k);
                t.put(MetaLabels.SLICE_TOPOLOGY_PREFIX + ln, nullToEmpty(v));
                t.put(MetaLabels.SLICE_TOPOLOGY_PRESENT_PREFIX + ln, MetaLabels.PRESENT);
              });
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
    List<Container> containers = PodDiscoverer.containers(pod);
    int regular = PodDiscoverer.regularContainers(pod);
    for (int i = 0; i < containers.size(); i++) {
      Container c = containers.get(i);
      if (c.getPorts() == null || port.getPort() == null) {
        continue;
      }
      for (ContainerPort cport : c.getPorts()) {
        if (MetaLabels.intOrZero(cport.getContainerPort()) == port.getPort()) {
          MetaLabels.putContainerPort(
              t, c.getName(), c.getImage(), cport, cport.getProtocol(), i >= regular);
          break;
        }
      }
    }
    pe.servicePorts.add(port);
    targets.add(Labels.from(t));
  }

  /**
   * {@code nonPrimaryIPFamilySlice}: the slice of a dual-stack Service whose address type is not
   * the Service's primary IP family would duplicate the primary slice's targets.
   */
  private static boolean nonPrimaryIpFamilySlice(Service svc, EndpointSlice eps) {
    if (svc == null || svc.getSpec() == null) {
      return false;
    }
    String policy = svc.getSpec().getIpFamilyPolicy();
    if (!"PreferDualStack".equals(policy) && !"RequireDualStack".equals(policy)) {
      return false;
    }
    List<String> families = svc.getSpec().getIpFamilies();
    if (families == null || families.isEmpty()) {
      return false;
    }
    return !families.get(0).equals(eps.getAddressType());
  }
}
