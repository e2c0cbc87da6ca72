package io.promfed.discovery.kubernetes;

import io.fabric8.kubernetes.api.model.HasMetadata;
import io.fabric8.kubernetes.api.model.KubernetesResourceList;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.fabric8.kubernetes.client.WatcherException;
import io.fabric8.kubernetes.client.dsl.FilterWatchListDeletable;
import io.fabric8.kubernetes.client.dsl.MixedOperation;
import io.fabric8.kubernetes.client.dsl.Resource;
import io.fabric8.kubernetes.client.informers.ResourceEventHandler;
import io.fabric8.kubernetes.client.informers.SharedIndexInformer;
import io.promfed.config.KubernetesSdConfig;
import io.promfed.discovery.Discoverer;
import io.promfed.discovery.TargetGroup;
import java.lang.System.Logger.Level;
import java.util.ArrayList;
import java.util.Iterator;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;
import java.util.function.Consumer;
import java.util.function.Function;

/**
 * The base of the role discoverers ({@link PodDiscoverer}, {@link ServiceDiscoverer}, {@link
 * EndpointsDiscoverer}, {@link EndpointSliceDiscoverer}, {@link NodeDiscoverer}); built by {@link
 * KubernetesDiscovery}. What they share: per-namespace informers, a de-duplicating work queue of
 * object keys ({@code <namespace>/<name>}) drained by one worker thread, and error handling. This
 * is the shape of prometheus/prometheus {@code discovery/kubernetes}: informer event handlers only
 * enqueue keys, and {@code process} looks each key up in the informer stores and sends the rebuilt
 * group, or an empty group when the object is gone.
 *
 * <p>A namespace's keys are processed only once all of its informers have listed (upstream {@code
 * cache.WaitForCacheSync}), so the first update holds every group of that namespace. Each drain
 * delivers all groups whose keys were queued since the last one, so one watch event reaches the
 * consumer as one update. A group equal to the one last delivered for its source is not sent again,
 * nor is the removal of a group that was never sent.
 *
 * <p>Failed lists and watches are retried for ever with fabric8's exponential backoff (the watch
 * reconnect interval, 1 s by default, doubling up to 32 s); the informer stores keep their contents
 * meanwhile, so targets are kept until the API answers again. Each failure is logged with its
 * reason ({@link ApiErrors}) and counted in {@link #failuresTotal()}.
 *
 * <p>Thread-safety: {@link #start} and {@link #close} may be called from any thread; updates are
 * delivered on the worker thread only, never concurrently and never after {@code close} returns.
 *
 * @param <U> the role's per-namespace set of informers
 */
public abstract class InformerDiscoverer<U extends InformerDiscoverer.Unit> implements Discoverer {

  /** Kubernetes's {@code metav1.NamespaceAll}. */
  static final String ALL = "";

  private static final long CLOSE_TIMEOUT_SECONDS = 10;

  final KubernetesClient client;
  private final String role;
  private final List<String> namespaces;
  private final List<KubernetesSdConfig.Selector> selectors;
  private final System.Logger log;

  private final Object lock = new Object();
  private final Map<String, U> units = new LinkedHashMap<>();
  private final LinkedHashSet<String> pending = new LinkedHashSet<>();
  private final AtomicLong failures = new AtomicLong();

  /** The last group delivered per source; only the worker thread touches it. */
  private final Map<String, TargetGroup> delivered = new java.util.HashMap<>();

  private boolean drainScheduled;
  private boolean started;
  private volatile boolean closed;
  private ExecutorService worker;
  private volatile Thread workerThread;
  private Consumer<List<TargetGroup>> updates;

  /** The informers of one namespace ({@link #ALL} for all), synced once all of them have listed. */
  static class Unit {
    final String namespace;
    final List<SharedIndexInformer<?>> informers = new ArrayList<>();

    /** The informer of the role's own objects, whose keys are all queued at sync. */
    SharedIndexInformer<? extends HasMetadata> primary;

    int syncedInformers;
    boolean synced;

    Unit(String namespace) {
      this.namespace = namespace;
    }
  }

  InformerDiscoverer(
      KubernetesClient client,
      String role,
      List<String> namespaces,
      List<KubernetesSdConfig.Selector> selectors) {
    this.client = Objects.requireNonNull(client, "client");
    this.role = role;
    this.namespaces = List.copyOf(namespaces);
    this.selectors = List.copyOf(selectors);
    if (this.namespaces.isEmpty()) {
      throw new IllegalArgumentException("no namespaces to watch (use \"\" for all namespaces)");
    }
    this.log = System.getLogger(getClass().getName());
  }

  /** Creates one namespace's informers with {@link #informer}; they are started by the base. */
  abstract U newUnit(String namespace);

