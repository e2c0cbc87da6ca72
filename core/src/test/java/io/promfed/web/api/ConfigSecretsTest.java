package io.promfed.web.api;

import static org.assertj.core.api.Assertions.assertThat;

import org.junit.jupiter.api.Test;

/** Secrets never leave through {@code /api/v1/status/config}. */
class ConfigSecretsTest {

  @Test
  void secretValuesAreHiddenAndEverythingElseKept() {
    String yaml =
        """
        # comment: password: in a comment stays a comment
        global:
          scrape_interval: 15s
        scrape_configs:
          - job_name: a
            basic_auth:
              username: admin
              password: "hunter2"   # trailing comment
              password_file: /etc/pw
            authorization:
              credentials: abc.def
            bearer_token: xyz
            tls_config:
              cert_file: /c.pem
              key: |
                -----BEGIN PRIVATE KEY-----
                MIIE
                -----END PRIVATE KEY-----
              insecure_skip_verify: false
            oauth2: {client_id: id, client_secret: "s,}x", token_url: "https://t"}
            http_headers:
              X-Api-Key:
                secrets:
                - one
                - two
              X-Other:
                values: [visible]
            static_configs:
              - targets: ['a:1']
        remote_write:
          - url: https://rw
            sigv4:
              secret_key: AKIA
              - password: listed
        """;
    String masked = ConfigSecrets.mask(yaml);
    assertThat(masked)
        .contains("# comment: password: in a comment stays a comment")
        .contains("      username: admin\n")
        .contains("      password: <secret>\n")
        .contains("      password_file: /etc/pw\n")
        .contains("      credentials: <secret>\n")
        .contains("    bearer_token: <secret>\n")
        .contains("      key: <secret>\n        <secret>\n        <secret>\n        <secret>\n")
        .contains("      insecure_skip_verify: false\n")
        .contains("oauth2: {client_id: id, client_secret: <secret>, token_url: \"https://t\"}")
        .contains("        secrets:\n        - <secret>\n        - <secret>\n      X-Other:\n")
        .contains("values: [visible]")
        .contains("      secret_key: <secret>\n")
        .contains("      - password: <secret>\n")
        .doesNotContain(
            "hunter2", "abc.def", "xyz", "MIIE", "s,}x", "one", "two", "AKIA", "listed");
  }
}
