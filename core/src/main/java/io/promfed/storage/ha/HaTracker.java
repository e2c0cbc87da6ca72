package io.promfed.storage.ha;

import java.util.ArrayList;
import java.util.Collection;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.atomic.LongAdder;

/**
 * Which replica of each HA cluster the master accepts samples from: Cortex's and Mimir's HA
 * tracker (pkg/distributor/ha_tracker.go) without the KV store, since one master elects for
 * itself. One replica per cluster is elected; another is elected when the elected one has
 * delivered nothing for {@link HaConfig#failoverTimeout()}, or at once when its scrape failed and
 * another replica is delivering.
 *
 * <p>Times are the master's wall clock when a transaction was committed, never sample timestamps:
 * federated samples carry the leaf's timestamps, which say nothing about whether a leaf is alive.
 *
 * <p>Thread-safe. Election decisions are taken under the cluster's monitor; the elected replica is
 * also readable without it (metrics, status).
 */
public final class HaTracker {

  /** "Never delivered": far enough in the past that any timeout has passed, without overflow. */
  static final long NEVER = Long.MIN_VALUE / 4;

  /**
   * Replicas and clusters silent this long are forgotten (Mimir deletes elected replicas not
   * updated for 30 minutes), so replica label values that churn (pod names) do not pile up.
   */
  static final long FORGET_AFTER_MS = 30 * 60 * 1000L;

  /** Receives changes that the metrics follow; called without any tracker lock held. */
  interface Listener {
    void clusterAdded(Cluster cluster);

    void clusterRemoved(Cluster cluster);

    void electionChanged();
  }

  /** One HA group, e.g. the two leaf replicas scraping the same pods. */
  public static final class Cluster {
    final String name;
    final Map<String, Replica> replicas = new HashMap<>();
    volatile Replica elected;
    /** When the elected replica last delivered, or was elected (it gets a full timeout). */
    long electedDeliveredMs = NEVER;
    /** The elected replica's scrape failed and no other replica could take over yet. */
    boolean electedFailed;
    final AtomicLong electedChanges = new AtomicLong();
    final LongAdder droppedNotElected = new LongAdder();
    final LongAdder droppedFailedReplicaStaleMarkers = new LongAdder();

    Cluster(String name) {
      this.name = name;
    }

    public String name() {
      return name;
    }

    /** The elected replica's label value, or null before the first election. */
    public String electedReplica() {
      Replica r = elected;
      return r == null ? null : r.name;
    }

    public long electedReplicaChanges() {
      return electedChanges.get();
    }

    /** Samples (and stale markers) of replicas that were not elected, dropped. */
    public long samplesDroppedNotElected() {
      return droppedNotElected.sum();
    }

    /** Stale markers of an elected replica whose scrape failed while another one took over. */
    public long staleMarkersDroppedOfFailedReplica() {
      return droppedFailedReplicaStaleMarkers.sum();
    }
  }

  /** One replica of a cluster; {@link #id} is what series references carry. */
  static final class Replica {
    final int id;
    final Cluster cluster;
    final String name;
    /** Last commit that carried samples of this replica (stale markers do not count). */
    long deliveredMs = NEVER;
    /** Last commit that carried anything of this replica, for forgetting it. */
    volatile long activeMs;

    Replica(int id, Cluster cluster, String name, long nowMs) {
      this.id = id;
      this.cluster = cluster;
      this.name = name;
      this.activeMs = nowMs;
    }
  }

  private final long failoverTimeoutMs;
  private final int maxClusters;
  private final Map<String, Cluster> clusters = new ConcurrentHashMap<>();
  private final Map<Integer, Replica> replicasById = new ConcurrentHashMap<>();
  /** Which replicas each target delivered on its last successful scrape, by its {@code up} ref. */
  private final Map<Long, int[]> replicasByTarget = new ConcurrentHashMap<>();
  private final LongAdder droppedTooManyClusters = new LongAdder();
  private final Object registryLock = new Object();
  private int nextId = 1;
  private volatile long lastForgetMs;
  private volatile Listener listener;

