package io.promfed.storage.ha;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import io.promfed.model.labels.Labels;
import io.promfed.model.labels.Matcher;
import io.promfed.model.value.StaleNaN;
import io.promfed.storage.Appender;
import io.promfed.storage.Querier;
import io.promfed.storage.Series;
import io.promfed.storage.SeriesCursor;
import io.promfed.storage.SeriesSet;
import io.promfed.storage.StorageException;
import io.promfed.tsdb.Head;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import org.junit.jupiter.api.Test;

/**
 * The HA decorator driven like scrape loops drive it: one transaction per scrape, refs cached per
 * "loop", report series last. Time is a field the tests move.
 */
class HaDedupAppendableTest {

  static final long T0 = 1_700_000_000_000L;

  long nowMs = T0;
  Head head = new Head(() -> nowMs, Duration.ofDays(1));
  HaDedupAppendable ha = new HaDedupAppendable(head, HaConfig.DEFAULTS, () -> nowMs);

  /** A scrape loop's view: its target, its ref cache, and how it appends one scrape. */
  final class Loop {
    final String instance;
    final String replica;
    final Map<Labels, Long> refs = new HashMap<>();
    final Labels up;

    Loop(String instance, String replica) {
      this.instance = instance;
      this.replica = replica;
      this.up = Labels.of("__name__", "up", "job", "federate", "instance", instance);
    }

    Labels series(String name) {
      return Labels.of("__name__", name, "cluster", "c1", "replica", replica, "pod", "p1");
    }

    /** A successful scrape: the series with these values, then {@code up 1}. */
    void scrape(long sampleTs, double value, String... names) throws StorageException {
      Appender app = ha.appender();
      for (String n : names) {
        append(app, series(n), sampleTs, value);
      }
      append(app, up, nowMs, 1);
      app.commit();
    }

    /** A failed scrape: stale markers for {@code staleNames}, then {@code up 0}. */
    void fail(String... staleNames) throws StorageException {
      Appender app = ha.appender();
      for (String n : staleNames) {
        append(app, series(n), nowMs, StaleNaN.VALUE);
      }
      append(app, up, nowMs, 0);
      app.commit();
    }

    void append(Appender app, Labels l, long t, double v) throws StorageException {
      long ref = refs.getOrDefault(l, 0L);
      refs.put(l, app.append(ref, l, t, v));
    }
  }

  Loop a = new Loop("leaf-a:9091", "a");
  Loop b = new Loop("leaf-b:9091", "b");

  /** Every stored series as labels → "t=v …" (seconds after T0; stale markers as "stale"). */
  Map<String, String> dump() {
    Map<String, String> out = new TreeMap<>();
    try (Querier q = head.querier(Long.MIN_VALUE, Long.MAX_VALUE)) {
      SeriesSet ss = q.select(true, Matcher.regex("__name__", ".+"));
      while (ss.next()) {
        Series s = ss.at();
        SeriesCursor c = s.cursor();
        List<String> pts = new ArrayList<>();
        while (c.next()) {
          String v = StaleNaN.is(c.atV()) ? "stale" : Double.toString(c.atV());
          pts.add((c.atT() - T0) / 1000 + "=" + v);
        }
        out.put(s.labels().toString(), String.join(" ", pts));
      }
    }
    return out;
  }

  String stored(String name) {
    return dump().get(Labels.of("__name__", name, "cluster", "c1", "pod", "p1").toString());
  }

  String elected() {
    return ha.tracker().cluster("c1").electedReplica();
  }

  void at(long secondsAfterT0) {
    nowMs = T0 + secondsAfterT0 * 1000;
  }

