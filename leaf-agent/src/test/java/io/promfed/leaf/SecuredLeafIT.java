package io.promfed.leaf;

import static org.assertj.core.api.Assertions.assertThat;

import at.favre.lib.crypto.bcrypt.BCrypt;
import io.promfed.testing.ExternalBinary;
import java.io.InputStream;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.net.URI;
import java.net.URLEncoder;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.KeyStore;
import java.security.cert.CertificateFactory;
import java.time.Duration;
import java.util.Base64;
import javax.net.ssl.SSLContext;
import javax.net.ssl.TrustManagerFactory;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.springframework.boot.SpringApplication;
import org.springframework.boot.web.server.context.WebServerApplicationContext;
import org.springframework.context.ConfigurableApplicationContext;

/**
 * {@code --web.config.file} in Prometheus's format protects the leaf with TLS and basic auth, and
 * a real Prometheus 2.42 configured with {@code scheme: https}, {@code tls_config} and {@code
 * basic_auth} still federates from it; probes stay open, everything else answers 401.
 */
class SecuredLeafIT {

  @TempDir Path dir;
  ConfigurableApplicationContext leaf;
  Process prometheus;

  @AfterEach
  void stop() throws Exception {
    if (prometheus != null) {
      prometheus.destroy();
      prometheus.waitFor();
    }
    if (leaf != null) {
      leaf.close();
    }
  }

