package io.promfed.discovery.kubernetes;

import static io.promfed.discovery.kubernetes.MetaLabels.nullToEmpty;

import io.fabric8.kubernetes.api.model.LoadBalancerIngress;
import io.fabric8.kubernetes.api.model.Service;
import io.fabric8.kubernetes.api.model.ServicePort;
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
 * The {@code service} role: one group per Service (source {@code svc/<namespace>/<name>}) with one
 * target per Service port, addressed {@code <name>.<namespace>.svc:<port>}. Mirrors
 * prometheus/prometheus {@code discovery/kubernetes/service.go} ({@code buildService}). Group
 * labels: {@code __meta_kubernetes_namespace}, {@code service_name}, {@code service_label_*},
 * {@code service_labelpresent_*}, {@code service_annotation_*}, {@code
 * service_annotationpresent_*}; target labels: {@code service_port_name}, {@code _port_number},
 * {@code _port_protocol}, {@code service_type}, and {@code service_external_name} for ExternalName
 * Services or {@code service_cluster_ip} otherwise, plus {@code service_loadbalancer_ip} for
 * LoadBalancer Services.
 *
 * <p>Watches Services with the {@code service} selectors. Thread-safe; see {@link
 * InformerDiscoverer} for the delivery contract.
 */
public final class ServiceDiscoverer extends InformerDiscoverer<ServiceDiscoverer.ServiceUnit> {

  static final class ServiceUnit extends InformerDiscoverer.Unit {
    SharedIndexInformer<Service> services;

    ServiceUnit(String namespace) {
      super(namespace);
    }
  }

  /**
   * @param client the Kubernetes client (not closed by this discoverer)
   * @param namespaces the namespaces to watch; {@code [""]} watches all namespaces
   * @param selectors the job's {@code selectors}; only the {@code service} entry is used
   */
  public ServiceDiscoverer(
      KubernetesClient client,
      List<String> namespaces,
      List<KubernetesSdConfig.Selector> selectors) {
    super(client, KubernetesSdConfig.ROLE_SERVICE, namespaces, selectors);
  }

  @Override
  ServiceUnit newUnit(String namespace) {
    ServiceUnit u = new ServiceUnit(namespace);
    u.services = informer(u, client.services(), "service", "services", "", Map.of(), enqueueAll());
    u.primary = u.services;
    return u;
  }

  @Override
  TargetGroup build(ServiceUnit unit, String namespace, String name) {
    Service svc = unit.services.getStore().getByKey(MetaLabels.namespacedName(namespace, name));
    if (svc == null) {
      return new TargetGroup(source(namespace, name), List.of(), Labels.EMPTY);
    }
    return buildService(svc);
  }

  static String source(String namespace, String name) {
    return "svc/" + namespace + "/" + name;
  }

  /** {@code buildService}. */
  static TargetGroup buildService(Service svc) {
    String ns = nullToEmpty(svc.getMetadata().getNamespace());
    String name = svc.getMetadata().getName();
    Map<String, String> group = new HashMap<>();
    MetaLabels.addServiceLabels(group, svc);
    List<Labels> targets = new ArrayList<>();
    var spec = svc.getSpec();
    if (spec != null && spec.getPorts() != null) {
      String type = nullToEmpty(spec.getType());
      for (ServicePort port : spec.getPorts()) {
        int number = MetaLabels.intOrZero(port.getPort());
        Map<String, String> t = new HashMap<>();
        t.put(TargetGroup.ADDRESS_LABEL, MetaLabels.joinHostPort(name + "." + ns + ".svc", number));
        t.put(MetaLabels.SERVICE_PORT_NAME, nullToEmpty(port.getName()));
        t.put(MetaLabels.SERVICE_PORT_NUMBER, Integer.toString(number));
        t.put(MetaLabels.SERVICE_PORT_PROTOCOL, nullToEmpty(port.getProtocol()));
        t.put(MetaLabels.SERVICE_TYPE, type);
        if (type.equals("ExternalName")) {
          t.put(MetaLabels.SERVICE_EXTERNAL_NAME, nullToEmpty(spec.getExternalName()));
        } else {
          t.put(MetaLabels.SERVICE_CLUSTER_IP, nullToEmpty(spec.getClusterIP()));
        }
        if (type.equals("LoadBalancer")) {
          t.put(MetaLabels.SERVICE_LOADBALANCER_IP, loadBalancerIps(svc));
        }
        targets.add(Labels.from(t));
      }
    }
    return new TargetGroup(source(ns, name), targets, Labels.from(group));
  }

  /**
   * {@code loadBalancerIPs}: the ingress IPs of the status joined with commas, else the deprecated
   * {@code spec.loadBalancerIP}.
   */
  private static String loadBalancerIps(Service svc) {
    List<String> ips = new ArrayList<>();
    if (svc.getStatus() != null
        && svc.getStatus().getLoadBalancer() != null
        && svc.getStatus().getLoadBalancer().getIngress() != null) {
      for (LoadBalancerIngress ing : svc.getStatus().getLoadBalancer().getIngress()) {
        if (ing.getIp() != null && !ing.getIp().isEmpty()) {
          ips.add(ing.getIp());
        }
      }
    }
    return ips.isEmpty() ? nullToEmpty(svc.getSpec().getLoadBalancerIP()) : String.join(",", ips);
  }
}
