package io.promfed.discovery.kubernetes;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.promfed.config.GlobalConfig;
import io.promfed.config.KubernetesSdConfig;
import io.promfed.config.ScrapeConfig;
import io.promfed.model.labels.Labels;
import io.promfed.model.relabel.Action;
import io.promfed.model.relabel.RelabelConfig;
import io.promfed.model.relabel.Relabeler;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.yaml.snakeyaml.Yaml;

/** The operator's relabel chain, rule by rule, for the spec fields the golden case leaves out. */
class ServiceMonitorCompilerTest {

  static final ServiceMonitorCompiler COMPILER = new ServiceMonitorCompiler();

  static ServiceMonitor sm(String specYaml) {
    Object spec = new Yaml().load(specYaml);
    return ServiceMonitor.parse("team-a", "api", spec);
  }

  static RelabelConfig rule(Action action, String regex, String... sources) {
    return RelabelConfig.builder().action(action).regex(regex).sourceLabels(sources).build();
  }

  @Test
  void matchExpressionsOfAllFourOperatorsBecomeKeepAndDropRules() {
    ScrapeConfig cfg =
        COMPILER
            .compile(
                sm(
                    """
                    selector:
                      matchLabels: {app.kubernetes.io/name: api}
                      matchExpressions:
                      - {key: tier, operator: In, values: [backend, db]}
                      - {key: env, operator: NotIn, values: [dev]}
                      - {key: team, operator: Exists}
                      - {key: legacy, operator: DoesNotExist}
                    endpoints: [{port: http}]
                    """))
            .get(0);
    String l = "__meta_kubernetes_service_label_";
    String p = "__meta_kubernetes_service_labelpresent_";
    assertThat(cfg.relabelConfigs().subList(1, 6))
        .containsExactly(
            rule(
                Action.KEEP,
                "(api);true",
                l + "app_kubernetes_io_name",
                p + "app_kubernetes_io_name"),
            rule(Action.KEEP, "(backend|db);true", l + "tier", p + "tier"),
            rule(Action.DROP, "(dev);true", l + "env", p + "env"),
            rule(Action.KEEP, "true", p + "team"),
            rule(Action.DROP, "true", p + "legacy"));

    // And they select the Services a Kubernetes label selector would.
    assertThat(selected(cfg, Map.of("app.kubernetes.io/name", "api", "tier", "db", "team", "x")))
        .isTrue();
    assertThat(selected(cfg, Map.of("app.kubernetes.io/name", "api", "tier", "web", "team", "x")))
        .as("tier not in (backend, db)")
        .isFalse();
    assertThat(
            selected(
                cfg,
                Map.of("app.kubernetes.io/name", "api", "tier", "db", "team", "x", "env", "dev")))
        .as("env in (dev)")
        .isFalse();
    assertThat(
            selected(
                cfg,
                Map.of("app.kubernetes.io/name", "api", "tier", "db", "team", "", "env", "prod")))
        .as("an empty team label exists")
        .isTrue();
    assertThat(selected(cfg, Map.of("app.kubernetes.io/name", "api", "tier", "db")))
        .as("no team")
        .isFalse();
    assertThat(
            selected(
                cfg,
                Map.of("app.kubernetes.io/name", "api", "tier", "db", "team", "x", "legacy", "")))
        .as("legacy exists")
        .isFalse();
  }

  /** Whether a target of a Service with {@code serviceLabels} survives the selector rules. */
  private static boolean selected(ScrapeConfig cfg, Map<String, String> serviceLabels) {
    io.fabric8.kubernetes.api.model.ObjectMeta meta =
        new io.fabric8.kubernetes.api.model.ObjectMeta();
    meta.setLabels(serviceLabels);
    Map<String, String> ls = new java.util.HashMap<>();
    MetaLabels.addLabelsAndAnnotations(ls, meta, "service");
    ls.put("__meta_kubernetes_endpoint_port_name", "http");
    ls.put("__address__", "10.0.0.1:80");
    // Relabeler sees empty values as absent, as Prometheus's labels do.
    return Relabeler.process(Labels.from(ls), cfg.relabelConfigs()) != null;
  }

