package io.promfed.demo;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import org.springframework.boot.builder.SpringApplicationBuilder;
import org.springframework.boot.web.server.context.WebServerApplicationContext;
import org.springframework.context.ConfigurableApplicationContext;

/**
 * The whole demo server on a random loopback port, writing its access log into a test's temp
 * directory, with a plain {@link HttpClient} to talk to it. Each instance is its own application
 * context, so counters start at zero; {@link #close()} is the graceful shutdown a SIGTERM gives.
 */
final class RunningDemoServer implements AutoCloseable {

  private final ConfigurableApplicationContext context;
  private final Path accessLog;
  private final HttpClient client;
  private final int port;

  private RunningDemoServer(ConfigurableApplicationContext context, Path accessLog) {
    this.context = context;
    this.accessLog = accessLog;
    this.port = ((WebServerApplicationContext) context).getWebServer().getPort();
    // HTTP/1.1 like Prometheus and wrk; the default would try an h2c upgrade first.
    this.client = HttpClient.newBuilder().version(HttpClient.Version.HTTP_1_1).build();
  }

  /** Starts the server with its access log in {@code directory}, plus any extra properties. */
  static RunningDemoServer start(Path directory, String... properties) {
    Path accessLog = directory.resolve("access_log");
    List<String> all = new ArrayList<>();
    all.add("server.port=0");
    all.add("server.address=127.0.0.1");
    all.add("spring.main.banner-mode=off");
    all.add("logging.level.root=WARN"); // a dozen servers start per build; keep the output short
    all.add("demo.access-log.path=" + accessLog);
    all.addAll(List.of(properties));
    // As command-line arguments: SpringApplicationBuilder.properties() would only set defaults,
    // which application.properties overrides.
    ConfigurableApplicationContext context =
        new SpringApplicationBuilder(DemoServerApplication.class)
            .run(all.stream().map(property -> "--" + property).toArray(String[]::new));
    return new RunningDemoServer(context, accessLog);
  }

  HttpResponse<String> send(String method, String path) {
    return send(request(method, path).build());
  }

  HttpResponse<String> send(HttpRequest request) {
    try {
      return client.send(request, HttpResponse.BodyHandlers.ofString());
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new IllegalStateException(e);
    }
  }

  HttpRequest.Builder request(String method, String path) {
    return HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + port + path))
        .method(method, HttpRequest.BodyPublishers.noBody());
  }

  /** The Prometheus text format, as a scraper that sends no Accept header gets it. */
  String metrics() {
    HttpResponse<String> response = send("GET", "/metrics");
    if (response.statusCode() != 200) {
      throw new IllegalStateException("GET /metrics answered " + response.statusCode());
    }
    return response.body();
  }

  /** The lines of the access log as far as written; complete once the server is closed. */
  List<String> accessLogLines() {
    try {
      return Files.exists(accessLog) ? Files.readAllLines(accessLog) : List.of();
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }

  Path accessLog() {
    return accessLog;
  }

  int port() {
    return port;
  }

  ConfigurableApplicationContext context() {
    return context;
  }

  @Override
  public void close() {
    context.close();
  }
}
