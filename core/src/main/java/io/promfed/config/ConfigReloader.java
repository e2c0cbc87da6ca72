package io.promfed.config;

import java.nio.file.Path;
import java.time.Clock;
import java.util.List;
import java.util.concurrent.atomic.AtomicLong;
import java.util.function.Consumer;

/**
 * Loads the Prometheus config file and hands every successfully loaded config to the components
 * that use it (Prometheus's {@code reloadConfig} in cmd/prometheus/main.go). A file that fails to
 * load or validate changes nothing: the previous config stays in force and the error is kept for
 * the reload endpoint, the logs and the {@code config_last_reload_successful} gauge. Thread-safe:
 * reloads are serialized.
 */
public final class ConfigReloader {

  private static final System.Logger LOG = System.getLogger(ConfigReloader.class.getName());

  private final Path file;
  private final Clock clock;
  private final List<Consumer<PrometheusConfig>> appliers;
  private final AtomicLong reloads = new AtomicLong();
  private final AtomicLong failures = new AtomicLong();

  private volatile PrometheusConfig current = PrometheusConfig.empty();
  private volatile boolean lastSuccessful = true;
  private volatile long lastSuccessEpochSeconds;
  private volatile String lastError = "";

  /** @param appliers called in order with each new config (discovery after scrape, like upstream) */
  public ConfigReloader(Path file, Clock clock, List<Consumer<PrometheusConfig>> appliers) {
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
      failures.incrementAndGet();
      lastSuccessful = false;
      lastError = e.getMessage();
      LOG.log(System.Logger.Level.ERROR, "Error reloading config: {0}", e.getMessage());
      throw e;
    }
    for (Consumer<PrometheusConfig> apply : appliers) {
      apply.accept(next);
    }
    current = next;
    lastSuccessful = true;
    lastError = "";
    lastSuccessEpochSeconds = clock.instant().getEpochSecond();
    LOG.log(System.Logger.Level.INFO, "Completed loading of configuration file {0}", file);
    return next;
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
