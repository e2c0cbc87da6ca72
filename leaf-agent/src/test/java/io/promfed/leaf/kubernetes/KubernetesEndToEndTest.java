package io.promfed.leaf.kubernetes;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.fabric8.kubernetes.api.model.Container;
import io.fabric8.kubernetes.api.model.ContainerBuilder;
import io.fabric8.kubernetes.api.model.EndpointAddress;
import io.fabric8.kubernetes.api.model.EndpointAddressBuilder;
import io.fabric8.kubernetes.api.model.EndpointSubset;
import io.fabric8.kubernetes.api.model.EndpointSubsetBuilder;
import io.fabric8.kubernetes.api.model.Endpoints;
import io.fabric8.kubernetes.api.model.EndpointsBuilder;
import io.fabric8.kubernetes.api.model.GenericKubernetesResource;
import io.fabric8.kubernetes.api.model.GenericKubernetesResourceList;
import io.fabric8.kubernetes.api.model.HasMetadata;
import io.fabric8.kubernetes.api.model.ObjectMetaBuilder;
import io.fabric8.kubernetes.api.model.Pod;
import io.fabric8.kubernetes.api.model.PodBuilder;
import io.fabric8.kubernetes.api.model.ServiceBuilder;
import io.fabric8.kubernetes.api.model.apps.Deployment;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.fabric8.kubernetes.client.dsl.NonDeletingOperation;
import io.fabric8.kubernetes.client.dsl.NonNamespaceOperation;
import io.fabric8.kubernetes.client.dsl.Resource;
import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.net.InetSocketAddress;
import java.net.URI;
import java.net.URLEncoder;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.function.Consumer;
import java.util.function.Predicate;
import java.util.function.Supplier;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.MethodOrderer;
import org.junit.jupiter.api.Order;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestMethodOrder;
import org.junit.jupiter.api.io.TempDir;
import org.springframework.boot.test.context.SpringBootTest;
import org.springframework.boot.test.context.TestConfiguration;
import org.springframework.boot.test.web.server.LocalServerPort;
import org.springframework.context.annotation.Bean;
import org.springframework.test.annotation.DirtiesContext;
import org.springframework.test.context.DynamicPropertyRegistry;
import org.springframework.test.context.DynamicPropertySource;

/**
 * The leaf application in a (mock) cluster: fabric8's API server in CRUD mode holds the seed's
 * objects, as this repository ships them ({@code k8s/base/demo-server.yaml} and {@code
 * k8s/examples/service-monitor.yaml}), and the test plays the controllers: it creates pods whose
 * IPs are local HTTP servers on 127.0.0.x serving the seed's counters, and writes the Endpoints the
 * endpoints controller would. Each step changes the cluster and checks the leaf only through its
 * HTTP API: {@code /api/v1/targets} for targets and their labels, {@code /api/v1/query} for series.
 * A removed target's series vanish from instant queries within seconds although the lookback delta
 * is 5 minutes: that is the stale markers written into the head.
 *
 * <p>The steps build on each other (one cluster, one leaf), in the order of issue #5's list.
 */
@SpringBootTest(
    webEnvironment = SpringBootTest.WebEnvironment.RANDOM_PORT,
    properties = {"leaf.kubernetes.service-monitors=true", "leaf.lookback-delta=5m"})
@DirtiesContext // the leaf's informers must stop before the API server does
@TestMethodOrder(MethodOrderer.OrderAnnotation.class)
class KubernetesEndToEndTest {

  /** How long any one change may take to show; generous for a loaded 2-core build box. */
  static final Duration BOUND = Duration.ofSeconds(30);

  static final Path K8S = Path.of("..", "k8s"); // surefire runs in the module directory
  static final String NS = "monitoring";
  static final String SEED_MONITOR = "golang-service-monitor";
  static final String SEED_POOL = "serviceMonitor/monitoring/golang-service-monitor/0";
  static final String REPLICA_SET = "demo-server-7c9d8f6b5";

