package io.promfed.leaf.web;

import io.promfed.config.ConfigException;
import io.promfed.config.WebConfig;
import io.promfed.config.WebConfigLoader;
import java.nio.file.Path;
import java.util.HashMap;
import java.util.Map;
import org.springframework.boot.EnvironmentPostProcessor;
import org.springframework.boot.SpringApplication;
import org.springframework.core.env.ConfigurableEnvironment;
import org.springframework.core.env.MapPropertySource;

/**
 * Turns the web config's {@code tls_server_config} into Spring Boot's PEM-based {@code
 * server.ssl.*} settings before the web server is created, so {@code --web.config.file} enables
 * HTTPS exactly as it does for Prometheus. A bad file stops startup with its {@code file:line}
 * message.
 */
public class WebTlsEnvironment implements EnvironmentPostProcessor {

  @Override
  public void postProcessEnvironment(ConfigurableEnvironment env, SpringApplication app) {
    String file = env.getProperty("web.config.file", "");
    if (file.isEmpty()) {
      return;
    }
    WebConfig config;
    try {
      config = WebConfigLoader.load(Path.of(file));
    } catch (ConfigException e) {
      throw new IllegalStateException("Error loading web config (--web.config.file): " + e.getMessage(), e);
    }
    if (config.tls() == null) {
      return;
    }
    WebConfig.TlsServer tls = config.tls();
    Map<String, Object> ssl = new HashMap<>();
    ssl.put("server.ssl.enabled", "true");
    ssl.put("server.ssl.certificate", "file:" + tls.certFile());
    ssl.put("server.ssl.certificate-private-key", "file:" + tls.keyFile());
    ssl.put("server.ssl.enabled-protocols", String.join(",", tls.protocols()));
    if (!tls.clientCaFile().isEmpty()) {
      ssl.put("server.ssl.trust-certificate", "file:" + tls.clientCaFile());
    }
    // JSSE verifies any client certificate it gets, so Go's "request" and "verify if given"
    // both map to WANT, and both "require" policies to NEED.
    ssl.put(
        "server.ssl.client-auth",
        switch (tls.clientAuth()) {
          case NoClientCert -> "none";
          case RequestClientCert, VerifyClientCertIfGiven -> "want";
          case RequireAnyClientCert, RequireAndVerifyClientCert -> "need";
        });
    env.getPropertySources().addFirst(new MapPropertySource("web.config.file", ssl));
  }
}