  HaTracker(HaConfig config) {
    this.failoverTimeoutMs = config.failoverTimeout().toMillis();
    this.maxClusters = config.maxClusters();
  }

  void listener(Listener l) {
    this.listener = l;
  }

  /** The clusters currently tracked. */
  public Collection<Cluster> clusters() {
    return List.copyOf(clusters.values());
  }

  /** The cluster named {@code name}, or null. */
  public Cluster cluster(String name) {
    return clusters.get(name);
  }

  /** Samples dropped because their cluster would have exceeded {@link HaConfig#maxClusters()}. */
  public long samplesDroppedTooManyClusters() {
    return droppedTooManyClusters.sum();
  }

  void countTooManyClusters(long n) {
    droppedTooManyClusters.add(n);
  }

  /**
   * The replica for these label values, registered on first sight; null when the cluster is new
   * and {@link HaConfig#maxClusters()} clusters are tracked already.
   */
  Replica replica(String clusterName, String replicaName, long nowMs) {
    Cluster added = null;
    Replica r;
    synchronized (registryLock) {
      Cluster c = clusters.get(clusterName);
      if (c == null) {
        if (clusters.size() >= maxClusters) {
          return null;
        }
        c = new Cluster(clusterName);
        clusters.put(clusterName, c);
        added = c;
      }
      synchronized (c) {
        r = c.replicas.get(replicaName);
        if (r == null) {
          r = new Replica(allocateId(), c, replicaName, nowMs);
          c.replicas.put(replicaName, r);
          replicasById.put(r.id, r);
        }
      }
    }
    Listener l = listener;
    if (added != null && l != null) {
      l.clusterAdded(added);
    }
    return r;
  }

  /** The replica a series reference names, or null when it was forgotten since. */
  Replica replicaById(int id) {
    return replicasById.get(id);
  }

  private int allocateId() {
    // Ids are not reused until the space wraps, so a reference cached by a scrape loop for a
    // forgotten replica finds nothing rather than a stranger.
    do {
      int id = nextId;
      nextId = nextId == HaSeriesRef.MAX_REPLICA_ID ? 1 : nextId + 1;
      if (!replicasById.containsKey(id)) {
        return id;
      }
    } while (true);
  }

  /**
   * Whether samples of {@code r} are accepted in the transaction now starting for it. Elects
   * {@code r} when its cluster has no elected replica, when the elected one failed, or when the
   * elected one has delivered nothing for the failover timeout (Mimir's {@code checkReplica}).
   */
  boolean accept(Replica r, long nowMs) {
    Cluster c = r.cluster;
    boolean changed;
    synchronized (c) {
      Replica e = c.elected;
      if (e == r) {
        return true;
      }
      if (e != null && !c.electedFailed && nowMs - c.electedDeliveredMs <= failoverTimeoutMs) {
        return false;
      }
      changed = elect(c, r, nowMs);
    }
    notifyElection(changed);
    return true;
  }

  /**
   * {@code r} stopped delivering: its scrape failed, its target went away, or every series it
   * sent in a transaction was a stale marker. If it is elected and another replica delivered
   * within the failover timeout, that replica is elected now, without waiting for the timeout;
   * otherwise any replica that delivers next is elected.
   *
   * @return true when {@code r} is still elected (nobody could take over): its stale markers are
   *     then the truth about the cluster and must be stored
   */
  boolean stopped(Replica r, long nowMs) {
    Cluster c = r.cluster;
    boolean changed = false;
    boolean stillElected;
    synchronized (c) {
      r.deliveredMs = NEVER;
      if (c.elected != r) {
        return false;
      }
      Replica standby = null;
      for (Replica other : c.replicas.values()) {
        if (other != r
            && nowMs - other.deliveredMs <= failoverTimeoutMs
            && (standby == null || other.deliveredMs > standby.deliveredMs)) {
          standby = other;
        }
      }
      if (standby != null) {
        changed = elect(c, standby, nowMs);
        stillElected = false;
      } else {
        c.electedFailed = true;
        stillElected = true;
      }
    }
    notifyElection(changed);
    return stillElected;
  }

