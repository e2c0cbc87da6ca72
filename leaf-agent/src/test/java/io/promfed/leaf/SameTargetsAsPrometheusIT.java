package io.promfed.leaf;

import static org.assertj.core.api.Assertions.assertThat;

import io.promfed.testing.ExternalBinary;
import io.promfed.testing.ModuleJar;
import java.io.IOException;
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
import java.util.TreeSet;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.springframework.boot.SpringApplication;
import org.springframework.context.ConfigurableApplicationContext;

/**
 * Our leaf and a real Prometheus 2.42 scrape the same targets — the demo-server (the seed's
 * hello server, ported) and the real Prometheus's own {@code /metrics} — and their {@code
 * /federate} answers carry the same series and values for the demo's counters.
 */
class SameTargetsAsPrometheusIT {

  @TempDir Path dir;
  final List<Process> processes = new ArrayList<>();
  ConfigurableApplicationContext leaf;
  final HttpClient http = HttpClient.newHttpClient();

  @AfterEach
  void stop() throws Exception {
    if (leaf != null) {
      leaf.close();
    }
    for (Process p : processes) {
      p.destroy();
      p.waitFor();
    }
  }

  static int freePort() throws IOException {
    try (ServerSocket s = new ServerSocket(0, 1, java.net.InetAddress.getLoopbackAddress())) {
      return s.getLocalPort();
    }
  }

  Process start(String name, String... command) throws IOException {
    Process p =
        new ProcessBuilder(command)
            .redirectErrorStream(true)
            .redirectOutput(dir.resolve(name + ".log").toFile())
            .start();
    processes.add(p);
    return p;
  }

  HttpResponse<String> get(String url) throws Exception {
    return http.send(
        HttpRequest.newBuilder(URI.create(url)).build(), HttpResponse.BodyHandlers.ofString());
  }

  String eventually(String url, String fragment) throws Exception {
    long deadline = System.nanoTime() + Duration.ofSeconds(60).toNanos();
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

  @Test
  void leafAndPrometheusFederateTheSameDemoCounters() throws Exception {
    Path prometheusBinary = ExternalBinary.require("prometheus");
    Path demoJar = ModuleJar.require("demo-server");

    int demoPort = freePort();
    start(
        "demo",
        Path.of(System.getProperty("java.home"), "bin", "java").toString(),
        "-jar",
        demoJar.toAbsolutePath().toString(),
        "--server.port=" + demoPort,
        "--server.address=127.0.0.1",
        "--demo.access-log.path=" + dir.resolve("access_log"));
    String demo = "http://127.0.0.1:" + demoPort;
    eventually(demo + "/hello", "hello!!!"); // the first success
    for (int i = 0; i < 7; i++) {
      get(demo + "/hello");
    }
    for (int i = 0; i < 3; i++) {
      http.send(
          HttpRequest.newBuilder(URI.create(demo + "/hello"))
              .POST(HttpRequest.BodyPublishers.noBody())
              .build(),
          HttpResponse.BodyHandlers.ofString());
    }

    int promPort = freePort();
    String scrapeConfigs =
        """
        global:
          scrape_interval: 1s
          external_labels:
            cluster: same
        scrape_configs:
          - job_name: golang-server
            static_configs:
              - targets: ['127.0.0.1:%d']
          - job_name: prometheus
            static_configs:
              - targets: ['127.0.0.1:%d']
        """
            .formatted(demoPort, promPort);
    Path promConfig = dir.resolve("prometheus.yml");
    Files.writeString(promConfig, scrapeConfigs);
    start(
        "prometheus",
        prometheusBinary.toString(),
        "--config.file=" + promConfig,
        "--storage.tsdb.path=" + dir.resolve("data"),
        "--web.listen-address=127.0.0.1:" + promPort);
    leaf =
        SpringApplication.run(
            LeafAgentApplication.class,
            "--config.file=" + promConfig,
            "--server.port=0",
            "--server.address=127.0.0.1");
    int leafPort =
        ((org.springframework.boot.web.server.context.WebServerApplicationContext) leaf)
            .getWebServer()
            .getPort();

    String match =
        "/federate?match[]="
            + URLEncoder.encode("{__name__=~\"http_request_(success_|fail_)?total\"}", StandardCharsets.UTF_8);
    String ours = eventually("http://127.0.0.1:" + leafPort + match, "http_request_total{");
    String theirs = eventually("http://127.0.0.1:" + promPort + match, "http_request_total{");
    // The same samples; only the metadata differs, on purpose: Prometheus declares everything
    // untyped without HELP, our leaf passes on what the target said (docs/federation.md).
    assertThat(samplesWithoutTimestamps(ours)).isEqualTo(samplesWithoutTimestamps(theirs));
    assertThat(theirs).contains("# TYPE http_request_total untyped\n");
    assertThat(ours)
        .contains("# HELP http_request_total access count total\n")
        .contains("# TYPE http_request_total counter\n")
        .contains("# HELP http_request_fail_total access faile count\n");
    assertThat(ours)
        .contains(
            "http_request_total{instance=\"127.0.0.1:"
                + demoPort
                + "\",job=\"golang-server\",cluster=\"same\"} 11 ")
        .containsPattern("http_request_success_total\\{[^}]*\\} 8 ")
        .containsPattern("http_request_fail_total\\{[^}]*\\} 3 ");

    // (b) our leaf scrapes the real Prometheus's own /metrics like any target.
    String promSelf =
        eventually(
            "http://127.0.0.1:" + leafPort + "/federate?match[]=" + URLEncoder.encode("up{job=\"prometheus\"}", StandardCharsets.UTF_8),
            "up{");
    assertThat(promSelf).contains("} 1 ");
    String tsdb =
        eventually(
            "http://127.0.0.1:" + leafPort + "/federate?match[]=prometheus_build_info",
            "prometheus_build_info{");
    assertThat(tsdb).contains("version=\"2.");
  }

  /** Federation bodies minus timestamps, lines sorted within each family (as upstream compares). */
  static String samplesWithoutTimestamps(String body) {
    TreeSet<String> lines = new TreeSet<>();
    for (String line : body.split("\n")) {
      if (!line.startsWith("#")) {
        lines.add(line.substring(0, line.lastIndexOf(' ')));
      }
    }
    return String.join("\n", lines);
  }
}
