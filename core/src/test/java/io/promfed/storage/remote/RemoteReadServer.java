package io.promfed.storage.remote;

import com.sun.net.httpserver.Headers;
import com.sun.net.httpserver.HttpServer;
import io.promfed.model.labels.Labels;
import io.promfed.storage.Queryable;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.URI;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;

/**
 * A loopback HTTP server answering {@code POST /api/v1/read} with a {@link RemoteReadHandler}, and
 * recording each request's headers and decoded {@link ReadRequest}: a leaf for client tests.
 */
public final class RemoteReadServer implements AutoCloseable {

  /** One request as received. */
  public record Received(Headers headers, ReadRequest request) {}

  private final HttpServer server;
  public final List<Received> received = new CopyOnWriteArrayList<>();

  /** Serves {@code store} with {@code external} labels. */
  public RemoteReadServer(Queryable store, Labels external) throws IOException {
    RemoteReadHandler handler = new RemoteReadHandler(store, () -> external);
    server = HttpServer.create(new InetSocketAddress(InetAddress.getLoopbackAddress(), 0), 0);
    server.createContext(
        "/api/v1/read",
        ex -> {
          byte[] body;
          try (InputStream in = ex.getRequestBody()) {
            body = in.readAllBytes();
          }
          try {
            byte[] raw = SnappyBlock.decompress(body, 0, body.length, 1 << 20);
            received.add(new Received(ex.getRequestHeaders(), ReadRequest.decode(raw, 0, raw.length)));
          } catch (DecodeException e) {
            received.add(new Received(ex.getRequestHeaders(), null));
          }
          RemoteReadHandler.Response r;
          try {
            r = handler.handle(body);
          } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            return;
          }
          ex.getResponseHeaders().set("Content-Type", r.contentType());
          if (r.contentEncoding() != null) {
            ex.getResponseHeaders().set("Content-Encoding", r.contentEncoding());
          }
          ex.sendResponseHeaders(r.status(), r.body().length);
          try (OutputStream out = ex.getResponseBody()) {
            out.write(r.body());
          }
        });
    server.start();
  }

  /** {@code http://127.0.0.1:<port>/api/v1/read}. */
  public URI url() {
    return URI.create("http://127.0.0.1:" + server.getAddress().getPort() + "/api/v1/read");
  }

  @Override
  public void close() {
    server.stop(0);
  }
}
