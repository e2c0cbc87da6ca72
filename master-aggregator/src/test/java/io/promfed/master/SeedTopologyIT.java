package io.promfed.master;

import static org.assertj.core.api.Assertions.assertThat;

import io.promfed.testing.ExternalBinary;
import io.promfed.testing.ModuleJar;
import java.io.IOException;
import java.net.InetAddress;
import java.net.ServerSocket;
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
import java.util.List;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.springframework.boot.SpringApplication;
import org.springframework.boot.web.server.context.WebServerApplicationContext;
import org.springframework.context.ConfigurableApplicationContext;

/**
 * The seed's topology, for real: two demo-server pods, two leaves scraping both of them (our
 * leaf-agent and a real Prometheus 2.42 configured as the seed's leaf), our master federating
 * from each leaf with the seed's federate job, and a real Prometheus federating from our master.
 * N requests to /hello are then N at every level. A second master federates only the leaf's
 * job-level recording rules, the pattern that keeps a master's memory bounded.
 */
class SeedTopologyIT {

  static final int GETS_A = 23;
  static final int GETS_B = 11;
  static final int POSTS_B = 4;
  static final int N = GETS_A + GETS_B + POSTS_B;

  @TempDir Path dir;
  final List<Process> processes = new ArrayList<>();
  ConfigurableApplicationContext master;
  ConfigurableApplicationContext aggregatedMaster;
  Process leaf;
  final HttpClient http = HttpClient.newHttpClient();

  @AfterEach
  void stop() throws Exception {
    if (master != null) {
      master.close();
    }
    if (aggregatedMaster != null) {
      aggregatedMaster.close();
    }
    for (Process p : processes) {
      p.destroy();
      p.waitFor();
    }
  }

