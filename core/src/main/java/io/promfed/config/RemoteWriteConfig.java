package io.promfed.config;

import io.promfed.model.gostrconv.GoQuote;
import io.promfed.model.relabel.RelabelConfig;
import java.net.URI;
import java.time.Duration;
import java.util.List;
import java.util.Objects;

/**
 * One {@code remote_write} entry: the subset of Prometheus's {@code RemoteWriteConfig}
 * (prometheus/prometheus {@code config/config.go}) this suite supports. Immutable; {@link
 * #toString()} hides the bearer token.
 *
 * @param url the receiver's endpoint; {@code http} or {@code https}
 * @param remoteTimeout timeout of one request (default 30s)
 * @param writeRelabelConfigs relabeling applied to each series before sending
 * @param basicAuth basic authentication, or {@code null}
 * @param bearerToken a bearer token, or ""
 * @param bearerTokenFile a file holding the bearer token, or ""
 * @param queueConfig sharding, batching and retry settings (default {@link QueueConfig#DEFAULT})
 */
public record RemoteWriteConfig(
    URI url,
    Duration remoteTimeout,
    List<RelabelConfig> writeRelabelConfigs,
    BasicAuth basicAuth,
    String bearerToken,
    String bearerTokenFile,
    QueueConfig queueConfig) {

  /** Prometheus's {@code DefaultRemoteWriteConfig.RemoteTimeout}. */
  public static final Duration DEFAULT_REMOTE_TIMEOUT = Duration.ofSeconds(30);

  /**
   * The checks of {@code RemoteWriteConfig.UnmarshalYAML} and {@code Validate}; additionally the
   * URL scheme must be http or https (Prometheus finds out only when sending).
   */
  public RemoteWriteConfig {
    if (url == null) {
      throw new IllegalArgumentException("url for remote_write is empty");
    }
    String scheme = url.getScheme();
    if (!"http".equals(scheme) && !"https".equals(scheme)) {
      throw new IllegalArgumentException(
          "URL scheme must be 'http' or 'https' in remote_write url "
              + GoQuote.quote(url.toString()));
    }
    Objects.requireNonNull(remoteTimeout, "remoteTimeout");
    writeRelabelConfigs = List.copyOf(writeRelabelConfigs);
    Objects.requireNonNull(bearerToken, "bearerToken");
    Objects.requireNonNull(bearerTokenFile, "bearerTokenFile");
    Objects.requireNonNull(queueConfig, "queueConfig");
    HttpClientChecks.validate(basicAuth, bearerToken, bearerTokenFile);
    for (RelabelConfig rc : writeRelabelConfigs) {
      rc.validate();
    }
  }

  @Override
  public String toString() {
    return "RemoteWriteConfig[url="
        + url
        + ", remoteTimeout="
        + remoteTimeout
        + ", writeRelabelConfigs="
        + writeRelabelConfigs
        + ", basicAuth="
        + basicAuth
        + ", bearerToken="
        + (bearerToken.isEmpty() ? "" : "<secret>")
        + ", bearerTokenFile="
        + bearerTokenFile
        + ", queueConfig="
        + queueConfig
        + "]";
  }
}
