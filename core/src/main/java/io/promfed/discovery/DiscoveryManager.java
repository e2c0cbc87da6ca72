package io.promfed.discovery;

import io.promfed.config.KubernetesSdConfig;
import io.promfed.config.PrometheusConfig;
import io.promfed.config.ScrapeConfig;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.function.BiConsumer;

/**
 * Runs the discoverers of every scrape job and hands each job's full, current target groups to a
 * sink, normally {@code ScrapeManager::updateTargets} (Prometheus's {@code discovery.Manager}).
 * A job with several providers (static_configs plus kubernetes_sd_configs) gets the union of their
 * groups; each provider's group replaces its earlier group with the same source. Jobs whose
 * discovery config did not change keep their discoverers (and watches) across reloads.
 * Thread-safe.
 */
public final class DiscoveryManager {

  /** Creates a Kubernetes discoverer for one {@code kubernetes_sd_configs} entry. */
  @FunctionalInterface
  public interface KubernetesDiscovererFactory {
    Discoverer create(String jobName, KubernetesSdConfig config);
  }

  /**
   * Providers an app adds to a job beyond what its config file names, such as the master's
   * leaves from Spring Cloud's DiscoveryClient. Called whenever the job's discoverers are (re)built;
   * returns new, unstarted discoverers, or an empty list.
   */
  @FunctionalInterface
  public interface JobDiscoverers {
    JobDiscoverers NONE = jobName -> List.of();

    List<Discoverer> forJob(String jobName);
  }

  private static final System.Logger LOG = System.getLogger(DiscoveryManager.class.getName());

  private final BiConsumer<String, List<TargetGroup>> sink;
  private final KubernetesDiscovererFactory kubernetes;
  private final JobDiscoverers extra;

  private final Map<String, Job> jobs = new LinkedHashMap<>();
  private boolean stopped;

  /** The discoverers of one job and the latest groups of each, by provider and source. */
  private final class Job {
    final String name;
    final DiscoveryKey key;
    final List<Discoverer> discoverers = new ArrayList<>();
    final List<Map<String, TargetGroup>> groupsByProvider = new ArrayList<>();

    Job(String name, DiscoveryKey key) {
      this.name = name;
      this.key = key;
    }

    void start(List<Discoverer> providers) {
      for (int i = 0; i < providers.size(); i++) {
        groupsByProvider.add(new LinkedHashMap<>());
      }
      for (int i = 0; i < providers.size(); i++) {
        final int provider = i;
        Discoverer d = providers.get(i);
        discoverers.add(d);
        d.start(update -> onUpdate(this, provider, update));
      }
    }

    void close() {
      for (Discoverer d : discoverers) {
        try {
          d.close();
        } catch (RuntimeException e) {
          LOG.log(System.Logger.Level.WARNING, "closing a discoverer of job " + name + " failed", e);
        }
      }
    }
  }

  /** What decides whether a job's discoverers must be rebuilt on reload. */
  private record DiscoveryKey(Object staticConfigs, Object kubernetesSdConfigs) {}

  /**
   * @param sink receives (job name, all current groups of the job) after every change
   * @param kubernetes creates Kubernetes discoverers; null when not running with Kubernetes, in
   *     which case kubernetes_sd_configs are reported and ignored
   */
  public DiscoveryManager(
      BiConsumer<String, List<TargetGroup>> sink, KubernetesDiscovererFactory kubernetes) {
    this(sink, kubernetes, JobDiscoverers.NONE);
  }

  /** As above, plus the app's own providers for some jobs (see {@link JobDiscoverers}). */
  public DiscoveryManager(
      BiConsumer<String, List<TargetGroup>> sink,
      KubernetesDiscovererFactory kubernetes,
      JobDiscoverers extra) {
    this.sink = sink;
    this.kubernetes = kubernetes;
    this.extra = extra;
  }

  /** Starts, keeps or stops discoverers so that they match {@code config}'s scrape jobs. */
  public synchronized void applyConfig(PrometheusConfig config) {
    applyScrapeConfigs(config.scrapeConfigs());
  }

  /** As {@link #applyConfig}, for a list of jobs (file jobs plus ServiceMonitor jobs). */
  public synchronized void applyScrapeConfigs(List<ScrapeConfig> scrapeConfigs) {
    if (stopped) {
      return;
    }
    Map<String, ScrapeConfig> wanted = new LinkedHashMap<>();
    for (ScrapeConfig sc : scrapeConfigs) {
      wanted.put(sc.jobName(), sc);
    }
    for (String name : new ArrayList<>(jobs.keySet())) {
      ScrapeConfig sc = wanted.get(name);
      if (sc == null || !jobs.get(name).key.equals(keyOf(sc))) {
        jobs.remove(name).close();
      }
    }
    for (ScrapeConfig sc : wanted.values()) {
      if (!jobs.containsKey(sc.jobName())) {
        Job job = new Job(sc.jobName(), keyOf(sc));
        jobs.put(sc.jobName(), job);
        job.start(providersOf(sc));
        // A job without any provider still needs its (empty) target list published, so the
        // scrape side drops targets of a provider that was removed from the config.
        if (job.discoverers.isEmpty()) {
          sink.accept(sc.jobName(), List.of());
        }
      }
    }
  }

  private static DiscoveryKey keyOf(ScrapeConfig sc) {
    return new DiscoveryKey(sc.staticConfigs(), sc.kubernetesSdConfigs());
  }

  private List<Discoverer> providersOf(ScrapeConfig sc) {
    List<Discoverer> providers = new ArrayList<>();
    if (!sc.staticConfigs().isEmpty()) {
      providers.add(new StaticDiscoverer(sc.staticConfigs()));
    }
    for (KubernetesSdConfig k : sc.kubernetesSdConfigs()) {
      if (kubernetes == null) {
        LOG.log(
            System.Logger.Level.WARNING,
            "job {0}: kubernetes_sd_configs ignored: not running with a Kubernetes client",
            sc.jobName());
      } else {
        try {
          providers.add(kubernetes.create(sc.jobName(), k));
        } catch (RuntimeException e) {
          // One unusable discovery entry must not take the other jobs down with it.
          LOG.log(
              System.Logger.Level.ERROR,
              "job {0}: cannot start Kubernetes discovery: {1}",
              sc.jobName(),
              e.getMessage());
        }
      }
    }
    providers.addAll(extra.forJob(sc.jobName()));
    return providers;
  }

  private void onUpdate(Job job, int provider, List<TargetGroup> update) {
    List<TargetGroup> all;
    synchronized (this) {
      if (jobs.get(job.name) != job) {
        return; // an update racing with the job's removal
      }
      Map<String, TargetGroup> groups = job.groupsByProvider.get(provider);
      for (TargetGroup g : update) {
        if (g.targets().isEmpty()) {
          groups.remove(g.source());
        } else {
          groups.put(g.source(), g);
        }
      }
      all = new ArrayList<>();
      for (Map<String, TargetGroup> m : job.groupsByProvider) {
        all.addAll(m.values());
      }
    }
    sink.accept(job.name, all);
  }

  /** The latest groups of every job, for the service-discovery API. */
  public synchronized Map<String, List<TargetGroup>> targetGroups() {
    Map<String, List<TargetGroup>> out = new HashMap<>();
    for (Job j : jobs.values()) {
      List<TargetGroup> all = new ArrayList<>();
      j.groupsByProvider.forEach(m -> all.addAll(m.values()));
      out.put(j.name, all);
    }
    return out;
  }

  public synchronized void stop() {
    stopped = true;
    jobs.values().forEach(Job::close);
    jobs.clear();
  }
}