  static final FaultyApiServer API = new FaultyApiServer();
  static final KubernetesClient CLUSTER = API.client();
  static final MetricsEndpoints METRICS = new MetricsEndpoints();
  static final ObjectMapper JSON = new ObjectMapper();

  /** The Deployment's pods, by name; what the ReplicaSet controller would have created. */
  static final Map<String, InetSocketAddress> demoPods = new LinkedHashMap<>();

  static int podSeq;
  static Deployment deployment;

  @TempDir static Path dir;

  @LocalServerPort int port;
  final HttpClient http = HttpClient.newHttpClient();

  /** The leaf's Kubernetes client; in a pod, spring-cloud-kubernetes builds it instead. */
  @TestConfiguration(proxyBeanMethods = false)
  static class MockClusterClient {
    @Bean(destroyMethod = "close")
    KubernetesClient kubernetesClient() {
      return API.faultyClient();
    }
  }

  @DynamicPropertySource
  static void leafConfig(DynamicPropertyRegistry registry) throws IOException {
    Path config = dir.resolve("prometheus.yml");
    Files.writeString(
        config,
        """
        global:
          scrape_interval: 1s
          scrape_timeout: 500ms
        scrape_configs:
          # Pods of one namespace that opt in with a label and are ready.
          - job_name: team-a-pods
            kubernetes_sd_configs:
              - role: pod
                namespaces:
                  names: [team-a]
            relabel_configs:
              - action: keep
                source_labels: [__meta_kubernetes_pod_label_scrape, __meta_kubernetes_pod_ready]
                regex: true;true
              - source_labels: [__meta_kubernetes_namespace]
                target_label: namespace
              - source_labels: [__meta_kubernetes_pod_name]
                target_label: pod
        """);
    registry.add("config.file", config::toString);
  }

  @AfterAll
  static void stopCluster() {
    CLUSTER.close();
    API.close();
    METRICS.close();
  }

  // ---------------------------------------------------------------------------------------------
  // The steps

  @Test
  @Order(1)
  void seedObjectsMakeTheGolangServerPodsTargets() throws Exception {
    for (HasMetadata obj : load(K8S.resolve("base/demo-server.yaml"))) {
      CLUSTER.resource(obj).create();
      if (obj instanceof Deployment d) {
        deployment = d;
      }
    }
    scaleDemo(2);
    GenericKubernetesResource monitor =
        (GenericKubernetesResource) load(K8S.resolve("examples/service-monitor.yaml")).get(0);
    serviceMonitors(NS).resource(monitor).create(); // kubectl -n monitoring apply -f, unchanged

    List<JsonNode> targets = awaitTargets(SEED_POOL, t -> t.size() == 2, "the seed's 2 pods");
    assertThat(targets)
        .extracting(t -> labels(t.get("labels")))
        .containsExactlyInAnyOrderElementsOf(
            demoPods.keySet().stream().map(KubernetesEndToEndTest::operatorLabels).toList());
    assertThat(targets)
        .allSatisfy(t -> assertThat(t.get("scrapeInterval").asText()).isEqualTo("15s"));
  }

  @Test
  @Order(2)
  void editedServiceMonitorChangesTheScrapeInterval() throws Exception {
    editServiceMonitor(NS, SEED_MONITOR, spec -> endpoint(spec).put("interval", "1s"));
    awaitTargets(
        SEED_POOL,
        t -> t.size() == 2 && all(t, "scrapeInterval", "1s") && all(t, "health", "up"),
        "2 targets scraped every 1s");
    awaitSeries("http_request_total{job=\"golang-server\"}", 2);
  }

  @Test
  @Order(3)
  void scalingUpAddsTargets() throws Exception {
    scaleDemo(5);
    awaitTargets(
        SEED_POOL, t -> t.size() == 5 && all(t, "health", "up"), "5 targets after scaling up");
    awaitSeries("http_request_total{job=\"golang-server\"}", 5);
  }

