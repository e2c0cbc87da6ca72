package io.promfed.storage.remote;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.micrometer.core.instrument.Meter;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import io.promfed.config.ConfigException;
import io.promfed.config.ConfigLoader;
import io.promfed.config.GlobalConfig;
import io.promfed.config.PrometheusConfig;
import io.promfed.config.QueueConfig;
import io.promfed.config.RemoteWriteConfig;
import io.promfed.metrics.RemoteStorageMetrics;
import io.promfed.model.labels.Labels;
import io.promfed.model.relabel.Action;
import io.promfed.model.relabel.RelabelConfig;
import java.net.URI;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CountDownLatch;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

class RemoteStorageTest {

  static final long NOW = 1_700_000_000_000L;
  static final Labels UP = Labels.of("__name__", "up", "job", "leaf");

  private final FakeReceiver receiver;
  private final RemoteStorage remote = new RemoteStorage(Duration.ofSeconds(5));
  private final List<String> events = Collections.synchronizedList(new ArrayList<>());

  RemoteStorageTest() throws Exception {
    receiver = new FakeReceiver();
    remote.addListener(
        new RemoteStorage.QueueListener() {
          @Override
          public void queueStarted(QueueManager q) {
            events.add("start " + q.name());
          }

          @Override
          public void queueStopped(QueueManager q) {
            events.add("stop " + q.name());
          }
        });
  }

  @AfterEach
  void tearDown() {
    remote.close();
    receiver.close();
  }

  /** A queue that sends only when 100 samples wait, or on stop. */
  private RemoteWriteConfig entry(String name, Duration remoteTimeout) {
    return new RemoteWriteConfig(
        receiver.url(),
        remoteTimeout,
        List.of(),
        null,
        "",
        "",
        new QueueConfig(
            1000,
            1,
            1,
            100,
            Duration.ofHours(1),
            Duration.ofMillis(10),
            Duration.ofMillis(50),
            false,
            Duration.ZERO),
        name,
        Map.of());
  }

  private static PrometheusConfig config(Labels external, RemoteWriteConfig... entries) {
    return new PrometheusConfig(
        new GlobalConfig(
            Duration.ofMinutes(1), Duration.ofSeconds(10), Duration.ofMinutes(1), external),
        List.of(),
        List.of(),
        List.of(entries));
  }

  private void append(long t, double v) {
    remote.append(
        new Labels[] {UP}, new long[] {t}, new long[] {Double.doubleToRawLongBits(v)}, 1);
  }

  @Test
  void aReloadKeepsUnchangedQueuesWithWhatTheyHoldAndRestartsChangedOnes() throws Exception {
    remote.applyConfig(
        config(Labels.EMPTY, entry("a", Duration.ofSeconds(5)), entry("b", Duration.ofSeconds(5))));
    QueueManager a = remote.queues().get(0);
    QueueManager b = remote.queues().get(1);
    append(NOW, 1);
    append(NOW + 1, 2);
    assertThat(a.samplesPending()).isEqualTo(2);

    remote.applyConfig(
        config(Labels.EMPTY, entry("a", Duration.ofSeconds(5)), entry("b", Duration.ofSeconds(9)),
            entry("c", Duration.ofSeconds(5))));
    List<QueueManager> now = remote.queues();
    assertThat(now).hasSize(3);
    assertThat(now.get(0)).as("unchanged: same queue").isSameAs(a);
    assertThat(a.samplesPending()).as("nothing lost, nothing sent yet").isEqualTo(2);
    assertThat(now.get(1)).as("changed: a new queue").isNotSameAs(b);
    assertThat(b.samplesSent()).as("the old one flushed on stop").isEqualTo(2);
    assertThat(receiver.take().samples()).isEqualTo(2);
    assertThat(events).containsExactly("start a", "start b", "start b", "start c", "stop b");

    append(NOW + 2, 3); // reaches all three running queues
    assertThat(now).allSatisfy(q -> assertThat(q.samplesIn()).isPositive());
    assertThat(now.get(1).samplesPending()).isEqualTo(1);

    remote.applyConfig(config(Labels.EMPTY, entry("c", Duration.ofSeconds(5))));
    assertThat(remote.queues()).containsExactly(now.get(2));
    assertThat(a.samplesSent()).isEqualTo(3);
    assertThat(remote.samplesIn()).isEqualTo(3);
    assertThat(remote.highestTimestampMs()).isEqualTo(NOW + 2);
  }

  @Test
  void newExternalLabelsRestartEveryQueueAndAreSent() throws Exception {
    remote.applyConfig(config(Labels.EMPTY, entry("a", Duration.ofSeconds(5))));
    QueueManager a = remote.queues().get(0);
    remote.applyConfig(config(Labels.of("cluster", "eu-1"), entry("a", Duration.ofSeconds(5))));
    QueueManager a2 = remote.queues().get(0);
    assertThat(a2).isNotSameAs(a);
    append(NOW, 1);
    remote.close();
    assertThat(receiver.take().series().get(0).labels())
        .containsExactly("__name__", "up", "cluster", "eu-1", "job", "leaf");
    assertThat(remote.queues()).isEmpty();
    assertThat(remote.hasQueues()).isFalse();
  }

  @Test
  void identicalEntriesAreRefusedAndTheRunningQueuesStay() throws Exception {
    remote.applyConfig(config(Labels.EMPTY, entry("a", Duration.ofSeconds(5))));
    QueueManager a = remote.queues().get(0);
    assertThatThrownBy(
            () ->
                remote.applyConfig(
                    config(
                        Labels.EMPTY,
                        entry("", Duration.ofSeconds(5)),
                        entry("", Duration.ofSeconds(5)))))
        .isInstanceOf(ConfigException.class)
        .hasMessage(
            "remote_write: duplicate remote write configs are not allowed, found duplicate for URL: "
                + receiver.url());
    assertThat(remote.queues()).containsExactly(a);
    assertThat(events).containsExactly("start a");
  }

