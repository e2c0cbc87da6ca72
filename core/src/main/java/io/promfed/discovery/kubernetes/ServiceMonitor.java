package io.promfed.discovery.kubernetes;

import io.fabric8.kubernetes.api.model.GenericKubernetesResource;
import io.promfed.model.relabel.Action;
import io.promfed.model.relabel.RelabelConfig;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.TreeMap;

/**
 * A {@code monitoring.coreos.com/v1} ServiceMonitor: the subset of prometheus-operator's {@code
 * ServiceMonitorSpec} ({@code pkg/apis/monitoring/v1/servicemonitor_types.go}, {@code types.go})
 * that promfed compiles, read from the untyped object the API returns. Immutable and thread-safe.
 *
 * <p>Fields that need Secrets or ConfigMaps (basic auth, authorization, OAuth2, bearer token
 * secrets, TLS material from secrets) are recorded in {@link Endpoint#secretRefs()} so the compiler
 * can reject the endpoint: promfed's RBAC deliberately grants no access to Secrets. Fields with no
 * counterpart in our scrape config ({@code attachMetadata}, {@code scrapeProtocols}, {@code
 * fallbackScrapeProtocol}, {@code keepDroppedTargets}, native histogram settings, {@code
 * scrapeClassName}, {@code followRedirects}, {@code enableHttp2}, {@code proxyUrl}) are ignored.
 *
 * @param namespace the object's namespace
 * @param name the object's name
 * @param spec the spec
 */
public record ServiceMonitor(String namespace, String name, Spec spec) {

  public ServiceMonitor {
    Objects.requireNonNull(namespace, "namespace");
    Objects.requireNonNull(name, "name");
    Objects.requireNonNull(spec, "spec");
  }

  /** {@code <namespace>/<name>}, the key the operator sorts by. */
  public String key() {
    return namespace + "/" + name;
  }

  /**
   * The spec.
   *
   * @param jobLabel Service label whose value becomes {@code job}, or ""
   * @param targetLabels Service labels copied onto the targets
   * @param podTargetLabels Pod labels copied onto the targets
   * @param endpoints the scrape endpoints; each becomes one scrape config
   * @param selector selects the Services
   * @param selectorMechanism {@code Relabel} (default) or {@code RoleSelector}
   * @param namespaceSelector which namespaces the Services are in
   * @param serviceDiscoveryRole {@code Endpoints}, {@code EndpointSlice}, or "" for the default
   * @param sampleLimit per-scrape sample limit, {@code null} when unset
   * @param targetLimit target limit, {@code null} when unset
   * @param labelLimit label count limit, {@code null} when unset
   * @param labelNameLengthLimit label name length limit, {@code null} when unset
   * @param labelValueLengthLimit label value length limit, {@code null} when unset
   * @param bodySizeLimit a byte size such as {@code 10MB}, or ""
   */
  public record Spec(
      String jobLabel,
      List<String> targetLabels,
      List<String> podTargetLabels,
      List<Endpoint> endpoints,
      LabelSelector selector,
      String selectorMechanism,
      NamespaceSelector namespaceSelector,
      String serviceDiscoveryRole,
      Long sampleLimit,
      Long targetLimit,
      Long labelLimit,
      Long labelNameLengthLimit,
      Long labelValueLengthLimit,
      String bodySizeLimit) {
    public Spec {
      targetLabels = List.copyOf(targetLabels);
      podTargetLabels = List.copyOf(podTargetLabels);
      endpoints = List.copyOf(endpoints);
      Objects.requireNonNull(selector, "selector");
      Objects.requireNonNull(namespaceSelector, "namespaceSelector");
    }
  }

  /**
   * A {@code metav1.LabelSelector}.
   *
   * @param matchLabels equality requirements, sorted by key
   * @param matchExpressions set-based requirements, in order
   */
  public record LabelSelector(Map<String, String> matchLabels, List<Requirement> matchExpressions) {
    public LabelSelector {
      matchLabels = java.util.Collections.unmodifiableMap(new TreeMap<>(matchLabels));
      matchExpressions = List.copyOf(matchExpressions);
    }
  }

