package io.promfed.discovery.kubernetes;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.groups.Tuple.tuple;

import io.fabric8.kubernetes.api.model.ConfigMap;
import io.fabric8.kubernetes.api.model.Container;
import io.fabric8.kubernetes.api.model.ContainerPort;
import io.fabric8.kubernetes.api.model.EnvVar;
import io.fabric8.kubernetes.api.model.GenericKubernetesResource;
import io.fabric8.kubernetes.api.model.apiextensions.v1.CustomResourceDefinition;
import io.fabric8.kubernetes.api.model.HTTPGetAction;
import io.fabric8.kubernetes.api.model.HasMetadata;
import io.fabric8.kubernetes.api.model.IntOrString;
import io.fabric8.kubernetes.api.model.Namespace;
import io.fabric8.kubernetes.api.model.PodSecurityContext;
import io.fabric8.kubernetes.api.model.PodSpec;
import io.fabric8.kubernetes.api.model.SecurityContext;
import io.fabric8.kubernetes.api.model.Service;
import io.fabric8.kubernetes.api.model.ServiceAccount;
import io.fabric8.kubernetes.api.model.ServicePort;
import io.fabric8.kubernetes.api.model.Volume;
import io.fabric8.kubernetes.api.model.VolumeMount;
import io.fabric8.kubernetes.api.model.apps.Deployment;
import io.fabric8.kubernetes.api.model.apps.StatefulSet;
import io.fabric8.kubernetes.api.model.rbac.ClusterRole;
import io.fabric8.kubernetes.api.model.rbac.ClusterRoleBinding;
import io.fabric8.kubernetes.api.model.rbac.PolicyRule;
import io.fabric8.kubernetes.api.model.rbac.Role;
import io.fabric8.kubernetes.api.model.rbac.RoleBinding;
import io.fabric8.kubernetes.api.model.rbac.RoleRef;
import io.fabric8.kubernetes.api.model.rbac.Subject;
import io.promfed.config.ConfigLoader;
import io.promfed.config.KubernetesSdConfig;
import io.promfed.config.PrometheusConfig;
import io.promfed.config.ScrapeConfig;
import io.promfed.discovery.kubernetes.Manifests.Doc;
import io.promfed.discovery.kubernetes.Manifests.Workload;
import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Properties;
import java.util.Set;
import java.util.TreeSet;
import java.util.stream.Collectors;
import javax.xml.parsers.DocumentBuilderFactory;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.w3c.dom.Element;
import org.w3c.dom.NodeList;

/**
 * The manifests in {@code k8s/}, read as typed objects ({@link Manifests}), and their
 * cross-references: what selects what, which names point where, what the pods may do and what they
 * run. Each check names the object and field it found wrong.
 */
class ManifestsTest {

  static final String NAMESPACE = "monitoring";
  static final List<String> APPS = List.of("demo-server", "leaf-agent", "master-aggregator");
  /** Workloads that are not our apps (no Actuator, no Jib image): Grafana. */
  static final List<String> THIRD_PARTY = List.of("grafana");

  static Manifests k8s;

  @BeforeAll
  static void load() {
    k8s = Manifests.load();
  }

  // --- kinds and kustomize ---------------------------------------------------------------------

  static final Set<String> GENERIC_KINDS = Set.of("Kustomization", "ServiceMonitor");

  @Test
  void everyDocumentIsATypedObjectWithAName() {
    for (Doc d : k8s.all()) {
      if (d.object() instanceof GenericKubernetesResource g) {
        // Only kinds fabric8 has no model for may stay generic; a typo'd kind/apiVersion of a
        // built-in kind would land here too.
        assertThat(g.getKind()).as("kind of a generic object in %s", d.where()).isIn(GENERIC_KINDS);
      }
      if (!d.kind().equals("Kustomization")) {
        assertThat(d.name()).as("name of a %s in %s", d.kind(), d.where()).isNotBlank();
      }
    }
    assertThat(k8s.all()).noneMatch(d -> d.kind().equals("Secret"));
    // The one CRD is the ServiceMonitor's, kept out of the base (where prometheus-operator runs,
    // its own CRD must not be overwritten) and applied by overlays/without-operator only.
    assertThat(k8s.all())
        .filteredOn(d -> d.kind().equals("CustomResourceDefinition"))
        .extracting(Doc::where)
        .containsExactly("crds/servicemonitors.monitoring.coreos.com.yaml");
    assertThat(k8s.generic("ServiceMonitor")).allMatch(d -> d.where().startsWith("examples/"));
  }