  @Test
  @Order(4)
  void scalingDownRemovesTargetsAndMarksTheirSeriesStale() throws Exception {
    List<String> before = List.copyOf(demoPods.keySet());
    scaleDemo(1);
    List<String> removed = before.subList(1, before.size());
    List<JsonNode> targets = awaitTargets(SEED_POOL, t -> t.size() == 1, "1 target left");
    assertThat(labels(targets.get(0).get("labels"))).containsEntry("pod", before.get(0));

    // Within seconds, not after the 5m lookback delta: stale markers ended the removed series.
    String removedPods = "{pod=~\"" + String.join("|", removed) + "\"}";
    awaitSeries("http_request_total" + removedPods, 0);
    awaitSeries("up" + removedPods, 0);
    assertThat(series("http_request_total{job=\"golang-server\"}")).isEqualTo(1);
  }

  @Test
  @Order(5)
  void anEndpointTurningUnreadyShowsInItsLabels() throws Exception {
    String pod = demoPods.keySet().iterator().next();
    setReady(NS, pod, false);
    syncDemoEndpoints();
    // prometheus-operator's config keeps not-ready endpoints (it only drops Failed/Succeeded pods):
    // the target stays, and its discovered labels say it is not ready.
    awaitTargets(
        SEED_POOL,
        t ->
            t.size() == 1
                && "false".equals(discovered(t.get(0), "__meta_kubernetes_endpoint_ready")),
        "endpoint_ready=\"false\"");
    setReady(NS, pod, true);
    syncDemoEndpoints();
    awaitTargets(
        SEED_POOL,
        t ->
            t.size() == 1
                && "true".equals(discovered(t.get(0), "__meta_kubernetes_endpoint_ready")),
        "endpoint_ready=\"true\" again");
  }

  @Test
  @Order(6)
  void namespaceFilterWatchesOnlyTheNamedNamespaces() throws Exception {
    createPod("team-a", "worker-1", Map.of("scrape", "true"), true);
    createPod("default", "worker-2", Map.of("scrape", "true"), true);
    List<JsonNode> targets = awaitTargets("team-a-pods", t -> t.size() == 1, "team-a's pod");
    assertThat(labels(targets.get(0).get("labels")))
        .containsEntry("namespace", "team-a")
        .containsEntry("pod", "worker-1");
    awaitSeries("up{job=\"team-a-pods\"} == 1", 1);
    // The pod in "default" was never even listed: not among the dropped targets either.
    assertThat(droppedTargets("team-a-pods"))
        .allSatisfy(
            t -> assertThat(discovered(t, "__meta_kubernetes_namespace")).isEqualTo("team-a"));
    assertThat(series("http_request_total{job=\"team-a-pods\"}")).isEqualTo(1);
  }

  @Test
  @Order(7)
  void labelChangesAddAndRemoveTargets() throws Exception {
    CLUSTER
        .pods()
        .inNamespace("team-a")
        .withName("worker-1")
        .edit(
            p ->
                new PodBuilder(p)
                    .editMetadata()
                    .addToLabels("scrape", "false")
                    .endMetadata()
                    .build());
    awaitTargets("team-a-pods", List::isEmpty, "worker-1 dropped by its label");
    awaitSeries("http_request_total{job=\"team-a-pods\"}", 0);

    CLUSTER
        .pods()
        .inNamespace("team-a")
        .withName("worker-1")
        .edit(
            p ->
                new PodBuilder(p)
                    .editMetadata()
                    .addToLabels("scrape", "true")
                    .endMetadata()
                    .build());
    awaitTargets("team-a-pods", t -> t.size() == 1, "worker-1 back");
    awaitSeries("http_request_total{job=\"team-a-pods\"}", 1);

    // A pod turning unready is dropped by the job's keep rule.
    setReady("team-a", "worker-1", false);
    awaitTargets("team-a-pods", List::isEmpty, "unready worker-1 dropped");
    awaitSeries("http_request_total{job=\"team-a-pods\"}", 0);

    // The Service's label is what the ServiceMonitor selects on.
    CLUSTER
        .services()
        .inNamespace(NS)
        .withName("golang-server")
        .edit(
            s ->
                new ServiceBuilder(s)
                    .editMetadata()
                    .addToLabels("app", "web-v2")
                    .endMetadata()
                    .build());
    awaitTargets(SEED_POOL, List::isEmpty, "no golang-server targets once app!=web");
    awaitSeries("http_request_total{job=\"golang-server\"}", 0);
    CLUSTER
        .services()
        .inNamespace(NS)
        .withName("golang-server")
        .edit(
            s ->
                new ServiceBuilder(s)
                    .editMetadata()
                    .addToLabels("app", "web")
                    .endMetadata()
                    .build());
    awaitTargets(SEED_POOL, t -> t.size() == 1 && all(t, "health", "up"), "golang-server back");
  }

