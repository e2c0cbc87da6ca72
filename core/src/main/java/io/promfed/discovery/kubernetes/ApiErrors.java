package io.promfed.discovery.kubernetes;

import io.fabric8.kubernetes.client.KubernetesClientException;
import io.fabric8.kubernetes.client.WatcherException;
import java.util.HashSet;
import java.util.Set;

/**
 * Turns a failed list or watch into one log line that says what to fix. Prometheus logs client-go's
 * error ({@code failed to list *v1.Pod: pods is forbidden: …}) from the reflector and counts it in
 * {@code prometheus_sd_kubernetes_failures_total} ({@code discovery/kubernetes/kubernetes.go},
 * {@code informerWatchErrorHandler}); here a 403 also names the RBAC rule that is missing, because
 * that is by far the most common cause in a fresh namespace. Stateless.
 */
final class ApiErrors {

  private ApiErrors() {}

  /**
   * What a list/watch of {@code resource} failed with, and what to do about it.
   *
   * @param verb {@code list} or {@code watch}
   * @param resource the plural resource, e.g. {@code pods}
   * @param apiGroup the API group, "" for the core group
   * @param namespace the namespace, or "" for all namespaces
   */
  static String describe(
      Throwable t, String verb, String resource, String apiGroup, String namespace) {
    KubernetesClientException kce = clientException(t);
    int code = kce == null ? 0 : kce.getCode();
    String where = namespace.isEmpty() ? "cluster-wide" : "in namespace \"" + namespace + "\"";
    String what =
        verb + " " + (apiGroup.isEmpty() ? resource : resource + "." + apiGroup) + " " + where;
    String reason = reason(t, kce);
    if (code == 403) {
      return "forbidden (HTTP 403) to "
          + what
          + ": the service account lacks the RBAC permission verb \""
          + verb
          + "\" on resource \""
          + resource
          + "\" (apiGroup \""
          + apiGroup
          + "\") "
          + where
          + "; grant get, list and watch on it in a "
          + (namespace.isEmpty() ? "ClusterRole + ClusterRoleBinding" : "Role/RoleBinding")
          + " (see k8s/base/rbac.yaml); keeping the last known targets and retrying with backoff"
          + " ("
          + reason
          + ")";
    }
    if (code == 404) {
      return "not found (HTTP 404) when trying to "
          + what
          + ": is the API (group \""
          + apiGroup
          + "\") served by this cluster? keeping the last known targets and retrying with backoff ("
          + reason
          + ")";
    }
    return "failed to "
        + what
        + (code > 0 ? " (HTTP " + code + ")" : "")
        + ": "
        + reason
        + "; keeping the last known targets and retrying with backoff";
  }

  /** The first {@link KubernetesClientException} in the cause chain, or {@code null}. */
  static KubernetesClientException clientException(Throwable t) {
    Set<Throwable> seen = new HashSet<>();
    for (Throwable c = t; c != null && seen.add(c); c = c.getCause()) {
      if (c instanceof KubernetesClientException kce) {
        return kce;
      }
      if (c instanceof WatcherException we) {
        return we.asClientException();
      }
    }
    return null;
  }

  private static String reason(Throwable t, KubernetesClientException kce) {
    if (kce != null && kce.getStatus() != null && kce.getStatus().getMessage() != null) {
      return kce.getStatus().getMessage();
    }
    Throwable root = t;
    Set<Throwable> seen = new HashSet<>();
    while (root.getCause() != null && seen.add(root)) {
      root = root.getCause();
    }
    String msg = (kce != null ? kce : root).getMessage();
    return msg == null ? root.getClass().getSimpleName() : msg;
  }
}
