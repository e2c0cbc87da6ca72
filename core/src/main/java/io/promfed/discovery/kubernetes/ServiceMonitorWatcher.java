package io.promfed.discovery.kubernetes;

import io.fabric8.kubernetes.api.model.GenericKubernetesResource;
import io.fabric8.kubernetes.api.model.GenericKubernetesResourceList;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.fabric8.kubernetes.client.WatcherException;
import io.fabric8.kubernetes.client.dsl.FilterWatchListDeletable;
import io.fabric8.kubernetes.client.dsl.Resource;
import io.fabric8.kubernetes.client.dsl.base.ResourceDefinitionContext;
import io.fabric8.kubernetes.client.informers.ResourceEventHandler;
import io.fabric8.kubernetes.client.informers.SharedIndexInformer;
import io.promfed.config.ScrapeConfig;
import java.lang.System.Logger.Level;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;
import java.util.function.Consumer;

/**
 * Watches {@code monitoring.coreos.com/v1} ServiceMonitors and emits the scrape configs they
 * compile to ({@link ServiceMonitorCompiler}), the whole list each time it changes: what
 * prometheus-operator does when it regenerates {@code prometheus.yml}, without the file. The app
 * merges the list with the file's {@code scrape_configs} and applies the result, like a reload.
 *
 * <p>The objects are read untyped ({@link GenericKubernetesResource}), so no operator classes are
 * needed and the CRD is not required at start: without it, listing fails with 404, which is logged,
 * and retried with backoff, so installing the CRD later works. ServiceMonitors that do not compile
 * are logged and left out, as the operator rejects them. The first list is emitted once the watch
 * has synced (possibly empty); later lists only when different from the previous one.
 *
 * <p>Thread-safety: {@link #start} and {@link #close} from any thread; lists are delivered on one
 * worker thread, never concurrently and never after {@code close} returns. {@link #current()} may
 * be called from any thread.
 */
public final class ServiceMonitorWatcher implements AutoCloseable {

  private static final System.Logger LOG = System.getLogger(ServiceMonitorWatcher.class.getName());

  /** The ServiceMonitor resource: {@code servicemonitors.monitoring.coreos.com}, namespaced. */
  public static final ResourceDefinitionContext SERVICE_MONITORS =
      new ResourceDefinitionContext.Builder()
          .withGroup("monitoring.coreos.com")
          .withVersion("v1")
          .withKind("ServiceMonitor")
          .withPlural("servicemonitors")
          .withNamespaced(true)
          .build();

  private final KubernetesClient client;
  private final List<String> namespaces;
  private final String labelSelector;
  private final ServiceMonitorCompiler compiler;
  private final List<SharedIndexInformer<GenericKubernetesResource>> informers = new ArrayList<>();
  private final AtomicLong failures = new AtomicLong();
  private final Object lock = new Object();
  private final Map<String, String> lastRejection = new HashMap<>();
  private ExecutorService worker;
  private volatile Thread workerThread;
  private Consumer<List<ScrapeConfig>> updates;
  private int synced;
  private boolean recompileScheduled;
  private volatile boolean closed;
  private volatile List<ScrapeConfig> current = List.of();
  private boolean emittedOnce;

  /**
   * @param client the Kubernetes client (not closed by the watcher)
   * @param namespaces the namespaces whose ServiceMonitors count; {@code [""]} for all (the
   *     Prometheus CR's {@code serviceMonitorNamespaceSelector})
   * @param labelSelector a label selector for the ServiceMonitors, "" for all (the Prometheus CR's
   *     {@code serviceMonitorSelector})
   * @param compiler turns each ServiceMonitor into scrape configs
   */
  public ServiceMonitorWatcher(
      KubernetesClient client,
      List<String> namespaces,
      String labelSelector,
      ServiceMonitorCompiler compiler) {
    this.client = Objects.requireNonNull(client, "client");
    this.namespaces = List.copyOf(namespaces);
    if (this.namespaces.isEmpty()) {
      throw new IllegalArgumentException("no namespaces to watch (use \"\" for all namespaces)");
    }
    this.labelSelector = Objects.requireNonNull(labelSelector, "labelSelector");
    this.compiler = Objects.requireNonNull(compiler, "compiler");
  }

