package io.promfed.discovery.kubernetes;

import static org.assertj.core.api.Assertions.assertThat;

import io.promfed.config.ConfigLoader;
import io.promfed.config.PrometheusConfig;
import io.promfed.config.ScrapeConfig;
import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeSet;
import java.util.stream.Stream;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.yaml.snakeyaml.Yaml;

/**
 * Every file under {@code ../k8s} parses, has known kinds, and keeps to least privilege and the pod
 * security rules. Read relative to the core module's directory (surefire's working directory).
 */
class ManifestsTest {

  static final Path K8S = Path.of("..", "k8s");

  /** A parsed document and the file it came from. */
  record Doc(Path file, Map<String, Object> body) {
    String kind() {
      return (String) body.get("kind");
    }

    String apiVersion() {
      return (String) body.get("apiVersion");
    }

    String name() {
      return (String) map(body, "metadata").get("name");
    }
  }

  static List<Doc> docs;

  @BeforeAll
  static void load() throws IOException {
    docs = new ArrayList<>();
    List<Path> files;
    try (Stream<Path> s = Files.walk(K8S)) {
      files =
          s.filter(p -> p.toString().endsWith(".yaml") || p.toString().endsWith(".yml"))
              .sorted()
              .toList();
    }
    assertThat(files).as("YAML files under %s", K8S.toAbsolutePath()).isNotEmpty();
    for (Path f : files) {
      try (InputStream in = Files.newInputStream(f)) {
        for (Object o : new Yaml().loadAll(in)) {
          if (o != null) {
            assertThat(o).as("document in %s", f).isInstanceOf(Map.class);
            docs.add(new Doc(f, cast(o)));
          }
        }
      }
    }
  }

  static final Set<String> KNOWN =
      Set.of(
          "v1/Namespace",
          "v1/ServiceAccount",
          "v1/Service",
          "v1/ConfigMap",
          "apps/v1/Deployment",
          "apps/v1/StatefulSet",
          "rbac.authorization.k8s.io/v1/ClusterRole",
          "rbac.authorization.k8s.io/v1/ClusterRoleBinding",
          "rbac.authorization.k8s.io/v1/Role",
          "rbac.authorization.k8s.io/v1/RoleBinding",
          "monitoring.coreos.com/v1/ServiceMonitor",
          "kustomize.config.k8s.io/v1beta1/Kustomization");

  @Test
  void everyDocumentHasAKnownKindAndAName() {
    for (Doc d : docs) {
      assertThat(d.apiVersion() + "/" + d.kind()).as("kind in %s", d.file()).isIn(KNOWN);
      if (!d.kind().equals("Kustomization")) {
        assertThat(d.name()).as("name of a %s in %s", d.kind(), d.file()).isNotBlank();
      }
    }
    // Not ours to install: CRDs, and nothing may hold secrets.
    assertThat(docs).noneMatch(d -> d.kind().equals("Secret"));
    assertThat(docs).noneMatch(d -> d.kind().equals("CustomResourceDefinition"));
    // The ServiceMonitor is an example only, outside the kustomize base.
    assertThat(docs)
        .filteredOn(d -> d.kind().equals("ServiceMonitor"))
        .allMatch(d -> d.file().startsWith(K8S.resolve("examples")));
  }

  @Test
  void kustomizationsListExistingFiles() {
    List<Doc> ks = docs.stream().filter(d -> d.kind().equals("Kustomization")).toList();
    assertThat(ks)
        .extracting(d -> K8S.relativize(d.file()).toString().replace('\\', '/'))
        .containsExactlyInAnyOrder("base/kustomization.yaml", "overlays/local/kustomization.yaml");
    for (Doc k : ks) {
      List<String> refs = new ArrayList<>(strings(k.body().get("resources")));
      for (Object patch : list(k.body().get("patches"))) {
        refs.add((String) cast(patch).get("path"));
      }
      for (String ref : refs) {
        assertThat(k.file().getParent().resolve(ref)).as("%s in %s", ref, k.file()).exists();
      }
    }
    Doc base = ks.stream().filter(d -> d.file().toString().contains("base")).findFirst().get();
    assertThat(base.body()).containsEntry("namespace", "monitoring");
  }

