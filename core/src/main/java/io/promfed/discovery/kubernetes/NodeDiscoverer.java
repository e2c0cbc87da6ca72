package io.promfed.discovery.kubernetes;

import static io.promfed.discovery.kubernetes.MetaLabels.nullToEmpty;

import io.fabric8.kubernetes.api.model.Node;
import io.fabric8.kubernetes.api.model.NodeAddress;
import io.fabric8.kubernetes.api.model.NodeCondition;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.fabric8.kubernetes.client.informers.SharedIndexInformer;
import io.promfed.config.KubernetesSdConfig;
import io.promfed.discovery.TargetGroup;
import io.promfed.model.labels.Labels;
import java.lang.System.Logger.Level;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;

/**
 * The {@code node} role: one group per Node (source {@code node/<name>}) with one target, the
 * kubelet of that node, addressed {@code <node address>:<kubelet port>} and with {@code instance}
 * set to the node's name. Mirrors prometheus/prometheus {@code discovery/kubernetes/node.go}
 * ({@code buildNode}, {@code nodeLabels}, {@code nodeAddress}).
 *
 * <p>Group labels: {@code __meta_kubernetes_node_name}, {@code node_provider_id}, {@code
 * node_condition_<type>} (type and status lower-cased, e.g. {@code node_condition_ready="true"}),
 * {@code node_label_*}, {@code node_labelpresent_*}, {@code node_annotation_*} and {@code
 * node_annotationpresent_*}. Target labels: {@code __address__}, {@code instance} and {@code
 * __meta_kubernetes_node_address_<type>} with the first address of each type (e.g. {@code
 * node_address_InternalIP}).
 *
 * <p>The address is the first of, in this order: InternalIP, InternalDNS, ExternalIP, ExternalDNS,
 * LegacyHostIP, Hostname (upstream's order, from Kubernetes's own {@code GetPreferredNodeAddress}).
 * A node with none of them yields no update at all, as upstream: its last group (if any) stays.
 *
 * <p>Nodes are cluster-scoped, so {@code namespaces} does not apply; the {@code node} selectors do.
 * Needs {@code get}, {@code list} and {@code watch} on {@code nodes}. Thread-safe; see {@link
 * InformerDiscoverer} for the delivery contract.
 */
public final class NodeDiscoverer extends InformerDiscoverer<NodeDiscoverer.NodeUnit> {

  /** Upstream's {@code NodeLegacyHostIP}: an address type older Kubernetes versions reported. */
  static final String LEGACY_HOST_IP = "LegacyHostIP";

  /** {@code nodeAddress}'s order of preference. */
  static final List<String> ADDRESS_PREFERENCE =
      List.of("InternalIP", "InternalDNS", "ExternalIP", "ExternalDNS", LEGACY_HOST_IP, "Hostname");

  static final String NODE_PROVIDER_ID = MetaLabels.PREFIX + "node_provider_id";
  static final String NODE_CONDITION_PREFIX = MetaLabels.PREFIX + "node_condition_";
  static final String NODE_ADDRESS_PREFIX = MetaLabels.PREFIX + "node_address_";

  private static final System.Logger LOG = System.getLogger(NodeDiscoverer.class.getName());

  static final class NodeUnit extends InformerDiscoverer.Unit {
    SharedIndexInformer<Node> nodes;

    NodeUnit(String namespace) {
      super(namespace);
    }
  }

  /**
   * @param client the Kubernetes client (not closed by this discoverer)
   * @param selectors the job's {@code selectors}; only the {@code node} entry is used
   */
  public NodeDiscoverer(KubernetesClient client, List<KubernetesSdConfig.Selector> selectors) {
    super(client, KubernetesSdConfig.ROLE_NODE, List.of(ALL), selectors);
  }

  @Override
  NodeUnit newUnit(String namespace) {
    NodeUnit u = new NodeUnit(namespace);
    u.nodes = informer(u, client.nodes(), "node", "nodes", "", Map.of(), enqueueAll());
    u.primary = u.nodes;
    return u;
  }

  @Override
  TargetGroup build(NodeUnit unit, String namespace, String name) {
    // A cluster-scoped object's informer key is its bare name.
    Node node = unit.nodes.getStore().getByKey(name);
    if (node == null) {
      return new TargetGroup(source(name), List.of(), Labels.EMPTY);
    }
    TargetGroup g = buildNode(node);
    if (g == null) {
      LOG.log(
          Level.WARNING,
          "kubernetes_sd role node: no node address found for node {0}: host address unknown",
          name);
    }
    return g;
  }

  static String source(String name) {
    return "node/" + name;
  }

  /** {@code buildNode}; {@code null} when the node has no usable address. */
  static TargetGroup buildNode(Node node) {
    String name = nullToEmpty(node.getMetadata().getName());
    Map<String, List<String>> addresses = addressesByType(node);
    String host = preferredAddress(addresses);
    if (host == null) {
      return null;
    }
    Map<String, String> target = new HashMap<>();
    target.put(TargetGroup.ADDRESS_LABEL, MetaLabels.joinHostPort(host, kubeletPort(node)));
    target.put("instance", name);
    addresses.forEach(
        (type, list) -> target.put(MetaLabels.sanitize(NODE_ADDRESS_PREFIX + type), list.get(0)));
    return new TargetGroup(
        source(name), List.of(Labels.from(target)), Labels.from(nodeLabels(node)));
  }

  /**
   * {@code nodeLabels}: provider ID, one label per condition, the node's name, labels, annotations.
   */
  static Map<String, String> nodeLabels(Node node) {
    Map<String, String> ls = new HashMap<>();
    ls.put(
        NODE_PROVIDER_ID,
        node.getSpec() == null ? "" : nullToEmpty(node.getSpec().getProviderID()));
    if (node.getStatus() != null && node.getStatus().getConditions() != null) {
      for (NodeCondition c : node.getStatus().getConditions()) {
        // Upstream lower-cases the type before sanitizing it, and the status too.
        String type = nullToEmpty(c.getType()).toLowerCase(Locale.ROOT);
        ls.put(
            NODE_CONDITION_PREFIX + MetaLabels.sanitize(type),
            nullToEmpty(c.getStatus()).toLowerCase(Locale.ROOT));
      }
    }
    MetaLabels.addObjectMeta(ls, node.getMetadata(), "node");
    return ls;
  }

  /** The node's addresses grouped by type, each list in the order the status gives them. */
  static Map<String, List<String>> addressesByType(Node node) {
    Map<String, List<String>> m = new LinkedHashMap<>();
    if (node.getStatus() != null && node.getStatus().getAddresses() != null) {
      for (NodeAddress a : node.getStatus().getAddresses()) {
        m.computeIfAbsent(nullToEmpty(a.getType()), t -> new ArrayList<>())
            .add(nullToEmpty(a.getAddress()));
      }
    }
    return m;
  }

  /** {@code nodeAddress}: the first address of the most preferred type present, else null. */
  static String preferredAddress(Map<String, List<String>> addressesByType) {
    for (String type : ADDRESS_PREFERENCE) {
      List<String> list = addressesByType.get(type);
      if (list != null) {
        return list.get(0);
      }
    }
    return null;
  }

  /** {@code status.daemonEndpoints.kubeletEndpoint.Port}; 0 when absent, as Go's zero value. */
  private static int kubeletPort(Node node) {
    var status = node.getStatus();
    if (status == null
        || status.getDaemonEndpoints() == null
        || status.getDaemonEndpoints().getKubeletEndpoint() == null) {
      return 0;
    }
    return MetaLabels.intOrZero(status.getDaemonEndpoints().getKubeletEndpoint().getPort());
  }
}
