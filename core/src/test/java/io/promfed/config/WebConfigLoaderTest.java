package io.promfed.config;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.Test;

class WebConfigLoaderTest {

  static final String HASH = "$2y$10$QOauhQNbBCuQDKes6eFzPeMqBSjb7Mr5DUmpZ/VcEd00UAV/LDeSi";

  static WebConfig load(String yaml) throws ConfigException {
    return WebConfigLoader.loadString(yaml, "web.yml", Path.of("/etc/promfed"));
  }

  @Test
  void readsTheExporterToolkitFormat() throws ConfigException {
    WebConfig c =
        load(
            """
            tls_server_config:
              cert_file: server.crt
              key_file: /abs/server.key
              client_auth_type: RequireAndVerifyClientCert
              client_ca_file: ca.crt
              min_version: TLS13
            http_server_config:
              http2: true
              headers:
                X-Frame-Options: deny
            basic_auth_users:
              alice: %s
            """
                .formatted(HASH));
    assertThat(c.tls().certFile()).isEqualTo("/etc/promfed/server.crt");
    assertThat(c.tls().keyFile()).isEqualTo("/abs/server.key");
    assertThat(c.tls().clientCaFile()).isEqualTo("/etc/promfed/ca.crt");
    assertThat(c.tls().clientAuth().requiresCertificate()).isTrue();
    assertThat(c.tls().protocols()).isEqualTo(List.of("TLSv1.3"));
    assertThat(c.headers()).containsEntry("X-Frame-Options", "deny");
    assertThat(c.basicAuthUsers()).containsEntry("alice", HASH);
    assertThat(c.requiresAuth()).isTrue();
  }

  @Test
  void emptyFileMeansNoTlsAndNoAuth() throws ConfigException {
    assertThat(load("")).isEqualTo(WebConfig.NONE);
    WebConfig tlsOnly = load("tls_server_config: {cert_file: a, key_file: b}");
    assertThat(tlsOnly.tls().protocols()).isEqualTo(List.of("TLSv1.2", "TLSv1.3"));
    assertThat(tlsOnly.requiresAuth()).isFalse();
  }

  @Test
  void badFilesNameTheLineAndTheProblem() {
    assertError("basic_auth_user:\n  a: b\n", "web.yml:1: field basic_auth_user not found in type web.Config");
    assertError("tls_server_config:\n  key_file: k\n", "web.yml:2: missing cert_file");
    assertError("tls_server_config:\n  cert_file: c\n", "web.yml:2: missing key_file");
    assertError(
        "tls_server_config:\n  cert_file: c\n  key_file: k\n  client_ca_file: ca\n",
        "web.yml:4: Client CA's have been configured without a Client Auth Policy");
    assertError(
        "tls_server_config:\n  cert_file: c\n  key_file: k\n  client_auth_type: Maybe\n",
        "web.yml:4: Invalid ClientAuth: Maybe");
    assertError(
        "tls_server_config:\n  cert_file: c\n  key_file: k\n  min_version: TLS9\n",
        "web.yml:4: unknown TLS version: TLS9");
    assertError(
        "tls_server_config:\n  cert_file: c\n  key_file: k\n  cipher_suites: [TLS_AES_128_GCM_SHA256]\n",
        "web.yml:4: field cipher_suites is not supported by promfed in type web.TLSConfig");
    assertError(
        "basic_auth_users:\n  bob: hunter2\n",
        "web.yml:2: basic_auth_users: the password of user bob must be a bcrypt hash");
    assertError(
        "http_server_config:\n  headers:\n    Server: x\n",
        "web.yml:3: HTTP header Server can not be customized");
  }

  static void assertError(String yaml, String message) {
    assertThatThrownBy(() -> load(yaml))
        .isInstanceOf(ConfigException.class)
        .hasMessageStartingWith(message);
  }
}