  @Test
  void rolesGrantOnlyReadAccessAndNoSecrets() {
    List<Doc> roles =
        docs.stream()
            .filter(d -> d.kind().equals("ClusterRole") || d.kind().equals("Role"))
            .toList();
    assertThat(roles).isNotEmpty();
    for (Doc r : roles) {
      for (Object o : list(r.body().get("rules"))) {
        Map<String, Object> rule = cast(o);
        assertThat(strings(rule.get("verbs")))
            .as("verbs of %s", r.name())
            .isSubsetOf("get", "list", "watch");
        assertThat(strings(rule.get("resources")))
            .as("resources of %s", r.name())
            .doesNotContain("secrets", "*", "configmaps");
        assertThat(strings(rule.get("apiGroups"))).doesNotContain("*");
        assertThat(rule).doesNotContainKey("nonResourceURLs");
      }
    }
    Doc leaf = one("ClusterRole", "promfed-leaf-agent");
    Set<String> granted = new TreeSet<>();
    for (Object o : list(leaf.body().get("rules"))) {
      Map<String, Object> rule = cast(o);
      assertThat(strings(rule.get("verbs"))).containsExactly("get", "list", "watch");
      for (String g : strings(rule.get("apiGroups"))) {
        for (String res : strings(rule.get("resources"))) {
          granted.add(g + "/" + res);
        }
      }
    }
    assertThat(granted)
        .containsExactlyInAnyOrder(
            "/pods",
            "/services",
            "/endpoints",
            "discovery.k8s.io/endpointslices",
            "monitoring.coreos.com/servicemonitors");

    Doc binding = one("ClusterRoleBinding", "promfed-leaf-agent");
    assertThat(map(binding.body(), "roleRef")).containsEntry("name", "promfed-leaf-agent");
    assertThat(list(binding.body().get("subjects")))
        .containsExactly(
            Map.of("kind", "ServiceAccount", "name", "leaf-agent", "namespace", "monitoring"));
    assertThat(one("ServiceAccount", "leaf-agent")).isNotNull();
  }

  @Test
  void everyPodRunsAsNonRootOnAReadOnlyRootWithoutCapabilities() {
    List<Doc> workloads =
        docs.stream()
            .filter(d -> d.kind().equals("Deployment") || d.kind().equals("StatefulSet"))
            .filter(d -> d.file().startsWith(K8S.resolve("base")))
            .toList();
    assertThat(workloads)
        .extracting(Doc::name)
        .containsExactlyInAnyOrder("demo-server", "leaf-agent", "master-aggregator", "grafana");
    for (Doc w : workloads) {
      Map<String, Object> pod = map(map(map(w.body(), "spec"), "template"), "spec");
      Map<String, Object> psc = map(pod, "securityContext");
      assertThat(psc)
          .as("pod securityContext of %s", w.name())
          .containsEntry("runAsNonRoot", true)
          .containsEntry("runAsUser", 1000);
      for (Object c : list(pod.get("containers"))) {
        Map<String, Object> container = cast(c);
        Map<String, Object> sc = map(container, "securityContext");
        assertThat(sc)
            .as("securityContext of %s", w.name())
            .containsEntry("readOnlyRootFilesystem", true)
            .containsEntry("allowPrivilegeEscalation", false);
        assertThat(strings(map(sc, "capabilities").get("drop"))).containsExactly("ALL");
        assertThat(map(container, "resources")).containsKeys("requests", "limits");
        assertThat(container).containsKeys("livenessProbe", "readinessProbe");
        assertThat(mountPaths(container)).as("writable /tmp for %s", w.name()).contains("/tmp");
      }
    }
  }

