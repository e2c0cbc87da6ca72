package io.promfed.discovery.kubernetes;

import io.promfed.config.Base2Bytes;
import io.promfed.model.time.Durations;
import io.promfed.config.GlobalConfig;
import io.promfed.config.KubernetesSdConfig;
import io.promfed.config.ScrapeConfig;
import io.promfed.config.TlsConfig;
import io.promfed.model.relabel.Action;
import io.promfed.model.relabel.RelabelConfig;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.Map;
import java.util.Objects;

/**
 * Compiles a {@link ServiceMonitor} into scrape configs with prometheus-operator's semantics:
 * {@code generateServiceMonitorConfig} in {@code pkg/prometheus/promcfg.go}, one config per
 * endpoint, job {@code serviceMonitor/<namespace>/<name>/<index>}. Immutable and thread-safe.
 *
 * <p>The generated {@code relabel_configs}, in the operator's order:
 *
 * <ol>
 *   <li>{@code job} → {@code __tmp_prometheus_job_name};
 *   <li>with {@code selectorMechanism: Relabel} (the default), one keep/drop rule per {@code
 *       matchLabels} entry (sorted by key) and per {@code matchExpressions} entry ({@code In},
 *       {@code NotIn}, {@code Exists}, {@code DoesNotExist}) on the sanitized {@code
 *       __meta_kubernetes_service_label_*}/{@code _labelpresent_*}; with {@code RoleSelector} the
 *       selector goes into {@code kubernetes_sd_configs.selectors} for the endpoints role and
 *       {@code service} instead;
 *   <li>the port filter: {@code port} on the endpoint(slice) port name, else {@code targetPort} on
 *       the container port name or number;
 *   <li>{@code node} and {@code pod} from the address target, {@code namespace}, {@code service},
 *       {@code pod}, {@code container};
 *   <li>unless {@code filterRunning: false}, drop pods in phase {@code Failed|Succeeded};
 *   <li>{@code targetLabels} and {@code podTargetLabels} copies (non-empty values only);
 *   <li>{@code job} from the Service name, then from the {@code jobLabel} label when non-empty;
 *   <li>{@code endpoint} = the port name (or {@code targetPort});
 *   <li>the endpoint's {@code relabelings};
 *   <li>when sharding is configured, {@link Sharding#relabelConfigs()}.
 * </ol>
 *
 * <p>Unset intervals and timeouts inherit the global ones as Prometheus does ({@code
 * scrape_timeout} = min(global timeout, interval)); {@code honor_timestamps} is Prometheus's
 * default (true) unless set. Endpoints that need Secrets are rejected: promfed's RBAC grants no
 * access to them.
 */
public final class ServiceMonitorCompiler {

  private static final String META = MetaLabels.PREFIX;

  private final GlobalConfig global;
  private final String defaultRole;
  private final Sharding sharding;

  /**
   * @param global the global scrape interval and timeout inherited by endpoints that set none
   * @param defaultRole {@code endpoints} or {@code endpointslice}: the role when a ServiceMonitor
   *     sets no {@code serviceDiscoveryRole} (the operator's Prometheus-level default)
   * @param sharding this replica's shard, or {@code null} for no sharding rules at all
   */
  public ServiceMonitorCompiler(GlobalConfig global, String defaultRole, Sharding sharding) {
    this.global = Objects.requireNonNull(global, "global");
    if (!defaultRole.equals(KubernetesSdConfig.ROLE_ENDPOINTS)
        && !defaultRole.equals(KubernetesSdConfig.ROLE_ENDPOINTSLICE)) {
      throw new IllegalArgumentException(
          "default role must be endpoints or endpointslice, got " + defaultRole);
    }
    this.defaultRole = defaultRole;
    this.sharding = sharding;
  }

  /** Endpoints role, global defaults, no sharding. */
  public ServiceMonitorCompiler() {
    this(GlobalConfig.DEFAULT, KubernetesSdConfig.ROLE_ENDPOINTS, null);
  }

  /**
   * Compiles several ServiceMonitors in the operator's order: sorted by {@code <namespace>/<name>},
   * then by endpoint index. Invalid ones are left out and reported to {@code rejected}.
   */
  public List<ScrapeConfig> compileAll(
      List<ServiceMonitor> monitors,
      java.util.function.BiConsumer<ServiceMonitor, String> rejected) {
    List<ServiceMonitor> sorted = new ArrayList<>(monitors);
    sorted.sort(Comparator.comparing(ServiceMonitor::key));
    List<ScrapeConfig> out = new ArrayList<>();
    for (ServiceMonitor sm : sorted) {
      try {
        out.addAll(compile(sm));
      } catch (IllegalArgumentException e) {
        rejected.accept(sm, e.getMessage());
      }
    }
    return out;
  }