  @Test
  void labelsOfGivesTheStoresInstanceExceptForReplicaSeries() throws Exception {
    Appender app = ha.appender();
    Labels plain = Labels.of("__name__", "plain", "job", "x");
    long plainRef = app.append(0, plain, T0, 1);
    long upRef = app.append(0, a.up, T0, 1);
    long replicaRef = app.append(0, a.series("m"), T0, 1);
    app.commit();
    assertThat(app.labelsOf(plainRef)).isEqualTo(plain).isSameAs(head.labelsOf(HaSeriesRef.storeRef(plainRef)));
    assertThat(app.labelsOf(upRef)).isEqualTo(a.up);
    // Stored without "replica": handing those back would make the cache append a different series.
    assertThat(app.labelsOf(replicaRef)).isNull();
    assertThat(app.labelsOf(0)).isNull();
  }

  @Test
  void electedReplicaIsStoredWithoutReplicaLabelAndTheOtherIsDropped() throws Exception {
    for (int i = 0; i < 3; i++) {
      at(15L * i);
      a.scrape(nowMs - 2000, i, "x");
      at(15L * i + 7);
      b.scrape(nowMs - 5000, i + 100, "x");
    }
    assertThat(stored("x")).isEqualTo("-2=0.0 13=1.0 28=2.0");
    assertThat(dump().keySet())
        .noneMatch(k -> k.contains("replica="))
        .hasSize(3); // x, and up of each leaf target: report series are per target
    assertThat(elected()).isEqualTo("a");
    assertThat(ha.tracker().cluster("c1").samplesDroppedNotElected()).isEqualTo(3);
  }

  @Test
  void seriesWithoutReplicaOrClusterLabelPassThroughUntouched() throws Exception {
    Appender app = ha.appender();
    Labels noReplica = Labels.of("__name__", "m", "cluster", "c1");
    Labels noCluster = Labels.of("__name__", "m", "replica", "a");
    long r1 = app.append(0, noReplica, T0, 1);
    long r2 = app.append(0, noCluster, T0, 2);
    app.commit();
    app = ha.appender();
    app.append(r1, noReplica, T0 + 1000, 3);
    app.append(r2, noCluster, T0 + 1000, 4);
    app.commit();
    assertThat(dump())
        .containsEntry(noReplica.toString(), "0=1.0 1=3.0")
        .containsEntry(noCluster.toString(), "0=2.0 1=4.0");
    assertThat(ha.tracker().clusters()).isEmpty();
  }

  @Test
  void failsOverAfterTheTimeoutWhenTheElectedReplicaFallsSilent() throws Exception {
    at(0);
    a.scrape(nowMs, 1, "x");
    at(29);
    b.scrape(nowMs, 2, "x"); // a is quiet for 29s < 30s: still elected
    assertThat(elected()).isEqualTo("a");
    at(31);
    b.scrape(nowMs, 3, "x");
    assertThat(elected()).isEqualTo("b");
    assertThat(stored("x")).isEqualTo("0=1.0 31=3.0");
    assertThat(ha.tracker().cluster("c1").electedReplicaChanges()).isEqualTo(2);
  }

  @Test
  void failedScrapeOfTheElectedReplicaFailsOverAtOnceAndItsStaleMarkersAreDropped()
      throws Exception {
    at(0);
    a.scrape(nowMs, 1, "x", "y");
    at(5);
    b.scrape(nowMs, 1, "x", "y");
    at(15);
    a.fail("x", "y"); // a's leaf died: the loop marks everything stale, up 0
    assertThat(elected()).isEqualTo("b");
    at(20);
    b.scrape(nowMs, 2, "x", "y");
    assertThat(stored("x")).isEqualTo("0=1.0 20=2.0");
    assertThat(stored("y")).isEqualTo("0=1.0 20=2.0");
    assertThat(ha.tracker().cluster("c1").staleMarkersDroppedOfFailedReplica()).isEqualTo(2);
    assertThat(dump())
        .containsEntry(a.up.toString(), "0=1.0 15=0.0")
        .containsEntry(b.up.toString(), "5=1.0 20=1.0");
  }