  @Test
  void prometheusFederatesOverTlsWithBasicAuth() throws Exception {
    Path openssl = ExternalBinary.require("openssl");
    Path prometheusBinary = ExternalBinary.require("prometheus");
    Process gen =
        new ProcessBuilder(
                openssl.toString(), "req", "-x509", "-newkey", "rsa:2048", "-nodes",
                "-keyout", dir.resolve("server.key").toString(),
                "-out", dir.resolve("server.crt").toString(),
                "-days", "1", "-subj", "/CN=localhost",
                "-addext", "subjectAltName=IP:127.0.0.1,DNS:localhost")
            .redirectErrorStream(true)
            .redirectOutput(dir.resolve("openssl.log").toFile())
            .start();
    assertThat(gen.waitFor()).isZero();

    String hash = BCrypt.withDefaults().hashToString(10, "s3cret".toCharArray());
    Files.writeString(
        dir.resolve("web.yml"),
        """
        tls_server_config:
          cert_file: server.crt
          key_file: server.key
        http_server_config:
          headers:
            X-Frame-Options: deny
        basic_auth_users:
          prometheus: %s
        """
            .formatted(hash));
    Path leafConfig = dir.resolve("leaf.yml");
    Files.writeString(
        leafConfig,
        """
        global:
          scrape_interval: 1s
          external_labels: {cluster: secured}
        """);
    leaf =
        SpringApplication.run(
            LeafAgentApplication.class,
            "--config.file=" + leafConfig,
            "--web.config.file=" + dir.resolve("web.yml"),
            "--web.bearer-tokens-file=" + Files.writeString(dir.resolve("tokens"), "t0ken-for-grafana\n"),
            "--server.port=0",
            "--server.address=127.0.0.1");
    int port = ((WebServerApplicationContext) leaf).getWebServer().getPort();
    String base = "https://127.0.0.1:" + port;

    HttpClient https = HttpClient.newBuilder().sslContext(trusting(dir.resolve("server.crt"))).build();
    HttpResponse<String> anonymous = https.send(get(base + "/federate?match[]=up", null), HttpResponse.BodyHandlers.ofString());
    assertThat(anonymous.statusCode()).isEqualTo(401);
    assertThat(anonymous.headers().firstValue("WWW-Authenticate")).hasValue("Basic");
    assertThat(anonymous.headers().firstValue("X-Frame-Options")).hasValue("deny");
    assertThat(https.send(get(base + "/api/v1/query?query=up", "prometheus:wrong"), HttpResponse.BodyHandlers.ofString()).statusCode()).isEqualTo(401);
    assertThat(https.send(get(base + "/api/v1/write", null), HttpResponse.BodyHandlers.ofString()).statusCode()).isEqualTo(401);
    assertThat(https.send(get(base + "/health/readiness", null), HttpResponse.BodyHandlers.ofString()).statusCode()).isEqualTo(200);
    assertThat(https.send(get(base + "/api/v1/query?query=1", "prometheus:s3cret"), HttpResponse.BodyHandlers.ofString()).body()).contains("\"status\":\"success\"");
    // A bearer token from --web.bearer-tokens-file works too (Grafana, agents); a wrong one not.
    HttpRequest bearer = HttpRequest.newBuilder(URI.create(base + "/api/v1/query?query=1")).header("Authorization", "Bearer t0ken-for-grafana").build();
    assertThat(https.send(bearer, HttpResponse.BodyHandlers.ofString()).statusCode()).isEqualTo(200);
    HttpRequest wrongBearer = HttpRequest.newBuilder(URI.create(base + "/api/v1/query?query=1")).header("Authorization", "Bearer guess").build();
    assertThat(https.send(wrongBearer, HttpResponse.BodyHandlers.ofString()).statusCode()).isEqualTo(401);
    // Plain HTTP to the TLS port does not get data.
    HttpResponse<String> plain =
        HttpClient.newHttpClient().send(get("http://127.0.0.1:" + port + "/federate?match[]=up", "prometheus:s3cret"), HttpResponse.BodyHandlers.ofString());
    assertThat(plain.statusCode()).isEqualTo(400);

    // The scrape side too: the leaf scrapes its own /metrics over TLS (ca_file) with basic auth.
    Files.writeString(
        leafConfig,
        """
        global:
          scrape_interval: 1s
          external_labels: {cluster: secured}
        scrape_configs:
          - job_name: leaf-self
            scheme: https
            tls_config: {ca_file: %s}
            basic_auth: {username: prometheus, password: s3cret}
            static_configs: [{targets: ['127.0.0.1:%d']}]
        """
            .formatted(dir.resolve("server.crt"), port));
    assertThat(https.send(HttpRequest.newBuilder(URI.create(base + "/-/reload")).header("Authorization", basic("prometheus:s3cret")).POST(HttpRequest.BodyPublishers.noBody()).build(), HttpResponse.BodyHandlers.ofString()).statusCode()).isEqualTo(200);

    int promPort;
    try (ServerSocket s = new ServerSocket(0, 1, InetAddress.getLoopbackAddress())) {
      promPort = s.getLocalPort();
    }
    Path promConfig = dir.resolve("prometheus.yml");
    Files.writeString(
        promConfig,
        """
        global:
          scrape_interval: 1s
        scrape_configs:
          - job_name: federate
            honor_labels: true
            metrics_path: /federate
            params:
              'match[]': ['{job="leaf-self"}']
            scheme: https
            tls_config: {ca_file: %s}
            basic_auth: {username: prometheus, password: s3cret}
            static_configs: [{targets: ['127.0.0.1:%d']}]
        """
            .formatted(dir.resolve("server.crt"), port));
    prometheus =
        new ProcessBuilder(
                prometheusBinary.toString(),
                "--config.file=" + promConfig,
                "--storage.tsdb.path=" + dir.resolve("data"),
                "--web.listen-address=127.0.0.1:" + promPort)
            .redirectErrorStream(true)
            .redirectOutput(dir.resolve("prometheus.log").toFile())
            .start();
    String url =
        "http://127.0.0.1:" + promPort + "/api/v1/query?query="
            + URLEncoder.encode("up{job=\"leaf-self\",cluster=\"secured\"}", StandardCharsets.UTF_8);
    HttpClient http = HttpClient.newHttpClient();
    long deadline = System.nanoTime() + Duration.ofSeconds(60).toNanos();
    String body = "";
    while (System.nanoTime() < deadline && !body.contains("\"1\"]")) {
      try {
        body = http.send(get(url, null), HttpResponse.BodyHandlers.ofString()).body();
      } catch (java.io.IOException notYet) {
        body = notYet.toString();
      }
      Thread.sleep(250);
    }
    // The leaf's self-scrape over TLS+auth worked (up 1) and Prometheus federated it likewise.
    String targets =
        https.send(get(base + "/api/v1/targets", "prometheus:s3cret"), HttpResponse.BodyHandlers.ofString()).body();
    assertThat(body).as(targets).contains("\"instance\":\"127.0.0.1:" + port + "\"").contains("\"1\"]");
  }

  static HttpRequest get(String url, String userAndPassword) {
    HttpRequest.Builder b = HttpRequest.newBuilder(URI.create(url)).timeout(Duration.ofSeconds(10));
    if (userAndPassword != null) {
      b.header("Authorization", basic(userAndPassword));
    }
    return b.build();
  }

  static String basic(String userAndPassword) {
    return "Basic " + Base64.getEncoder().encodeToString(userAndPassword.getBytes(StandardCharsets.UTF_8));
  }

  static SSLContext trusting(Path certFile) throws Exception {
    KeyStore ks = KeyStore.getInstance(KeyStore.getDefaultType());
    ks.load(null, null);
    try (InputStream in = Files.newInputStream(certFile)) {
      ks.setCertificateEntry("leaf", CertificateFactory.getInstance("X.509").generateCertificate(in));
    }
    TrustManagerFactory tmf = TrustManagerFactory.getInstance(TrustManagerFactory.getDefaultAlgorithm());
    tmf.init(ks);
    SSLContext ctx = SSLContext.getInstance("TLS");
    ctx.init(null, tmf.getTrustManagers(), null);
    return ctx;
  }
}