  @Test
  void theServiceMonitorCrdServesWhatTheLeafWatchesAndDeclaresTheSeedsFields() {
    CustomResourceDefinition crd =
        k8s.all().stream()
            .map(Doc::object)
            .filter(CustomResourceDefinition.class::isInstance)
            .map(CustomResourceDefinition.class::cast)
            .findFirst()
            .orElseThrow();
    assertThat(crd.getSpec().getGroup()).isEqualTo("monitoring.coreos.com");
    assertThat(crd.getSpec().getNames().getKind()).isEqualTo("ServiceMonitor");
    assertThat(crd.getSpec().getNames().getPlural()).isEqualTo("servicemonitors");
    assertThat(crd.getSpec().getScope()).isEqualTo("Namespaced");
    var v1 = crd.getSpec().getVersions().get(0);
    assertThat(v1.getName()).isEqualTo("v1");
    assertThat(v1.getServed()).isTrue();
    var spec = v1.getSchema().getOpenAPIV3Schema().getProperties().get("spec");
    assertThat(spec.getProperties()).containsKeys("endpoints", "selector", "namespaceSelector", "jobLabel");
    assertThat(spec.getProperties().get("endpoints").getItems().getSchema().getProperties())
        .containsKeys("port", "path", "interval", "relabelings", "metricRelabelings");
    // Every field the seed's object sets is declared (so a structural schema keeps it).
    Map<String, Object> seed =
        ((GenericKubernetesResource) k8s.generic("ServiceMonitor").get(0).object()).getAdditionalProperties();
    Map<String, Object> seedSpec = map(seed.get("spec"));
    assertThat(spec.getProperties()).containsKeys(seedSpec.keySet().toArray(new String[0]));
    for (Object e : list(seedSpec.get("endpoints"))) {
      assertThat(spec.getProperties().get("endpoints").getItems().getSchema().getProperties())
          .containsKeys(map(e).keySet().toArray(new String[0]));
    }
    // Only the overlay for clusters without the operator installs it.
    for (Doc k : k8s.generic("Kustomization")) {
      List<String> refs = strings(((GenericKubernetesResource) k.object()).getAdditionalProperties().get("resources"));
      boolean installsCrd = refs.stream().anyMatch(r -> r.contains("crds/"));
      assertThat(installsCrd).as(k.where()).isEqualTo(k.where().startsWith("overlays/without-operator/"));
    }
  }

  @Test
  void kustomizationsReferToFilesAndObjectsThatExist() {
    List<Doc> ks = k8s.generic("Kustomization");
    assertThat(ks)
        .extracting(Doc::where)
        .containsExactlyInAnyOrder(
            "kustomization.yaml",
            "base/kustomization.yaml",
            "overlays/local/kustomization.yaml",
            "overlays/without-operator/kustomization.yaml");
    for (Doc k : ks) {
      Map<String, Object> body = ((GenericKubernetesResource) k.object()).getAdditionalProperties();
      for (String ref : strings(body.get("resources"))) {
        assertThat(k.file().getParent().resolve(ref)).as("%s in %s", ref, k.where()).exists();
      }
      for (Object p : list(body.get("patches"))) {
        Path patch = k.file().getParent().resolve((String) map(p).get("path"));
        assertThat(patch).as("patch in %s", k.where()).exists();
        // A strategic merge patch must name an object of the base, or kustomize refuses it.
        for (Doc d : k8s.all()) {
          if (d.file().equals(patch.normalize()) || d.file().equals(patch)) {
            HasMetadata target = (HasMetadata) d.object();
            assertThat(
                    k8s.find(
                        target.getClass().asSubclass(HasMetadata.class),
                        target.getMetadata().getNamespace(),
                        target.getMetadata().getName()))
                .as("the object patched by %s", d.where())
                .isPresent();
          }
        }
      }
    }
    Doc base = ks.stream().filter(d -> d.where().startsWith("base/")).findFirst().orElseThrow();
    assertThat(((GenericKubernetesResource) base.object()).getAdditionalProperties())
        .containsEntry("namespace", NAMESPACE);
    assertThat(k8s.one(Namespace.class, NAMESPACE)).isNotNull();
    for (HasMetadata o : k8s.base(HasMetadata.class)) {
      if (o.getMetadata() == null) {
        continue; // the Kustomization itself
      }
      if (!(o instanceof Namespace
          || o instanceof ClusterRole
          || o instanceof ClusterRoleBinding)) {
        assertThat(o.getMetadata().getNamespace())
            .as("namespace of %s %s", o.getKind(), o.getMetadata().getName())
            .isEqualTo(NAMESPACE);
      }
    }
  }