  /**
   * Rebuilds the group of one queued key from the stores of {@code unit}: upstream's {@code
   * process}. Returns the group with source {@code <role>/<namespace>/<name>}, empty when the
   * object is gone, or {@code null} to send nothing (the consumer keeps the last group), as
   * upstream's {@code send} ignores a nil group.
   */
  abstract TargetGroup build(U unit, String namespace, String name);

  /** The Kubernetes SD role served, e.g. {@code endpoints}. */
  public final String role() {
    return role;
  }

  /** The namespaces watched; {@code [""]} means all namespaces. */
  public final List<String> namespaces() {
    return namespaces;
  }

  /**
   * Failed lists and watches so far, the count behind Prometheus's {@code
   * prometheus_sd_kubernetes_failures_total}.
   */
  public final long failuresTotal() {
    return failures.get();
  }

  @Override
  public final void start(Consumer<List<TargetGroup>> updates) {
    Objects.requireNonNull(updates, "updates");
    List<U> created = new ArrayList<>();
    synchronized (lock) {
      if (started) {
        throw new IllegalStateException("already started");
      }
      if (closed) {
        return;
      }
      started = true;
      this.updates = updates;
      this.worker =
          Executors.newSingleThreadExecutor(
              r -> {
                Thread t = new Thread(r, "promfed-kubernetes-sd-" + role);
                t.setDaemon(true);
                workerThread = t;
                return t;
              });
      for (String ns : namespaces) {
        U unit = newUnit(ns);
        units.put(ns, unit);
        created.add(unit);
      }
    }
    // Start outside the lock: event handlers call enqueue(), which takes it.
    for (U unit : created) {
      for (SharedIndexInformer<?> informer : unit.informers) {
        informer
            .start()
            .whenComplete(
                (v, t) -> {
                  if (t == null) {
                    onInformerSynced(unit);
                  }
                });
      }
    }
  }

  private void onInformerSynced(U unit) {
    synchronized (lock) {
      unit.syncedInformers++;
      if (unit.syncedInformers == unit.informers.size() && !unit.synced) {
        unit.synced = true;
        // The store is complete once the informer has started, but fabric8 hands the initial
        // "added" notifications to handlers asynchronously: queue every object now, so that the
        // first update holds every group (later duplicates are not re-sent, see drain()).
        for (HasMetadata obj : unit.primary.getStore().list()) {
          pending.add(
              MetaLabels.namespacedName(
                  MetaLabels.nullToEmpty(obj.getMetadata().getNamespace()),
                  obj.getMetadata().getName()));
        }
        log.log(
            Level.DEBUG,
            "kubernetes_sd role {0}: {1} synced",
            role,
            unit.namespace.isEmpty() ? "all namespaces" : "namespace " + unit.namespace);
        scheduleDrainLocked();
      }
    }
  }

  /** Queues the object {@code <namespace>/<name>} for rebuilding. Called by event handlers. */
  final void enqueue(String namespace, String name) {
    synchronized (lock) {
      if (closed) {
        return;
      }
      if (pending.add(MetaLabels.namespacedName(namespace, name))) {
        scheduleDrainLocked();
      }
    }
  }

  /** Queues an object by its metadata. */
  final void enqueue(HasMetadata obj) {
    enqueue(MetaLabels.nullToEmpty(obj.getMetadata().getNamespace()), obj.getMetadata().getName());
  }

  private void scheduleDrainLocked() {
    if (!drainScheduled && !closed && worker != null) {
      drainScheduled = true;
      worker.execute(this::drain);
    }
  }

  /** The unit holding the stores for objects in {@code namespace}. */
  private U unitFor(String namespace) {
    U u = units.get(namespace);
    return u != null ? u : units.get(ALL);
  }

  private void drain() {
    List<String> keys = new ArrayList<>();
    List<U> keyUnits = new ArrayList<>();
    synchronized (lock) {
      drainScheduled = false;
      for (Iterator<String> it = pending.iterator(); it.hasNext(); ) {
        String key = it.next();
        U unit = unitFor(key.substring(0, key.indexOf('/')));
        if (unit != null && unit.synced) {
          keys.add(key);
          keyUnits.add(unit);
          it.remove();
        }
      }
    }
    if (keys.isEmpty() || closed) {
      return;
    }
    List<TargetGroup> groups = new ArrayList<>(keys.size());
    for (int i = 0; i < keys.size(); i++) {
      String key = keys.get(i);
      int slash = key.indexOf('/');
      try {
        TargetGroup g = build(keyUnits.get(i), key.substring(0, slash), key.substring(slash + 1));
        if (g == null) {
          continue; // the builder has nothing to say (upstream sends no group either)
        }
        // Re-sending an unchanged group (a late duplicate event) or the removal of a group that
        // was never sent changes nothing for the consumer; skip it.
        TargetGroup last =
            g.targets().isEmpty() ? delivered.remove(g.source()) : delivered.put(g.source(), g);
        if (g.equals(last) || (last == null && g.targets().isEmpty())) {
          continue;
        }
        groups.add(g);
      } catch (RuntimeException e) {
        // An object the builders cannot read (e.g. a field they do not expect to be null) must not
        // stop discovery of everything else: log it once per event and go on.
        log.log(
            Level.ERROR, "kubernetes_sd role " + role + ": cannot build target group " + key, e);
      }
    }
    if (!closed && !groups.isEmpty()) {
      updates.accept(groups);
    }
  }

