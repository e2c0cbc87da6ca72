package io.promfed.discovery.kubernetes;

import io.fabric8.kubernetes.client.KubernetesClient;
import io.promfed.config.KubernetesSdConfig;
import io.promfed.discovery.DiscoveryManager;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.function.Supplier;

/**
 * Builds the discoverer for one {@code kubernetes_sd_configs} entry: prometheus/prometheus {@code
 * discovery/kubernetes/kubernetes.go} ({@code New}, {@code getNamespaces}, {@code Run}). Stateless
 * and thread-safe.
 *
 * <p>The caller supplies the {@link KubernetesClient} (in the apps, the one spring-cloud-kubernetes
 * configures from the pod's service account or a kubeconfig) and owns it. An entry with {@code
 * api_server} or {@code kubeconfig_file} needs a client built for that server; this factory does
 * not build clients.
 */
public final class KubernetesDiscovery {

  /** Where Kubernetes mounts the pod's namespace, read for {@code namespaces.own_namespace}. */
  public static final Path SERVICE_ACCOUNT_NAMESPACE_FILE =
      Path.of("/var/run/secrets/kubernetes.io/serviceaccount/namespace");

  /** Kubernetes's {@code NamespaceAll}: in a namespace list, "watch every namespace". */
  public static final String ALL_NAMESPACES = InformerDiscoverer.ALL;

  private KubernetesDiscovery() {}

  /**
   * A discoverer for {@code config}'s role ({@link EndpointsDiscoverer}, {@link
   * EndpointSliceDiscoverer}, {@link PodDiscoverer}, {@link ServiceDiscoverer} or {@link
   * NodeDiscoverer}), not started.
   *
   * @param client the client to list and watch with; not closed by the discoverer
   * @param config the {@code kubernetes_sd_configs} entry
   * @param ownNamespace the namespace this process runs in, used when {@code
   *     namespaces.own_namespace} is true; {@code null} reads {@link
   *     #SERVICE_ACCOUNT_NAMESPACE_FILE} then (as Prometheus does), failing if it cannot
   * @throws IllegalArgumentException when the own namespace is needed but unknown
   */
  public static InformerDiscoverer<?> create(
      KubernetesClient client, KubernetesSdConfig config, String ownNamespace) {
    if (config.role().equals(KubernetesSdConfig.ROLE_NODE)) {
      // Nodes are cluster-scoped: upstream's Run never looks at the namespaces for this role.
      return new NodeDiscoverer(client, config.selectors());
    }
    List<String> namespaces = namespaces(config, ownNamespace);
    return switch (config.role()) {
      case KubernetesSdConfig.ROLE_ENDPOINTS ->
          new EndpointsDiscoverer(client, namespaces, config.selectors());
      case KubernetesSdConfig.ROLE_ENDPOINTSLICE ->
          new EndpointSliceDiscoverer(client, namespaces, config.selectors());
      case KubernetesSdConfig.ROLE_POD -> new PodDiscoverer(client, namespaces, config.selectors());
      case KubernetesSdConfig.ROLE_SERVICE ->
          new ServiceDiscoverer(client, namespaces, config.selectors());
      default ->
          throw new IllegalArgumentException(
              "Kubernetes SD role \"" + config.role() + "\" is not supported by promfed");
    };
  }

  /**
   * The {@link DiscoveryManager}'s factory for {@code kubernetes_sd_configs}, over a client that
   * may be absent (outside a cluster the apps have no client bean): it is looked up when a config
   * is applied, and a job that needs it then fails with a message saying why.
   *
   * @param client supplies the client, or null when there is none
   * @param ownNamespace as for {@link #create}; empty counts as unknown
   */
  public static DiscoveryManager.KubernetesDiscovererFactory factory(
      Supplier<KubernetesClient> client, String ownNamespace) {
    String own = ownNamespace == null || ownNamespace.isEmpty() ? null : ownNamespace;
    return (job, sd) -> {
      KubernetesClient c = client.get();
      if (c == null) {
        throw new IllegalStateException(
            "job " + job + ": kubernetes_sd_configs need a Kubernetes client (not in a cluster?)");
      }
      return create(c, sd, own);
    };
  }

  /**
   * {@code getNamespaces}: {@code namespaces.names}, plus the own namespace when {@code
   * own_namespace} is set; {@code [""]} (all namespaces) when neither is given.
   */
  public static List<String> namespaces(KubernetesSdConfig config, String ownNamespace) {
    List<String> names = config.namespaceNames();
    if (names.isEmpty() && !config.ownNamespace()) {
      return List.of(ALL_NAMESPACES);
    }
    if (config.ownNamespace()) {
      String own = ownNamespace != null ? ownNamespace : readOwnNamespace();
      List<String> out = new ArrayList<>(names);
      if (!out.contains(own)) {
        out.add(own);
      }
      return List.copyOf(out);
    }
    return names;
  }

  /** {@link #readOwnNamespace(Path)} of {@link #SERVICE_ACCOUNT_NAMESPACE_FILE}. */
  public static String readOwnNamespace() {
    return readOwnNamespace(SERVICE_ACCOUNT_NAMESPACE_FILE);
  }

  /**
   * The namespace in {@code file} (surrounding whitespace removed), as Prometheus reads it for
   * {@code own_namespace}.
   *
   * @throws IllegalArgumentException with Prometheus's messages: {@code could not determine the
   *     pod's namespace: …} or {@code could not read own namespace name (empty file)}
   */
  public static String readOwnNamespace(Path file) {
    String ns;
    try {
      ns = Files.readString(file, StandardCharsets.UTF_8).strip();
    } catch (IOException e) {
      throw new IllegalArgumentException("could not determine the pod's namespace: " + e, e);
    }
    if (ns.isEmpty()) {
      throw new IllegalArgumentException("could not read own namespace name (empty file)");
    }
    return ns;
  }
}