  @Test
  @Order(8)
  void apiServerFailingKeepsTheLastTargets() throws Exception {
    API.fail(503);
    API.expireWatches(); // every informer relists, and the relists fail
    awaitTrue(() -> API.failedRequests() > 0, "the leaf's relists to fail");

    scaleDemo(3); // the cluster changes while the leaf cannot see it
    long until = System.nanoTime() + Duration.ofSeconds(3).toNanos();
    while (System.nanoTime() < until) {
      List<JsonNode> targets = activeTargets(SEED_POOL);
      assertThat(targets).as("targets kept while the API server fails").hasSize(1);
      assertThat(activeTargets("team-a-pods")).isEmpty();
      Thread.sleep(200); // observing that nothing changes over several scrape intervals
    }
    assertThat(API.failedRequests()).as("the leaf kept trying").isGreaterThan(1);
    assertThat(series("up{job=\"golang-server\"} == 1")).isEqualTo(1);

    API.fail(0);
    awaitTargets(
        SEED_POOL, t -> t.size() == 3 && all(t, "health", "up"), "the 3 pods once the API answers");
  }

  @Test
  @Order(9)
  void serviceMonitorCreatedEditedAndDeleted() throws Exception {
    InetSocketAddress api1 = createPod("team-a", "api-1", Map.of("app", "team-a-api"), true);
    CLUSTER
        .resource(
            new ServiceBuilder()
                .withNewMetadata()
                .withName("team-a-web")
                .withNamespace("team-a")
                .addToLabels("app", "team-a-web")
                .endMetadata()
                .withNewSpec()
                .addToSelector("app", "team-a-api")
                .addNewPort()
                .withName("metrics")
                .withPort(8080)
                .withProtocol("TCP")
                .endPort()
                .endSpec()
                .build())
        .create();
    writeEndpoints("team-a", "team-a-web", "metrics", Map.of("api-1", api1), Map.of());

    GenericKubernetesResource monitor = new GenericKubernetesResource();
    monitor.setApiVersion("monitoring.coreos.com/v1");
    monitor.setKind("ServiceMonitor");
    monitor.setMetadata(
        new ObjectMetaBuilder().withName("team-a-monitor").withNamespace("team-a").build());
    monitor.setAdditionalProperty(
        "spec",
        Map.of(
            "selector", Map.of("matchLabels", Map.of("app", "team-a-web")),
            "endpoints", List.of(Map.of("port", "metrics", "interval", "1s"))));
    serviceMonitors("team-a").resource(monitor).create();

    String pool = "serviceMonitor/team-a/team-a-monitor/0";
    List<JsonNode> targets =
        awaitTargets(
            pool, t -> t.size() == 1 && all(t, "health", "up"), "the new monitor's target");
    assertThat(labels(targets.get(0).get("labels")))
        .containsEntry("job", "team-a-web")
        .containsEntry("namespace", "team-a")
        .containsEntry("service", "team-a-web")
        .containsEntry("endpoint", "metrics")
        .containsEntry("pod", "api-1");
    awaitSeries("http_request_total{job=\"team-a-web\"}", 1);

    editServiceMonitor(
        "team-a",
        "team-a-monitor",
        spec ->
            endpoint(spec)
                .put("relabelings", List.of(Map.of("targetLabel", "team", "replacement", "a"))));
    awaitTargets(
        pool,
        t -> t.size() == 1 && "a".equals(labels(t.get(0).get("labels")).get("team")),
        "the edited monitor's relabeling");

    serviceMonitors("team-a").withName("team-a-monitor").delete();
    awaitTrue(() -> activeTargetsByPool().get(pool) == null, "the deleted monitor's pool to go");
    awaitSeries("http_request_total{job=\"team-a-web\"}", 0);
    awaitSeries("up{job=\"team-a-web\"}", 0);
  }

