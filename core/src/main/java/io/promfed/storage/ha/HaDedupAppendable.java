package io.promfed.storage.ha;

import io.micrometer.core.instrument.FunctionCounter;
import io.micrometer.core.instrument.Gauge;
import io.micrometer.core.instrument.Meter;
import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.MultiGauge;
import io.micrometer.core.instrument.Tags;
import io.micrometer.core.instrument.binder.MeterBinder;
import io.promfed.model.labels.Labels;
import io.promfed.model.value.StaleNaN;
import io.promfed.storage.Appendable;
import io.promfed.storage.Appender;
import io.promfed.storage.MetricMetadata;
import io.promfed.storage.StorageException;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.concurrent.ConcurrentHashMap;
import java.util.function.LongSupplier;

/**
 * De-duplicates HA replicas at ingestion, as Cortex's and Mimir's distributor do: a decorator of
 * the master's {@link Appendable} (the head, or the remote-write decorator around it) that the
 * scrape manager appends to. Leaf replicas scraping the same pods carry the same {@code cluster}
 * and different {@code replica} external labels; their federated series reach the master through
 * one scrape loop per leaf. For each cluster one replica is elected ({@link HaTracker}); its
 * samples are stored <em>without</em> the replica label, so queries and dashboards see one series
 * per identity; the other replicas' samples are dropped and counted. A series lacking either label
 * passes through untouched (Mimir does the same: with no cluster to elect within, dropping the
 * replica label could merge unrelated series).
 *
 * <p><b>Failover.</b> The elected replica is replaced when it has delivered nothing for the
 * failover timeout (Mimir's rule), and at once when its scrape is seen to fail while another
 * replica is delivering: the scrape loop's report series {@code up} is 0 (or a stale marker, the
 * target went away) for the target that delivered it, every series it sent in a transaction is a
 * stale marker, or a successful scrape of that target no longer carries it. So a dead leaf costs at
 * most one federation interval of data, not the 30s timeout.
 *
 * <p><b>Staleness.</b> Stale markers of a replica that is not elected are dropped like its
 * samples. Stale markers of the elected replica are stored when the same transaction also carries
 * samples of it (the series really went away at the leaf: staleness crosses federation); when they
 * are all it sent, the replica is what died, and they are dropped if another replica takes over,
 * so a live replica's series are never cut by a dead one's markers. With nobody to take over they
 * are stored: the data really is gone.
 *
 * <p><b>Report series.</b> {@code up}, {@code scrape_duration_seconds} and the other {@code
 * scrape_*} series carry the master's target labels (job, instance of each leaf), not the replica
 * label, so they pass through: each leaf keeps its own {@code up}, which is what its health is. A
 * scrape config that puts the replica label on targets makes them HA series like any other; keep
 * the replica label an external label of the leaves.
 *
 * <p><b>References.</b> Appends by cached reference stay cheap: the references returned carry the
 * replica ({@link HaSeriesRef}), and an elected replica's samples are passed to the store by
 * reference with {@code labels == null}, so no label set is built per sample; the replica-less
 * labels are built only when a series is first seen or its store reference went away.
 *
 * <p>Thread-safe; each appender is used by one thread, as {@link Appender} requires. Also a {@link
 * MeterBinder}: {@code promfed_ha_samples_dropped_total{cluster,reason}}, {@code
 * promfed_ha_elected_replica{cluster,replica}} (1 for the elected replica), {@code
 * promfed_ha_elected_replica_changes_total{cluster}} and {@code promfed_ha_clusters}; label values
 * are bounded by {@link HaConfig#maxClusters()}.
 */
public final class HaDedupAppendable implements Appendable, MeterBinder {

  /** {@code reason} label values of {@code promfed_ha_samples_dropped_total}. */
  public static final String REASON_NOT_ELECTED = "replica_not_elected";

  public static final String REASON_FAILED_REPLICA_STALE = "failed_replica_stale_marker";
  public static final String REASON_TOO_MANY_CLUSTERS = "too_many_clusters";

  private static final String UP = "up";

  private final Appendable delegate;
  private final HaConfig config;
  private final LongSupplier clockMs;
  private final HaTracker tracker;
  private final Metrics metrics = new Metrics();

  /**
   * @param delegate where the de-duplicated samples go (the head, or remote write around it)
   * @param config the HA labels and failover timeout
   * @param clockMs the master's wall clock, in milliseconds
   */
  public HaDedupAppendable(Appendable delegate, HaConfig config, LongSupplier clockMs) {
    this.delegate = Objects.requireNonNull(delegate, "delegate");
    this.config = Objects.requireNonNull(config, "config");
    this.clockMs = Objects.requireNonNull(clockMs, "clockMs");
    this.tracker = new HaTracker(config);
    tracker.listener(metrics);
  }

