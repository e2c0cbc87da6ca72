package io.promfed.scrape;

import com.sun.net.httpserver.HttpServer;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.OutputStream;
import java.net.InetSocketAddress;
import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.util.zip.GZIPOutputStream;

/** A scrape target on loopback whose response each test sets: body, status, type, delay, gzip. */
final class TestTargetServer implements AutoCloseable {

  private final HttpServer server;
  volatile byte[] body = new byte[0];
  volatile int status = 200;
  volatile String contentType = "text/plain; version=0.0.4; charset=utf-8";
  volatile long delayMs;
  volatile boolean gzip;
  /** When >= 0: announce the whole body but send only this many bytes, then drop the connection. */
  volatile int cutAfterBytes = -1;
  volatile String lastAccept;
  volatile String lastTimeoutHeader;
  volatile String lastAuthorization;

  TestTargetServer() throws IOException {
    server = HttpServer.create(new InetSocketAddress("127.0.0.1", 0), 0);
    server.createContext(
        "/",
        ex -> {
          lastAccept = ex.getRequestHeaders().getFirst("Accept");
          lastTimeoutHeader = ex.getRequestHeaders().getFirst("X-Prometheus-Scrape-Timeout-Seconds");
          lastAuthorization = ex.getRequestHeaders().getFirst("Authorization");
          try {
            if (delayMs > 0) {
              Thread.sleep(delayMs);
            }
            byte[] out = body;
            if (gzip) {
              ByteArrayOutputStream bos = new ByteArrayOutputStream();
              try (GZIPOutputStream gz = new GZIPOutputStream(bos)) {
                gz.write(out);
              }
              out = bos.toByteArray();
              ex.getResponseHeaders().set("Content-Encoding", "gzip");
            }
            ex.getResponseHeaders().set("Content-Type", contentType);
            ex.sendResponseHeaders(status, out.length == 0 ? -1 : out.length);
            if (cutAfterBytes >= 0) {
              // A server killed mid-response: part of the body, then the connection is gone.
              OutputStream os = ex.getResponseBody();
              os.write(out, 0, Math.min(cutAfterBytes, out.length));
              os.flush();
              ex.close();
              return;
            }
            try (OutputStream os = ex.getResponseBody()) {
              os.write(out);
            }
          } catch (InterruptedException | IOException e) {
            ex.close();
          }
        });
    server.start();
  }

  void body(String text) {
    body = text.getBytes(StandardCharsets.UTF_8);
  }

  URI url() {
    return URI.create("http://127.0.0.1:" + server.getAddress().getPort() + "/metrics");
  }

  String address() {
    return "127.0.0.1:" + server.getAddress().getPort();
  }

  @Override
  public void close() {
    server.stop(0);
  }
}