  @Test
  void roleSelectorMechanismPushesTheSelectorToTheApiServer() {
    ScrapeConfig cfg =
        COMPILER
            .compile(
                sm(
                    """
                    selectorMechanism: RoleSelector
                    serviceDiscoveryRole: EndpointSlice
                    selector:
                      matchLabels: {group: group1}
                      matchExpressions:
                      - {key: tier, operator: NotIn, values: [z, a]}
                      - {key: group, operator: In, values: [group2]}
                      - {key: legacy, operator: DoesNotExist}
                      - {key: app, operator: Exists}
                    endpoints: [{port: web}]
                    """))
            .get(0);
    KubernetesSdConfig sd = cfg.kubernetesSdConfigs().get(0);
    String label = "app,group=group1,group in (group2),!legacy,tier notin (a,z)";
    assertThat(sd.role()).isEqualTo("endpointslice");
    assertThat(sd.selectors())
        .containsExactly(
            new KubernetesSdConfig.Selector("endpointslice", label, ""),
            new KubernetesSdConfig.Selector("service", label, ""));
    assertThat(sd.namespaceNames()).containsExactly("team-a"); // no namespaceSelector
    assertThat(cfg.relabelConfigs())
        .noneMatch(r -> r.sourceLabels().contains("__meta_kubernetes_service_labelpresent_group"));
    assertThat(cfg.relabelConfigs().get(1))
        .isEqualTo(rule(Action.KEEP, "web", "__meta_kubernetes_endpointslice_port_name"));
  }

  @Test
  void endpointFieldsTargetPortJobLabelTargetLabelsAndUserRelabelings() {
    List<ScrapeConfig> cfgs =
        new ServiceMonitorCompiler(GlobalConfig.DEFAULT, "endpoints", new Sharding(1, 3))
            .compile(
                sm(
                    """
                    jobLabel: app.kubernetes.io/name
                    targetLabels: [team]
                    podTargetLabels: [version]
                    namespaceSelector: {matchNames: [a, b]}
                    selector: {}
                    sampleLimit: 1000
                    bodySizeLimit: 10MB
                    endpoints:
                    - targetPort: metrics
                      path: /federate
                      scheme: HTTPS
                      params: {'match[]': ['{job="x"}']}
                      interval: 15s
                      scrapeTimeout: 5s
                      honorLabels: true
                      honorTimestamps: false
                      filterRunning: false
                      relabelings:
                      - {sourceLabels: [__meta_kubernetes_pod_node_name], targetLabel: node_name, action: Replace}
                      metricRelabelings:
                      - {sourceLabels: [__name__], regex: go_.*, action: drop}
                    - targetPort: 9100
                    """));
    ScrapeConfig a = cfgs.get(0);
    assertThat(a.jobName()).isEqualTo("serviceMonitor/team-a/api/0");
    assertThat(cfgs.get(1).jobName()).isEqualTo("serviceMonitor/team-a/api/1");
    assertThat(a.kubernetesSdConfigs().get(0).namespaceNames()).containsExactly("a", "b");
    assertThat(a.scrapeInterval()).isEqualTo(Duration.ofSeconds(15));
    assertThat(a.scrapeTimeout()).isEqualTo(Duration.ofSeconds(5));
    assertThat(a.metricsPath()).isEqualTo("/federate");
    assertThat(a.scheme()).isEqualTo("https");
    assertThat(a.params()).containsEntry("match[]", List.of("{job=\"x\"}"));
    assertThat(a.honorLabels()).isTrue();
    assertThat(a.honorTimestamps()).isFalse();
    assertThat(a.sampleLimit()).isEqualTo(1000);
    assertThat(a.bodySizeLimitBytes()).isEqualTo(10L * 1024 * 1024);
    assertThat(a.metricRelabelConfigs()).containsExactly(rule(Action.DROP, "go_.*", "__name__"));

    List<RelabelConfig> r = a.relabelConfigs();
    assertThat(r.get(1))
        .isEqualTo(rule(Action.KEEP, "metrics", "__meta_kubernetes_pod_container_port_name"));
    assertThat(r)
        .noneMatch(x -> x.sourceLabels().equals(List.of("__meta_kubernetes_pod_phase")))
        .contains(
            RelabelConfig.builder()
                .sourceLabels("__meta_kubernetes_service_label_team")
                .targetLabel("team")
                .regex("(.+)")
                .replacement("${1}")
                .build(),
            RelabelConfig.builder()
                .sourceLabels("__meta_kubernetes_pod_label_version")
                .targetLabel("version")
                .regex("(.+)")
                .replacement("${1}")
                .build(),
            RelabelConfig.builder()
                .sourceLabels("__meta_kubernetes_service_label_app_kubernetes_io_name")
                .targetLabel("job")
                .regex("(.+)")
                .replacement("${1}")
                .build(),
            RelabelConfig.builder().targetLabel("endpoint").replacement("metrics").build());
    // User relabelings come after the generated rules and before the three sharding rules.
    assertThat(r.get(r.size() - 4))
        .isEqualTo(
            RelabelConfig.builder()
                .sourceLabels("__meta_kubernetes_pod_node_name")
                .targetLabel("node_name")
                .build());
    assertThat(r.subList(r.size() - 3, r.size())).isEqualTo(new Sharding(1, 3).relabelConfigs());

    assertThat(cfgs.get(1).relabelConfigs().get(1))
        .isEqualTo(rule(Action.KEEP, "9100", "__meta_kubernetes_pod_container_port_number"));
  }

