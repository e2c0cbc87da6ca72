package io.promfed.storage.remote;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.promfed.config.GlobalConfig;
import io.promfed.config.PrometheusConfig;
import io.promfed.config.QueueConfig;
import io.promfed.config.RemoteWriteConfig;
import io.promfed.model.labels.Labels;
import io.promfed.model.value.StaleNaN;
import io.promfed.storage.Appendable;
import io.promfed.storage.Appender;
import io.promfed.storage.MetricMetadata;
import io.promfed.storage.StorageException;
import io.promfed.tsdb.Head;
import java.net.URI;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.atomic.AtomicLong;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

class RemoteWriteAppendableTest {

  static final long NOW = 1_700_000_000_000L;
  static final Labels UP = Labels.of("__name__", "up", "job", "api");

  private final AtomicLong now = new AtomicLong(NOW);
  private final Head head = new Head(now::get, Duration.ofHours(2));

  /**
   * Queues to a closed port whose batches (10 samples, 1h deadline) are never due in these tests:
   * what reaches them stays pending, which is what we count.
   */
  private static RemoteWriteConfig idleQueue(String name) {
    QueueConfig qc =
        new QueueConfig(
            100,
            1,
            1,
            10,
            Duration.ofHours(1),
            Duration.ofMillis(30),
            Duration.ofSeconds(5),
            false,
            Duration.ZERO);
    return new RemoteWriteConfig(
        URI.create("http://127.0.0.1:9/write"),
        Duration.ofSeconds(1),
        List.of(),
        null,
        "",
        "",
        qc,
        name,
        Map.of());
  }

  private final RemoteStorage remote = new RemoteStorage(Duration.ZERO);

  @AfterEach
  void tearDown() {
    remote.close();
  }

  private List<QueueManager> queues(String... names) throws Exception {
    List<RemoteWriteConfig> rws = new ArrayList<>();
    for (String n : names) {
      rws.add(idleQueue(n));
    }
    remote.applyConfig(new PrometheusConfig(GlobalConfig.DEFAULT, List.of(), List.of(), rws));
    return remote.queues();
  }

  @Test
  void forwardsOnlyCommittedAcceptedSamples() throws Exception {
    List<QueueManager> qs = queues("q1", "q2");
    QueueManager q1 = qs.get(0);
    QueueManager q2 = qs.get(1);
    RemoteWriteAppendable appendable = new RemoteWriteAppendable(head, remote);

    Appender app = appendable.appender();
    long ref = app.append(0, UP, NOW, 1);
    app.append(ref, null, NOW + 1, StaleNaN.VALUE);
    assertThatThrownBy(() -> app.append(ref, UP, NOW - 1, 1))
        .isSameAs(StorageException.OUT_OF_ORDER_SAMPLE);
    assertThat(q1.samplesIn()).isZero(); // nothing before commit
    app.commit();
    assertThat(q1.samplesPending()).isEqualTo(2);
    assertThat(q2.samplesPending()).isEqualTo(2);

    app.append(ref, UP, NOW + 2, 3);
    app.rollback();
    assertThat(q1.samplesIn()).isEqualTo(2);

    // A ref never seen with labels cannot be forwarded; the local store still has it.
    Appender other = appendable.appender();
    other.append(ref, null, NOW + 3, 4); // known: learned from the first append
    other.commit();
    assertThat(q1.samplesIn()).isEqualTo(3);
    assertThat(appendable.samplesWithoutLabels()).isZero();
    assertThat(remote.samplesIn()).isEqualTo(3);
    assertThat(remote.highestTimestampMs()).isEqualTo(NOW + 3);
  }

  @Test
  void refsWithoutKnownLabelsAreCounted() throws Exception {
    Appender direct = head.appender();
    long ref = direct.append(0, UP, NOW, 1);
    direct.commit();
    QueueManager q = queues("q").get(0);
    RemoteWriteAppendable appendable = new RemoteWriteAppendable(head, remote);
    Appender app = appendable.appender();
    app.append(ref, null, NOW + 1, 2);
    app.commit();
    assertThat(appendable.samplesWithoutLabels()).isEqualTo(1);
    assertThat(q.samplesIn()).isZero();
  }

  @Test
  void aFailedLocalCommitForwardsNothing() throws Exception {
    QueueManager q = queues("q").get(0);
    Appendable failing =
        () ->
            new Appender() {
              @Override
              public long append(long ref, Labels labels, long t, double v) {
                return 7;
              }

              @Override
              public void updateMetadata(String name, MetricMetadata md) {}

              @Override
              public void commit() {
                throw new IllegalStateException("no space");
              }

              @Override
              public void rollback() {}
            };
    Appender app = new RemoteWriteAppendable(failing, remote).appender();
    app.append(0, UP, NOW, 1);
    assertThatThrownBy(app::commit).hasMessage("no space");
    assertThat(q.samplesIn()).isZero();
  }

  @Test
  void withoutQueuesTheLocalAppenderIsReturnedAsIs() {
    assertThat(new RemoteWriteAppendable(head, remote).appender().getClass().getSimpleName())
        .isEqualTo("HeadAppender");
  }

  @Test
  void seriesRefLabelsForgetsOnlyWhatWasNotUsedForAGeneration() {
    SeriesRefLabels m = new SeriesRefLabels(64); // one entry per stripe per generation
    Labels a = Labels.of("__name__", "a");
    for (long ref = 1; ref <= 64 * 3; ref++) {
      m.put(ref, ref == 1 ? a : UP);
      assertThat(m.get(1)).as("ref 1 kept alive by lookups").isEqualTo(a);
    }
    assertThat(m.get(999)).isNull();
  }
}
