package io.promfed.config;

import java.util.Objects;

/**
 * Client TLS settings, the file-based subset of {@code tls_config} in prometheus/common {@code
 * config/http_config.go}. Absent values are "" and {@code false}; {@link #DEFAULT} is the empty
 * block. Immutable.
 *
 * @param caFile CA certificate bundle to verify the server with, or "" for the system roots
 * @param certFile client certificate, or ""
 * @param keyFile client key, or ""
 * @param serverName name expected in the server certificate (SNI), or "" for the host
 * @param insecureSkipVerify skip server certificate verification
 */
public record TlsConfig(
    String caFile, String certFile, String keyFile, String serverName, boolean insecureSkipVerify) {

  /** No TLS settings: system roots, no client certificate. */
  public static final TlsConfig DEFAULT = new TlsConfig("", "", "", "", false);

  public TlsConfig {
    Objects.requireNonNull(caFile, "caFile");
    Objects.requireNonNull(certFile, "certFile");
    Objects.requireNonNull(keyFile, "keyFile");
    Objects.requireNonNull(serverName, "serverName");
    // TLSConfig.Validate: a client certificate needs its key and vice versa.
    if (!certFile.isEmpty() && keyFile.isEmpty()) {
      throw new IllegalArgumentException(
          "exactly one of key or key_file must be configured when a client certificate is"
              + " configured");
    }
    if (!keyFile.isEmpty() && certFile.isEmpty()) {
      throw new IllegalArgumentException(
          "exactly one of cert or cert_file must be configured when a client key is configured");
    }
  }
}