  @Test
  void jobFallsBackToTheServiceNameWhenTheJobLabelIsEmpty() {
    ScrapeConfig cfg =
        COMPILER.compile(sm("jobLabel: k8s-app\nselector: {}\nendpoints: [{port: web}]")).get(0);
    Labels withLabel =
        Relabeler.process(
            Labels.of(
                "__address__", "1.2.3.4:80",
                "__meta_kubernetes_endpoint_port_name", "web",
                "__meta_kubernetes_service_name", "svc",
                "__meta_kubernetes_service_label_k8s_app", "kube-dns"),
            cfg.relabelConfigs());
    Labels without =
        Relabeler.process(
            Labels.of(
                "__address__", "1.2.3.4:80",
                "__meta_kubernetes_endpoint_port_name", "web",
                "__meta_kubernetes_service_name", "svc"),
            cfg.relabelConfigs());
    assertThat(withLabel.get("job")).isEqualTo("kube-dns");
    assertThat(without.get("job")).isEqualTo("svc");
  }

  @Test
  void invalidServiceMonitorsAreRejectedWithTheField() {
    assertThatThrownBy(
            () ->
                COMPILER.compile(
                    sm("selector: {}\nendpoints: [{port: w, interval: 10s, scrapeTimeout: 20s}]")))
        .hasMessageStartingWith("spec.endpoints[0]: scrape timeout greater than scrape interval");
    assertThatThrownBy(
            () -> COMPILER.compile(sm("selector: {}\nendpoints: [{port: w, interval: 10x}]")))
        .hasMessageStartingWith("spec.endpoints[0]: interval: ");
    assertThatThrownBy(
            () ->
                COMPILER.compile(
                    sm(
                        "selector: {}\n"
                            + "endpoints: [{port: w, basicAuth: {username: {name: s, key: u}}}]")))
        .hasMessageContaining("spec.endpoints[0].basicAuth: references a Secret");
    assertThatThrownBy(
            () ->
                COMPILER.compile(
                    sm(
                        "selector: {matchExpressions: [{key: a, operator: Gt, values: ['1']}]}\n"
                            + "endpoints: [{port: w}]")))
        .hasMessageContaining("unknown label selector operator \"Gt\"");
    assertThatThrownBy(() -> sm("selector: {}\nendpoints: [{port: 8080}]"))
        .hasMessage("spec.endpoints[0].port: expected a string, got 8080");

    List<String> rejected = new java.util.ArrayList<>();
    List<ScrapeConfig> ok =
        COMPILER.compileAll(
            List.of(
                ServiceMonitor.parse(
                    "b", "good", new Yaml().load("selector: {}\nendpoints: [{port: w}]")),
                ServiceMonitor.parse(
                    "a",
                    "bad",
                    new Yaml().load("selector: {}\nendpoints: [{port: w, interval: x}]")),
                ServiceMonitor.parse(
                    "a", "good", new Yaml().load("selector: {}\nendpoints: [{port: w}]"))),
            (m, why) -> rejected.add(m.key()));
    assertThat(ok)
        .extracting(ScrapeConfig::jobName)
        .containsExactly("serviceMonitor/a/good/0", "serviceMonitor/b/good/0");
    assertThat(rejected).containsExactly("a/bad");
  }
}
