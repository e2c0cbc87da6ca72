package io.promfed.leaf.kubernetes;

import com.sun.net.httpserver.HttpServer;
import java.io.IOException;
import java.io.OutputStream;
import java.io.UncheckedIOException;
import java.net.InetSocketAddress;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;

/**
 * Stand-ins for pods' {@code /metrics}: one HTTP server per "pod IP", each on its own loopback
 * address (127.0.0.0/8 is all loopback on Linux), serving the seed's three counters.
 */
final class MetricsEndpoints implements AutoCloseable {

  private final List<HttpServer> servers = new ArrayList<>();
  private int nextHost = 10;

  /** An endpoint on a fresh 127.0.0.x address; returns {@code ip:port}. */
  synchronized InetSocketAddress start() {
    String ip = "127.0.0." + nextHost++;
    try {
      HttpServer s = HttpServer.create(new InetSocketAddress(ip, 0), 0);
      s.createContext(
          "/metrics",
          ex -> {
            byte[] body =
                """
                # HELP http_request_total access count total
                # TYPE http_request_total counter
                http_request_total 3
                # HELP http_request_success_total access success count
                # TYPE http_request_success_total counter
                http_request_success_total 2
                # HELP http_request_fail_total access faile count
                # TYPE http_request_fail_total counter
                http_request_fail_total 1
                """
                    .getBytes(StandardCharsets.UTF_8);
            ex.getResponseHeaders().set("Content-Type", "text/plain; version=0.0.4");
            ex.sendResponseHeaders(200, body.length);
            try (OutputStream os = ex.getResponseBody()) {
              os.write(body);
            }
          });
      s.start();
      servers.add(s);
      return s.getAddress();
    } catch (IOException e) {
      throw new UncheckedIOException("cannot listen on " + ip, e);
    }
  }

  @Override
  public synchronized void close() {
    servers.forEach(s -> s.stop(0));
    servers.clear();
  }
}