  /** A committed transaction carried samples of {@code r} (accepted or dropped). */
  void delivered(Replica r, long nowMs) {
    Cluster c = r.cluster;
    synchronized (c) {
      r.deliveredMs = nowMs;
      r.activeMs = nowMs;
      if (c.elected == r) {
        c.electedDeliveredMs = nowMs;
        c.electedFailed = false;
      }
    }
  }

  /** A committed transaction carried only stale markers of {@code r}. */
  void active(Replica r, long nowMs) {
    r.activeMs = nowMs;
  }

  /**
   * A target scraped successfully (its {@code up} is 1) and delivered {@code replicaIds}. A
   * replica it delivered last time but not now has stopped delivering through it.
   */
  void targetUp(long upRef, int[] replicaIds, long nowMs) {
    int[] before = replicaIds.length == 0 ? replicasByTarget.remove(upRef)
        : replicasByTarget.put(upRef, replicaIds);
    if (before == null) {
      return;
    }
    for (int id : before) {
      if (!contains(replicaIds, id)) {
        Replica r = replicasById.get(id);
        if (r != null) {
          stopped(r, nowMs);
        }
      }
    }
  }

  /** A target's scrape failed or the target went away: what it delivered stopped. */
  void targetDown(long upRef, long nowMs) {
    int[] before = replicasByTarget.get(upRef);
    if (before == null) {
      return;
    }
    for (int id : before) {
      Replica r = replicasById.get(id);
      if (r != null) {
        stopped(r, nowMs);
      }
    }
  }

  private static boolean contains(int[] ids, int id) {
    for (int x : ids) {
      if (x == id) {
        return true;
      }
    }
    return false;
  }

  private boolean elect(Cluster c, Replica r, long nowMs) {
    boolean changed = c.elected != r;
    c.elected = r;
    c.electedDeliveredMs = nowMs;
    c.electedFailed = false;
    if (changed) {
      c.electedChanges.incrementAndGet();
    }
    return changed;
  }

  private void notifyElection(boolean changed) {
    Listener l = listener;
    if (changed && l != null) {
      l.electionChanged();
    }
  }

  /**
   * Forgets replicas silent for {@link #FORGET_AFTER_MS} (never the elected one of a live
   * cluster) and clusters whose replicas are all silent. Cheap to call often: it runs at most
   * once a minute.
   */
  void forgetIdle(long nowMs) {
    if (nowMs - lastForgetMs < 60_000L) {
      return;
    }
    lastForgetMs = nowMs;
    long cutoff = nowMs - FORGET_AFTER_MS;
    List<Cluster> removed = new ArrayList<>();
    synchronized (registryLock) {
      for (Cluster c : clusters.values()) {
        synchronized (c) {
          // The elected replica goes only with its whole cluster: a quiet cluster keeps its choice.
          boolean clusterIdle = allIdle(c, cutoff);
          c.replicas
              .values()
              .removeIf(
                  r -> {
                    boolean idle = r.activeMs < cutoff && (r != c.elected || clusterIdle);
                    if (idle) {
                      replicasById.remove(r.id);
                    }
                    return idle;
                  });
          if (c.replicas.isEmpty()) {
            c.elected = null;
            removed.add(c);
          }
        }
      }
      for (Cluster c : removed) {
        clusters.remove(c.name);
      }
    }
    replicasByTarget.values().removeIf(ids -> !anyKnown(ids));
    Listener l = listener;
    if (l != null && !removed.isEmpty()) {
      for (Cluster c : removed) {
        l.clusterRemoved(c);
      }
      l.electionChanged();
    }
  }

  private static boolean allIdle(Cluster c, long cutoff) {
    for (Replica r : c.replicas.values()) {
      if (r.activeMs >= cutoff) {
        return false;
      }
    }
    return true;
  }

  private boolean anyKnown(int[] ids) {
    for (int id : ids) {
      if (replicasById.containsKey(id)) {
        return true;
      }
    }
    return false;
  }
}