  @Test
  void anUnusableEntryFailsTheReloadWithItsReason() throws Exception {
    RemoteWriteConfig bad =
        new RemoteWriteConfig(
            receiver.url(),
            Duration.ofSeconds(5),
            List.of(),
            null,
            "",
            "",
            QueueConfig.DEFAULT,
            "",
            Map.of("Expect", "100-continue"));
    assertThatThrownBy(() -> remote.applyConfig(config(Labels.EMPTY, bad)))
        .isInstanceOf(ConfigException.class)
        .hasMessageContaining("header Expect cannot be set");
    assertThat(remote.hasQueues()).isFalse();
  }

  @Test
  void unnamedQueuesAreNamedByAHashOfTheirEntry() {
    RemoteWriteConfig plain = entry("", Duration.ofSeconds(5));
    RemoteWriteConfig relabeled =
        new RemoteWriteConfig(
            plain.url(),
            plain.remoteTimeout(),
            List.of(RelabelConfig.builder().regex("replica").action(Action.LABELDROP).build()),
            null,
            "",
            "",
            plain.queueConfig());
    assertThat(RemoteStorage.queueName(plain)).matches("[0-9a-f]{6}");
    assertThat(RemoteStorage.queueName(plain))
        .isEqualTo(RemoteStorage.queueName(entry("", Duration.ofSeconds(5))))
        .isNotEqualTo(RemoteStorage.queueName(relabeled));
    assertThat(RemoteStorage.queueName(entry("vm", Duration.ofSeconds(5)))).isEqualTo("vm");
  }

  @Test
  void closeGivesUpAfterTheFlushDeadlineAndCountsTheRestAsFailed() throws Exception {
    CountDownLatch gate = new CountDownLatch(1);
    receiver.holdRequests(gate);
    RemoteStorage quick = new RemoteStorage(Duration.ofMillis(300));
    try {
      quick.applyConfig(config(Labels.EMPTY, entry("a", Duration.ofSeconds(30))));
      QueueManager a = quick.queues().get(0);
      quick.append(
          new Labels[] {UP, UP}, new long[] {NOW, NOW + 1}, new long[] {0, 0}, 2);
      long start = System.nanoTime();
      quick.close();
      assertThat(Duration.ofNanos(System.nanoTime() - start)).isLessThan(Duration.ofSeconds(6));
      assertThat(a.samplesFailed()).isEqualTo(2);
      assertThat(a.samplesPending()).isZero();
    } finally {
      gate.countDown();
      quick.close();
    }
  }

  @Test
  void metricsFollowTheQueuesWithBoundedLabels() throws Exception {
    SimpleMeterRegistry registry = new SimpleMeterRegistry();
    remote.applyConfig(config(Labels.EMPTY, entry("a", Duration.ofSeconds(5))));
    new RemoteStorageMetrics(remote).bindTo(registry);
    append(NOW, 1);
    String url = receiver.url().toString();
    assertThat(
            registry
                .get("promfed.remote.storage.samples.pending")
                .tags("remote_name", "a", "url", url)
                .gauge()
                .value())
        .isEqualTo(1);
    assertThat(
            registry
                .get("promfed.remote.storage.samples.dropped")
                .tags("remote_name", "a", "reason", "queue_full")
                .functionCounter()
                .count())
        .isZero();
    assertThat(registry.get("promfed.remote.storage.highest.timestamp.in").gauge().value())
        .isEqualTo(NOW / 1000.0);

    remote.applyConfig(config(Labels.EMPTY, entry("b", Duration.ofSeconds(5))));
    assertThat(registry.find("promfed.remote.storage.samples").tag("remote_name", "a").meters())
        .as("a stopped queue's meters are removed")
        .isEmpty();
    Meter sentB =
        registry.get("promfed.remote.storage.samples").tag("remote_name", "b").functionCounter();
    assertThat(sentB.getId().getTags()).hasSize(2);
    assertThat(registry.get("promfed.remote.storage.shards").tag("remote_name", "b").gauge().value())
        .isEqualTo(1);
  }

  @Test
  void theConfigFileDrivesTheQueues() throws Exception {
    PrometheusConfig cfg =
        ConfigLoader.loadString(
            """
            global:
              external_labels: {cluster: eu-1}
            remote_write:
              - url: %s
                name: vm
                write_relabel_configs:
                  - {source_labels: [__name__], regex: up, action: keep}
                queue_config: {batch_send_deadline: 10ms}
            """
                .formatted(receiver.url()),
            "rw.yml");
    remote.applyConfig(cfg);
    remote.append(
        new Labels[] {UP, Labels.of("__name__", "other")},
        new long[] {NOW, NOW},
        new long[] {Double.doubleToRawLongBits(1), Double.doubleToRawLongBits(2)},
        2);
    FakeReceiver.Request r = receiver.take();
    assertThat(r.samples()).isEqualTo(1);
    assertThat(r.series().get(0).labels())
        .containsExactly("__name__", "up", "cluster", "eu-1", "job", "leaf");
    assertThat(remote.queues().get(0).samplesDroppedByRelabeling()).isEqualTo(1);
    assertThat(URI.create(remote.queues().get(0).config().url().toString()))
        .isEqualTo(receiver.url());
  }
}
