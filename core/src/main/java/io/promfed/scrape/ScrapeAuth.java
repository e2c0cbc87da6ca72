package io.promfed.scrape;

import io.promfed.config.BasicAuth;
import io.promfed.config.ScrapeConfig;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Base64;
import java.util.Map;
import java.util.function.Supplier;

/**
 * The Authorization header of a scrape config. Files are read at every scrape, like Prometheus's
 * round trippers, so rotated Kubernetes service-account tokens and secrets are picked up without
 * a reload.
 */
final class ScrapeAuth implements Supplier<Map<String, String>> {

  private static final System.Logger LOG = System.getLogger(ScrapeAuth.class.getName());

  private final ScrapeConfig config;

  ScrapeAuth(ScrapeConfig config) {
    this.config = config;
  }

  @Override
  public Map<String, String> get() {
    BasicAuth basic = config.basicAuth();
    if (basic != null) {
      String password = basic.password();
      if (!basic.passwordFile().isEmpty()) {
        password = readTrimmed(basic.passwordFile());
      }
      String token = basic.username() + ":" + password;
      return Map.of(
          "Authorization",
          "Basic " + Base64.getEncoder().encodeToString(token.getBytes(StandardCharsets.UTF_8)));
    }
    String bearer = config.bearerToken();
    if (!config.bearerTokenFile().isEmpty()) {
      bearer = readTrimmed(config.bearerTokenFile());
    }
    return bearer.isEmpty() ? Map.of() : Map.of("Authorization", "Bearer " + bearer);
  }

  private static String readTrimmed(String file) {
    try {
      return Files.readString(Path.of(file)).trim();
    } catch (IOException e) {
      // The scrape then fails with 401 from the target, which names the problem on the targets
      // page; the log says which file could not be read.
      LOG.log(System.Logger.Level.WARNING, "cannot read credentials file {0}: {1}", file, e);
      return "";
    }
  }
}