  @Test
  void failedScrapeWithoutStaleMarkersIsRecognisedByUp() throws Exception {
    // Federated samples carry timestamps, so without track_timestamps_staleness a failed scrape
    // writes no stale markers: up 0 of the target that delivered the replica is the only sign.
    at(0);
    a.scrape(nowMs, 1, "x");
    at(5);
    b.scrape(nowMs, 1, "x");
    at(15);
    a.fail();
    assertThat(elected()).isEqualTo("b");
    at(20);
    b.scrape(nowMs, 2, "x");
    assertThat(stored("x")).isEqualTo("0=1.0 20=2.0");
  }

  @Test
  void successfulButEmptyScrapeOfTheElectedReplicaFailsOverAtOnce() throws Exception {
    at(0);
    a.scrape(nowMs, 1, "x");
    at(5);
    b.scrape(nowMs, 1, "x");
    at(15);
    a.scrape(nowMs, 0); // the leaf restarted with an empty head
    assertThat(elected()).isEqualTo("b");
  }

  @Test
  void staleMarkersOfTheElectedReplicaAreStoredWhenNoOtherReplicaDelivers() throws Exception {
    at(0);
    a.scrape(nowMs, 1, "x");
    at(15);
    a.fail("x");
    assertThat(stored("x")).isEqualTo("0=1.0 15=stale");
    assertThat(elected()).isEqualTo("a");
    at(20);
    b.scrape(nowMs, 2, "x"); // a failed: the first replica to deliver takes over, no timeout
    assertThat(elected()).isEqualTo("b");
    assertThat(stored("x")).isEqualTo("0=1.0 15=stale 20=2.0");
  }

  @Test
  void staleMarkersSentAlongsideSamplesAreStored() throws Exception {
    // A series gone at the leaf while the leaf is fine: staleness crosses federation.
    at(0);
    a.scrape(nowMs, 1, "x", "y");
    at(15);
    Appender app = ha.appender();
    a.append(app, a.series("x"), nowMs, 2);
    a.append(app, a.series("y"), nowMs, StaleNaN.VALUE);
    a.append(app, a.up, nowMs, 1);
    app.commit();
    assertThat(stored("y")).isEqualTo("0=1.0 15=stale");
    assertThat(elected()).isEqualTo("a");
  }

  @Test
  void staleMarkersOfAReplicaThatIsNotElectedAreDropped() throws Exception {
    at(0);
    a.scrape(nowMs, 1, "x");
    b.scrape(nowMs, 1, "x");
    at(10);
    b.fail("x");
    at(15);
    a.scrape(nowMs, 2, "x");
    assertThat(stored("x")).isEqualTo("0=1.0 15=2.0");
    assertThat(elected()).isEqualTo("a");
  }

  @Test
  void aReplicaThatComesBackDoesNotTakeOverAgain() throws Exception {
    at(0);
    a.scrape(nowMs, 1, "x");
    b.scrape(nowMs, 1, "x");
    at(15);
    a.fail();
    for (int i = 1; i < 10; i++) {
      at(15L * i + 5);
      b.scrape(nowMs, 10 + i, "x");
      at(15L * i + 15);
      a.scrape(nowMs, 100 + i, "x");
    }
    assertThat(elected()).isEqualTo("b");
    assertThat(ha.tracker().cluster("c1").electedReplicaChanges()).isEqualTo(2);
    assertThat(stored("x")).doesNotContain("=10");
  }

  @Test
  void clustersBeyondTheLimitAreDroppedAndCounted() throws Exception {
    ha = new HaDedupAppendable(head, new HaConfig("cluster", "replica", Duration.ofSeconds(30), 1), () -> nowMs);
    Appender app = ha.appender();
    app.append(0, Labels.of("__name__", "m", "cluster", "one", "replica", "a"), T0, 1);
    long ref = app.append(0, Labels.of("__name__", "m", "cluster", "two", "replica", "a"), T0, 1);
    app.commit();
    assertThat(ref).isZero();
    assertThat(ha.tracker().samplesDroppedTooManyClusters()).isEqualTo(1);
    assertThat(dump()).containsOnlyKeys("{__name__=\"m\", cluster=\"one\"}");
  }

