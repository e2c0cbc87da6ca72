package io.promfed.storage.remote;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.sun.net.httpserver.HttpExchange;
import com.sun.net.httpserver.HttpServer;
import io.promfed.config.GlobalConfig;
import io.promfed.config.PrometheusConfig;
import io.promfed.config.QueueConfig;
import io.promfed.config.RemoteWriteConfig;
import io.promfed.model.labels.Labels;
import io.promfed.model.value.StaleNaN;
import io.promfed.storage.Appender;
import io.promfed.storage.StorageException;
import io.promfed.storage.remote.RemoteWriteHandler.Result;
import io.promfed.tsdb.Head;
import java.io.IOException;
import java.io.OutputStream;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.List;
import java.util.SplittableRandom;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.atomic.AtomicLong;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/**
 * Sender to receiver over real HTTP: local head → {@link RemoteWriteAppendable} → {@link
 * QueueManager} → HTTP → {@link RemoteWriteHandler} → remote head; both heads must then hold the
 * same samples, bit for bit.
 */
class RemoteWriteEndToEndTest {

  static final long NOW = 1_700_000_000_000L;

  private final AtomicLong now = new AtomicLong(NOW);
  private final Head local = new Head(now::get, Duration.ofHours(2));
  private final Head remote = new Head(now::get, Duration.ofHours(2));
  private final RemoteWriteHandler handler = new RemoteWriteHandler(remote, now::get);
  private final ExecutorService executor = Executors.newFixedThreadPool(4);
  private final HttpServer server;

  RemoteWriteEndToEndTest() throws IOException {
    server = HttpServer.create(new InetSocketAddress(InetAddress.getLoopbackAddress(), 0), 0);
    // What a controller does: headers and body in, status and text out.
    server.createContext(
        "/api/v1/write",
        (HttpExchange ex) -> {
          try (ex) {
            Result r =
                handler.handle(
                    ex.getRequestHeaders().getFirst("Content-Encoding"),
                    ex.getRequestHeaders().getFirst("Content-Type"),
                    ex.getRequestBody().readAllBytes());
            byte[] body = r.message().getBytes(StandardCharsets.UTF_8);
            ex.sendResponseHeaders(r.status(), body.length == 0 ? -1 : body.length);
            if (body.length > 0) {
              try (OutputStream os = ex.getResponseBody()) {
                os.write(body);
              }
            }
          }
        });
    server.setExecutor(executor);
    server.start();
  }

  @AfterEach
  void tearDown() {
    server.stop(0);
    executor.shutdownNow();
  }

  private RemoteWriteConfig queue(int shards) {
    URI url = URI.create("http://127.0.0.1:" + server.getAddress().getPort() + "/api/v1/write");
    QueueConfig qc =
        new QueueConfig(
            100_000,
            shards,
            shards,
            500,
            Duration.ofMillis(20),
            Duration.ofMillis(10),
            Duration.ofMillis(100),
            false,
            Duration.ZERO);
    return new RemoteWriteConfig(url, Duration.ofSeconds(5), List.of(), null, "", "", qc);
  }

  @Test
  void committedSamplesArriveIdenticallyAndRollbacksNever() throws Exception {
    RemoteStorage remoteStorage = new RemoteStorage(Duration.ofSeconds(10));
    remoteStorage.applyConfig(
        new PrometheusConfig(GlobalConfig.DEFAULT, List.of(), List.of(), List.of(queue(3))));
    QueueManager q = remoteStorage.queues().get(0);
    RemoteWriteAppendable appendable = new RemoteWriteAppendable(local, remoteStorage);
    long seed = Long.getLong("remote.seed", new SplittableRandom().nextLong());
    SplittableRandom r = new SplittableRandom(seed);
    int seriesCount = 60;
    Labels[] series = new Labels[seriesCount];
    long[] refs = new long[seriesCount];
    for (int s = 0; s < seriesCount; s++) {
      series[s] = Labels.of("__name__", "m" + (s % 7), "instance", "host-" + s, "path", "/é/" + s);
    }
    long rejected = 0;
    for (int scrape = 0; scrape < 40; scrape++) {
      long t = NOW - 3_600_000 + scrape * 15_000L;
      Appender app = appendable.appender();
      for (int s = 0; s < seriesCount; s++) {
        double v =
            switch (r.nextInt(10)) {
              case 0 -> StaleNaN.VALUE;
              case 1 -> Double.NaN;
              case 2 -> Double.NEGATIVE_INFINITY;
              default -> r.nextDouble() * 1e6;
            };
        // Scrape-cache style: after the first append only the ref is passed.
        refs[s] = app.append(refs[s], refs[s] == 0 ? series[s] : null, t, v);
      }
      if (scrape % 5 == 0) {
        Appender a = app;
        long ref0 = refs[0];
        assertThatThrownBy(() -> a.append(ref0, series[0], t - 1, 1)) // out of order locally
            .isSameAs(StorageException.OUT_OF_ORDER_SAMPLE);
        rejected++;
      }
      if (scrape % 9 == 4) {
        app.rollback(); // never forwarded
      } else {
        app.commit();
      }
    }
    remoteStorage.close(); // drains within the flush deadline
    assertThat(q.samplesPending()).isZero();

    assertThat(RemoteWriteHandlerTest.read(remote))
        .as("seed=%d", seed)
        .isEqualTo(RemoteWriteHandlerTest.read(local));
    assertThat(RemoteWriteHandlerTest.read(remote)).hasSize(seriesCount);
    long committed = local.samplesAppended();
    assertThat(q.samplesSent()).isEqualTo(committed);
    assertThat(q.samplesFailed() + q.samplesDropped()).isZero();
    assertThat(handler.samplesAppended()).isEqualTo(committed);
    assertThat(handler.badRequests() + handler.serverErrors()).isZero();
    assertThat(appendable.samplesWithoutLabels()).isZero();
    assertThat(rejected).isPositive();
  }

  @Test
  void theSnappyHelperLoadsAnExactDataSet() {
    Labels l = Labels.of("__name__", "up", "job", "leaf");
    long[] t = {NOW - 30_000, NOW - 15_000, NOW};
    double[] v = {1, 0, StaleNaN.VALUE};
    Result r =
        handler.handle(
            "snappy", "application/x-protobuf", WriteRequestEncoder.encodeSnappy(l, t, v));
    assertThat(r.status()).isEqualTo(204);
    assertThat(RemoteWriteHandlerTest.read(remote).get(l))
        .containsExactly(
            RemoteWriteHandlerTest.s(t[0], 1),
            RemoteWriteHandlerTest.s(t[1], 0),
            List.of(t[2], StaleNaN.BITS));
  }
}