  // --- cross-references --------------------------------------------------------------------------

  @Test
  void everyServiceSelectsAWorkloadAndItsTargetPortExists() {
    List<Service> services = k8s.base(Service.class);
    assertThat(services).isNotEmpty();
    for (Service svc : services) {
      String what = "Service " + svc.getMetadata().getName();
      Map<String, String> selector = svc.getSpec().getSelector();
      assertThat(selector).as("selector of %s", what).isNotEmpty();
      List<Workload> selected =
          k8s.workloads().stream()
              .filter(w -> w.namespace().equals(svc.getMetadata().getNamespace()))
              .filter(
                  w ->
                      w.template()
                          .getMetadata()
                          .getLabels()
                          .entrySet()
                          .containsAll(selector.entrySet()))
              .toList();
      assertThat(selected).as("pod templates that %s selects (%s)", what, selector).isNotEmpty();
      for (ServicePort port : svc.getSpec().getPorts()) {
        assertThat(port.getName()).as("port name in %s", what).isNotBlank();
        IntOrString target =
            port.getTargetPort() != null ? port.getTargetPort() : new IntOrString(port.getPort());
        for (Workload w : selected) {
          assertThat(containerPorts(w))
              .as("container port %s (targetPort of %s) in %s", portText(target), what, w.name())
              .anyMatch(
                  p ->
                      target.getStrVal() != null
                          ? target.getStrVal().equals(p.getName())
                          : target.getIntVal().equals(p.getContainerPort()));
        }
      }
    }
  }

  @Test
  void workloadSelectorsMatchTheirOwnPodTemplates() {
    for (Workload w : k8s.workloads()) {
      Map<String, String> matchLabels =
          w.doc().object() instanceof StatefulSet s
              ? s.getSpec().getSelector().getMatchLabels()
              : ((Deployment) w.doc().object()).getSpec().getSelector().getMatchLabels();
      assertThat(w.template().getMetadata().getLabels())
          .as("pod template labels of %s %s against its selector", w.kind(), w.name())
          .containsAllEntriesOf(matchLabels);
    }
    StatefulSet leaf = k8s.one(StatefulSet.class, "leaf-agent");
    Service headless = k8s.one(Service.class, leaf.getSpec().getServiceName());
    assertThat(headless.getSpec().getClusterIP())
        .as("the StatefulSet's serviceName")
        .isEqualTo("None");
  }

  @Test
  void theServiceMonitorSelectsTheDemoServiceByLabelAndPortName() {
    List<Doc> monitors = k8s.generic("ServiceMonitor");
    assertThat(monitors).hasSize(1);
    GenericKubernetesResource r = (GenericKubernetesResource) monitors.get(0).object();
    ServiceMonitor sm =
        ServiceMonitor.parse(
            NAMESPACE, r.getMetadata().getName(), r.getAdditionalProperties().get("spec"));
    List<Service> selected =
        k8s.base(Service.class).stream()
            .filter(
                s ->
                    labelsOf(s)
                        .entrySet()
                        .containsAll(sm.spec().selector().matchLabels().entrySet()))
            .toList();
    assertThat(selected)
        .as("Services with labels %s", sm.spec().selector().matchLabels())
        .extracting(s -> s.getMetadata().getName())
        .containsExactly("golang-server");
    for (ServiceMonitor.Endpoint e : sm.spec().endpoints()) {
      assertThat(selected.get(0).getSpec().getPorts())
          .as("Service port %s named by the ServiceMonitor", e.port())
          .anyMatch(p -> e.port().equals(p.getName()));
    }
  }

