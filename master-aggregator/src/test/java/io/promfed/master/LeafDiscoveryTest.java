package io.promfed.master;

import static org.assertj.core.api.Assertions.assertThat;

import com.sun.net.httpserver.HttpServer;
import java.io.IOException;
import java.io.OutputStream;
import java.net.InetSocketAddress;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.springframework.boot.test.context.SpringBootTest;
import org.springframework.boot.test.web.server.LocalServerPort;
import org.springframework.cloud.client.DefaultServiceInstance;
import org.springframework.test.context.DynamicPropertyRegistry;
import org.springframework.test.context.DynamicPropertySource;

/**
 * Leaves from Spring Cloud's DiscoveryClient (here its simple client, configured by properties as
 * spring-cloud-kubernetes would list a Service's endpoints) become targets of the seed's federate
 * job, whose config has no targets of its own; relabel_configs see the client's metadata.
 */
@SpringBootTest(webEnvironment = SpringBootTest.WebEnvironment.RANDOM_PORT)
class LeafDiscoveryTest {

  @TempDir static Path dir;
  static HttpServer leaf;

  @LocalServerPort int port;
  final HttpClient http = HttpClient.newHttpClient();

  @BeforeAll
  static void startLeaf() throws IOException {
    leaf = HttpServer.create(new InetSocketAddress("127.0.0.1", 0), 0);
    leaf.createContext(
        "/federate",
        ex -> {
          byte[] body =
              ("job:http_request_total:sum{job=\"golang-server\"} 7 "
                      + System.currentTimeMillis()
                      + "\n")
                  .getBytes(StandardCharsets.UTF_8);
          ex.sendResponseHeaders(200, body.length);
          try (OutputStream os = ex.getResponseBody()) {
            os.write(body);
          }
        });
    leaf.start();
  }

  @AfterAll
  static void stopLeaf() {
    leaf.stop(0);
  }

  @DynamicPropertySource
  static void props(DynamicPropertyRegistry registry) throws IOException {
    Path config = dir.resolve("prometheus.yml");
    Files.writeString(
        config,
        """
        global:
          scrape_interval: 1s
          scrape_timeout: 500ms
        scrape_configs:
          - job_name: federate
            honor_labels: true
            metrics_path: /federate
            params:
              'match[]': ['{__name__=~"job:.*"}']
            relabel_configs:
              - source_labels: [__meta_discovery_client_metadata_zone]
                target_label: zone
        """);
    registry.add("config.file", config::toString);
    registry.add("master.leaves.service-id", () -> "leaf-agent");
    registry.add("master.leaves.refresh-interval", () -> "1s");
    registry.add(
        "spring.cloud.discovery.client.simple.instances.leaf-agent[0].uri",
        () -> "http://127.0.0.1:" + leaf.getAddress().getPort());
    registry.add(
        "spring.cloud.discovery.client.simple.instances.leaf-agent[0].metadata.zone",
        () -> "eu-west-1a");
  }

  @Test
  void discoveredLeavesAreFederated() throws Exception {
    String target = "127.0.0.1:" + leaf.getAddress().getPort();
    long deadline = System.nanoTime() + Duration.ofSeconds(15).toNanos();
    String body = "";
    while (System.nanoTime() < deadline && !body.contains("\"health\":\"up\"")) {
      body = get("/api/v1/targets").body();
      Thread.sleep(100);
    }
    assertThat(body)
        .contains("\"instance\":\"" + target + "\"")
        .contains("\"zone\":\"eu-west-1a\"")
        .contains("\"__meta_discovery_client_service_id\":\"leaf-agent\"")
        .contains("\"health\":\"up\"");
    body = "";
    while (System.nanoTime() < deadline && !body.contains("golang-server")) {
      body = get("/api/v1/query?query=job:http_request_total:sum").body();
      Thread.sleep(100);
    }
    // honor_labels keeps the leaf's job; the relabeled zone is added as a target label.
    assertThat(body).contains("\"job\":\"golang-server\"").contains("\"zone\":\"eu-west-1a\"");
  }

  @Test
  void instancesBecomeTargetsWithMetaLabelsInAStableOrder() {
    var a = new DefaultServiceInstance("a", "leaf-agent", "10.0.0.2", 9091, false, Map.of("zone", "b", "app.kubernetes.io/name", "leaf"));
    var b = new DefaultServiceInstance("b", "leaf-agent", "10.0.0.1", 9091, true, Map.of());
    var targets = DiscoveryClientDiscoverer.targetsOf(List.of(a, b));
    assertThat(targets).isEqualTo(DiscoveryClientDiscoverer.targetsOf(List.of(b, a)));
    assertThat(targets.get(1).toString())
        .contains("__address__=\"10.0.0.2:9091\"")
        .contains("__meta_discovery_client_metadata_app_kubernetes_io_name=\"leaf\"")
        .contains("__meta_discovery_client_secure=\"false\"");
  }

  HttpResponse<String> get(String path) throws Exception {
    return http.send(
        HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + port + path)).build(),
        HttpResponse.BodyHandlers.ofString());
  }
}
