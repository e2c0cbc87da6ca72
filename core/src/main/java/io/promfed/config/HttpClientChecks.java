package io.promfed.config;

/**
 * The authentication part of {@code HTTPClientConfig.Validate} (prometheus/common {@code
 * config/http_config.go}) for the fields this suite supports, shared by scrape and remote-write
 * configs.
 */
final class HttpClientChecks {

  private HttpClientChecks() {}

  static void validate(BasicAuth basicAuth, String bearerToken, String bearerTokenFile) {
    if (!bearerToken.isEmpty() && !bearerTokenFile.isEmpty()) {
      throw new IllegalArgumentException(
          "at most one of bearer_token & bearer_token_file must be configured");
    }
    if (basicAuth != null && (!bearerToken.isEmpty() || !bearerTokenFile.isEmpty())) {
      throw new IllegalArgumentException(
          "at most one of basic_auth, oauth2, bearer_token & bearer_token_file must be configured");
    }
  }
}