  @Test
  void everyServiceAccountAndRoleReferencedExists() {
    for (Workload w : k8s.workloads()) {
      PodSpec pod = w.template().getSpec();
      String sa = pod.getServiceAccountName();
      if (sa == null) {
        // Talks to no API: no token in the pod either.
        assertThat(pod.getAutomountServiceAccountToken())
            .as("automountServiceAccountToken of %s, which has no service account", w.name())
            .isFalse();
      } else {
        assertThat(k8s.find(ServiceAccount.class, w.namespace(), sa))
            .as("ServiceAccount %s of %s", sa, w.name())
            .isPresent();
      }
    }
    List<Map.Entry<RoleRef, List<Subject>>> bindings = new ArrayList<>();
    k8s.base(ClusterRoleBinding.class)
        .forEach(b -> bindings.add(Map.entry(b.getRoleRef(), b.getSubjects())));
    k8s.base(RoleBinding.class)
        .forEach(b -> bindings.add(Map.entry(b.getRoleRef(), b.getSubjects())));
    assertThat(bindings).isNotEmpty();
    for (var b : bindings) {
      RoleRef ref = b.getKey();
      Class<? extends HasMetadata> kind =
          ref.getKind().equals("ClusterRole") ? ClusterRole.class : Role.class;
      assertThat(k8s.find(kind, null, ref.getName()))
          .as("%s %s", ref.getKind(), ref.getName())
          .isPresent();
      for (Subject s : b.getValue()) {
        assertThat(s.getKind()).isEqualTo("ServiceAccount");
        assertThat(k8s.find(ServiceAccount.class, s.getNamespace(), s.getName()))
            .as("ServiceAccount %s/%s bound to %s", s.getNamespace(), s.getName(), ref.getName())
            .isPresent();
      }
    }
    for (Workload w : k8s.workloads()) {
      PodSpec pod = w.template().getSpec();
      Set<String> volumes =
          pod.getVolumes().stream().map(Volume::getName).collect(Collectors.toSet());
      if (w.doc().object() instanceof StatefulSet s
          && s.getSpec().getVolumeClaimTemplates() != null) {
        s.getSpec().getVolumeClaimTemplates().forEach(t -> volumes.add(t.getMetadata().getName()));
      }
      for (VolumeMount m : w.container().getVolumeMounts()) {
        assertThat(volumes)
            .as("volume %s mounted by %s", m.getName(), w.name())
            .contains(m.getName());
      }
      for (Volume v : pod.getVolumes()) {
        if (v.getConfigMap() != null
            && !generatedConfigMaps().contains(v.getConfigMap().getName())) {
          assertThat(k8s.find(ConfigMap.class, w.namespace(), v.getConfigMap().getName()))
              .as("ConfigMap %s of %s", v.getConfigMap().getName(), w.name())
              .isPresent();
        }
      }
    }
  }

  // --- RBAC
  // ----------------------------------------------------------------------------------------

  /**
   * What each {@code kubernetes_sd_configs} role lists and watches (prometheus/prometheus {@code
   * discovery/kubernetes/kubernetes.go} {@code Run}: the endpoints roles also watch Services and
   * Pods to label their targets), as {@code apiGroup/resource}.
   */
  static final Map<String, List<String>> RESOURCES_BY_ROLE =
      Map.of(
          "pod", List.of("/pods"),
          "service", List.of("/services"),
          "endpoints", List.of("/endpoints", "/services", "/pods"),
          "endpointslice", List.of("discovery.k8s.io/endpointslices", "/services", "/pods"),
          "node", List.of("/nodes"));

  /**
   * Granted although the shipped config does not use it: {@code
   * leaf.kubernetes.service-monitor-role} may be switched to endpointslice (v1 Endpoints are
   * deprecated since Kubernetes 1.33) without an RBAC change.
   */
  static final Set<String> GRANTED_AHEAD = Set.of("discovery.k8s.io/endpointslices");

  @Test
  void theLeafMayReadExactlyWhatItsDiscoveryWatches() throws Exception {
    Set<String> needed = new TreeSet<>();
    for (ScrapeConfig job : leafConfig().scrapeConfigs()) {
      for (KubernetesSdConfig sd : job.kubernetesSdConfigs()) {
        needed.addAll(RESOURCES_BY_ROLE.get(sd.role()));
      }
    }
    List<String> args = k8s.workload("leaf-agent").container().getArgs();
    if (args.contains("--leaf.kubernetes.service-monitors=true")) {
      needed.add("monitoring.coreos.com/servicemonitors");
      String role =
          args.stream()
              .filter(a -> a.startsWith("--leaf.kubernetes.service-monitor-role="))
              .map(a -> a.substring(a.indexOf('=') + 1))
              .findFirst()
              .orElse("endpoints");
      needed.addAll(RESOURCES_BY_ROLE.get(role));
    }
    needed.addAll(GRANTED_AHEAD);

    ClusterRole role = k8s.one(ClusterRole.class, "promfed-leaf-agent");
    assertThat(granted(role.getRules(), "ClusterRole promfed-leaf-agent")).isEqualTo(needed);
    ClusterRoleBinding binding = k8s.one(ClusterRoleBinding.class, "promfed-leaf-agent");
    assertThat(binding.getRoleRef().getName()).isEqualTo("promfed-leaf-agent");
    assertThat(binding.getSubjects())
        .extracting(Subject::getKind, Subject::getName, Subject::getNamespace)
        .containsExactly(tuple("ServiceAccount", "leaf-agent", NAMESPACE));
    assertThat(k8s.workload("leaf-agent").template().getSpec().getServiceAccountName())
        .isEqualTo("leaf-agent");
  }