  /**
   * A {@code metav1.LabelSelectorRequirement}.
   *
   * @param key the label key
   * @param operator {@code In}, {@code NotIn}, {@code Exists} or {@code DoesNotExist}
   * @param values the values for {@code In}/{@code NotIn}
   */
  public record Requirement(String key, String operator, List<String> values) {
    public Requirement {
      Objects.requireNonNull(key, "key");
      Objects.requireNonNull(operator, "operator");
      values = List.copyOf(values);
    }
  }

  /**
   * A {@code NamespaceSelector}.
   *
   * @param any all namespaces
   * @param matchNames these namespaces; with neither, the ServiceMonitor's own namespace
   */
  public record NamespaceSelector(boolean any, List<String> matchNames) {
    public NamespaceSelector {
      matchNames = List.copyOf(matchNames);
    }
  }

  /**
   * One {@code Endpoint}.
   *
   * @param port Service port name, or ""
   * @param targetPort container port name or number as a string, or ""
   * @param targetPortIsNumber whether {@code targetPort} was given as a number
   * @param path {@code metrics_path}, or ""
   * @param scheme {@code http}/{@code https} (lower-cased), or ""
   * @param params URL parameters
   * @param interval scrape interval (Prometheus duration), or ""
   * @param scrapeTimeout scrape timeout, or ""
   * @param honorLabels {@code honor_labels}
   * @param honorTimestamps {@code honor_timestamps}, {@code null} when unset
   * @param trackTimestampsStaleness {@code track_timestamps_staleness}, {@code null} when unset
   * @param filterRunning drop targets of Failed/Succeeded pods, {@code null} (= true) when unset
   * @param relabelings target relabelings, appended after the generated ones
   * @param metricRelabelings {@code metric_relabel_configs}
   * @param bearerTokenFile a bearer token file, or ""
   * @param tlsConfig file-based TLS settings
   * @param secretRefs the names of fields that reference Secrets or ConfigMaps, empty if none
   */
  public record Endpoint(
      String port,
      String targetPort,
      boolean targetPortIsNumber,
      String path,
      String scheme,
      Map<String, List<String>> params,
      String interval,
      String scrapeTimeout,
      boolean honorLabels,
      Boolean honorTimestamps,
      Boolean trackTimestampsStaleness,
      Boolean filterRunning,
      List<RelabelConfig> relabelings,
      List<RelabelConfig> metricRelabelings,
      String bearerTokenFile,
      Tls tlsConfig,
      List<String> secretRefs) {
    public Endpoint {
      params = java.util.Collections.unmodifiableMap(new LinkedHashMap<>(params));
      relabelings = List.copyOf(relabelings);
      metricRelabelings = List.copyOf(metricRelabelings);
      secretRefs = List.copyOf(secretRefs);
      Objects.requireNonNull(tlsConfig, "tlsConfig");
    }
  }

  /**
   * The file-based part of an endpoint's {@code tlsConfig}.
   *
   * @param caFile CA file, or ""
   * @param certFile client certificate file, or ""
   * @param keyFile client key file, or ""
   * @param serverName expected server name, or ""
   * @param insecureSkipVerify skip verification
   */
  public record Tls(
      String caFile,
      String certFile,
      String keyFile,
      String serverName,
      boolean insecureSkipVerify) {}

  /**
   * Reads a ServiceMonitor from the object the API returns.
   *
   * @throws IllegalArgumentException naming the offending field ({@code spec.endpoints[0].port:
   *     expected a string, got 8080})
   */
  public static ServiceMonitor from(GenericKubernetesResource r) {
    String ns = r.getMetadata() == null ? null : r.getMetadata().getNamespace();
    String name = r.getMetadata() == null ? null : r.getMetadata().getName();
    Object spec = r.getAdditionalProperties().get("spec");
    return parse(ns == null ? "" : ns, name == null ? "" : name, spec);
  }

