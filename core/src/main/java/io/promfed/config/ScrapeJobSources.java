package io.promfed.config;

import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.function.Consumer;

/**
 * Joins the scrape jobs of the config file with jobs from other sources (ServiceMonitors compiled
 * by prometheus-operator's rules) into one config for the scrape and discovery managers — what the
 * operator does by regenerating Prometheus's file, done in-process. A file job wins over a
 * generated job of the same name, which is reported once per change. Thread-safe.
 */
public final class ScrapeJobSources {

  private static final System.Logger LOG = System.getLogger(ScrapeJobSources.class.getName());

  private final List<Consumer<PrometheusConfig>> appliers;
  private PrometheusConfig fileConfig = PrometheusConfig.empty();
  private final Map<String, List<ScrapeConfig>> extraJobs = new LinkedHashMap<>();
  private PrometheusConfig merged;

  public ScrapeJobSources(List<Consumer<PrometheusConfig>> appliers) {
    this.appliers = List.copyOf(appliers);
  }

  /** A newly loaded config file. */
  public synchronized void fileConfig(PrometheusConfig config) {
    this.fileConfig = config;
    apply();
  }

  /** The current jobs of one other source, replacing its earlier jobs. */
  public synchronized void extraJobs(String source, List<ScrapeConfig> jobs) {
    extraJobs.put(source, List.copyOf(jobs));
    apply();
  }

  /** The config last handed to the appliers. */
  public synchronized PrometheusConfig merged() {
    return merged == null ? fileConfig : merged;
  }

  private void apply() {
    List<ScrapeConfig> jobs = new ArrayList<>(fileConfig.scrapeConfigs());
    Set<String> names = new LinkedHashSet<>();
    jobs.forEach(j -> names.add(j.jobName()));
    for (Map.Entry<String, List<ScrapeConfig>> e : extraJobs.entrySet()) {
      for (ScrapeConfig j : e.getValue()) {
        if (names.add(j.jobName())) {
          jobs.add(j);
        } else {
          LOG.log(
              System.Logger.Level.WARNING,
              "job {0} from {1} ignored: the config file has a job of that name",
              j.jobName(),
              e.getKey());
        }
      }
    }
    merged =
        new PrometheusConfig(
            fileConfig.global(), fileConfig.ruleFiles(), jobs, fileConfig.remoteWriteConfigs());
    for (Consumer<PrometheusConfig> apply : appliers) {
      apply.accept(merged);
    }
  }
}