  @Test
  @Order(10)
  void serviceMonitorNamespaceSelectorFiltersNamespaces() throws Exception {
    editServiceMonitor(
        NS,
        SEED_MONITOR,
        spec -> spec.put("namespaceSelector", Map.of("matchNames", List.of("team-a"))));
    awaitTargets(SEED_POOL, List::isEmpty, "no targets outside team-a");
    awaitSeries("http_request_total{job=\"golang-server\"}", 0);
  }

  // ---------------------------------------------------------------------------------------------
  // The test as the cluster's controllers

  /** The labels prometheus-operator's config gives the seed's targets (issue #5's list). */
  static Map<String, String> operatorLabels(String pod) {
    String address = hostPort(demoPods.get(pod));
    Map<String, String> l = new TreeMap<>();
    l.put("container", "demo-server");
    l.put("endpoint", "service-web");
    l.put("instance", address);
    l.put("job", "golang-server");
    l.put("namespace", NS);
    l.put("pod", pod);
    l.put("service", "golang-server");
    return l;
  }

  /** The ReplicaSet controller and the endpoints controller, for the demo Deployment. */
  static void scaleDemo(int replicas) {
    while (demoPods.size() < replicas) {
      String name = REPLICA_SET + "-" + (char) ('a' + podSeq++) + "x2p";
      demoPods.put(name, createDemoPod(name));
    }
    while (demoPods.size() > replicas) {
      String last = new ArrayList<>(demoPods.keySet()).get(demoPods.size() - 1);
      CLUSTER.pods().inNamespace(NS).withName(last).delete();
      demoPods.remove(last);
    }
    syncDemoEndpoints();
  }

  /** A pod from the Deployment's template, its IP and port those of a local metrics server. */
  static InetSocketAddress createDemoPod(String name) {
    InetSocketAddress address = METRICS.start();
    var template = deployment.getSpec().getTemplate();
    Container c =
        new ContainerBuilder(template.getSpec().getContainers().get(0))
            .withPorts()
            .addNewPort()
            .withName("http")
            .withContainerPort(address.getPort())
            .withProtocol("TCP")
            .endPort()
            .build();
    Pod pod =
        new PodBuilder()
            .withNewMetadata()
            .withName(name)
            .withNamespace(NS)
            .withLabels(template.getMetadata().getLabels())
            .addNewOwnerReference()
            .withApiVersion("apps/v1")
            .withKind("ReplicaSet")
            .withName(REPLICA_SET)
            .withUid("rs-uid")
            .withController(true)
            .endOwnerReference()
            .endMetadata()
            .withNewSpec()
            .withContainers(c)
            .endSpec()
            .withNewStatus()
            .withPhase("Running")
            .withPodIP(address.getAddress().getHostAddress())
            .addNewCondition()
            .withType("Ready")
            .withStatus("True")
            .endCondition()
            .endStatus()
            .build();
    CLUSTER.resource(pod).create();
    return address;
  }

  static InetSocketAddress createPod(
      String namespace, String name, Map<String, String> labels, boolean ready) {
    InetSocketAddress address = METRICS.start();
    CLUSTER
        .resource(
            new PodBuilder()
                .withNewMetadata()
                .withName(name)
                .withNamespace(namespace)
                .withLabels(labels)
                .endMetadata()
                .withNewSpec()
                .addNewContainer()
                .withName("app")
                .withImage("app:1")
                .addNewPort()
                .withName("metrics")
                .withContainerPort(address.getPort())
                .withProtocol("TCP")
                .endPort()
                .endContainer()
                .endSpec()
                .withNewStatus()
                .withPhase("Running")
                .withPodIP(address.getAddress().getHostAddress())
                .addNewCondition()
                .withType("Ready")
                .withStatus(ready ? "True" : "False")
                .endCondition()
                .endStatus()
                .build())
        .create();
    return address;
  }

