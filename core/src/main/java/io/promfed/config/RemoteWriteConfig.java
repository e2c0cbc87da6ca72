package io.promfed.config;

import io.promfed.model.gostrconv.GoQuote;
import io.promfed.model.relabel.RelabelConfig;
import java.net.URI;
import java.time.Duration;
import java.util.Collections;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Objects;
import java.util.Set;
import java.util.TreeMap;

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
 * @param name {@code name}: the queue's {@code remote_name} in metrics and logs, unique among the
 *     remote write configs when set; "" to name the queue after a hash of its config
 * @param headers {@code headers}: extra HTTP headers sent with every request; none of the
 *     protocol's own (see {@link #RESERVED_HEADERS}) nor {@code Authorization}
 */
public record RemoteWriteConfig(
    URI url,
    Duration remoteTimeout,
    List<RelabelConfig> writeRelabelConfigs,
    BasicAuth basicAuth,
    String bearerToken,
    String bearerTokenFile,
    QueueConfig queueConfig,
    String name,
    Map<String, String> headers) {

  /** Prometheus's {@code DefaultRemoteWriteConfig.RemoteTimeout}. */
  public static final Duration DEFAULT_REMOTE_TIMEOUT = Duration.ofSeconds(30);

  /**
   * config.go's {@code reservedHeaders}, lower case: set by the protocol or the HTTP client, so a
   * configured value would either break the request or be silently overridden.
   */
  public static final Set<String> RESERVED_HEADERS =
      Set.of(
          "host",
          "content-encoding",
          "content-length",
          "content-type",
          "user-agent",
          "connection",
          "keep-alive",
          "proxy-authenticate",
          "proxy-authorization",
          "www-authenticate",
          "accept-encoding",
          "x-prometheus-remote-write-version",
          "x-prometheus-remote-read-version",
          "x-amz-date",
          "x-amz-security-token",
          "x-amz-content-sha256");

  /** An unnamed entry without extra headers. */
  public RemoteWriteConfig(
      URI url,
      Duration remoteTimeout,
      List<RelabelConfig> writeRelabelConfigs,
      BasicAuth basicAuth,
      String bearerToken,
      String bearerTokenFile,
      QueueConfig queueConfig) {
    this(
        url,
        remoteTimeout,
        writeRelabelConfigs,
        basicAuth,
        bearerToken,
        bearerTokenFile,
        queueConfig,
        "",
        Map.of());
  }

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
    Objects.requireNonNull(name, "name");
    headers = Collections.unmodifiableMap(new TreeMap<>(headers)); // sorted: stable toString
    checkHeaders(headers);
    HttpClientChecks.validate(basicAuth, bearerToken, bearerTokenFile);
    for (RelabelConfig rc : writeRelabelConfigs) {
      rc.validate();
    }
  }

  /** config.go {@code validateHeaders}, with its messages. */
  static void checkHeaders(Map<String, String> headers) {
    for (Map.Entry<String, String> h : headers.entrySet()) {
      String lower = h.getKey().toLowerCase(Locale.ROOT);
      if (lower.equals("authorization")) {
        throw new IllegalArgumentException(
            "authorization header must be changed via the basic_auth, authorization, oauth2,"
                + " sigv4, azuread or google_iam parameter");
      }
      if (RESERVED_HEADERS.contains(lower)) {
        throw new IllegalArgumentException(
            h.getKey() + " is a reserved header. It must not be changed");
      }
      Objects.requireNonNull(h.getValue(), "header value");
    }
  }

  @Override
  public String toString() {
    // Header values may carry credentials (X-Scope-OrgID is harmless, API keys are not): names only.
    return "RemoteWriteConfig[name="
        + name
        + ", url="
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
        + ", headers="
        + headers.keySet()
        + "]";
  }
}