  @Test
  void helloRequestsAreCountedAtTheMasterAndAboveIt() throws Exception {
    Path prometheus = ExternalBinary.require("prometheus");
    Path demoJar = ModuleJar.require("demo-server");
    Path leafJar = ModuleJar.require("leaf-agent");

    int podA = freePort();
    int podB = freePort();
    for (int port : new int[] {podA, podB}) {
      startJava(
          "demo-" + port,
          demoJar,
          "--server.port=" + port,
          "--server.address=127.0.0.1",
          "--demo.access-log.path=" + dir.resolve("access_log." + port));
    }
    // Both pods must hold their ports before anything below binds port 0: the kernel may hand an
    // in-process master a port freePort() just released for a pod still starting (it did once).
    eventually("http://127.0.0.1:" + podA + "/hello", "hello!!!");
    eventually("http://127.0.0.1:" + podB + "/hello", "hello!!!");
    String pods = "'127.0.0.1:" + podA + "', '127.0.0.1:" + podB + "'";
    String leafJob =
        """
        scrape_configs:
          - job_name: golang-server
            static_configs:
              - targets: [%s]
        """
            .formatted(pods);

    // Our leaf also records the job-level aggregates of examples/leaf-rules.yml (every 1s here).
    Path rules =
        write(
            "leaf-rules.yml",
            Files.readString(Path.of("..", "examples", "leaf-rules.yml"))
                .replace("interval: 15s", "interval: 1s"));
    int ourLeaf = freePort();
    Path ourLeafConfig =
        write(
            "our-leaf.yml",
            global("leaf: promfed") + "rule_files: ['" + rules + "']\n" + leafJob);
    leaf = startJava(
        "leaf",
        leafJar,
        "--config.file=" + ourLeafConfig,
        "--server.port=" + ourLeaf,
        "--server.address=127.0.0.1");

    int promLeaf = freePort();
    startPrometheus(prometheus, "prometheus-leaf", promLeaf, global("leaf: prometheus") + leafJob);

    Path masterConfig =
        write(
            "master.yml",
            global("")
                + "scrape_configs:\n"
                + seedFederateJob("federate", ourLeaf)
                + seedFederateJob("federate-prometheus", promLeaf));
    master =
        SpringApplication.run(
            MasterAggregatorApplication.class,
            "--config.file=" + masterConfig,
            "--server.port=0",
            "--server.address=127.0.0.1");
    int masterPort = ((WebServerApplicationContext) master).getWebServer().getPort();
    // The scaling pattern of docs/federation.md: a master federating only the job: aggregates,
    // with examples/master-aggregated.yml as shipped (only the leaf's port and the interval set).
    Path aggregatedConfig =
        write(
            "master-aggregated.yml",
            Files.readString(Path.of("..", "examples", "master-aggregated.yml"))
                .replace("127.0.0.1:9091", "127.0.0.1:" + ourLeaf)
                .replace("15s", "1s")
                .replace("10s", "900ms"));
    aggregatedMaster =
        SpringApplication.run(
            MasterAggregatorApplication.class,
            "--config.file=" + aggregatedConfig,
            "--server.port=0",
            "--server.address=127.0.0.1");
    int aggregatedPort = ((WebServerApplicationContext) aggregatedMaster).getWebServer().getPort();

    int global = freePort();
    startPrometheus(
        prometheus,
        "prometheus-global",
        global,
        global("")
            + """
            scrape_configs:
              - job_name: federate-master
                honor_labels: true
                metrics_path: /federate
                params:
                  'match[]': ['{job="golang-server"}']
                static_configs:
                  - targets: ['127.0.0.1:%d']
            """
                .formatted(masterPort));

    // The requests, spread over the two pods as a Service would; POSTs count as failures.
    for (int i = 1; i < GETS_A; i++) {
      get("http://127.0.0.1:" + podA + "/hello");
    }
    for (int i = 1; i < GETS_B; i++) {
      get("http://127.0.0.1:" + podB + "/hello");
    }
    for (int i = 0; i < POSTS_B; i++) {
      http.send(
          HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + podB + "/hello"))
              .POST(HttpRequest.BodyPublishers.noBody())
              .build(),
          HttpResponse.BodyHandlers.ofString());
    }

    String perLeaf = "sum by (leaf) (http_request_total)";
    // At the master, through our leaf and through the real Prometheus leaf alike.
    eventually(query(masterPort, perLeaf), "{\"leaf\":\"promfed\"},\"value\":[");
    eventuallyValue(masterPort, "sum(http_request_total{leaf=\"promfed\"})", N);
    eventuallyValue(masterPort, "sum(http_request_total{leaf=\"prometheus\"})", N);
    eventuallyValue(masterPort, "sum(http_request_fail_total{leaf=\"promfed\"})", POSTS_B);
    // Above the master: a real Prometheus federating from it sees the same counts.
    eventuallyValue(global, "sum(http_request_total{leaf=\"promfed\"})", N);
    eventuallyValue(global, "sum(http_request_total{leaf=\"prometheus\"})", N);

    // The aggregated master stores the job-level series only: five per job, whatever the pods
    // (its /federate serves its head alone) ...
    eventuallyValue(aggregatedPort, "job:http_request_total:sum", N);
    eventuallyValue(aggregatedPort, "job:http_request_fail_total:sum", POSTS_B);
    // Its head (what its /federate serves) holds the five job: series and no raw series.
    eventually(
        "http://127.0.0.1:" + aggregatedPort + "/federate?match[]=" + enc("{__name__=~\"job:.*\"}"),
        "job:http_request_success_total:rate1m{");
    String heldJobSeries =
        get("http://127.0.0.1:" + aggregatedPort + "/federate?match[]=" + enc("{__name__=~\"job:.*\"}")).body();
    assertThat(heldJobSeries.lines().filter(l -> !l.startsWith("#"))).hasSize(5);
    assertThat(get("http://127.0.0.1:" + aggregatedPort + "/federate?match[]=" + enc("{__name__=~\"http_request.*\"}")).body())
        .isEmpty();
    // ... and still answers for the raw series, by fanning out to the leaf (weakness 1).
    eventuallyValue(aggregatedPort, "sum(http_request_total)", N);

    // Both leaves are up at the master, each its own target with its own health.
    String targets = get("http://127.0.0.1:" + masterPort + "/api/v1/targets").body();
    assertThat(targets).doesNotContain("\"health\":\"down\"");
    assertThat(Files.readString(dir.resolve("prometheus-global.log"))).doesNotContain("level=error");

    // Our leaf dies: the fan-out answer still comes, from what is left, with a warning naming it.
    leaf.destroy();
    leaf.waitFor();
    String partial = get(query(aggregatedPort, "sum(http_request_total)")).body();
    assertThat(partial)
        .contains("\"status\":\"success\"")
        .contains("\"warnings\":[")
        .contains("127.0.0.1:" + ourLeaf + "/api/v1/read");
  }

  static String enc(String s) {
    return URLEncoder.encode(s, StandardCharsets.UTF_8);
  }

  static String global(String externalLabel) {
    return """
        global:
          scrape_interval: 1s
          scrape_timeout: 900ms
        """
        + (externalLabel.isEmpty() ? "" : "  external_labels: {" + externalLabel + "}\n");
  }

  /** The seed's job, verbatim but for the name, the target and a test-sized interval. */
  static String seedFederateJob(String name, int leafPort) {
    return """
          - job_name: "%s"
            scrape_interval: 1s

            honor_labels: true
            metrics_path: '/federate'

            params:
              'match[]':
                - '{__name__=~"job:.*"}'
                - '{__name__=~".+"}'

            static_configs:
              - targets:
                - "127.0.0.1:%d"
        """
        .formatted(name, leafPort);
  }

  Path write(String name, String content) throws IOException {
    Path file = dir.resolve(name);
    Files.writeString(file, content);
    return file;
  }

  Process startJava(String name, Path jar, String... args) throws IOException {
    List<String> command = new ArrayList<>();
    command.add(Path.of(System.getProperty("java.home"), "bin", "java").toString());
    command.add("-Xmx256m");
    command.add("-jar");
    command.add(jar.toString());
    command.addAll(List.of(args));
    return start(name, command);
  }

  void startPrometheus(Path binary, String name, int port, String config) throws IOException {
    Path configFile = write(name + ".yml", config);
    start(
        name,
        List.of(
            binary.toString(),
            "--config.file=" + configFile,
            "--storage.tsdb.path=" + dir.resolve(name + "-data"),
            "--web.listen-address=127.0.0.1:" + port));
  }

  Process start(String name, List<String> command) throws IOException {
    Process p =
        new ProcessBuilder(command)
            .redirectErrorStream(true)
            .redirectOutput(dir.resolve(name + ".log").toFile())
            .start();
    processes.add(p);
    return p;
  }

  static int freePort() throws IOException {
    try (ServerSocket s = new ServerSocket(0, 1, InetAddress.getLoopbackAddress())) {
      return s.getLocalPort();
    }
  }

  static String query(int port, String promql) {
    return "http://127.0.0.1:" + port + "/api/v1/query?query="
        + URLEncoder.encode(promql, StandardCharsets.UTF_8);
  }

  HttpResponse<String> get(String url) throws Exception {
    return http.send(
        HttpRequest.newBuilder(URI.create(url)).timeout(Duration.ofSeconds(10)).build(),
        HttpResponse.BodyHandlers.ofString());
  }

  void eventuallyValue(int port, String promql, int expected) throws Exception {
    eventually(query(port, promql), ",\"" + expected + "\"]");
  }

  String eventually(String url, String fragment) throws Exception {
    long deadline = System.nanoTime() + Duration.ofSeconds(90).toNanos();
    String last = "";
    while (System.nanoTime() < deadline) {
      try {
        last = get(url).body();
        if (last.contains(fragment)) {
          return last;
        }
      } catch (IOException notYet) {
        last = notYet.toString();
      }
      Thread.sleep(250);
    }
    throw new AssertionError("never saw " + fragment + " at " + url + "; last: " + last);
  }
}