  static void setReady(String namespace, String pod, boolean ready) {
    CLUSTER
        .pods()
        .inNamespace(namespace)
        .withName(pod)
        .edit(
            p ->
                new PodBuilder(p)
                    .editStatus()
                    .editFirstCondition()
                    .withStatus(ready ? "True" : "False")
                    .endCondition()
                    .endStatus()
                    .build());
  }

  /** What the endpoints controller writes for the golang-server Service. */
  static void syncDemoEndpoints() {
    Map<String, InetSocketAddress> ready = new LinkedHashMap<>();
    Map<String, InetSocketAddress> notReady = new LinkedHashMap<>();
    demoPods.forEach(
        (name, address) -> {
          Pod p = CLUSTER.pods().inNamespace(NS).withName(name).get();
          boolean isReady =
              p.getStatus().getConditions().stream()
                  .anyMatch(c -> c.getType().equals("Ready") && c.getStatus().equals("True"));
          (isReady ? ready : notReady).put(name, address);
        });
    writeEndpoints(NS, "golang-server", "service-web", ready, notReady);
  }

  /** One subset per pod: each local server has its own port, as pods with different ports do. */
  static void writeEndpoints(
      String namespace,
      String service,
      String portName,
      Map<String, InetSocketAddress> ready,
      Map<String, InetSocketAddress> notReady) {
    List<EndpointSubset> subsets = new ArrayList<>();
    for (boolean r : new boolean[] {true, false}) {
      (r ? ready : notReady)
          .forEach(
              (pod, address) -> {
                EndpointAddress a =
                    new EndpointAddressBuilder()
                        .withIp(address.getAddress().getHostAddress())
                        .withNewTargetRef()
                        .withKind("Pod")
                        .withName(pod)
                        .withNamespace(namespace)
                        .endTargetRef()
                        .build();
                EndpointSubsetBuilder b = new EndpointSubsetBuilder();
                if (r) {
                  b.withAddresses(a);
                } else {
                  b.withNotReadyAddresses(a);
                }
                subsets.add(
                    b.addNewPort()
                        .withName(portName)
                        .withPort(address.getPort())
                        .withProtocol("TCP")
                        .endPort()
                        .build());
              });
    }
    Endpoints eps =
        new EndpointsBuilder()
            .withNewMetadata()
            .withName(service)
            .withNamespace(namespace)
            .endMetadata()
            .withSubsets(subsets)
            .build();
    CLUSTER.resource(eps).createOr(NonDeletingOperation::update);
  }

  static NonNamespaceOperation<
          GenericKubernetesResource,
          GenericKubernetesResourceList,
          Resource<GenericKubernetesResource>>
      serviceMonitors(String namespace) {
    return CLUSTER
        .genericKubernetesResources(FaultyApiServer.SERVICE_MONITORS)
        .inNamespace(namespace);
  }

  @SuppressWarnings("unchecked")
  static void editServiceMonitor(
      String namespace, String name, Consumer<Map<String, Object>> edit) {
    serviceMonitors(namespace)
        .withName(name)
        .edit(
            sm -> {
              Map<String, Object> spec =
                  new LinkedHashMap<>(
                      (Map<String, Object>) sm.getAdditionalProperties().get("spec"));
              List<Object> endpoints = new ArrayList<>();
              for (Object e : (List<Object>) spec.get("endpoints")) {
                endpoints.add(new LinkedHashMap<>((Map<String, Object>) e));
              }
              spec.put("endpoints", endpoints);
              edit.accept(spec);
              sm.setAdditionalProperty("spec", spec);
              return sm;
            });
  }

