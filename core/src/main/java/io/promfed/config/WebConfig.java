package io.promfed.config;

import java.util.Map;
import java.util.Objects;

/**
 * Prometheus's web configuration file ({@code --web.config.file}, the format of
 * prometheus/exporter-toolkit {@code web/tls_config.go}): TLS for the server, HTTP response
 * headers, and users allowed in with basic auth. Read by {@link WebConfigLoader}. Immutable.
 *
 * @param tls the {@code tls_server_config}, or null to serve plain HTTP
 * @param headers {@code http_server_config.headers}: response headers set on every answer
 * @param basicAuthUsers {@code basic_auth_users}: user name to bcrypt hash; empty means no auth
 */
public record WebConfig(TlsServer tls, Map<String, String> headers, Map<String, String> basicAuthUsers) {

  /** No TLS, no headers, no users: what serving without {@code --web.config.file} means. */
  public static final WebConfig NONE = new WebConfig(null, Map.of(), Map.of());

  public WebConfig {
    headers = Map.copyOf(headers);
    basicAuthUsers = Map.copyOf(basicAuthUsers);
  }

  public boolean requiresAuth() {
    return !basicAuthUsers.isEmpty();
  }

  /** Go's {@code tls.ClientAuthType} names, as the file spells them. */
  public enum ClientAuth {
    NoClientCert,
    RequestClientCert,
    RequireAnyClientCert,
    VerifyClientCertIfGiven,
    RequireAndVerifyClientCert;

    /** Whether a client without a certificate is turned away. */
    public boolean requiresCertificate() {
      return this == RequireAnyClientCert || this == RequireAndVerifyClientCert;
    }
  }

  /**
   * {@code tls_server_config}, the file-based part.
   *
   * @param certFile the server certificate chain (PEM)
   * @param keyFile its private key (PEM)
   * @param clientAuth whether and how clients must present certificates
   * @param clientCaFile CAs client certificates are verified against (PEM), or ""
   * @param minVersion lowest TLS version accepted, as Go names it ({@code TLS12} by default)
   * @param maxVersion highest TLS version accepted, or "" for the newest
   */
  public record TlsServer(
      String certFile,
      String keyFile,
      ClientAuth clientAuth,
      String clientCaFile,
      String minVersion,
      String maxVersion) {

    public TlsServer {
      Objects.requireNonNull(certFile, "certFile");
      Objects.requireNonNull(keyFile, "keyFile");
      Objects.requireNonNull(clientAuth, "clientAuth");
      Objects.requireNonNull(clientCaFile, "clientCaFile");
      Objects.requireNonNull(minVersion, "minVersion");
      Objects.requireNonNull(maxVersion, "maxVersion");
    }

    /** Java's protocol names for the versions from min to max, e.g. [TLSv1.2, TLSv1.3]. */
    public java.util.List<String> protocols() {
      java.util.List<String> all = java.util.List.of("TLS10", "TLS11", "TLS12", "TLS13");
      int from = all.indexOf(minVersion);
      int to = maxVersion.isEmpty() ? all.size() - 1 : all.indexOf(maxVersion);
      java.util.List<String> out = new java.util.ArrayList<>();
      for (int i = from; i <= to; i++) {
        out.add("TLSv1." + all.get(i).charAt(4));
      }
      return out;
    }
  }
}
