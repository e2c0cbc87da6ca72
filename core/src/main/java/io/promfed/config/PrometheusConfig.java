package io.promfed.config;

import io.promfed.model.gostrconv.GoQuote;
import java.util.HashSet;
import java.util.List;
import java.util.Objects;
import java.util.Set;

/**
 * A whole Prometheus configuration file: prometheus/prometheus {@code config.Config}, reduced to
 * the sections this suite implements. Built by {@link ConfigLoader}; immutable and thread-safe, so
 * a reload swaps one reference.
 *
 * @param global the {@code global} block (defaults when absent)
 * @param ruleFiles {@code rule_files} globs, relative paths resolved against the config file's
 *     directory by {@link ConfigLoader#load}
 * @param scrapeConfigs {@code scrape_configs} in file order, with globals already inherited
 * @param remoteWriteConfigs {@code remote_write} entries in file order
 * @param remoteReadConfigs {@code remote_read} entries in file order
 */
public record PrometheusConfig(
    GlobalConfig global,
    List<String> ruleFiles,
    List<ScrapeConfig> scrapeConfigs,
    List<RemoteWriteConfig> remoteWriteConfigs,
    List<RemoteReadConfig> remoteReadConfigs) {

  /**
   * The checks of {@code Config.UnmarshalYAML}: rule file globs, unique job names, unique remote
   * read names.
   */
  public PrometheusConfig {
    Objects.requireNonNull(global, "global");
    ruleFiles = List.copyOf(ruleFiles);
    scrapeConfigs = List.copyOf(scrapeConfigs);
    remoteWriteConfigs = List.copyOf(remoteWriteConfigs);
    remoteReadConfigs = List.copyOf(remoteReadConfigs);
    for (String rf : ruleFiles) {
      checkRuleFilePath(rf);
    }
    Set<String> jobs = new HashSet<>();
    for (ScrapeConfig sc : scrapeConfigs) {
      if (!jobs.add(sc.jobName())) {
        throw duplicateJob(sc.jobName());
      }
    }
    Set<String> readNames = new HashSet<>();
    for (RemoteReadConfig rr : remoteReadConfigs) {
      if (!rr.name().isEmpty() && !readNames.add(rr.name())) {
        throw duplicateRemoteRead(rr.name());
      }
    }
  }

  /** A config without {@code remote_read} entries. */
  public PrometheusConfig(
      GlobalConfig global,
      List<String> ruleFiles,
      List<ScrapeConfig> scrapeConfigs,
      List<RemoteWriteConfig> remoteWriteConfigs) {
    this(global, ruleFiles, scrapeConfigs, remoteWriteConfigs, List.of());
  }

  /** An empty file: default globals, nothing to scrape. */
  public static PrometheusConfig empty() {
    return new PrometheusConfig(GlobalConfig.DEFAULT, List.of(), List.of(), List.of(), List.of());
  }

  /** This config with {@code scrapeConfigs} in place of its own; the rest is unchanged. */
  public PrometheusConfig withScrapeConfigs(List<ScrapeConfig> scrapeConfigs) {
    return new PrometheusConfig(global, ruleFiles, scrapeConfigs, remoteWriteConfigs);
  }

  /** The scrape config for {@code jobName}, or {@code null}. */
  public ScrapeConfig scrapeConfig(String jobName) {
    for (ScrapeConfig sc : scrapeConfigs) {
      if (sc.jobName().equals(jobName)) {
        return sc;
      }
    }
    return null;
  }

  static IllegalArgumentException duplicateJob(String jobName) {
    return new IllegalArgumentException(
        "found multiple scrape configs with job name " + GoQuote.quote(jobName));
  }

  static IllegalArgumentException duplicateRemoteRead(String name) {
    return new IllegalArgumentException(
        "found multiple remote read configs with job name " + GoQuote.quote(name));
  }

  /**
   * {@code patRulePath} = {@code ^[^*]*(\*[^/]*)?$}: a glob may use {@code *} only in the last path
   * element.
   */
  static void checkRuleFilePath(String path) {
    int star = path.indexOf('*');
    if (star >= 0 && path.indexOf('/', star) >= 0) {
      throw new IllegalArgumentException("invalid rule file path " + GoQuote.quote(path));
    }
  }
}