  @Test
  void theMasterMayReadWhatItsDiscoveryClientWatchesInItsNamespace() {
    Role role = k8s.one(Role.class, "promfed-master-aggregator");
    assertThat(granted(role.getRules(), "Role promfed-master-aggregator"))
        .containsExactlyInAnyOrder("/services", "/endpoints", "discovery.k8s.io/endpointslices");
    assertThat(k8s.base(ClusterRole.class))
        .extracting(r -> r.getMetadata().getName())
        .containsExactly("promfed-leaf-agent");
  }

  /** The {@code apiGroup/resource} pairs of read-only rules; anything else fails. */
  static Set<String> granted(List<PolicyRule> rules, String what) {
    Set<String> out = new TreeSet<>();
    for (PolicyRule r : rules) {
      assertThat(r.getVerbs()).as("verbs in %s", what).containsExactly("get", "list", "watch");
      assertThat(r.getNonResourceURLs()).as("nonResourceURLs in %s", what).isNullOrEmpty();
      assertThat(r.getResourceNames()).as("resourceNames in %s", what).isNullOrEmpty();
      for (String g : r.getApiGroups()) {
        for (String res : r.getResources()) {
          assertThat(res).as("resource in %s", what).isNotIn("*", "secrets", "configmaps");
          assertThat(g).as("apiGroup in %s", what).isNotEqualTo("*");
          out.add(g + "/" + res);
        }
      }
    }
    return out;
  }

  // --- pods: security, probes, images, resources ------------------------------------------------

  @Test
  void everyPodRunsAsTheSeedsNonRootUserOnAReadOnlyRootWithoutCapabilities() {
    assertThat(k8s.workloads())
        .extracting(Workload::name)
        .containsExactlyInAnyOrderElementsOf(
            java.util.stream.Stream.concat(APPS.stream(), THIRD_PARTY.stream()).toList());
    for (Workload w : k8s.workloads()) {
      PodSecurityContext psc = w.template().getSpec().getSecurityContext();
      assertThat(psc).as("pod securityContext of %s", w.name()).isNotNull();
      assertThat(psc.getRunAsNonRoot()).as("runAsNonRoot of %s", w.name()).isTrue();
      assertThat(psc.getRunAsUser()).as("runAsUser of %s", w.name()).isEqualTo(1000L);
      assertThat(psc.getRunAsGroup()).as("runAsGroup of %s", w.name()).isEqualTo(2000L);
      assertThat(psc.getFsGroup()).as("fsGroup of %s", w.name()).isEqualTo(2000L);
      Container c = w.container();
      SecurityContext sc = c.getSecurityContext();
      assertThat(sc.getReadOnlyRootFilesystem())
          .as("readOnlyRootFilesystem of %s", w.name())
          .isTrue();
      assertThat(sc.getAllowPrivilegeEscalation())
          .as("allowPrivilegeEscalation of %s", w.name())
          .isFalse();
      assertThat(sc.getPrivileged()).as("privileged of %s", w.name()).isNotEqualTo(Boolean.TRUE);
      assertThat(sc.getCapabilities().getDrop())
          .as("dropped capabilities of %s", w.name())
          .containsExactly("ALL");
      assertThat(sc.getCapabilities().getAdd())
          .as("added capabilities of %s", w.name())
          .isNullOrEmpty();
      assertThat(c.getResources().getRequests())
          .as("requests of %s", w.name())
          .containsKeys("cpu", "memory");
      assertThat(c.getResources().getLimits()).as("limits of %s", w.name()).containsKey("memory");
      // Tomcat writes its work directory under java.io.tmpdir: the only writable path it needs.
      assertThat(c.getVolumeMounts())
          .extracting(VolumeMount::getMountPath)
          .as("mounts of %s", w.name())
          .contains("/tmp");
    }
  }