  public HaConfig config() {
    return config;
  }

  /** The election state, for status pages and tests. */
  public HaTracker tracker() {
    return tracker;
  }

  @Override
  public Appender appender() {
    return new DedupAppender(delegate.appender());
  }

  @Override
  public void bindTo(MeterRegistry registry) {
    metrics.bindTo(registry);
  }

  /** What one transaction did with one replica's series. */
  private static final class ReplicaTxn {
    static final byte UNDECIDED = 0;
    static final byte ACCEPT = 1;
    static final byte REJECT = 2;

    final HaTracker.Replica replica;
    byte decision = UNDECIDED;
    int samples;
    int dropped;
    // Stale markers held back until commit, when it is known whether the replica died.
    long[] heldRefs;
    Labels[] heldLabels;
    long[] heldTimestamps;
    int held;

    ReplicaTxn(HaTracker.Replica replica) {
      this.replica = replica;
    }

    void hold(long storeRef, Labels labels, long timestampMs) {
      if (heldRefs == null) {
        heldRefs = new long[16];
        heldLabels = new Labels[16];
        heldTimestamps = new long[16];
      } else if (held == heldRefs.length) {
        heldRefs = Arrays.copyOf(heldRefs, held * 2);
        heldLabels = Arrays.copyOf(heldLabels, held * 2);
        heldTimestamps = Arrays.copyOf(heldTimestamps, held * 2);
      }
      heldRefs[held] = storeRef;
      heldLabels[held] = labels;
      heldTimestamps[held] = timestampMs;
      held++;
    }
  }

  private final class DedupAppender implements Appender {

    private final Appender store;
    private final List<ReplicaTxn> replicas = new ArrayList<>(2);
    private ReplicaTxn last;
    private long tooManyClusters;
    private boolean sawUp;
    private long upRef;
    private double upValue;

    DedupAppender(Appender store) {
      this.store = store;
    }

    @Override
    public long append(long ref, Labels labels, long timestampMs, double value)
        throws StorageException {
      if (ref == 0) {
        return appendByLabels(labels, timestampMs, value);
      }
      int tag = HaSeriesRef.tag(ref);
      long storeRef = HaSeriesRef.storeRef(ref);
      if (tag == 0) {
        return HaSeriesRef.of(0, store.append(storeRef, labels, timestampMs, value));
      }
      if (tag == HaSeriesRef.UP_TAG) {
        long out = store.append(storeRef, labels, timestampMs, value);
        noteUp(out, value);
        return HaSeriesRef.of(HaSeriesRef.UP_TAG, out);
      }
      ReplicaTxn txn = txnFor(tag);
      if (txn == null) {
        // The tracker forgot this replica since the reference was handed out: start over.
        if (labels == null) {
          throw StorageException.UNKNOWN_SERIES_REF;
        }
        return appendByLabels(labels, timestampMs, value);
      }
      return appendReplica(txn, storeRef, labels, timestampMs, value);
    }

    /**
     * The store's labels for a reference this appender handed out, so a scrape cache can drop its
     * own copy for the store's interned one (without this, the master held every federated
     * series' labels twice: about 800 bytes a series). Not for replica series: they are stored
     * without their replica label, so the store's labels are not the caller's.
     */
    @Override
    public Labels labelsOf(long ref) {
      int tag = HaSeriesRef.tag(ref);
      long storeRef = HaSeriesRef.storeRef(ref);
      if ((tag != 0 && tag != HaSeriesRef.UP_TAG) || storeRef == 0) {
        return null;
      }
      return store.labelsOf(storeRef);
    }

    @Override
    public int touch(long ref) {
      long storeRef = HaSeriesRef.storeRef(ref);
      return storeRef == 0 ? 0 : store.touch(storeRef);
    }