  /**
   * Creates an informer for {@code resource} in {@code unit}'s namespace with the role's label and
   * field selectors (upstream's {@code ListWatch} functions set both on every list and watch), the
   * given indexers and event handler, and the retrying, explaining exception handler.
   *
   * @param selectorRole which {@code selectors} entry applies, e.g. {@code pod}
   * @param resource the plural resource name, for messages
   * @param apiGroup the API group, for messages
   */
  final <T extends HasMetadata, L extends KubernetesResourceList<T>, R extends Resource<T>>
      SharedIndexInformer<T> informer(
          U unit,
          MixedOperation<T, L, R> op,
          String selectorRole,
          String resource,
          String apiGroup,
          Map<String, Function<T, List<String>>> indexers,
          ResourceEventHandler<T> handler) {
    return informer(
        unit,
        unit.namespace.isEmpty() ? op.inAnyNamespace() : op.inNamespace(unit.namespace),
        selectorRole,
        resource,
        apiGroup,
        indexers,
        handler);
  }

  /**
   * {@link #informer(Unit, MixedOperation, String, String, String, Map, ResourceEventHandler)} for
   * an operation already scoped, e.g. to a cluster-scoped resource such as nodes.
   */
  final <T extends HasMetadata, L extends KubernetesResourceList<T>, R extends Resource<T>>
      SharedIndexInformer<T> informer(
          U unit,
          FilterWatchListDeletable<T, L, R> scoped,
          String selectorRole,
          String resource,
          String apiGroup,
          Map<String, Function<T, List<String>>> indexers,
          ResourceEventHandler<T> handler) {
    FilterWatchListDeletable<T, L, R> filtered = scoped;
    KubernetesSdConfig.Selector sel = selector(selectorRole);
    if (sel != null && !sel.label().isEmpty()) {
      filtered = filtered.withLabelSelector(sel.label());
    }
    if (sel != null && !sel.field().isEmpty()) {
      filtered = FieldSelectors.apply(filtered, sel.field());
    }
    SharedIndexInformer<T> informer =
        (indexers.isEmpty() ? filtered : filtered.withIndexers(indexers)).runnableInformer(0);
    informer.addEventHandler(handler);
    informer.exceptionHandler(
        (isStarted, t) -> {
          String verb = isStarted && t instanceof WatcherException ? "watch" : "list";
          log.log(
              Level.WARNING,
              "kubernetes_sd role "
                  + role
                  + ": "
                  + ApiErrors.describe(t, verb, resource, apiGroup, unit.namespace));
          failures.incrementAndGet(); // after logging, so a caller seeing the count sees the log
          // Always retry: a missing permission or a down API server is fixed from outside, and
          // Prometheus's reflectors retry for ever too. fabric8 backs off exponentially.
          return !closed;
        });
    unit.informers.add(informer);
    return informer;
  }

  /** A handler that enqueues every added, updated and deleted object. */
  final <T extends HasMetadata> ResourceEventHandler<T> enqueueAll() {
    return new ResourceEventHandler<>() {
      @Override
      public void onAdd(T obj) {
        enqueue(obj);
      }

      @Override
      public void onUpdate(T oldObj, T newObj) {
        enqueue(newObj);
      }

      @Override
      public void onDelete(T obj, boolean deletedFinalStateUnknown) {
        enqueue(obj);
      }
    };
  }

  private KubernetesSdConfig.Selector selector(String selectorRole) {
    for (KubernetesSdConfig.Selector s : selectors) {
      if (s.role().equals(selectorRole)) {
        return s;
      }
    }
    return null;
  }

  /**
   * Stops the informers and the worker. Waits (up to 10 s) for a delivery in progress, unless
   * called from the consumer itself, so that nothing is delivered after this returns.
   */
  @Override
  public final void close() {
    List<U> toStop;
    ExecutorService w;
    synchronized (lock) {
      if (closed) {
        return;
      }
      closed = true;
      toStop = new ArrayList<>(units.values());
      w = worker;
      pending.clear();
    }
    for (U unit : toStop) {
      for (SharedIndexInformer<?> informer : unit.informers) {
        informer.stop();
      }
    }
    if (w != null) {
      w.shutdownNow();
      if (Thread.currentThread() != workerThread) {
        try {
          w.awaitTermination(CLOSE_TIMEOUT_SECONDS, TimeUnit.SECONDS);
        } catch (InterruptedException e) {
          Thread.currentThread().interrupt();
        }
      }
    }
  }
}
