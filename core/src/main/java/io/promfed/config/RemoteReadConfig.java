package io.promfed.config;

import io.promfed.model.gostrconv.GoQuote;
import java.net.URI;
import java.time.Duration;
import java.util.Locale;
import java.util.Map;
import java.util.Objects;
import java.util.Set;
import java.util.TreeMap;

/**
 * One {@code remote_read} entry: the subset of Prometheus's {@code RemoteReadConfig}
 * (prometheus/prometheus {@code config/config.go}) this suite supports. Immutable; {@link
 * #toString()} hides the bearer token and header values.
 *
 * @param url the remote read endpoint, e.g. {@code http://leaf:9091/api/v1/read}; http or https
 * @param name a name unique among the remote_read entries, or "" (then the URL names it)
 * @param remoteTimeout timeout of one request (default 1m)
 * @param headers extra HTTP headers sent with every request; reserved ones are refused
 * @param readRecent whether to read from the remote also for time ranges the local store holds
 *     (default false: only older samples are read remotely)
 * @param requiredMatchers equality matchers that must all appear in a selector for it to be sent
 *     to this endpoint at all
 * @param filterExternalLabels whether the local external labels are added to every remote query
 *     as equality matchers, and removed from the series read back (default true)
 * @param basicAuth basic authentication, or {@code null}
 * @param bearerToken a bearer token, or ""
 * @param bearerTokenFile a file holding the bearer token, or ""
 */
public record RemoteReadConfig(
    URI url,
    String name,
    Duration remoteTimeout,
    Map<String, String> headers,
    boolean readRecent,
    Map<String, String> requiredMatchers,
    boolean filterExternalLabels,
    BasicAuth basicAuth,
    String bearerToken,
    String bearerTokenFile) {

  /** Prometheus's {@code DefaultRemoteReadConfig.RemoteTimeout}. */
  public static final Duration DEFAULT_REMOTE_TIMEOUT = Duration.ofMinutes(1);

  /**
   * Headers set by the client itself, which configuration must not change: prometheus/prometheus
   * config.go's {@code reservedHeaders}.
   */
  static final Set<String> RESERVED_HEADERS =
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
          "x-prometheus-remote-read-version");

  /** The checks of {@code RemoteReadConfig.UnmarshalYAML}, plus the URL scheme. */
  public RemoteReadConfig {
    if (url == null) {
      throw new IllegalArgumentException("url for remote_read is empty");
    }
    String scheme = url.getScheme();
    if (!"http".equals(scheme) && !"https".equals(scheme)) {
      throw new IllegalArgumentException(
          "URL scheme must be 'http' or 'https' in remote_read url "
              + GoQuote.quote(url.toString()));
    }
    Objects.requireNonNull(name, "name");
    Objects.requireNonNull(remoteTimeout, "remoteTimeout");
    headers = Map.copyOf(headers);
    requiredMatchers = Map.copyOf(requiredMatchers);
    Objects.requireNonNull(bearerToken, "bearerToken");
    Objects.requireNonNull(bearerTokenFile, "bearerTokenFile");
    for (String header : new TreeMap<>(headers).keySet()) {
      String lower = header.toLowerCase(Locale.ROOT);
      if (lower.equals("authorization")) {
        throw new IllegalArgumentException(
            "authorization header must be changed via the basic_auth, authorization, oauth2,"
                + " sigv4, or azuread parameter");
      }
      if (RESERVED_HEADERS.contains(lower)) {
        throw new IllegalArgumentException(header + " is a reserved header. It must not be changed");
      }
    }
    HttpClientChecks.validate(basicAuth, bearerToken, bearerTokenFile);
  }

  /**
   * An entry for a leaf found at run time rather than configured: Prometheus's defaults, except
   * that recent data is read too (the leaf holds what the master does not) and the master's
   * external labels are not imposed on the leaf's series.
   */
  public static RemoteReadConfig forLeaf(URI url) {
    return new RemoteReadConfig(
        url, "", DEFAULT_REMOTE_TIMEOUT, Map.of(), true, Map.of(), false, null, "", "");
  }

  /** The name used in messages and metrics: {@link #name()}, or the URL when unnamed. */
  public String displayName() {
    return name.isEmpty() ? url.toString() : name;
  }

  @Override
  public String toString() {
    return "RemoteReadConfig[url="
        + url
        + ", name="
        + name
        + ", remoteTimeout="
        + remoteTimeout
        + ", headers="
        + new TreeMap<>(headers).keySet()
        + ", readRecent="
        + readRecent
        + ", requiredMatchers="
        + new TreeMap<>(requiredMatchers)
        + ", filterExternalLabels="
        + filterExternalLabels
        + ", basicAuth="
        + basicAuth
        + ", bearerToken="
        + (bearerToken.isEmpty() ? "" : "<secret>")
        + ", bearerTokenFile="
        + bearerTokenFile
        + "]";
  }
}