    private long appendByLabels(Labels labels, long timestampMs, double value)
        throws StorageException {
      String replicaName = labels == null ? null : labels.get(config.replicaLabel());
      String clusterName = labels == null ? null : labels.get(config.clusterLabel());
      if (replicaName == null || replicaName.isEmpty() || clusterName == null
          || clusterName.isEmpty()) {
        long out = store.append(0, labels, timestampMs, value);
        if (replicaName == null && UP.equals(labels.metricName())) {
          noteUp(out, value);
          return HaSeriesRef.of(HaSeriesRef.UP_TAG, out);
        }
        return HaSeriesRef.of(0, out);
      }
      HaTracker.Replica r = last == null ? null : last.replica;
      if (r == null || !r.name.equals(replicaName) || !r.cluster.name.equals(clusterName)) {
        // A scrape's new series nearly all come from one replica: ask the tracker once.
        r = tracker.replica(clusterName, replicaName, clockMs.getAsLong());
        if (r == null) {
          tooManyClusters++;
          return 0; // not cached: the cluster may fit later
        }
      }
      return appendReplica(txnFor(r), 0, labels, timestampMs, value);
    }

    private long appendReplica(
        ReplicaTxn txn, long storeRef, Labels labels, long timestampMs, double value)
        throws StorageException {
      int id = txn.replica.id;
      if (StaleNaN.is(value)) {
        switch (txn.decision) {
          case ReplicaTxn.REJECT -> txn.dropped++;
          case ReplicaTxn.ACCEPT -> {
            return HaSeriesRef.of(id, toStore(storeRef, labels, timestampMs, value));
          }
          default -> txn.hold(storeRef, labels, timestampMs);
        }
        return HaSeriesRef.of(id, storeRef);
      }
      txn.samples++;
      if (txn.decision == ReplicaTxn.UNDECIDED) {
        txn.decision =
            tracker.accept(txn.replica, clockMs.getAsLong())
                ? ReplicaTxn.ACCEPT
                : ReplicaTxn.REJECT;
      }
      if (txn.decision == ReplicaTxn.REJECT) {
        txn.dropped++;
        return HaSeriesRef.of(id, storeRef);
      }
      return HaSeriesRef.of(id, toStore(storeRef, labels, timestampMs, value));
    }

    /** Appends an elected replica's sample by store reference, building labels only if needed. */
    private long toStore(long storeRef, Labels labels, long timestampMs, double value)
        throws StorageException {
      if (storeRef != 0) {
        try {
          return store.append(storeRef, null, timestampMs, value);
        } catch (StorageException e) {
          if (e.reason() != StorageException.Reason.UNKNOWN_SERIES_REF) {
            throw e;
          }
        }
      }
      if (labels == null) {
        throw StorageException.UNKNOWN_SERIES_REF;
      }
      return store.append(0, withoutReplica(labels), timestampMs, value);
    }

    private Labels withoutReplica(Labels labels) {
      return labels.toBuilder().delete(config.replicaLabel()).build();
    }

    private void noteUp(long out, double value) {
      // The report series come after the body in a scrape's transaction, so the last up wins.
      sawUp = true;
      upRef = out;
      upValue = value;
    }

    private ReplicaTxn txnFor(int id) {
      if (last != null && last.replica.id == id) {
        return last;
      }
      for (ReplicaTxn t : replicas) {
        if (t.replica.id == id) {
          return last = t;
        }
      }
      HaTracker.Replica r = tracker.replicaById(id);
      return r == null ? null : txnFor(r);
    }

    private ReplicaTxn txnFor(HaTracker.Replica r) {
      if (last != null && last.replica == r) {
        return last;
      }
      for (ReplicaTxn t : replicas) {
        if (t.replica == r) {
          return last = t;
        }
      }
      ReplicaTxn t = new ReplicaTxn(r);
      replicas.add(t);
      return last = t;
    }

    @Override
    public void updateMetadata(String metricFamilyName, MetricMetadata metadata) {
      store.updateMetadata(metricFamilyName, metadata);
    }

    @Override
    public void commit() {
      long now = clockMs.getAsLong();
      try {
        for (ReplicaTxn txn : replicas) {
          if (txn.held > 0) {
            releaseHeldStaleMarkers(txn, now);
          }
        }
        boolean scrapeFailed = sawUp && (upValue == 0 || StaleNaN.is(upValue));
        if (scrapeFailed) {
          tracker.targetDown(upRef, now);
        }
        store.commit();
        int[] delivered = new int[replicas.size()];
        int n = 0;
        for (ReplicaTxn txn : replicas) {
          HaTracker.Cluster c = txn.replica.cluster;
          if (txn.dropped > 0) {
            c.droppedNotElected.add(txn.dropped);
          }
          if (txn.samples > 0) {
            tracker.delivered(txn.replica, now);
            delivered[n++] = txn.replica.id;
          } else {
            tracker.active(txn.replica, now);
          }
        }
        if (tooManyClusters > 0) {
          tracker.countTooManyClusters(tooManyClusters);
        }
        if (sawUp && !scrapeFailed) {
          tracker.targetUp(upRef, Arrays.copyOf(delivered, n), now);
        }
        tracker.forgetIdle(now);
      } finally {
        reset();
      }
    }

