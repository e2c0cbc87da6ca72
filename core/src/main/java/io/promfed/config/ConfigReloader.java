package io.promfed.config;

import java.nio.file.Path;
import java.time.Clock;
import java.util.List;
import java.util.concurrent.atomic.AtomicLong;

/**
 * Loads the Prometheus config file and hands every successfully loaded config to the components
 * that use it (Prometheus's {@code reloadConfig} in cmd/prometheus/main.go). A file that fails to
 * load or validate changes nothing: the previous config stays in force and the error is kept for
 * the reload endpoint, the logs and the {@code config_last_reload_successful} gauge. Thread-safe:
 * reloads are serialized.
 */
public final class ConfigReloader {

  /** A component that takes each new config; it may refuse its part (rule files, say). */
  @FunctionalInterface
  public interface Applier {
    void apply(PrometheusConfig config) throws ConfigException;
  }

  private static final System.Logger LOG = System.getLogger(ConfigReloader.class.getName());

  private final Path file;
  private final Clock clock;
  private final List<Applier> appliers;
  private final AtomicLong reloads = new AtomicLong();
  private final AtomicLong failures = new AtomicLong();

  private volatile PrometheusConfig current = PrometheusConfig.empty();
  private volatile boolean lastSuccessful = true;
  private volatile long lastSuccessEpochSeconds;
  private volatile String lastError = "";

  /**
   * @param appliers called in order with each new config (discovery after scrape, rules last, like
   *     upstream); every applier runs even if an earlier one refused its part, as in Prometheus's
   *     reloadConfig, and any refusal marks the reload failed
   */
  public ConfigReloader(Path file, Clock clock, List<Applier> appliers) {
    this.file = file;
    this.clock = clock;
    this.appliers = List.copyOf(appliers);
  }

  /**
   * Loads the file and applies it.
   *
   * @throws ConfigException naming the file, line and problem; the old config stays applied
   */
  public synchronized PrometheusConfig reload() throws ConfigException {
    reloads.incrementAndGet();
    PrometheusConfig next;
    try {
      next = ConfigLoader.load(file);
    } catch (ConfigException e) {
      throw failed(e);
    }
    ConfigException refused = null;
    for (Applier applier : appliers) {
      try {
        applier.apply(next);
      } catch (ConfigException e) {
        refused = refused == null ? e : refused;
      }
    }
    current = next;
    if (refused != null) {
      throw failed(refused);
    }
    lastSuccessful = true;
    lastError = "";
    lastSuccessEpochSeconds = clock.instant().getEpochSecond();
    LOG.log(System.Logger.Level.INFO, "Completed loading of configuration file {0}", file);
    return next;
  }

  private ConfigException failed(ConfigException e) {
    failures.incrementAndGet();
    lastSuccessful = false;
    lastError = e.getMessage();
    LOG.log(System.Logger.Level.ERROR, "Error reloading config: {0}", e.getMessage());
    return e;
  }

  public Path file() {
    return file;
  }

  public PrometheusConfig current() {
    return current;
  }

  public boolean lastSuccessful() {
    return lastSuccessful;
  }

  public long lastSuccessEpochSeconds() {
    return lastSuccessEpochSeconds;
  }

  public String lastError() {
    return lastError;
  }

  public long reloads() {
    return reloads.get();
  }

  public long failures() {
    return failures.get();
  }
}
