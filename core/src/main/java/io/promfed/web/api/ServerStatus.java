package io.promfed.web.api;

import io.promfed.config.ConfigReloader;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.lang.management.ManagementFactory;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.time.Instant;
import java.util.Map;
import java.util.TreeMap;
import java.util.function.LongSupplier;

/**
 * The {@link StatusRetriever} of a server whose configuration a {@link ConfigReloader} loads (the
 * leaf and the master).
 *
 * <p>{@link #configYaml()} serves the text of the configuration file as it was when the last
 * successful reload happened: Prometheus re-marshals its parsed config, we show the file itself
 * (comments included), with secret values replaced by {@code <secret>} as Prometheus shows them
 * ({@link ConfigSecrets}). The text is read again after each successful reload and kept, so an edit
 * that has not been reloaded, or a reload that failed, does not show. (It is read on the first
 * request after the reload, so an edit made in between would show; ConfigReloader does not keep the
 * text it parsed.)
 *
 * <p>Thread-safe.
 */
public final class ServerStatus implements StatusRetriever {

  private final ConfigReloader reloader;
  private final BuildInfo buildInfo;
  private final Map<String, String> flags;
  private final String storageRetention;
  private final LongSupplier nowMs;
  private final Instant startTime;
  private final String hostname;

  private long configTextReloads = -1;
  private String configText = "";

  /**
   * @param flags the server's settings under Prometheus's flag names ({@code config.file}, {@code
   *     query.timeout} …)
   * @param storageRetention shown as {@code storageRetention}, e.g. {@code 1d}
   * @param nowMs the clock; the start time is taken from it now
   */
  public ServerStatus(
      ConfigReloader reloader,
      BuildInfo buildInfo,
      Map<String, String> flags,
      String storageRetention,
      LongSupplier nowMs) {
    this.reloader = reloader;
    this.buildInfo = buildInfo;
    this.flags = java.util.Collections.unmodifiableMap(new TreeMap<>(flags));
    this.storageRetention = storageRetention;
    this.nowMs = nowMs;
    this.startTime = Instant.ofEpochMilli(nowMs.getAsLong());
    this.hostname = GlobalUrlOptions.localHostname();
  }

  @Override
  public BuildInfo buildInfo() {
    return buildInfo;
  }

  @Override
  public synchronized String configYaml() {
    long successes = reloader.reloads() - reloader.failures();
    if (successes != configTextReloads) {
      try {
        configText =
            successes == 0
                ? ""
                : ConfigSecrets.mask(Files.readString(reloader.file(), StandardCharsets.UTF_8));
      } catch (IOException e) {
        throw new UncheckedIOException("reading " + reloader.file(), e);
      }
      configTextReloads = successes;
    }
    return configText;
  }

  @Override
  public Map<String, String> flags() {
    return flags;
  }

  @Override
  public RuntimeInfo runtimeInfo() {
    long lastConfig = reloader.lastSuccessEpochSeconds();
    return new RuntimeInfo(
        startTime,
        System.getProperty("user.dir", ""),
        hostname,
        Instant.ofEpochMilli(nowMs.getAsLong()),
        reloader.lastSuccessful(),
        lastConfig == 0 ? null : Instant.ofEpochSecond(lastConfig),
        0,
        ManagementFactory.getThreadMXBean().getThreadCount(),
        Runtime.getRuntime().availableProcessors(),
        Runtime.getRuntime().maxMemory(),
        "",
        "",
        storageRetention);
  }
}