  @Test
  void probesHitActuatorsProbeGroupsOnTheAppsPort() throws Exception {
    for (Workload w : apps()) {
      Properties app = applicationProperties(w.name());
      String base = app.getProperty("management.endpoints.web.base-path", "/actuator");
      String prefix = base.equals("/") ? "" : base;
      int port =
          Integer.parseInt(
              app.getProperty("management.server.port", app.getProperty("server.port", "8080")));
      Container c = w.container();
      assertThat(moduleDependsOn(w.name(), "spring-boot-starter-actuator"))
          .as("%s has Actuator", w.name())
          .isTrue();
      assertProbe(w, c, c.getLivenessProbe().getHttpGet(), prefix + "/health/liveness", port);
      assertProbe(w, c, c.getReadinessProbe().getHttpGet(), prefix + "/health/readiness", port);
    }
    // The leaf's, as its README documents them.
    HTTPGetAction leaf = k8s.workload("leaf-agent").container().getLivenessProbe().getHttpGet();
    assertThat(leaf.getPath()).isEqualTo("/health/liveness");
  }

  private static void assertProbe(
      Workload w, Container c, HTTPGetAction probe, String path, int appPort) {
    assertThat(probe.getPath()).as("probe path of %s", w.name()).isEqualTo(path);
    IntOrString p = probe.getPort();
    int number =
        p.getIntVal() != null
            ? p.getIntVal()
            : c.getPorts().stream()
                .filter(cp -> p.getStrVal().equals(cp.getName()))
                .map(ContainerPort::getContainerPort)
                .findFirst()
                .orElseThrow(
                    () ->
                        new AssertionError(
                            "probe port "
                                + p.getStrVal()
                                + " of "
                                + w.name()
                                + " is no container port"));
    assertThat(number).as("probe port of %s (its server.port)", w.name()).isEqualTo(appPort);
  }

  @Test
  void imagesAreNamedAsJibBuildsThem() throws Exception {
    org.w3c.dom.Document pom = xml(Path.of("..", "pom.xml"));
    String version = text(pom.getDocumentElement(), "version");
    String template = null;
    NodeList plugins = pom.getElementsByTagName("plugin");
    for (int i = 0; i < plugins.getLength(); i++) {
      Element p = (Element) plugins.item(i);
      if ("jib-maven-plugin".equals(text(p, "artifactId"))) {
        template = text((Element) p.getElementsByTagName("to").item(0), "image");
      }
    }
    assertThat(template).as("jib-maven-plugin <to><image> in pom.xml").isNotNull();
    for (Workload w : apps()) {
      org.w3c.dom.Document modulePom = xml(Path.of("..", w.name(), "pom.xml"));
      String artifactId = text(modulePom.getDocumentElement(), "artifactId");
      assertThat(artifactId)
          .as("module directory %s is its artifactId", w.name())
          .isEqualTo(w.name());
      String expected =
          template
              .replace("${project.artifactId}", artifactId)
              .replace("${project.version}", version);
      assertThat(w.container().getImage()).as("image of %s", w.name()).isEqualTo(expected);
      assertThat(w.container().getName()).isEqualTo(w.name());
    }
  }

  // --- the apps' configs ----------------------------------------------------------------------

  @Test
  void theDemoServerIsTheSeedsGolangServer() {
    Workload demo = k8s.workload("demo-server");
    var dep = (Deployment) demo.doc().object();
    assertThat(dep.getSpec().getReplicas()).isEqualTo(2);
    assertThat(demo.template().getMetadata().getLabels())
        .containsEntry("app", "golang-server")
        .containsEntry("group", "database");
    Service svc = k8s.one(Service.class, "golang-server");
    assertThat(labelsOf(svc)).isEqualTo(Map.of("app", "web", "type", "service"));
    assertThat(svc.getSpec().getType()).isEqualTo("NodePort");
    assertThat(svc.getSpec().getPorts())
        .extracting(ServicePort::getName, ServicePort::getPort)
        .containsExactly(tuple("service-web", 8080));
    assertThat(demo.container().getEnv())
        .extracting(EnvVar::getName, EnvVar::getValue)
        .contains(tuple("DEMO_ACCESS_LOG_PATH", "/var/log/demo/access_log"));
  }