  /**
   * Reads a ServiceMonitor's {@code spec} given as parsed JSON/YAML (maps, lists, strings, numbers,
   * booleans).
   *
   * @throws IllegalArgumentException naming the offending field
   */
  public static ServiceMonitor parse(String namespace, String name, Object spec) {
    Map<String, Object> s = map(spec, "spec");
    List<Endpoint> endpoints = new ArrayList<>();
    List<Object> eps = list(s.get("endpoints"), "spec.endpoints");
    for (int i = 0; i < eps.size(); i++) {
      endpoints.add(
          endpoint(map(eps.get(i), "spec.endpoints[" + i + "]"), "spec.endpoints[" + i + "]"));
    }
    Map<String, Object> nsSel = map(s.get("namespaceSelector"), "spec.namespaceSelector");
    return new ServiceMonitor(
        namespace,
        name,
        new Spec(
            string(s.get("jobLabel"), "spec.jobLabel"),
            strings(s.get("targetLabels"), "spec.targetLabels"),
            strings(s.get("podTargetLabels"), "spec.podTargetLabels"),
            endpoints,
            labelSelector(map(s.get("selector"), "spec.selector"), "spec.selector"),
            string(s.get("selectorMechanism"), "spec.selectorMechanism"),
            new NamespaceSelector(
                bool(nsSel.get("any"), "spec.namespaceSelector.any", false),
                strings(nsSel.get("matchNames"), "spec.namespaceSelector.matchNames")),
            string(s.get("serviceDiscoveryRole"), "spec.serviceDiscoveryRole"),
            longOrNull(s.get("sampleLimit"), "spec.sampleLimit"),
            longOrNull(s.get("targetLimit"), "spec.targetLimit"),
            longOrNull(s.get("labelLimit"), "spec.labelLimit"),
            longOrNull(s.get("labelNameLengthLimit"), "spec.labelNameLengthLimit"),
            longOrNull(s.get("labelValueLengthLimit"), "spec.labelValueLengthLimit"),
            string(s.get("bodySizeLimit"), "spec.bodySizeLimit")));
  }

  private static LabelSelector labelSelector(Map<String, Object> m, String path) {
    Map<String, String> matchLabels = new TreeMap<>();
    map(m.get("matchLabels"), path + ".matchLabels")
        .forEach((k, v) -> matchLabels.put(k, scalar(v, path + ".matchLabels." + k)));
    List<Requirement> exprs = new ArrayList<>();
    List<Object> l = list(m.get("matchExpressions"), path + ".matchExpressions");
    for (int i = 0; i < l.size(); i++) {
      String p = path + ".matchExpressions[" + i + "]";
      Map<String, Object> e = map(l.get(i), p);
      exprs.add(
          new Requirement(
              string(e.get("key"), p + ".key"),
              string(e.get("operator"), p + ".operator"),
              strings(e.get("values"), p + ".values")));
    }
    return new LabelSelector(matchLabels, exprs);
  }

  private static Endpoint endpoint(Map<String, Object> m, String path) {
    Object tp = m.get("targetPort");
    String targetPort;
    boolean numeric;
    if (tp == null) {
      targetPort = "";
      numeric = false;
    } else if (tp instanceof Number n) {
      targetPort = Long.toString(n.longValue());
      numeric = true;
    } else if (tp instanceof String str) {
      targetPort = str;
      numeric = false;
    } else {
      throw type(path + ".targetPort", "an integer or a string", tp);
    }
    Map<String, List<String>> params = new LinkedHashMap<>();
    map(m.get("params"), path + ".params")
        .forEach((k, v) -> params.put(k, strings(v, path + ".params." + k)));

    List<String> secretRefs = new ArrayList<>();
    for (String f : List.of("basicAuth", "authorization", "oauth2", "bearerTokenSecret", "sigv4")) {
      if (m.get(f) != null) {
        secretRefs.add(path + "." + f);
      }
    }
    Map<String, Object> tls = map(m.get("tlsConfig"), path + ".tlsConfig");
    for (String f : List.of("ca", "cert", "keySecret")) {
      if (tls.get(f) != null) {
        secretRefs.add(path + ".tlsConfig." + f);
      }
    }
    return new Endpoint(
        string(m.get("port"), path + ".port"),
        targetPort,
        numeric,
        string(m.get("path"), path + ".path"),
        string(m.get("scheme"), path + ".scheme").toLowerCase(java.util.Locale.ROOT),
        params,
        string(m.get("interval"), path + ".interval"),
        string(m.get("scrapeTimeout"), path + ".scrapeTimeout"),
        bool(m.get("honorLabels"), path + ".honorLabels", false),
        boolOrNull(m.get("honorTimestamps"), path + ".honorTimestamps"),
        boolOrNull(m.get("trackTimestampsStaleness"), path + ".trackTimestampsStaleness"),
        boolOrNull(m.get("filterRunning"), path + ".filterRunning"),
        relabelings(m.get("relabelings"), path + ".relabelings"),
        relabelings(m.get("metricRelabelings"), path + ".metricRelabelings"),
        string(m.get("bearerTokenFile"), path + ".bearerTokenFile"),
        new Tls(
            string(tls.get("caFile"), path + ".tlsConfig.caFile"),
            string(tls.get("certFile"), path + ".tlsConfig.certFile"),
            string(tls.get("keyFile"), path + ".tlsConfig.keyFile"),
            string(tls.get("serverName"), path + ".tlsConfig.serverName"),
            bool(tls.get("insecureSkipVerify"), path + ".tlsConfig.insecureSkipVerify", false)),
        secretRefs);
  }