  @Test
  void anElectedSeriesRemovedByRetentionIsRecreatedFromTheLabels() throws Exception {
    at(0);
    a.scrape(nowMs, 1, "x");
    head.truncate(T0 + 1000); // x has no sample left: removed, its ref is gone
    assertThat(stored("x")).isNull();
    at(15);
    a.scrape(nowMs, 2, "x");
    assertThat(stored("x")).isEqualTo("15=2.0");
  }

  @Test
  void aReplicaElectedLaterStoresTheSeriesItsLoopCachedWhileDropped() throws Exception {
    at(0);
    a.scrape(nowMs, 1, "x");
    b.scrape(nowMs, 1, "x"); // b's loop caches a ref with no store ref in it
    at(40);
    b.scrape(nowMs, 2, "x");
    assertThat(elected()).isEqualTo("b");
    assertThat(stored("x")).isEqualTo("0=1.0 40=2.0");
  }

  @Test
  void exportsDroppedSamplesElectedReplicaAndChanges() throws Exception {
    SimpleMeterRegistry registry = new SimpleMeterRegistry();
    ha.bindTo(registry);
    at(0);
    a.scrape(nowMs, 1, "x", "y");
    b.scrape(nowMs, 1, "x", "y");
    assertThat(
            registry
                .get("promfed.ha.samples.dropped")
                .tags("cluster", "c1", "reason", HaDedupAppendable.REASON_NOT_ELECTED)
                .functionCounter()
                .count())
        .isEqualTo(2);
    assertThat(registry.get("promfed.ha.elected.replica").tags("cluster", "c1", "replica", "a").gauge().value())
        .isEqualTo(1);
    at(15);
    a.fail();
    assertThat(registry.find("promfed.ha.elected.replica").tags("replica", "a").gauge()).isNull();
    assertThat(registry.get("promfed.ha.elected.replica").tags("cluster", "c1", "replica", "b").gauge().value())
        .isEqualTo(1);
    assertThat(registry.get("promfed.ha.elected.replica.changes").tags("cluster", "c1").functionCounter().count())
        .isEqualTo(2);
    assertThat(registry.get("promfed.ha.clusters").gauge().value()).isEqualTo(1);
  }

  @Test
  void idleReplicasAndClustersAreForgotten() throws Exception {
    at(0);
    a.scrape(nowMs, 1, "x");
    b.scrape(nowMs, 1, "x");
    Loop other = new Loop("leaf-z:9091", "z");
    at(31 * 60);
    other.scrape(nowMs, 1, "x"); // a and b silent for 31 minutes: forgotten, z elected anew
    assertThat(ha.tracker().cluster("c1").electedReplica()).isEqualTo("z");
    at(62 * 60);
    ha.appender().commit();
    assertThat(ha.tracker().clusters()).isEmpty();
    at(62 * 60 + 1);
    a.scrape(nowMs, 5, "x"); // a's loop still caches refs naming the forgotten replica
    assertThat(elected()).isEqualTo("a");
  }

  @Test
  void configRefusesBadLabelsAndTimeouts() {
    assertThatThrownBy(() -> new HaConfig("cluster", "cluster", Duration.ofSeconds(30), 10))
        .hasMessageContaining("must differ");
    assertThatThrownBy(() -> new HaConfig("clu-ster", "replica", Duration.ofSeconds(30), 10))
        .hasMessageContaining("cluster label must be a valid label name");
    assertThatThrownBy(() -> new HaConfig("cluster", "replica", Duration.ZERO, 10))
        .hasMessageContaining("failover timeout must be positive");
    assertThatThrownBy(() -> new HaConfig("cluster", "replica", Duration.ofSeconds(1), 0))
        .hasMessageContaining("max clusters");
  }
}