  @Test
  void theLeafLoadsItsConfigMapAndHasAPerReplicaLabel() throws Exception {
    Container c = k8s.workload("leaf-agent").container();
    String configArg =
        c.getArgs().stream().filter(a -> a.startsWith("--config.file=")).findFirst().orElseThrow();
    Path configFile = Path.of(configArg.substring("--config.file=".length()));
    VolumeMount mount =
        c.getVolumeMounts().stream()
            .filter(m -> configFile.startsWith(m.getMountPath()))
            .findFirst()
            .orElseThrow(() -> new AssertionError("no volume mounted where " + configFile + " is"));
    Volume volume =
        k8s.workload("leaf-agent").template().getSpec().getVolumes().stream()
            .filter(v -> v.getName().equals(mount.getName()))
            .findFirst()
            .orElseThrow();
    ConfigMap cm = k8s.one(ConfigMap.class, volume.getConfigMap().getName());
    assertThat(cm.getData()).containsKey(configFile.getFileName().toString());
    // HA replicas differ in "replica", expanded from the pod's name when the config is loaded.
    assertThat(cm.getData().get("prometheus.yml"))
        .contains("replica: ${POD_NAME}")
        .contains("cluster: ${CLUSTER}");
    assertThat(c.getEnv())
        .filteredOn(e -> e.getName().equals("POD_NAME"))
        .extracting(e -> e.getValueFrom().getFieldRef().getFieldPath())
        .containsExactly("metadata.name");
    assertThat(c.getEnv()).extracting(EnvVar::getName).contains("POD_NAMESPACE", "CLUSTER");
    assertThat(leafConfig().scrapeConfigs()).isNotEmpty();
  }

  @Test
  void theMasterFederatesFromTheLeafServiceWithTheSeedsJob() throws Exception {
    String yml =
        k8s.one(ConfigMap.class, "master-aggregator-config").getData().get("prometheus.yml");
    ScrapeConfig federate =
        ConfigLoader.loadString(yml, "master-aggregator-config/prometheus.yml")
            .scrapeConfig("federate");
    assertThat(federate.honorLabels()).isTrue();
    assertThat(federate.metricsPath()).isEqualTo("/federate");
    assertThat(federate.scrapeInterval()).hasSeconds(15);
    assertThat(federate.params())
        .containsEntry("match[]", List.of("{__name__=~\"job:.*\"}", "{__name__=~\".+\"}"));
    List<String> targets = federate.staticConfigs().get(0).targets();
    assertThat(targets).hasSize(1);
    // <service>.<namespace>.svc:<port> must be a Service of ours, on a named port of it.
    String[] hostPort = targets.get(0).split(":");
    String[] dns = hostPort[0].split("\\.");
    assertThat(dns).hasSize(3);
    assertThat(dns[2]).isEqualTo("svc");
    Service leaf =
        k8s.find(Service.class, dns[1], dns[0])
            .orElseThrow(
                () ->
                    new AssertionError("the federate target " + targets.get(0) + " is no Service"));
    ServicePort port =
        leaf.getSpec().getPorts().stream()
            .filter(p -> p.getPort() == Integer.parseInt(hostPort[1]))
            .findFirst()
            .orElseThrow(
                () -> new AssertionError("no port " + hostPort[1] + " on Service " + dns[0]));
    assertThat(port.getName()).as("the leaf Service's port is named").isEqualTo("web");
    // What the master's DiscoveryClient finds the leaves by.
    assertThat(labelsOf(leaf)).containsEntry("app.kubernetes.io/name", "leaf-agent");
    assertThat(leaf.getSpec().getSelector()).containsEntry("app.kubernetes.io/name", "leaf-agent");
  }

  @Test
  void theExampleServiceMonitorIsTheSeedsUnchanged() throws IOException {
    String seed;
    try (InputStream in =
        getClass().getResourceAsStream(MockCluster.TESTDATA + "seed/service-monitor.yaml")) {
      seed = new String(in.readAllBytes(), StandardCharsets.UTF_8);
    }
    assertThat(Files.readString(Manifests.K8S.resolve("examples/service-monitor.yaml")))
        .isEqualTo(seed);
  }

  // --- helpers -----------------------------------------------------------------------------------

  /** The leaf's prometheus.yml from its ConfigMap, loaded as the leaf loads it. */
  static PrometheusConfig leafConfig() throws Exception {
    String yml = k8s.one(ConfigMap.class, "leaf-agent-config").getData().get("prometheus.yml");
    return ConfigLoader.loadString(yml, "leaf-agent-config/prometheus.yml");
  }

  static List<ContainerPort> containerPorts(Workload w) {
    List<ContainerPort> out = new ArrayList<>();
    w.template().getSpec().getContainers().forEach(c -> out.addAll(c.getPorts()));
    return out;
  }

  static Map<String, String> labelsOf(HasMetadata o) {
    return o.getMetadata().getLabels() == null ? Map.of() : o.getMetadata().getLabels();
  }