  @SuppressWarnings("unchecked")
  static Map<String, Object> endpoint(Map<String, Object> spec) {
    return (Map<String, Object>) ((List<Object>) spec.get("endpoints")).get(0);
  }

  static List<HasMetadata> load(Path file) {
    try (InputStream in = Files.newInputStream(file)) {
      List<HasMetadata> objects = CLUSTER.load(in).items();
      for (HasMetadata o : objects) {
        if (o.getMetadata().getNamespace() == null) {
          o.getMetadata().setNamespace(NS);
        }
      }
      return objects;
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }

  // ---------------------------------------------------------------------------------------------
  // The leaf's HTTP API

  JsonNode api(String pathAndQuery) {
    try {
      HttpResponse<String> r =
          http.send(
              HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + port + pathAndQuery)).build(),
              HttpResponse.BodyHandlers.ofString());
      assertThat(r.statusCode()).as(pathAndQuery + ": " + r.body()).isEqualTo(200);
      return JSON.readTree(r.body()).get("data");
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new IllegalStateException(e);
    }
  }

  /** {@code /api/v1/targets}' active targets, by scrape pool. */
  Map<String, List<JsonNode>> activeTargetsByPool() {
    Map<String, List<JsonNode>> byPool = new TreeMap<>();
    for (JsonNode t : api("/api/v1/targets").get("activeTargets")) {
      byPool.computeIfAbsent(t.get("scrapePool").asText(), p -> new ArrayList<>()).add(t);
    }
    return byPool;
  }

  List<JsonNode> activeTargets(String pool) {
    return activeTargetsByPool().getOrDefault(pool, List.of());
  }

  List<JsonNode> droppedTargets(String pool) {
    List<JsonNode> out = new ArrayList<>();
    for (JsonNode t : api("/api/v1/targets").get("droppedTargets")) {
      if (t.get("scrapePool").asText().equals(pool)) {
        out.add(t);
      }
    }
    return out;
  }

  /** How many series an instant query at "now" returns. */
  int series(String promql) {
    return api("/api/v1/query?query=" + URLEncoder.encode(promql, StandardCharsets.UTF_8))
        .get("result")
        .size();
  }

  List<JsonNode> awaitTargets(String pool, Predicate<List<JsonNode>> done, String what)
      throws InterruptedException {
    return await(() -> activeTargets(pool), done, what + " in pool " + pool);
  }

  void awaitSeries(String promql, int count) throws InterruptedException {
    await(() -> series(promql), n -> n == count, count + " series for " + promql);
  }

  static void awaitTrue(Supplier<Boolean> condition, String what) throws InterruptedException {
    await(condition, b -> b, what);
  }

  /** Polls {@code probe} until {@code done}, for at most {@link #BOUND}. */
  static <T> T await(Supplier<T> probe, Predicate<T> done, String what)
      throws InterruptedException {
    long deadline = System.nanoTime() + BOUND.toNanos();
    T last = probe.get();
    while (!done.test(last)) {
      if (System.nanoTime() > deadline) {
        throw new AssertionError(
            "timed out after " + BOUND + " waiting for " + what + "; last: " + last);
      }
      Thread.sleep(100); // polling the leaf's HTTP API, bounded by the deadline
      last = probe.get();
    }
    return last;
  }

  static Map<String, String> labels(JsonNode obj) {
    Map<String, String> m = new TreeMap<>();
    obj.fields().forEachRemaining(e -> m.put(e.getKey(), e.getValue().asText()));
    return m;
  }

  static String discovered(JsonNode target, String name) {
    JsonNode v = target.get("discoveredLabels").get(name);
    return v == null ? null : v.asText();
  }

  static boolean all(List<JsonNode> targets, String field, String value) {
    return targets.stream().allMatch(t -> t.get(field).asText().equals(value));
  }

  static String hostPort(InetSocketAddress a) {
    return a.getAddress().getHostAddress() + ":" + a.getPort();
  }
}