  /**
   * Starts watching; {@code updates} receives the complete list of compiled scrape configs, sorted
   * by ServiceMonitor ({@code <namespace>/<name>}) and endpoint index.
   */
  public void start(Consumer<List<ScrapeConfig>> updates) {
    Objects.requireNonNull(updates, "updates");
    synchronized (lock) {
      if (worker != null) {
        throw new IllegalStateException("already started");
      }
      if (closed) {
        return;
      }
      this.updates = updates;
      worker =
          Executors.newSingleThreadExecutor(
              r -> {
                Thread t = new Thread(r, "promfed-servicemonitor-watcher");
                t.setDaemon(true);
                workerThread = t;
                return t;
              });
      for (String ns : namespaces) {
        var op = client.genericKubernetesResources(SERVICE_MONITORS);
        FilterWatchListDeletable<
                GenericKubernetesResource,
                GenericKubernetesResourceList,
                Resource<GenericKubernetesResource>>
            filtered = ns.isEmpty() ? op.inAnyNamespace() : op.inNamespace(ns);
        if (!labelSelector.isEmpty()) {
          filtered = filtered.withLabelSelector(labelSelector);
        }
        SharedIndexInformer<GenericKubernetesResource> informer = filtered.runnableInformer(0);
        informer.addEventHandler(
            new ResourceEventHandler<>() {
              @Override
              public void onAdd(GenericKubernetesResource obj) {
                scheduleRecompile();
              }

              @Override
              public void onUpdate(GenericKubernetesResource o, GenericKubernetesResource n) {
                scheduleRecompile();
              }

              @Override
              public void onDelete(GenericKubernetesResource obj, boolean unknownFinalState) {
                scheduleRecompile();
              }
            });
        informer.exceptionHandler(
            (isStarted, t) -> {
              LOG.log(
                  Level.WARNING,
                  "ServiceMonitor watch: "
                      + ApiErrors.describe(
                          t,
                          isStarted && t instanceof WatcherException ? "watch" : "list",
                          "servicemonitors",
                          "monitoring.coreos.com",
                          ns));
              failures.incrementAndGet();
              return !closed;
            });
        informers.add(informer);
      }
    }
    for (SharedIndexInformer<GenericKubernetesResource> informer : informers) {
      informer
          .start()
          .whenComplete(
              (v, t) -> {
                if (t == null) {
                  synchronized (lock) {
                    synced++;
                  }
                  scheduleRecompile();
                }
              });
    }
  }

  /** The last emitted list (empty before the first). */
  public List<ScrapeConfig> current() {
    return current;
  }

  /** Failed lists and watches so far. */
  public long failuresTotal() {
    return failures.get();
  }

  private void scheduleRecompile() {
    synchronized (lock) {
      if (closed || recompileScheduled || worker == null) {
        return;
      }
      recompileScheduled = true;
      worker.execute(this::recompile);
    }
  }

  private void recompile() {
    synchronized (lock) {
      recompileScheduled = false;
      if (synced < informers.size()) {
        return; // the first list comes when every namespace has listed
      }
    }
    List<ServiceMonitor> monitors = new ArrayList<>();
    Map<String, String> rejections = new HashMap<>();
    for (SharedIndexInformer<GenericKubernetesResource> informer : informers) {
      for (GenericKubernetesResource r : informer.getStore().list()) {
        try {
          monitors.add(ServiceMonitor.from(r));
        } catch (IllegalArgumentException e) {
          rejections.put(
              r.getMetadata().getNamespace() + "/" + r.getMetadata().getName(), e.getMessage());
        }
      }
    }
    List<ScrapeConfig> configs =
        compiler.compileAll(monitors, (sm, reason) -> rejections.put(sm.key(), reason));
    // Log a rejection when it appears or changes, not on every recompile.
    rejections.forEach(
        (key, reason) -> {
          if (!reason.equals(lastRejection.get(key))) {
            LOG.log(Level.WARNING, "ServiceMonitor " + key + " rejected: " + reason);
          }
        });
    lastRejection.clear();
    lastRejection.putAll(rejections);
    if (closed || (emittedOnce && configs.equals(current))) {
      return;
    }
    emittedOnce = true;
    current = List.copyOf(configs);
    updates.accept(current);
  }

  /** Stops watching; waits up to 10 s for a delivery in progress. Idempotent. */
  @Override
  public void close() {
    ExecutorService w;
    synchronized (lock) {
      if (closed) {
        return;
      }
      closed = true;
      w = worker;
    }
    for (SharedIndexInformer<GenericKubernetesResource> informer : informers) {
      informer.stop();
    }
    if (w != null) {
      w.shutdownNow();
      if (Thread.currentThread() != workerThread) {
        try {
          w.awaitTermination(10, TimeUnit.SECONDS);
        } catch (InterruptedException e) {
          Thread.currentThread().interrupt();
        }
      }
    }
  }
}
