package io.promfed.config;

import io.promfed.model.gostrconv.GoQuote;
import java.net.URI;
import java.net.URISyntaxException;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Set;

/**
 * One entry of {@code kubernetes_sd_configs}: the subset of Prometheus's {@code
 * kubernetes.SDConfig} (prometheus/prometheus {@code discovery/kubernetes/kubernetes.go}) this
 * suite supports. Parsed and validated only; the discoverer lives in {@code
 * io.promfed.discovery.kubernetes}. Immutable.
 *
 * @param role one of {@code endpoints}, {@code endpointslice}, {@code pod}, {@code service}, {@code
 *     node}
 * @param namespaceNames {@code namespaces.names}; empty means all namespaces (unless {@code
 *     ownNamespace})
 * @param ownNamespace {@code namespaces.own_namespace}: also watch the namespace the process runs
 *     in
 * @param selectors {@code selectors}: label/field selectors per role, pushed to the API server
 * @param apiServer the API server URL, or "" for in-cluster (or kubeconfig) configuration
 * @param kubeconfigFile a kubeconfig file, or ""
 */
public record KubernetesSdConfig(
    String role,
    List<String> namespaceNames,
    boolean ownNamespace,
    List<Selector> selectors,
    String apiServer,
    String kubeconfigFile) {

  public static final String ROLE_ENDPOINTS = "endpoints";
  public static final String ROLE_ENDPOINTSLICE = "endpointslice";
  public static final String ROLE_POD = "pod";
  public static final String ROLE_SERVICE = "service";
  public static final String ROLE_NODE = "node";

  /** Prometheus's roles; {@code ingress} is known to Prometheus but not supported here. */
  public static final Set<String> ROLES =
      Set.of(ROLE_ENDPOINTS, ROLE_ENDPOINTSLICE, ROLE_POD, ROLE_SERVICE, ROLE_NODE);

  /** Which selector roles each discovery role accepts, as {@code allowedSelectors} upstream. */
  private static final Map<String, List<String>> ALLOWED_SELECTORS =
      Map.of(
          ROLE_POD, List.of(ROLE_POD, ROLE_NODE),
          ROLE_SERVICE, List.of(ROLE_SERVICE),
          ROLE_ENDPOINTSLICE, List.of(ROLE_POD, ROLE_SERVICE, ROLE_ENDPOINTSLICE),
          ROLE_ENDPOINTS, List.of(ROLE_POD, ROLE_SERVICE, ROLE_ENDPOINTS),
          ROLE_NODE, List.of(ROLE_NODE));

  /**
   * One {@code selectors} entry ({@code SelectorConfig}). The selector strings are passed to the
   * API server unchanged, which validates them.
   *
   * @param role the resource the selector applies to, one of {@link #ROLES}
   * @param label a Kubernetes label selector, or ""
   * @param field a Kubernetes field selector, or ""
   */
  public record Selector(String role, String label, String field) {
    public Selector {
      Objects.requireNonNull(role, "role");
      Objects.requireNonNull(label, "label");
      Objects.requireNonNull(field, "field");
    }
  }

  /** The checks of {@code SDConfig.UnmarshalYAML}, in the same order and with the same messages. */
  public KubernetesSdConfig {
    Objects.requireNonNull(role, "role");
    namespaceNames = List.copyOf(namespaceNames);
    selectors = List.copyOf(selectors);
    Objects.requireNonNull(apiServer, "apiServer");
    Objects.requireNonNull(kubeconfigFile, "kubeconfigFile");
    if (role.isEmpty()) {
      throw new IllegalArgumentException(
          "role missing (one of: pod, service, endpoints, endpointslice, node)");
    }
    checkRole(role);
    if (!apiServer.isEmpty()) {
      try {
        new URI(apiServer);
      } catch (URISyntaxException e) {
        throw new IllegalArgumentException(
            "parse " + GoQuote.quote(apiServer) + ": " + e.getReason());
      }
    }
    if (!apiServer.isEmpty() && !kubeconfigFile.isEmpty()) {
      throw new IllegalArgumentException(
          "cannot use 'kubeconfig_file' and 'api_server' simultaneously");
    }
    if (!apiServer.isEmpty() && ownNamespace) {
      throw new IllegalArgumentException(
          "cannot use 'api_server' and 'namespaces.own_namespace' simultaneously");
    }
    if (!kubeconfigFile.isEmpty() && ownNamespace) {
      throw new IllegalArgumentException(
          "cannot use 'kubeconfig_file' and 'namespaces.own_namespace' simultaneously");
    }
    Set<String> seen = new HashSet<>();
    List<String> allowed = ALLOWED_SELECTORS.get(role);
    for (Selector s : selectors) {
      if (!seen.add(s.role())) {
        throw new IllegalArgumentException("duplicated selector role: " + s.role());
      }
      if (!allowed.contains(s.role())) {
        throw new IllegalArgumentException(
            role + " role supports only " + String.join(", ", allowed) + " selectors");
      }
    }
  }

  /**
   * Checks a role value as {@code Role.UnmarshalYAML} does.
   *
   * @throws IllegalArgumentException {@code unknown Kubernetes SD role "x"}, or a "not supported"
   *     message for Prometheus's {@code ingress} role
   */
  static void checkRole(String role) {
    if (role.equals("ingress")) {
      throw new IllegalArgumentException(
          "Kubernetes SD role \"ingress\" is not supported by promfed");
    }
    if (!ROLES.contains(role)) {
      throw new IllegalArgumentException("unknown Kubernetes SD role " + GoQuote.quote(role));
    }
  }
}
