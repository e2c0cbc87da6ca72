package io.promfed.master;

import static org.assertj.core.api.Assertions.assertThat;

import com.sun.net.httpserver.HttpServer;
import java.io.OutputStream;
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
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.springframework.boot.SpringApplication;
import org.springframework.boot.web.server.context.WebServerApplicationContext;
import org.springframework.context.ConfigurableApplicationContext;

/**
 * A master with {@code --storage.path} restarted keeps what it federated before: the samples of
 * the first run are still queryable after it, next to those of the second.
 */
class MasterRestartTest {

  @TempDir Path dir;
  HttpServer leaf;
  ConfigurableApplicationContext master;
  final AtomicInteger scrapes = new AtomicInteger();
  final HttpClient http = HttpClient.newHttpClient();

  @AfterEach
  void stop() {
    if (master != null) {
      master.close();
    }
    if (leaf != null) {
      leaf.stop(0);
    }
  }

  void startLeaf() throws Exception {
    leaf = HttpServer.create(new InetSocketAddress("127.0.0.1", 0), 0);
    leaf.createContext(
        "/federate",
        ex -> {
          byte[] body =
              ("job:requests:sum{job=\"golang-server\"} " + scrapes.incrementAndGet() + " "
                      + System.currentTimeMillis() + "\n")
                  .getBytes(StandardCharsets.UTF_8);
          ex.sendResponseHeaders(200, body.length);
          try (OutputStream os = ex.getResponseBody()) {
            os.write(body);
          }
        });
    leaf.start();
  }

  int startMaster(Path config) {
    master =
        SpringApplication.run(
            MasterAggregatorApplication.class,
            "--config.file=" + config,
            "--storage.path=" + dir.resolve("data"),
            "--master.fanout.enabled=false",
            "--server.port=0",
            "--server.address=127.0.0.1");
    return ((WebServerApplicationContext) master).getWebServer().getPort();
  }

  String samples(int port) throws Exception {
    String q = URLEncoder.encode("count_over_time(job:requests:sum[1h])", StandardCharsets.UTF_8);
    return http.send(
            HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + port + "/api/v1/query?query=" + q)).build(),
            HttpResponse.BodyHandlers.ofString())
        .body();
  }

  int sampleCount(int port) throws Exception {
    java.util.regex.Matcher m =
        java.util.regex.Pattern.compile("\"value\":\\[[^,]+,\"(\\d+)\"\\]").matcher(samples(port));
    return m.find() ? Integer.parseInt(m.group(1)) : 0;
  }

  @Test
  void restartKeepsWhatWasFederated() throws Exception {
    startLeaf();
    Path config = dir.resolve("prometheus.yml");
    Files.writeString(
        config,
        """
        global: {scrape_interval: 1s, scrape_timeout: 500ms}
        scrape_configs:
          - job_name: federate
            honor_labels: true
            metrics_path: /federate
            params: {'match[]': ['{__name__=~"job:.*"}']}
            static_configs: [{targets: ['127.0.0.1:%d']}]
        """
            .formatted(leaf.getAddress().getPort()));
    int port = startMaster(config);
    long deadline = System.nanoTime() + Duration.ofSeconds(30).toNanos();
    while (sampleCount(port) < 3 && System.nanoTime() < deadline) {
      Thread.sleep(200);
    }
    int before = sampleCount(port);
    assertThat(before).isGreaterThanOrEqualTo(3);
    master.close();
    master = null;

    port = startMaster(config);
    // Right after the restart, before much is scraped again, the first run's samples are back.
    assertThat(sampleCount(port)).isGreaterThanOrEqualTo(before);
    deadline = System.nanoTime() + Duration.ofSeconds(30).toNanos();
    while (sampleCount(port) < before + 2 && System.nanoTime() < deadline) {
      Thread.sleep(200);
    }
    assertThat(sampleCount(port)).isGreaterThanOrEqualTo(before + 2);
  }
}
