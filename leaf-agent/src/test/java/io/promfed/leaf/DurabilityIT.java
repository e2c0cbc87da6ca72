package io.promfed.leaf;

import static org.assertj.core.api.Assertions.assertThat;

import io.promfed.model.labels.Labels;
import io.promfed.storage.remote.SnappyBlock;
import io.promfed.storage.remote.WriteRequestEncoder;
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
import java.util.List;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * {@code kill -9} loses nothing that was acknowledged: the leaf (the real jar, as a process) with
 * {@code --storage.path} takes remote-write batches, is killed without warning, restarts, and
 * answers with every sample; then once more after a checkpoint.
 */
class DurabilityIT {

  static final int SERIES = 200;
  static final int SAMPLES = 60;

  @TempDir Path dir;
  Process leaf;
  final HttpClient http = HttpClient.newHttpClient();
  int port;

  @AfterEach
  void stop() throws Exception {
    if (leaf != null) {
      leaf.destroyForcibly().waitFor();
    }
  }

  void start(String... extra) throws Exception {
    Path jar = ModuleJar.require("leaf-agent");
    Path config = dir.resolve("prometheus.yml");
    Files.writeString(config, "global: {scrape_interval: 15s}\n");
    List<String> cmd =
        new java.util.ArrayList<>(
            List.of(
                Path.of(System.getProperty("java.home"), "bin", "java").toString(),
                "-Xmx256m",
                "-jar",
                jar.toString(),
                "--config.file=" + config,
                "--storage.path=" + dir.resolve("data"),
                "--server.port=" + port,
                "--server.address=127.0.0.1"));
    cmd.addAll(List.of(extra));
    leaf =
        new ProcessBuilder(cmd)
            .redirectErrorStream(true)
            .redirectOutput(ProcessBuilder.Redirect.appendTo(dir.resolve("leaf.log").toFile()))
            .start();
    long deadline = System.nanoTime() + Duration.ofSeconds(60).toNanos();
    while (System.nanoTime() < deadline) {
      try {
        if (get("/-/ready").statusCode() == 200) {
          return;
        }
      } catch (IOException notYet) {
        // starting
      }
      Thread.sleep(200);
    }
    throw new AssertionError("leaf not ready; log:\n" + Files.readString(dir.resolve("leaf.log")));
  }

  HttpResponse<String> get(String path) throws Exception {
    return http.send(
        HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + port + path)).build(),
        HttpResponse.BodyHandlers.ofString());
  }

  void push(String metric, long now) throws Exception {
    WriteRequestEncoder enc = new WriteRequestEncoder();
    for (int s = 0; s < SERIES; s++) {
      enc.startSeries(Labels.of("__name__", metric, "series", Integer.toString(s)));
      for (int i = 0; i < SAMPLES; i++) {
        enc.addSample(now - (SAMPLES - i) * 15_000L, i);
      }
      enc.endSeries();
    }
    HttpResponse<String> r =
        http.send(
            HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + port + "/api/v1/write"))
                .header("Content-Encoding", "snappy")
                .header("Content-Type", "application/x-protobuf")
                .header("X-Prometheus-Remote-Write-Version", "0.1.0")
                .POST(HttpRequest.BodyPublishers.ofByteArray(enc.encodeSnappy(new SnappyBlock())))
                .build(),
            HttpResponse.BodyHandlers.ofString());
    assertThat(r.statusCode()).as(r.body()).isEqualTo(204);
  }

  String samplesOf(String metric) throws Exception {
    String q = URLEncoder.encode("sum(count_over_time(" + metric + "[1h]))", StandardCharsets.UTF_8);
    return get("/api/v1/query?query=" + q).body();
  }

  @Test
  void killMinus9LosesNoAcknowledgedSample() throws Exception {
    try (ServerSocket s = new ServerSocket(0, 1, InetAddress.getLoopbackAddress())) {
      port = s.getLocalPort();
    }
    long now = System.currentTimeMillis();
    start();
    push("before_kill", now);
    assertThat(samplesOf("before_kill")).contains(",\"" + SERIES * SAMPLES + "\"]");
    leaf.destroyForcibly().waitFor(); // SIGKILL: no shutdown hook, no flush

    start("--leaf.checkpoint-interval=2s");
    assertThat(samplesOf("before_kill")).contains(",\"" + SERIES * SAMPLES + "\"]");
    push("after_restart", now + 1);
    Thread.sleep(5000); // at least one checkpoint; older segments deleted
    try (var files = Files.list(dir.resolve("data"))) {
      assertThat(files.map(p -> p.getFileName().toString())).anyMatch(n -> n.startsWith("checkpoint."));
    }
    leaf.destroyForcibly().waitFor();

    start();
    assertThat(samplesOf("before_kill")).contains(",\"" + SERIES * SAMPLES + "\"]");
    assertThat(samplesOf("after_restart")).contains(",\"" + SERIES * SAMPLES + "\"]");
    assertThat(Files.readString(dir.resolve("leaf.log"))).contains("replayed");
  }
}
