package io.promfed.storage.remote;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.assertj.core.api.Assertions.within;
import static org.junit.jupiter.api.Assertions.assertTimeoutPreemptively;

import io.promfed.config.BasicAuth;
import io.promfed.config.QueueConfig;
import io.promfed.config.RemoteWriteConfig;
import io.promfed.model.labels.Labels;
import io.promfed.model.relabel.Action;
import io.promfed.model.relabel.RelabelConfig;
import io.promfed.model.value.StaleNaN;
import io.promfed.storage.remote.FakeReceiver.Request;
import io.promfed.storage.remote.FakeReceiver.Response;
import io.promfed.storage.remote.WriteRequestCodecTest.Series;
import java.net.URI;
import java.net.http.HttpClient;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.time.ZoneOffset;
import java.time.format.DateTimeFormatter;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Base64;
import java.util.Collections;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CountDownLatch;
import java.util.function.BooleanSupplier;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class QueueManagerTest {

  static final long NOW = 1_700_000_000_000L;
  static final Labels A = Labels.of("__name__", "a_total", "job", "api");
  static final Labels B = Labels.of("__name__", "b", "job", "api");

  private final FakeReceiver receiver;
  private final List<Duration> sleeps = Collections.synchronizedList(new ArrayList<>());
  private final List<QueueManager> queues = new ArrayList<>();
  private Clock clock = Clock.fixed(Instant.ofEpochMilli(NOW), ZoneOffset.UTC);
  private Labels externalLabels = Labels.EMPTY;

  /** Records each backoff and returns at once: tests never wait for a real backoff. */
  private final QueueManager.Sleeper recordingSleeper = sleeps::add;

  QueueManagerTest() throws Exception {
    receiver = new FakeReceiver();
  }

  @AfterEach
  void tearDown() {
    for (QueueManager q : queues) {
      q.stop(Duration.ofMillis(200));
    }
    receiver.close();
  }

  static QueueConfig queueConfig(int capacity, int shards, int maxPerSend, Duration deadline) {
    return new QueueConfig(
        capacity,
        shards,
        shards,
        maxPerSend,
        deadline,
        Duration.ofMillis(30),
        Duration.ofMillis(100),
        false,
        Duration.ZERO);
  }

  static QueueConfig withRetryOn429(QueueConfig q) {
    return new QueueConfig(
        q.capacity(),
        q.maxShards(),
        q.minShards(),
        q.maxSamplesPerSend(),
        q.batchSendDeadline(),
        q.minBackoff(),
        q.maxBackoff(),
        true,
        q.sampleAgeLimit());
  }

  static QueueConfig withBackoff(QueueConfig q, Duration min, Duration max) {
    return new QueueConfig(
        q.capacity(),
        q.maxShards(),
        q.minShards(),
        q.maxSamplesPerSend(),
        q.batchSendDeadline(),
        min,
        max,
        q.retryOnRateLimit(),
        q.sampleAgeLimit());
  }

  private RemoteWriteConfig config(URI url, QueueConfig qc, List<RelabelConfig> relabel) {
    return new RemoteWriteConfig(url, Duration.ofSeconds(5), relabel, null, "", "", qc);
  }

  private QueueManager queue(RemoteWriteConfig cfg, QueueManager.Sleeper sleeper) {
    QueueManager q =
        new QueueManager(
            "test",
            cfg,
            externalLabels,
            HttpClient.newHttpClient(),
            clock,
            sleeper,
            r -> {
              Thread t = new Thread(r, "queue-manager-test");
              t.setDaemon(true);
              return t;
            });
    queues.add(q);
    return q;
  }

  private QueueManager started(QueueConfig qc) {
    QueueManager q = queue(config(receiver.url(), qc, List.of()), recordingSleeper);
    q.start();
    return q;
  }

  static void append(QueueManager q, Labels l, long t, double v) {
    q.append(new Labels[] {l}, new long[] {t}, new long[] {Double.doubleToRawLongBits(v)}, 1);
  }

  static void awaitTrue(BooleanSupplier condition) throws InterruptedException {
    long deadline = System.nanoTime() + Duration.ofSeconds(5).toNanos();
    while (!condition.getAsBoolean()) {
      if (System.nanoTime() > deadline) {
        throw new AssertionError("condition not met within 5s");
      }
      Thread.sleep(2);
    }
  }

  static Series series(Labels l, long... tv) {
    List<String> labels = new ArrayList<>();
    l.forEach(
        (n, v) -> {
          labels.add(n);
          labels.add(v);
        });
    List<long[]> samples = new ArrayList<>();
    for (int i = 0; i < tv.length; i += 2) {
      samples.add(new long[] {tv[i], Double.doubleToRawLongBits(tv[i + 1])});
    }
    return new Series(labels, samples);
  }

  @Test
  void sendsOneRequestPerBatchWithTheSpecHeaders() throws Exception {
    QueueManager q = started(queueConfig(100, 1, 3, Duration.ofHours(1)));
    append(q, A, NOW, 1);
    append(q, B, NOW, 2);
    append(q, A, NOW + 15_000, StaleNaN.VALUE);
    Request r = receiver.take();
    assertThat(r.headers())
        .containsEntry("content-encoding", "snappy")
        .containsEntry("content-type", "application/x-protobuf")
        .containsEntry("x-prometheus-remote-write-version", "0.1.0")
        .doesNotContainKey("retry-attempt")
        .doesNotContainKey("authorization");
    assertThat(r.headers().get("user-agent")).startsWith("promfed/");
    // Grouped by series, each series' samples in order, stale marker bits intact.
    assertThat(r.series())
        .containsExactly(
            new Series(
                List.of("__name__", "a_total", "job", "api"),
                List.of(
                    new long[] {NOW, Double.doubleToRawLongBits(1)},
                    new long[] {NOW + 15_000, StaleNaN.BITS})),
            new Series(
                List.of("__name__", "b", "job", "api"),
                List.<long[]>of(new long[] {NOW, Double.doubleToRawLongBits(2)})));
    awaitTrue(() -> q.samplesSent() == 3);
    assertThat(q.samplesPending()).isZero();
    assertThat(q.samplesIn()).isEqualTo(3);
    assertThat(q.requestsSent()).isEqualTo(1);
    assertThat(sleeps).isEmpty();
  }

  @Test
  void batchesByCountAndFlushesTheRestOnStop() throws Exception {
    QueueManager q = started(queueConfig(100, 1, 10, Duration.ofHours(1)));
    int n = 25;
    Labels[] ls = new Labels[n];
    long[] ts = new long[n];
    long[] vs = new long[n];
    for (int i = 0; i < n; i++) {
      ls[i] = i % 2 == 0 ? A : B;
      ts[i] = NOW + i;
      vs[i] = Double.doubleToRawLongBits(i);
    }
    q.append(ls, ts, vs, n);
    assertThat(receiver.take().samples()).isEqualTo(10);
    assertThat(receiver.take().samples()).isEqualTo(10);
    assertThat(receiver.poll(100)).as("the remaining 5 wait for the deadline").isNull();
    assertThat(q.samplesPending()).isEqualTo(5);
    assertThat(q.stop(Duration.ofSeconds(5))).isTrue();
    Request last = receiver.take();
    assertThat(last.samples()).isEqualTo(5);
    assertThat(last.series().get(0).samples().get(0)[0]).isEqualTo(NOW + 20);
    assertThat(q.samplesSent()).isEqualTo(25);
    assertThat(q.samplesPending()).isZero();
  }

  @Test
  void sendsAPartialBatchOnceTheDeadlinePasses() throws Exception {
    QueueManager q = started(queueConfig(100, 1, 1000, Duration.ofMillis(50)));
    append(q, A, NOW, 1);
    append(q, A, NOW + 1, 2);
    assertThat(receiver.take().series()).containsExactly(series(A, NOW, 1, NOW + 1, 2));
  }

  @Test
  void retriesServerErrorsWithExponentialBackoff() throws Exception {
    receiver.then(500, 503, 500, 500, 502);
    QueueManager q = started(queueConfig(100, 1, 2, Duration.ofHours(1)));
    append(q, A, NOW, 1);
    append(q, B, NOW, 2);
    List<String> attempts = new ArrayList<>();
    for (int i = 0; i < 6; i++) {
      Request r = receiver.take();
      attempts.add(r.headers().getOrDefault("retry-attempt", "-"));
      assertThat(r.samples()).isEqualTo(2);
    }
    assertThat(attempts).containsExactly("-", "1", "2", "3", "4", "5");
    awaitTrue(() -> q.samplesSent() == 2);
    // min_backoff 30ms doubling, capped at max_backoff 100ms.
    assertThat(sleeps)
        .containsExactly(
            Duration.ofMillis(30),
            Duration.ofMillis(60),
            Duration.ofMillis(100),
            Duration.ofMillis(100),
            Duration.ofMillis(100));
    assertThat(q.samplesRetried()).isEqualTo(10);
    assertThat(q.samplesFailed()).isZero();
    assertThat(q.requestsSent()).isEqualTo(6);
    assertThat(q.lastError()).startsWith("server returned HTTP status 502");
  }

  @Test
  void retryAfterReplacesTheBackoffInSecondsOrAsADate() throws Exception {
    String inThreeSeconds =
        DateTimeFormatter.RFC_1123_DATE_TIME.format(
            Instant.ofEpochMilli(NOW + 3000).atZone(ZoneOffset.UTC));
    receiver.then(
        new Response(503, Map.of("Retry-After", "2"), "busy"),
        Response.of(500),
        new Response(500, Map.of("Retry-After", inThreeSeconds), ""),
        new Response(500, Map.of("Retry-After", "soon"), ""));
    QueueConfig qc =
        withBackoff(
            queueConfig(100, 1, 1, Duration.ofHours(1)),
            Duration.ofMillis(30),
            Duration.ofSeconds(5));
    QueueManager q = started(qc);
    append(q, A, NOW, 1);
    for (int i = 0; i < 5; i++) {
      receiver.take();
    }
    awaitTrue(() -> q.samplesSent() == 1);
    // 2s asked; next backoff is twice that (4s); then 3s until the date; then 5s (6s capped).
    assertThat(sleeps)
        .containsExactly(
            Duration.ofSeconds(2),
            Duration.ofSeconds(4),
            Duration.ofSeconds(3),
            Duration.ofSeconds(5));
  }

  @Test
  void retryAfterParsing() {
    Clock c = Clock.fixed(Instant.ofEpochMilli(NOW), ZoneOffset.UTC);
    assertThat(RemoteWriteClient.retryAfterMs(null, c)).isZero();
    assertThat(RemoteWriteClient.retryAfterMs("7", c)).isEqualTo(7000);
    assertThat(RemoteWriteClient.retryAfterMs("-1", c)).isEqualTo(-1000);
    assertThat(RemoteWriteClient.retryAfterMs("1.5", c)).isZero();
    assertThat(RemoteWriteClient.retryAfterMs("Tue, 14 Nov 2023 22:13:30 GMT", c))
        .isEqualTo(Instant.parse("2023-11-14T22:13:30Z").toEpochMilli() - NOW);
  }

  @Test
  void http429IsFinalUnlessRetryOnRateLimitIsSet() throws Exception {
    receiver.then(429);
    QueueManager q = started(queueConfig(100, 1, 1, Duration.ofHours(1)));
    append(q, A, NOW, 1);
    receiver.take();
    awaitTrue(() -> q.samplesFailed() == 1);
    assertThat(sleeps).isEmpty();
    assertThat(q.samplesPending()).isZero();

    receiver.then(new Response(429, Map.of("Retry-After", "1"), ""));
    QueueManager retrying = started(withRetryOn429(queueConfig(100, 1, 1, Duration.ofHours(1))));
    append(retrying, A, NOW, 1);
    receiver.take();
    receiver.take();
    awaitTrue(() -> retrying.samplesSent() == 1);
    assertThat(sleeps).containsExactly(Duration.ofSeconds(1));
    assertThat(retrying.samplesRetried()).isEqualTo(1);
  }

  @Test
  void otherClientErrorsDropTheBatchAndSendingGoesOn() throws Exception {
    receiver.then(new Response(400, Map.of(), "out of order sample"), Response.of(404));
    QueueManager q = started(queueConfig(100, 1, 2, Duration.ofHours(1)));
    for (int i = 0; i < 6; i++) {
      append(q, A, NOW + i, i);
    }
    assertThat(receiver.take().samples()).isEqualTo(2);
    assertThat(receiver.take().samples()).isEqualTo(2);
    assertThat(receiver.take().series()).containsExactly(series(A, NOW + 4, 4, NOW + 5, 5));
    awaitTrue(() -> q.samplesSent() == 2);
    assertThat(q.samplesFailed()).isEqualTo(4);
    assertThat(q.samplesRetried()).isZero();
    assertThat(sleeps).isEmpty();
    assertThat(q.lastError()).isEqualTo("server returned HTTP status 404: ");
  }

  @Test
  void aFullQueueDropsTheOldestSamples() throws Exception {
    QueueManager q =
        queue(
            config(receiver.url(), queueConfig(5, 1, 5, Duration.ofHours(1)), List.of()),
            recordingSleeper);
    for (int i = 1; i <= 8; i++) {
      append(q, A, NOW + i, i); // not started yet: the queue fills
    }
    assertThat(q.samplesDropped()).isEqualTo(3);
    assertThat(q.samplesDropped(QueueManager.DropReason.QUEUE_FULL)).isEqualTo(3);
    assertThat(q.samplesPending()).isEqualTo(5);
    q.start();
    assertThat(receiver.take().series())
        .containsExactly(series(A, NOW + 4, 4, NOW + 5, 5, NOW + 6, 6, NOW + 7, 7, NOW + 8, 8));
    awaitTrue(() -> q.samplesPending() == 0);
  }

  @Test
  void appendNeverBlocksWhileTheReceiverHangs() throws Exception {
    CountDownLatch gate = new CountDownLatch(1);
    receiver.holdRequests(gate);
    QueueManager q = started(queueConfig(1000, 1, 10, Duration.ofHours(1)));
    assertTimeoutPreemptively(
        Duration.ofSeconds(2),
        () -> {
          for (int i = 0; i < 20_000; i++) {
            append(q, A, NOW + i, i);
          }
        });
    assertThat(q.samplesDropped()).isGreaterThanOrEqualTo(20_000 - 1000 - 10);
    assertThat(q.samplesPending()).isLessThanOrEqualTo(1010);
    gate.countDown();
  }

  @Test
  void writeRelabelConfigsApplyPerSeries() throws Exception {
    List<RelabelConfig> relabel =
        List.of(
            RelabelConfig.builder().sourceLabels("__name__").regex("b").action(Action.DROP).build(),
            RelabelConfig.builder().targetLabel("leaf").replacement("eu-1").build());
    QueueManager q =
        queue(
            config(receiver.url(), queueConfig(100, 1, 2, Duration.ofHours(1)), relabel),
            recordingSleeper);
    q.start();
    append(q, B, NOW, 9);
    append(q, A, NOW, 1);
    append(q, A, NOW + 1, 2);
    assertThat(receiver.take().series())
        .containsExactly(
            series(
                Labels.of("__name__", "a_total", "job", "api", "leaf", "eu-1"),
                NOW,
                1,
                NOW + 1,
                2));
    assertThat(q.samplesDroppedByRelabeling()).isEqualTo(1);
    assertThat(q.samplesDropped(QueueManager.DropReason.DROPPED_SERIES)).isEqualTo(1);
    assertThat(q.samplesDropped()).as("relabeling is not a loss").isZero();
    assertThat(q.samplesIn()).isEqualTo(3);
  }

  /** queue_manager.go StoreSeries: external labels first, then write_relabel_configs see them. */
  @Test
  void externalLabelsAreAddedBeforeWriteRelabelingAndSeriesLabelsWin() throws Exception {
    externalLabels = Labels.of("cluster", "eu-1", "job", "ignored", "replica", "a");
    List<RelabelConfig> relabel =
        List.of(
            RelabelConfig.builder().regex("replica").action(Action.LABELDROP).build(),
            RelabelConfig.builder()
                .sourceLabels("cluster")
                .regex("eu-(.*)")
                .targetLabel("zone")
                .build());
    QueueManager q =
        queue(
            config(receiver.url(), queueConfig(100, 1, 2, Duration.ofHours(1)), relabel),
            recordingSleeper);
    q.start();
    append(q, A, NOW, 1);
    append(q, A, NOW + 1, StaleNaN.VALUE);
    assertThat(receiver.take().series())
        .containsExactly(
            new Series(
                List.of("__name__", "a_total", "cluster", "eu-1", "job", "api", "zone", "1"),
                List.of(
                    new long[] {NOW, Double.doubleToRawLongBits(1)},
                    new long[] {NOW + 1, StaleNaN.BITS})));
  }

  @Test
  void configuredHeadersAreSentBesideTheProtocolOnes() throws Exception {
    RemoteWriteConfig cfg =
        new RemoteWriteConfig(
            receiver.url(),
            Duration.ofSeconds(5),
            List.of(),
            null,
            "",
            "",
            queueConfig(100, 1, 1, Duration.ofHours(1)),
            "tenant-a",
            Map.of("X-Scope-OrgID", "team-a"));
    QueueManager q = queue(cfg, recordingSleeper);
    q.start();
    append(q, A, NOW, 1);
    FakeReceiver.Request r = receiver.take();
    assertThat(r.headers())
        .containsEntry("x-scope-orgid", "team-a")
        .containsEntry("content-encoding", "snappy")
        .containsEntry("x-prometheus-remote-write-version", "0.1.0");
    awaitTrue(() -> q.samplesSent() == 1);
    assertThat(q.bytesSent()).isPositive();
    assertThat(q.highestSentTimestampMs()).isEqualTo(NOW);
  }

  @Test
  void aHeaderTheHttpClientRefusesFailsAtConstruction() {
    RemoteWriteConfig cfg =
        new RemoteWriteConfig(
            receiver.url(),
            Duration.ofSeconds(5),
            List.of(),
            null,
            "",
            "",
            QueueConfig.DEFAULT,
            "",
            Map.of("Upgrade", "h2c"));
    assertThatThrownBy(() -> queue(cfg, recordingSleeper))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessageContaining("header Upgrade cannot be set");
  }

  @Test
  void theHighestSentTimestampOnlyMovesOnSuccess() throws Exception {
    receiver.then(Response.of(400));
    QueueManager q = started(queueConfig(100, 1, 1, Duration.ofHours(1)));
    append(q, A, NOW + 60_000, 1); // rejected for good
    awaitTrue(() -> q.samplesFailed() == 1);
    assertThat(q.highestSentTimestampMs()).isZero();
    append(q, A, NOW, 2);
    awaitTrue(() -> q.samplesSent() == 1);
    assertThat(q.highestSentTimestampMs()).isEqualTo(NOW);
  }

  @Test
  void shardsKeepEverySeriesInOrder() throws Exception {
    QueueManager q = started(queueConfig(10_000, 4, 7, Duration.ofMillis(20)));
    assertThat(q.shards()).isEqualTo(4);
    int seriesCount = 40;
    int perSeries = 50;
    Labels[] all = new Labels[seriesCount];
    for (int s = 0; s < seriesCount; s++) {
      all[s] = Labels.of("__name__", "m", "s", Integer.toString(s));
    }
    // Commits of 40 samples (one per series), as a scrape would make.
    for (int i = 0; i < perSeries; i++) {
      long[] ts = new long[seriesCount];
      long[] vs = new long[seriesCount];
      for (int s = 0; s < seriesCount; s++) {
        ts[s] = NOW + i;
        vs[s] = Double.doubleToRawLongBits(i);
      }
      q.append(all, ts, vs, seriesCount);
    }
    Map<List<String>, List<Long>> got = new HashMap<>();
    int received = 0;
    while (received < seriesCount * perSeries) {
      Request r = receiver.take();
      assertThat(r.samples()).isLessThanOrEqualTo(7);
      for (Series s : r.series()) {
        for (long[] sample : s.samples()) {
          got.computeIfAbsent(s.labels(), k -> new ArrayList<>()).add(sample[0]);
          received++;
        }
      }
    }
    assertThat(got).hasSize(seriesCount);
    for (List<Long> ts : got.values()) {
      assertThat(ts).hasSize(perSeries).isSorted().doesNotHaveDuplicates();
    }
    awaitTrue(() -> q.samplesSent() == seriesCount * perSeries);
  }

  static Labels[] manySeries(int n) {
    Labels[] all = new Labels[n];
    for (int s = 0; s < n; s++) {
      all[s] = Labels.of("__name__", "m", "s", Integer.toString(s));
    }
    return all;
  }

  /** One commit per round of one sample per series, timestamp NOW + round. */
  static void appendRound(QueueManager q, Labels[] all, int round) {
    long[] ts = new long[all.length];
    long[] vs = new long[all.length];
    Arrays.fill(ts, NOW + round);
    Arrays.fill(vs, Double.doubleToRawLongBits(round));
    q.append(all, ts, vs, all.length);
  }

  /** Reads requests until {@code total} samples came, by series in arrival order. */
  Map<List<String>, List<Long>> receive(int total) throws InterruptedException {
    Map<List<String>, List<Long>> got = new HashMap<>();
    int received = 0;
    while (received < total) {
      for (Series s : receiver.take().series()) {
        for (long[] sample : s.samples()) {
          got.computeIfAbsent(s.labels(), k -> new ArrayList<>()).add(sample[0]);
          received++;
        }
      }
    }
    return got;
  }

  @Test
  void reshardingUnderLoadKeepsEverySeriesInOrderAndLosesNothing() throws Exception {
    QueueConfig qc =
        new QueueConfig(
            100_000, 8, 1, 7, Duration.ofMillis(5), Duration.ofMillis(30), Duration.ofMillis(100),
            false, Duration.ZERO);
    QueueManager q = started(qc);
    assertThat(q.shards()).isEqualTo(1);
    Labels[] all = manySeries(40);
    int rounds = 120;
    Thread committer =
        new Thread(
            () -> {
              for (int i = 0; i < rounds; i++) {
                appendRound(q, all, i);
                if (i % 20 == 0) {
                  Thread.onSpinWait();
                }
              }
            });
    committer.start();
    for (int n : new int[] {4, 2, 8, 3, 1, 5}) {
      q.reshard(n);
      assertThat(q.shards()).isEqualTo(n);
    }
    committer.join();
    Map<List<String>, List<Long>> got = receive(all.length * rounds);
    assertThat(got).hasSize(all.length);
    for (List<Long> ts : got.values()) {
      assertThat(ts).hasSize(rounds).isSorted().doesNotHaveDuplicates();
    }
    awaitTrue(() -> q.samplesPending() == 0);
    assertThat(q.samplesSent()).isEqualTo(all.length * rounds);
    assertThat(q.samplesDropped() + q.samplesFailed()).isZero();
  }

  @Test
  void aReshardWaitsForTheBatchInFlightAndMovesWhatWasQueuedInFront() throws Exception {
    CountDownLatch gate = new CountDownLatch(1);
    receiver.holdRequests(gate);
    QueueConfig qc =
        new QueueConfig(
            100, 4, 1, 2, Duration.ofHours(1), Duration.ofMillis(30), Duration.ofMillis(100),
            false, Duration.ZERO);
    QueueManager q = started(qc);
    append(q, A, NOW + 1, 1);
    append(q, A, NOW + 2, 2); // a full batch: sent, held by the receiver
    awaitTrue(() -> q.requestsSent() == 1);
    for (int i = 3; i <= 6; i++) {
      append(q, A, NOW + i, i); // queued behind it on the old shard
    }
    Thread resharder =
        new Thread(
            () -> {
              try {
                q.reshard(4);
              } catch (InterruptedException e) {
                throw new AssertionError(e);
              }
            });
    resharder.start();
    awaitTrue(() -> q.shards() == 4); // new samples go to the new shards at once...
    append(q, A, NOW + 7, 7);
    append(q, A, NOW + 8, 8);
    assertThat(q.requestsSent()).as("...which wait for the old shard").isEqualTo(1);
    gate.countDown();
    resharder.join(5000);
    assertThat(receive(8).get(series(A).labels()))
        .containsExactly(NOW + 1, NOW + 2, NOW + 3, NOW + 4, NOW + 5, NOW + 6, NOW + 7, NOW + 8);
    awaitTrue(() -> q.samplesSent() == 8);
  }

  @Test
  void stoppingDuringAReshardFlushesOrCountsEverySample() throws Exception {
    CountDownLatch gate = new CountDownLatch(1);
    receiver.holdRequests(gate);
    QueueConfig qc =
        new QueueConfig(
            100, 4, 1, 2, Duration.ofHours(1), Duration.ofMillis(30), Duration.ofMillis(100),
            false, Duration.ZERO);
    QueueManager q = started(qc);
    for (int i = 1; i <= 5; i++) {
      append(q, A, NOW + i, i);
    }
    awaitTrue(() -> q.requestsSent() == 1);
    Thread resharder =
        new Thread(
            () -> {
              try {
                q.reshard(3);
              } catch (InterruptedException e) {
                // stop() took over
              }
            });
    resharder.start();
    awaitTrue(() -> q.shards() == 3);
    append(q, B, NOW, 1);
    assertThat(q.stop(Duration.ofMillis(300))).isFalse(); // the held batch outlives the deadline
    gate.countDown();
    resharder.join(5000);
    assertThat(q.samplesPending()).isZero();
    assertThat(q.samplesSent() + q.samplesFailed()).isEqualTo(6);
  }

  @Test
  void desiredShardsFollowPrometheusFormulaAndHysteresis() {
    // 1000 samples/s in and out, 2.5 s of sending per second: 2.5 shards' worth of work.
    assertThat(QueueManager.rawDesiredShards(1000, 1000, 0, 2.5, 0)).isEqualTo(2.5);
    // Half of what comes in is dropped: half the work. A 10 s backlog adds 5% of it per second.
    assertThat(QueueManager.rawDesiredShards(1000, 500, 500, 1, 0)).isEqualTo(1.0);
    assertThat(QueueManager.rawDesiredShards(1000, 1000, 0, 1, 10)).isCloseTo(1.5, within(1e-9));

    assertThat(QueueManager.boundedShards(1, 1000, 2.5, 0, 1, 8)).isEqualTo(3);
    assertThat(QueueManager.boundedShards(4, 1000, 4.9, 0, 1, 8)).as("within 30%").isEqualTo(4);
    assertThat(QueueManager.boundedShards(4, 1000, 1.2, 0, 1, 8)).isEqualTo(2);
    assertThat(QueueManager.boundedShards(4, 1000, 1.2, 11, 1, 8)).as("behind").isEqualTo(4);
    assertThat(QueueManager.boundedShards(1, 1000, 100, 0, 1, 8)).isEqualTo(8);
    assertThat(QueueManager.boundedShards(4, 1000, 0.1, 0, 2, 8)).isEqualTo(2);
    assertThat(QueueManager.boundedShards(4, 0, 100, 0, 1, 8)).as("nothing sent").isEqualTo(4);

    EwmaRate r = new EwmaRate();
    r.tick(0, 10);
    assertThat(r.rate()).isZero();
    r.tick(100, 10);
    assertThat(r.rate()).isEqualTo(10.0);
    r.tick(200, 10);
    assertThat(r.rate()).isCloseTo(12.0, within(1e-9));
  }

  @Test
  void samplesOlderThanTheAgeLimitAreDroppedBeforeSending() throws Exception {
    QueueConfig base = queueConfig(100, 1, 3, Duration.ofHours(1));
    QueueConfig qc =
        new QueueConfig(
            base.capacity(),
            base.maxShards(),
            base.minShards(),
            base.maxSamplesPerSend(),
            base.batchSendDeadline(),
            base.minBackoff(),
            base.maxBackoff(),
            false,
            Duration.ofMinutes(1));
    QueueManager q = started(qc);
    append(q, A, NOW - 120_000, 1);
    append(q, A, NOW - 30_000, 2);
    append(q, B, NOW - 60_001, 3);
    assertThat(receiver.take().series()).containsExactly(series(A, NOW - 30_000, 2));
    awaitTrue(() -> q.samplesSent() == 1);
    assertThat(q.samplesDropped()).isEqualTo(2);
    assertThat(q.samplesPending()).isZero();
  }

  @Test
  void networkErrorsAreRetriedAndAHardStopCountsWhatIsLeft() throws Exception {
    URI closed = receiver.url();
    receiver.close(); // connection refused from now on
    List<Duration> waits = Collections.synchronizedList(new ArrayList<>());
    QueueManager.Sleeper blockingAfterThree =
        d -> {
          waits.add(d);
          if (waits.size() >= 3) {
            Thread.sleep(60_000); // until the hard stop interrupts it
          }
        };
    QueueManager q =
        queue(
            config(closed, queueConfig(100, 1, 2, Duration.ofHours(1)), List.of()),
            blockingAfterThree);
    q.start();
    append(q, A, NOW, 1);
    append(q, A, NOW + 1, 2);
    append(q, B, NOW, 3); // queued behind the stuck batch
    awaitTrue(() -> waits.size() == 3);
    assertThat(q.lastError()).contains("ConnectException");
    long start = System.nanoTime();
    assertThat(q.stop(Duration.ofMillis(200))).isFalse();
    assertThat(Duration.ofNanos(System.nanoTime() - start)).isLessThan(Duration.ofSeconds(3));
    assertThat(q.samplesFailed()).isEqualTo(3);
    assertThat(q.samplesRetried()).isEqualTo(4);
    assertThat(q.samplesPending()).isZero();
    assertThat(waits).startsWith(Duration.ofMillis(30), Duration.ofMillis(60));
  }

  @Test
  void samplesAfterStopAreDroppedAndAnUnstartedQueueFailsWhatItHeld() {
    QueueManager q =
        queue(
            config(receiver.url(), queueConfig(100, 1, 2, Duration.ofHours(1)), List.of()),
            recordingSleeper);
    append(q, A, NOW, 1);
    assertThat(q.stop(Duration.ofSeconds(1))).isTrue();
    assertThat(q.samplesFailed()).isEqualTo(1);
    append(q, A, NOW + 1, 2);
    assertThat(q.samplesDropped()).isEqualTo(1);
    assertThat(q.samplesDropped(QueueManager.DropReason.SHUTDOWN)).isEqualTo(1);
    assertThat(q.samplesPending()).isZero();
    assertThat(q.stop(Duration.ofSeconds(1))).isTrue(); // idempotent
  }

  @Test
  void sendsBasicAuthAndBearerTokens(@TempDir Path dir) throws Exception {
    QueueConfig qc = queueConfig(100, 1, 1, Duration.ofHours(1));
    Path secret = dir.resolve("pw");
    Files.writeString(secret, "s3cret\n");
    QueueManager basic =
        queue(
            new RemoteWriteConfig(
                receiver.url(),
                Duration.ofSeconds(5),
                List.of(),
                new BasicAuth("leaf", "", secret.toString()),
                "",
                "",
                qc),
            recordingSleeper);
    basic.start();
    append(basic, A, NOW, 1);
    assertThat(receiver.take().headers().get("authorization"))
        .isEqualTo(
            "Basic "
                + Base64.getEncoder()
                    .encodeToString("leaf:s3cret".getBytes(StandardCharsets.UTF_8)));

    QueueManager bearer =
        queue(
            new RemoteWriteConfig(
                receiver.url(), Duration.ofSeconds(5), List.of(), null, "", secret.toString(), qc),
            recordingSleeper);
    bearer.start();
    append(bearer, A, NOW, 1);
    assertThat(receiver.take().headers().get("authorization")).isEqualTo("Bearer s3cret");

    QueueManager inline =
        queue(
            new RemoteWriteConfig(
                receiver.url(), Duration.ofSeconds(5), List.of(), null, "tok", "", qc),
            recordingSleeper);
    inline.start();
    append(inline, A, NOW, 1);
    assertThat(receiver.take().headers().get("authorization")).isEqualTo("Bearer tok");
  }

  @Test
  void aShardSurvivesAnUnexpectedException() throws Exception {
    receiver.then(500);
    QueueManager q =
        queue(
            config(receiver.url(), queueConfig(100, 1, 1, Duration.ofHours(1)), List.of()),
            d -> {
              throw new IllegalStateException("sleeper broke");
            });
    q.start();
    append(q, A, NOW, 1);
    append(q, A, NOW + 1, 2);
    assertThat(receiver.take().series()).containsExactly(series(A, NOW, 1));
    assertThat(receiver.take().series()).containsExactly(series(A, NOW + 1, 2));
    awaitTrue(() -> q.samplesSent() == 1 && q.samplesFailed() == 1);
    assertThat(q.lastError()).isEqualTo("shard 0: java.lang.IllegalStateException: sleeper broke");
  }

  @Test
  void aZeroRemoteTimeoutMeansNoTimeout() throws Exception {
    QueueConfig qc = queueConfig(100, 1, 1, Duration.ofHours(1));
    QueueManager q =
        new QueueManager(
            "zero",
            new RemoteWriteConfig(receiver.url(), Duration.ZERO, List.of(), null, "", "", qc),
            Labels.EMPTY);
    queues.add(q);
    q.start();
    append(q, A, NOW, 1);
    assertThat(receiver.take().samples()).isEqualTo(1);
    assertThat(q.stop(Duration.ofSeconds(5))).isTrue();
    assertThat(q.samplesSent()).isEqualTo(1);
  }
}