  @Test
  void demoServerMatchesTheSeed() {
    Doc d = one("Deployment", "demo-server");
    Map<String, Object> spec = map(d.body(), "spec");
    assertThat(spec).containsEntry("replicas", 2);
    assertThat(map(map(spec, "template"), "metadata").get("labels"))
        .isEqualTo(
            Map.of(
                "app",
                "golang-server",
                "group",
                "database",
                "app.kubernetes.io/name",
                "demo-server"));
    Map<String, Object> c = container(d);
    assertThat(c).containsEntry("image", "promfed/demo-server:0.1.0");
    assertThat(list(c.get("ports")))
        .containsExactly(Map.of("name", "http", "containerPort", 8080, "protocol", "TCP"));
    assertThat(map(map(c, "livenessProbe"), "httpGet")).containsEntry("path", "/health/liveness");
    assertThat(map(map(c, "readinessProbe"), "httpGet")).containsEntry("path", "/health/readiness");
    assertThat(list(c.get("env")))
        .contains(Map.of("name", "DEMO_ACCESS_LOG_PATH", "value", "/var/log/demo/access_log"));
    assertThat(mountPaths(c)).contains("/var/log/demo");
    Map<String, Object> pod = map(map(spec, "template"), "spec");
    assertThat(list(pod.get("volumes")))
        .contains(Map.of("name", "access-log", "emptyDir", Map.of()));

    Doc svc = one("Service", "golang-server");
    assertThat(map(svc.body(), "metadata").get("labels"))
        .isEqualTo(Map.of("app", "web", "type", "service"));
    assertThat(map(svc.body(), "spec")).containsEntry("type", "NodePort");
    assertThat(list(map(svc.body(), "spec").get("ports")))
        .containsExactly(
            Map.of("name", "service-web", "port", 8080, "protocol", "TCP", "targetPort", 8080));
  }

  @Test
  void leafAgentIsAnHaStatefulSetWithAPerPodReplicaLabel() throws Exception {
    Doc sts = one("StatefulSet", "leaf-agent");
    assertThat(map(sts.body(), "spec")).containsEntry("replicas", 2);
    Map<String, Object> c = container(sts);
    assertThat(c).containsEntry("image", "promfed/leaf-agent:0.1.0");
    assertThat(strings(c.get("args")))
        .contains("--config.file=/etc/promfed/prometheus.yml")
        .anyMatch(a -> a.startsWith("--storage.path="));
    assertThat(list(c.get("ports")))
        .containsExactly(Map.of("name", "web", "containerPort", 9091, "protocol", "TCP"));
    assertThat(map(map(c, "livenessProbe"), "httpGet")).containsEntry("path", "/-/healthy");
    assertThat(map(map(c, "readinessProbe"), "httpGet")).containsEntry("path", "/-/ready");
    assertThat(list(c.get("env")))
        .contains(
            Map.of(
                "name",
                "POD_NAME",
                "valueFrom",
                Map.of("fieldRef", Map.of("fieldPath", "metadata.name"))));
    assertThat(mountPaths(c)).contains("/etc/promfed", "/var/lib/promfed");
    assertThat(map(map(map(sts.body(), "spec"), "template"), "spec"))
        .containsEntry("serviceAccountName", "leaf-agent");

    String yml =
        (String) map(one("ConfigMap", "leaf-agent-config").body(), "data").get("prometheus.yml");
    assertThat(yml).contains("replica: ${POD_NAME}").contains("cluster: ${CLUSTER}");
    PrometheusConfig cfg = ConfigLoader.loadString(yml, "leaf-agent-config/prometheus.yml");
    assertThat(cfg.scrapeConfigs())
        .extracting(ScrapeConfig::jobName)
        .containsExactly("golang-server");

    for (String name : List.of("leaf-agent", "leaf-agent-headless")) {
      Doc svc = one("Service", name);
      assertThat(map(svc.body(), "metadata").get("labels"))
          .isEqualTo(
              Map.of(
                  "app.kubernetes.io/name", "leaf-agent", "app.kubernetes.io/part-of", "promfed"));
      assertThat(list(map(svc.body(), "spec").get("ports")))
          .containsExactly(
              Map.of("name", "web", "port", 9091, "targetPort", "web", "protocol", "TCP"));
    }
    assertThat(map(one("Service", "leaf-agent-headless").body(), "spec"))
        .containsEntry("clusterIP", "None");
    assertThat(map(one("Service", "leaf-agent").body(), "spec")).doesNotContainKey("clusterIP");
  }