    /**
     * Stale markers of a replica that sent nothing else in this transaction: its samples' fate
     * decides theirs, and when it sent no samples at all, it stopped delivering.
     */
    private void releaseHeldStaleMarkers(ReplicaTxn txn, long now) {
      boolean store;
      if (txn.decision == ReplicaTxn.ACCEPT) {
        store = true;
      } else if (txn.decision == ReplicaTxn.REJECT) {
        store = false;
        txn.dropped += txn.held;
      } else {
        boolean wasElected = txn.replica.cluster.elected == txn.replica;
        store = tracker.stopped(txn.replica, now);
        if (!store && wasElected) {
          txn.replica.cluster.droppedFailedReplicaStaleMarkers.add(txn.held);
        } else if (!store) {
          txn.dropped += txn.held;
        }
      }
      if (!store) {
        return;
      }
      for (int i = 0; i < txn.held; i++) {
        try {
          toStore(txn.heldRefs[i], txn.heldLabels[i], txn.heldTimestamps[i], StaleNaN.VALUE);
        } catch (StorageException e) {
          // A series that already has a newer sample needs no marker; nothing is lost.
        }
      }
    }

    @Override
    public void rollback() {
      try {
        store.rollback();
      } finally {
        reset();
      }
    }

    private void reset() {
      replicas.clear();
      last = null;
      tooManyClusters = 0;
      sawUp = false;
    }
  }

  /** The meters; per-cluster ones are registered when a cluster appears and removed with it. */
  private final class Metrics implements HaTracker.Listener {
    private volatile MeterRegistry registry;
    private volatile MultiGauge elected;
    private final Map<String, List<Meter>> clusterMeters = new ConcurrentHashMap<>();

    void bindTo(MeterRegistry r) {
      registry = r;
      FunctionCounter.builder("promfed.ha.samples.dropped", tracker, HaTracker::samplesDroppedTooManyClusters)
          .description("Samples of HA replicas dropped: not elected, stale markers of a failed replica, or too many clusters.")
          .tags("cluster", "", "reason", REASON_TOO_MANY_CLUSTERS)
          .register(r);
      Gauge.builder("promfed.ha.clusters", tracker, t -> t.clusters().size())
          .description("HA clusters tracked.")
          .register(r);
      elected =
          MultiGauge.builder("promfed.ha.elected.replica")
              .description("1 for the replica each HA cluster's samples are accepted from.")
              .register(r);
      for (HaTracker.Cluster c : tracker.clusters()) {
        clusterAdded(c);
      }
      electionChanged();
    }

    @Override
    public void clusterAdded(HaTracker.Cluster c) {
      MeterRegistry r = registry;
      if (r == null) {
        return;
      }
      List<Meter> meters = new ArrayList<>(3);
      meters.add(
          FunctionCounter.builder("promfed.ha.samples.dropped", c, HaTracker.Cluster::samplesDroppedNotElected)
              .tags("cluster", c.name(), "reason", REASON_NOT_ELECTED)
              .register(r));
      meters.add(
          FunctionCounter.builder("promfed.ha.samples.dropped", c, HaTracker.Cluster::staleMarkersDroppedOfFailedReplica)
              .tags("cluster", c.name(), "reason", REASON_FAILED_REPLICA_STALE)
              .register(r));
      meters.add(
          FunctionCounter.builder("promfed.ha.elected.replica.changes", c, HaTracker.Cluster::electedReplicaChanges)
              .description("Times the elected replica of an HA cluster changed.")
              .tags("cluster", c.name())
              .register(r));
      clusterMeters.put(c.name(), meters);
    }

    @Override
    public void clusterRemoved(HaTracker.Cluster c) {
      MeterRegistry r = registry;
      List<Meter> meters = clusterMeters.remove(c.name());
      if (r != null && meters != null) {
        meters.forEach(r::remove);
      }
    }

    @Override
    public void electionChanged() {
      MultiGauge g = elected;
      if (g == null) {
        return;
      }
      List<MultiGauge.Row<?>> rows = new ArrayList<>();
      for (HaTracker.Cluster c : tracker.clusters()) {
        String replica = c.electedReplica();
        if (replica != null) {
          rows.add(MultiGauge.Row.of(Tags.of("cluster", c.name(), "replica", replica), 1));
        }
      }
      synchronized (this) {
        g.register(rows, true);
      }
    }
  }
}