  /**
   * One scrape config per endpoint of {@code sm}.
   *
   * @throws IllegalArgumentException naming the field when the ServiceMonitor cannot be compiled
   *     (bad duration, timeout above interval, unknown operator, Secret references, …)
   */
  public List<ScrapeConfig> compile(ServiceMonitor sm) {
    ServiceMonitor.Spec spec = sm.spec();
    String role = role(spec.serviceDiscoveryRole());
    boolean roleSelector = selectorMechanism(spec.selectorMechanism());
    List<ScrapeConfig> out = new ArrayList<>(spec.endpoints().size());
    for (int i = 0; i < spec.endpoints().size(); i++) {
      String path = "spec.endpoints[" + i + "]";
      try {
        out.add(compileEndpoint(sm, spec.endpoints().get(i), i, role, roleSelector, path));
      } catch (IllegalArgumentException e) {
        String msg = e.getMessage() == null ? e.toString() : e.getMessage();
        throw new IllegalArgumentException(msg.startsWith("spec.") ? msg : path + ": " + msg, e);
      }
    }
    return out;
  }

  private ScrapeConfig compileEndpoint(
      ServiceMonitor sm,
      ServiceMonitor.Endpoint ep,
      int index,
      String role,
      boolean roleSelector,
      String path) {
    ServiceMonitor.Spec spec = sm.spec();
    if (!ep.secretRefs().isEmpty()) {
      throw new IllegalArgumentException(
          ep.secretRefs().get(0)
              + ": references a Secret or ConfigMap, which promfed does not read (its RBAC grants"
              + " no access to them)");
    }

    List<KubernetesSdConfig.Selector> selectors = List.of();
    if (roleSelector) {
      String label = labelSelectorString(spec.selector());
      selectors =
          List.of(
              new KubernetesSdConfig.Selector(role, label, ""),
              new KubernetesSdConfig.Selector(KubernetesSdConfig.ROLE_SERVICE, label, ""));
    }
    KubernetesSdConfig sd = new KubernetesSdConfig(role, namespaces(sm), false, selectors, "", "");

    Duration interval =
        ep.interval().isEmpty() ? global.scrapeInterval() : duration(ep.interval(), "interval");
    Duration timeout =
        ep.scrapeTimeout().isEmpty()
            ? min(global.scrapeTimeout(), interval)
            : duration(ep.scrapeTimeout(), "scrapeTimeout");

    ScrapeConfig.Builder b =
        ScrapeConfig.builder("serviceMonitor/" + sm.namespace() + "/" + sm.name() + "/" + index)
            .kubernetesSdConfigs(List.of(sd))
            .scrapeInterval(interval)
            .scrapeTimeout(timeout)
            .honorLabels(ep.honorLabels())
            .honorTimestamps(ep.honorTimestamps() == null || ep.honorTimestamps())
            .relabelConfigs(relabelings(sm, ep, role, roleSelector))
            .metricRelabelConfigs(ep.metricRelabelings())
            .sampleLimit(orZero(spec.sampleLimit()))
            .targetLimit(orZero(spec.targetLimit()))
            .labelLimit(orZero(spec.labelLimit()))
            .labelNameLengthLimit(orZero(spec.labelNameLengthLimit()))
            .labelValueLengthLimit(orZero(spec.labelValueLengthLimit()))
            .bearerTokenFile(ep.bearerTokenFile())
            .tlsConfig(
                new TlsConfig(
                    ep.tlsConfig().caFile(),
                    ep.tlsConfig().certFile(),
                    ep.tlsConfig().keyFile(),
                    ep.tlsConfig().serverName(),
                    ep.tlsConfig().insecureSkipVerify()));
    if (ep.trackTimestampsStaleness() != null) {
      // Only when the endpoint sets it, so that the app's default (FederationDefaults) applies.
      b.trackTimestampsStaleness(ep.trackTimestampsStaleness());
    }
    if (!ep.path().isEmpty()) {
      b.metricsPath(ep.path());
    }
    if (!ep.scheme().isEmpty()) {
      b.scheme(ep.scheme());
    }
    if (!ep.params().isEmpty()) {
      b.params(ep.params());
    }
    if (!spec.bodySizeLimit().isEmpty()) {
      try {
        b.bodySizeLimitBytes(Base2Bytes.parse(spec.bodySizeLimit()));
      } catch (IllegalArgumentException e) {
        throw new IllegalArgumentException("spec.bodySizeLimit: " + e.getMessage(), e);
      }
    }
    return b.build();
  }