  @Test
  void masterFederatesFromTheLeafServiceWithTheSeedsJob() throws Exception {
    String yml =
        (String)
            map(one("ConfigMap", "master-aggregator-config").body(), "data").get("prometheus.yml");
    ScrapeConfig federate =
        ConfigLoader.loadString(yml, "master-aggregator-config/prometheus.yml")
            .scrapeConfig("federate");
    assertThat(federate.honorLabels()).isTrue();
    assertThat(federate.metricsPath()).isEqualTo("/federate");
    assertThat(federate.scrapeInterval()).hasSeconds(15);
    assertThat(federate.params())
        .containsEntry("match[]", List.of("{__name__=~\"job:.*\"}", "{__name__=~\".+\"}"));
    assertThat(federate.staticConfigs().get(0).targets())
        .containsExactly("leaf-agent.monitoring.svc:9091");
    Map<String, Object> c = container(one("Deployment", "master-aggregator"));
    assertThat(list(c.get("ports")))
        .containsExactly(Map.of("name", "web", "containerPort", 9090, "protocol", "TCP"));
  }

  @Test
  void grafanaReadsTheMasterAndLoadsEveryDashboardFile() throws IOException {
    Doc datasources = one("ConfigMap", "grafana-datasources");
    Map<String, Object> provisioning =
        cast(new Yaml().load((String) map(datasources.body(), "data").get("promfed.yaml")));
    Map<String, Object> ds = cast(list(provisioning.get("datasources")).get(0));
    assertThat(ds).containsEntry("type", "prometheus").containsEntry("uid", "promfed");
    // The master's Service and port, as master-aggregator.yaml defines them.
    Doc master = one("Service", "master-aggregator");
    Object port = cast(list(map(master.body(), "spec").get("ports")).get(0)).get("port");
    assertThat(ds).containsEntry("url", "http://master-aggregator.monitoring.svc:" + port);

    Doc base =
        docs.stream().filter(d -> d.file().equals(K8S.resolve("base/kustomization.yaml"))).findFirst().get();
    Map<String, Object> generator = cast(list(base.body().get("configMapGenerator")).get(0));
    assertThat(generator).containsEntry("name", "grafana-dashboards");
    List<String> onDisk;
    try (Stream<Path> s = Files.list(K8S.resolve("base/grafana-dashboards"))) {
      onDisk = s.map(p -> "grafana-dashboards/" + p.getFileName()).sorted().toList();
    }
    assertThat(strings(generator.get("files"))).containsExactlyInAnyOrderElementsOf(onDisk);
    Map<String, Object> grafana = container(one("Deployment", "grafana"));
    assertThat((String) grafana.get("image")).matches("grafana/grafana:\\d+\\.\\d+\\.\\d+");
    assertThat(mountPaths(grafana))
        .contains("/etc/grafana/provisioning/datasources", "/etc/grafana/provisioning/dashboards", "/var/lib/grafana");
  }

  @Test
  void theExampleServiceMonitorIsTheSeedsUnchanged() throws IOException {
    String seed;
    try (InputStream in =
        getClass().getResourceAsStream(MockCluster.TESTDATA + "seed/service-monitor.yaml")) {
      seed = new String(in.readAllBytes(), StandardCharsets.UTF_8);
    }
    assertThat(Files.readString(K8S.resolve("examples/service-monitor.yaml"))).isEqualTo(seed);
  }

  private static Doc one(String kind, String name) {
    List<Doc> found =
        docs.stream()
            .filter(d -> d.kind().equals(kind) && name.equals(d.name()))
            .filter(d -> d.file().startsWith(K8S.resolve("base")))
            .toList();
    assertThat(found).as("%s %s in k8s/base", kind, name).hasSize(1);
    return found.get(0);
  }

  private static Map<String, Object> container(Doc workload) {
    List<Object> containers =
        list(map(map(map(workload.body(), "spec"), "template"), "spec").get("containers"));
    assertThat(containers).hasSize(1);
    return cast(containers.get(0));
  }

  private static List<String> mountPaths(Map<String, Object> container) {
    return list(container.get("volumeMounts")).stream()
        .map(m -> (String) cast(m).get("mountPath"))
        .toList();
  }

  @SuppressWarnings("unchecked")
  static Map<String, Object> cast(Object o) {
    return (Map<String, Object>) o;
  }

  static Map<String, Object> map(Map<String, Object> m, String key) {
    Object o = m.get(key);
    assertThat(o).as("field %s", key).isInstanceOf(Map.class);
    return cast(o);
  }

  @SuppressWarnings("unchecked")
  static List<Object> list(Object o) {
    return o == null ? List.of() : (List<Object>) o;
  }

  static List<String> strings(Object o) {
    return list(o).stream().map(String.class::cast).toList();
  }
}