  static String portText(IntOrString p) {
    return p.getStrVal() != null ? p.getStrVal() : String.valueOf(p.getIntVal());
  }

  // --- Grafana -----------------------------------------------------------------------------------

  @Test
  void grafanaReadsTheMasterAndLoadsEveryDashboardFile() throws IOException {
    ConfigMap datasources = k8s.one(ConfigMap.class, "grafana-datasources");
    Map<String, Object> provisioning =
        map(new org.yaml.snakeyaml.Yaml().load(datasources.getData().get("promfed.yaml")));
    Map<String, Object> ds = map(list(provisioning.get("datasources")).get(0));
    assertThat(ds).containsEntry("type", "prometheus").containsEntry("uid", "promfed");
    // The master's Service and port, as master-aggregator.yaml defines them.
    Service master = k8s.one(Service.class, "master-aggregator");
    assertThat(ds)
        .containsEntry(
            "url",
            "http://master-aggregator."
                + NAMESPACE
                + ".svc:"
                + master.getSpec().getPorts().get(0).getPort());

    Map<String, Object> generator = map(list(baseKustomization().get("configMapGenerator")).get(0));
    assertThat(generator).containsEntry("name", "grafana-dashboards");
    List<String> onDisk;
    try (java.util.stream.Stream<Path> files =
        Files.list(Manifests.K8S.resolve("base/grafana-dashboards"))) {
      onDisk = files.map(f -> "grafana-dashboards/" + f.getFileName()).sorted().toList();
    }
    assertThat(strings(generator.get("files"))).containsExactlyInAnyOrderElementsOf(onDisk);

    Workload grafana = k8s.workload("grafana");
    assertThat(grafana.container().getImage()).matches("grafana/grafana:\\d+\\.\\d+\\.\\d+");
    assertThat(grafana.container().getVolumeMounts())
        .extracting(VolumeMount::getMountPath)
        .contains(
            "/etc/grafana/provisioning/datasources",
            "/etc/grafana/provisioning/dashboards",
            "/var/lib/grafana");
    assertThat(grafana.container().getReadinessProbe().getHttpGet().getPath())
        .isEqualTo("/api/health");
  }

  /** Our own apps' workloads, built by this reactor. */
  static List<Workload> apps() {
    return k8s.workloads().stream().filter(w -> APPS.contains(w.name())).toList();
  }

  static Map<String, Object> baseKustomization() {
    return k8s.generic("Kustomization").stream()
        .filter(d -> d.where().startsWith("base/"))
        .map(d -> ((GenericKubernetesResource) d.object()).getAdditionalProperties())
        .findFirst()
        .orElseThrow();
  }

  /** ConfigMaps that kustomize's configMapGenerator makes from files: no YAML of their own. */
  static Set<String> generatedConfigMaps() {
    return list(baseKustomization().get("configMapGenerator")).stream()
        .map(g -> (String) map(g).get("name"))
        .collect(Collectors.toSet());
  }

  static Properties applicationProperties(String module) throws IOException {
    Properties p = new Properties();
    try (InputStream in =
        Files.newInputStream(Path.of("..", module, "src/main/resources/application.properties"))) {
      p.load(in);
    }
    return p;
  }

  static boolean moduleDependsOn(String module, String artifactId) throws Exception {
    NodeList ids = xml(Path.of("..", module, "pom.xml")).getElementsByTagName("artifactId");
    Set<String> all = new HashSet<>();
    for (int i = 0; i < ids.getLength(); i++) {
      all.add(ids.item(i).getTextContent().trim());
    }
    return all.contains(artifactId);
  }

  static org.w3c.dom.Document xml(Path file) throws Exception {
    return DocumentBuilderFactory.newInstance().newDocumentBuilder().parse(file.toFile());
  }

  /** The text of {@code parent}'s direct child {@code tag}, or null. */
  static String text(Element parent, String tag) {
    for (org.w3c.dom.Node n = parent.getFirstChild(); n != null; n = n.getNextSibling()) {
      if (n instanceof Element e && e.getTagName().equals(tag)) {
        return e.getTextContent().trim();
      }
    }
    return null;
  }

  @SuppressWarnings("unchecked")
  static Map<String, Object> map(Object o) {
    return (Map<String, Object>) o;
  }

  @SuppressWarnings("unchecked")
  static List<Object> list(Object o) {
    return o == null ? List.of() : (List<Object>) o;
  }

  static List<String> strings(Object o) {
    return list(o).stream().map(String.class::cast).toList();
  }
}