  /**
   * The operator's {@code generateRelabelConfig}: only the fields that are set are written, the
   * action lower-cased; Prometheus's defaults fill in the rest.
   */
  private static List<RelabelConfig> relabelings(Object o, String path) {
    List<RelabelConfig> out = new ArrayList<>();
    List<Object> l = list(o, path);
    for (int i = 0; i < l.size(); i++) {
      String p = path + "[" + i + "]";
      Map<String, Object> m = map(l.get(i), p);
      RelabelConfig.Builder b = RelabelConfig.builder();
      try {
        b.sourceLabels(strings(m.get("sourceLabels"), p + ".sourceLabels"));
        if (m.get("separator") != null) {
          b.separator(string(m.get("separator"), p + ".separator"));
        }
        b.targetLabel(string(m.get("targetLabel"), p + ".targetLabel"));
        String regex = string(m.get("regex"), p + ".regex");
        if (!regex.isEmpty()) {
          b.regex(regex);
        }
        Long modulus = longOrNull(m.get("modulus"), p + ".modulus");
        if (modulus != null) {
          b.modulus(modulus);
        }
        if (m.get("replacement") != null) {
          b.replacement(string(m.get("replacement"), p + ".replacement"));
        }
        String action = string(m.get("action"), p + ".action");
        if (!action.isEmpty()) {
          b.action(Action.parse(action));
        }
      } catch (IllegalArgumentException e) {
        if (e.getMessage() != null && e.getMessage().startsWith(p)) {
          throw e;
        }
        throw new IllegalArgumentException(p + ": " + e.getMessage(), e);
      }
      out.add(b.build());
    }
    return out;
  }

  @SuppressWarnings("unchecked")
  private static Map<String, Object> map(Object o, String path) {
    if (o == null) {
      return Map.of();
    }
    if (o instanceof Map<?, ?> m) {
      return (Map<String, Object>) m;
    }
    throw type(path, "an object", o);
  }

  @SuppressWarnings("unchecked")
  private static List<Object> list(Object o, String path) {
    if (o == null) {
      return List.of();
    }
    if (o instanceof List<?> l) {
      return (List<Object>) l;
    }
    throw type(path, "a list", o);
  }

  private static String string(Object o, String path) {
    if (o == null) {
      return "";
    }
    if (o instanceof String s) {
      return s;
    }
    throw type(path, "a string", o);
  }

  /** A string where YAML may have produced a number or boolean (label values, e.g. {@code 1}). */
  private static String scalar(Object o, String path) {
    if (o instanceof String || o instanceof Number || o instanceof Boolean) {
      return o.toString();
    }
    if (o == null) {
      return "";
    }
    throw type(path, "a string", o);
  }

  private static List<String> strings(Object o, String path) {
    List<Object> l = list(o, path);
    List<String> out = new ArrayList<>(l.size());
    for (int i = 0; i < l.size(); i++) {
      out.add(string(l.get(i), path + "[" + i + "]"));
    }
    return out;
  }

  private static boolean bool(Object o, String path, boolean dflt) {
    Boolean b = boolOrNull(o, path);
    return b == null ? dflt : b;
  }

  private static Boolean boolOrNull(Object o, String path) {
    if (o == null || o instanceof Boolean) {
      return (Boolean) o;
    }
    throw type(path, "a boolean", o);
  }

  private static Long longOrNull(Object o, String path) {
    if (o == null) {
      return null;
    }
    if (o instanceof Number n && n.doubleValue() == Math.rint(n.doubleValue())) {
      return n.longValue();
    }
    throw type(path, "an integer", o);
  }

  private static IllegalArgumentException type(String path, String expected, Object got) {
    return new IllegalArgumentException(path + ": expected " + expected + ", got " + got);
  }
}