  private List<RelabelConfig> relabelings(
      ServiceMonitor sm, ServiceMonitor.Endpoint ep, String role, boolean roleSelector) {
    ServiceMonitor.Spec spec = sm.spec();
    boolean slice = role.equals(KubernetesSdConfig.ROLE_ENDPOINTSLICE);
    List<RelabelConfig> r = new ArrayList<>();
    // initRelabelings: keep the job name around for later rules.
    r.add(replace(List.of("job"), "__tmp_prometheus_job_name", null, null, null));

    if (!roleSelector) {
      for (Map.Entry<String, String> e : spec.selector().matchLabels().entrySet()) {
        String k = MetaLabels.sanitize(e.getKey());
        r.add(
            filter(
                Action.KEEP,
                List.of(META + "service_label_" + k, META + "service_labelpresent_" + k),
                "(" + e.getValue() + ");true"));
      }
      for (ServiceMonitor.Requirement req : spec.selector().matchExpressions()) {
        String k = MetaLabels.sanitize(req.key());
        List<String> valueAndPresent =
            List.of(META + "service_label_" + k, META + "service_labelpresent_" + k);
        String values = "(" + String.join("|", req.values()) + ");true";
        switch (req.operator()) {
          case "In" -> r.add(filter(Action.KEEP, valueAndPresent, values));
          case "NotIn" -> r.add(filter(Action.DROP, valueAndPresent, values));
          case "Exists" ->
              r.add(filter(Action.KEEP, List.of(META + "service_labelpresent_" + k), "true"));
          case "DoesNotExist" ->
              r.add(filter(Action.DROP, List.of(META + "service_labelpresent_" + k), "true"));
          default -> throw unknownOperator(req.operator());
        }
      }
    }

    if (!ep.port().isEmpty()) {
      r.add(
          filter(
              Action.KEEP,
              List.of(META + (slice ? "endpointslice_port_name" : "endpoint_port_name")),
              ep.port()));
    } else if (!ep.targetPort().isEmpty()) {
      if (!ep.targetPortIsNumber()) {
        r.add(filter(Action.KEEP, List.of(META + "pod_container_port_name"), ep.targetPort()));
      } else if (!ep.targetPort().equals("0")) {
        r.add(filter(Action.KEEP, List.of(META + "pod_container_port_number"), ep.targetPort()));
      }
    }

    List<String> target =
        slice
            ? List.of(
                META + "endpointslice_address_target_kind",
                META + "endpointslice_address_target_name")
            : List.of(META + "endpoint_address_target_kind", META + "endpoint_address_target_name");
    r.add(replace(target, "node", ";", "Node;(.*)", "${1}"));
    r.add(replace(target, "pod", ";", "Pod;(.*)", "${1}"));
    r.add(replace(List.of(META + "namespace"), "namespace", null, null, null));
    r.add(replace(List.of(META + "service_name"), "service", null, null, null));
    r.add(replace(List.of(META + "pod_name"), "pod", null, null, null));
    r.add(replace(List.of(META + "pod_container_name"), "container", null, null, null));

    if (ep.filterRunning() == null || ep.filterRunning()) {
      r.add(filter(Action.DROP, List.of(META + "pod_phase"), "(Failed|Succeeded)"));
    }
    for (String l : spec.targetLabels()) {
      String s = MetaLabels.sanitize(l);
      r.add(replace(List.of(META + "service_label_" + s), s, null, "(.+)", "${1}"));
    }
    for (String l : spec.podTargetLabels()) {
      String s = MetaLabels.sanitize(l);
      r.add(replace(List.of(META + "pod_label_" + s), s, null, "(.+)", "${1}"));
    }

    // The Service name is the job unless jobLabel names a label with a value.
    r.add(replace(List.of(META + "service_name"), "job", null, null, "${1}"));
    if (!spec.jobLabel().isEmpty()) {
      r.add(
          replace(
              List.of(META + "service_label_" + MetaLabels.sanitize(spec.jobLabel())),
              "job",
              null,
              "(.+)",
              "${1}"));
    }

    // A Service may have several metrics ports: "endpoint" tells them apart.
    if (!ep.port().isEmpty()) {
      r.add(replace(List.of(), "endpoint", null, null, ep.port()));
    } else if (!ep.targetPort().isEmpty()) {
      r.add(replace(List.of(), "endpoint", null, null, ep.targetPort()));
    }

    r.addAll(ep.relabelings());
    if (sharding != null) {
      r.addAll(sharding.relabelConfigs());
    }
    return r;
  }

