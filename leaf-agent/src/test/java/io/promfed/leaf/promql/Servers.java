package io.promfed.leaf.promql;

import io.promfed.leaf.LeafAgentApplication;
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
import org.springframework.boot.SpringApplication;
import org.springframework.boot.web.server.context.WebServerApplicationContext;
import org.springframework.context.ConfigurableApplicationContext;

/**
 * Our leaf (in-process) and a real Prometheus (child process) side by side, both empty and fed by
 * remote write only. Loopback only.
 */
final class Servers implements AutoCloseable {

  final HttpClient http =
      HttpClient.newBuilder()
          .version(HttpClient.Version.HTTP_1_1)
          .connectTimeout(Duration.ofSeconds(10))
          .build();
  final Path dir;
  final ConfigurableApplicationContext leaf;
  final Process prometheus;
  final String ours;
  final String prom;

  Servers(Path binary, Path dir) throws Exception {
    this.dir = dir;
    Path config = dir.resolve("empty.yml");
    Files.writeString(config, "global:\n  scrape_interval: 15s\nscrape_configs: []\n");
    int promPort = freePort();
    prometheus =
        new ProcessBuilder(
                binary.toString(),
                "--config.file=" + config,
                "--web.enable-remote-write-receiver",
                "--storage.tsdb.path=" + dir.resolve("data"),
                "--web.listen-address=127.0.0.1:" + promPort)
            .redirectErrorStream(true)
            .redirectOutput(dir.resolve("prometheus.log").toFile())
            .start();
    leaf =
        SpringApplication.run(
            LeafAgentApplication.class,
            "--config.file=" + config,
            "--server.port=0",
            "--server.address=127.0.0.1");
    int leafPort = ((WebServerApplicationContext) leaf).getWebServer().getPort();
    prom = "http://127.0.0.1:" + promPort;
    ours = "http://127.0.0.1:" + leafPort;
    awaitReady(prom);
  }

  static int freePort() throws IOException {
    try (ServerSocket s = new ServerSocket(0, 1, java.net.InetAddress.getLoopbackAddress())) {
      return s.getLocalPort();
    }
  }

  void awaitReady(String base) throws Exception {
    long deadline = System.nanoTime() + Duration.ofSeconds(30).toNanos();
    while (System.nanoTime() < deadline) {
      try {
        if (get(base + "/-/ready").statusCode() == 200) {
          return;
        }
      } catch (IOException e) {
        // not listening yet
      }
      Thread.sleep(100);
    }
    throw new AssertionError("Prometheus did not get ready: " + log());
  }

  String log() throws IOException {
    return Files.readString(dir.resolve("prometheus.log"));
  }

  HttpResponse<String> get(String url) throws Exception {
    return http.send(
        HttpRequest.newBuilder(URI.create(url)).timeout(Duration.ofMinutes(2)).build(),
        HttpResponse.BodyHandlers.ofString());
  }

  /** Sends one snappy-compressed remote-write 1.0 body to both servers; both must take it. */
  void write(byte[] snappyBody) throws Exception {
    for (String base : new String[] {prom, ours}) {
      HttpResponse<String> r =
          http.send(
              HttpRequest.newBuilder(URI.create(base + "/api/v1/write"))
                  .timeout(Duration.ofMinutes(2))
                  .header("Content-Type", "application/x-protobuf")
                  .header("Content-Encoding", "snappy")
                  .header("X-Prometheus-Remote-Write-Version", "0.1.0")
                  .POST(HttpRequest.BodyPublishers.ofByteArray(snappyBody))
                  .build(),
              HttpResponse.BodyHandlers.ofString());
      if (r.statusCode() / 100 != 2) {
        throw new AssertionError(
            base + " refused remote write: " + r.statusCode() + " " + r.body());
      }
    }
  }

  static String enc(String s) {
    return URLEncoder.encode(s, StandardCharsets.UTF_8);
  }

  static String instant(String query, long timeMs) {
    return "/api/v1/query?query=" + enc(query) + "&time=" + seconds(timeMs);
  }

  static String range(String query, long startMs, long endMs, long stepMs) {
    return "/api/v1/query_range?query="
        + enc(query)
        + "&start="
        + seconds(startMs)
        + "&end="
        + seconds(endMs)
        + "&step="
        + seconds(stepMs);
  }

  static String seconds(long ms) {
    return ms % 1000 == 0 ? Long.toString(ms / 1000) : String.format("%.3f", ms / 1000.0);
  }

  @Override
  public void close() throws Exception {
    if (prometheus != null) {
      prometheus.destroy();
      prometheus.waitFor();
    }
    if (leaf != null) {
      leaf.close();
    }
  }
}