  /**
   * The Kubernetes label selector string for {@code sel}, as {@code
   * metav1.LabelSelectorAsSelector(sel).String()}: requirements sorted by key ({@code k=v}, {@code
   * k in (a,b)}, {@code k notin (a,b)}, {@code k}, {@code !k}), values sorted, joined by commas.
   */
  static String labelSelectorString(ServiceMonitor.LabelSelector sel) {
    record Req(String key, String text) {}
    List<Req> reqs = new ArrayList<>();
    sel.matchLabels().forEach((k, v) -> reqs.add(new Req(k, k + "=" + v)));
    for (ServiceMonitor.Requirement e : sel.matchExpressions()) {
      List<String> values = new ArrayList<>(e.values());
      values.sort(null);
      String joined = String.join(",", values);
      String text =
          switch (e.operator()) {
            case "In" -> e.key() + " in (" + joined + ")";
            case "NotIn" -> e.key() + " notin (" + joined + ")";
            case "Exists" -> e.key();
            case "DoesNotExist" -> "!" + e.key();
            default -> throw unknownOperator(e.operator());
          };
      reqs.add(new Req(e.key(), text));
    }
    reqs.sort(Comparator.comparing(Req::key)); // stable: matchLabels before expressions of a key
    List<String> parts = new ArrayList<>(reqs.size());
    for (Req r : reqs) {
      parts.add(r.text());
    }
    return String.join(",", parts);
  }

  /** {@code getNamespacesFromNamespaceSelector}: [] for any, matchNames, else the own namespace. */
  private static List<String> namespaces(ServiceMonitor sm) {
    ServiceMonitor.NamespaceSelector nsel = sm.spec().namespaceSelector();
    if (nsel.any()) {
      return List.of();
    }
    if (nsel.matchNames().isEmpty()) {
      return List.of(sm.namespace());
    }
    return nsel.matchNames();
  }

  private String role(String serviceDiscoveryRole) {
    return switch (serviceDiscoveryRole) {
      case "" -> defaultRole;
      case "Endpoints" -> KubernetesSdConfig.ROLE_ENDPOINTS;
      case "EndpointSlice" -> KubernetesSdConfig.ROLE_ENDPOINTSLICE;
      default ->
          throw new IllegalArgumentException(
              "spec.serviceDiscoveryRole: must be Endpoints or EndpointSlice, got "
                  + serviceDiscoveryRole);
    };
  }

  /** True for {@code RoleSelector}, false for {@code Relabel} (the default). */
  private static boolean selectorMechanism(String mechanism) {
    return switch (mechanism) {
      case "", "Relabel" -> false;
      case "RoleSelector" -> true;
      default ->
          throw new IllegalArgumentException(
              "spec.selectorMechanism: must be Relabel or RoleSelector, got " + mechanism);
    };
  }

  private static IllegalArgumentException unknownOperator(String op) {
    return new IllegalArgumentException(
        "spec.selector: unknown label selector operator \""
            + op
            + "\" (expected In, NotIn, Exists or DoesNotExist)");
  }

  private static RelabelConfig replace(
      List<String> sources, String target, String separator, String regex, String replacement) {
    RelabelConfig.Builder b = RelabelConfig.builder().sourceLabels(sources).targetLabel(target);
    if (separator != null) {
      b.separator(separator);
    }
    if (regex != null) {
      b.regex(regex);
    }
    if (replacement != null) {
      b.replacement(replacement);
    }
    return b.build();
  }

  private static RelabelConfig filter(Action action, List<String> sources, String regex) {
    return RelabelConfig.builder().action(action).sourceLabels(sources).regex(regex).build();
  }

  private static Duration duration(String s, String field) {
    try {
      return Durations.parse(s);
    } catch (IllegalArgumentException e) {
      throw new IllegalArgumentException(field + ": " + e.getMessage(), e);
    }
  }

  private static Duration min(Duration a, Duration b) {
    return a.compareTo(b) <= 0 ? a : b;
  }

  private static long orZero(Long l) {
    return l == null ? 0 : l;
  }
}
