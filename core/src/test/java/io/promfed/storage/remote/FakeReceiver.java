package io.promfed.storage.remote;

import static org.assertj.core.api.Assertions.fail;

import com.sun.net.httpserver.HttpExchange;
import com.sun.net.httpserver.HttpServer;
import io.promfed.storage.remote.WriteRequestCodecTest.Series;
import java.io.IOException;
import java.io.OutputStream;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.util.ArrayDeque;
import java.util.Deque;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;

/**
 * A remote-write receiver on 127.0.0.1 for sender tests: records every request (headers and the
 * decoded series) and answers from a script of responses, then 204.
 */
final class FakeReceiver implements AutoCloseable {

  /** One received request; header names are lower case. */
  record Request(Map<String, String> headers, List<Series> series) {
    int samples() {
      return series.stream().mapToInt(s -> s.samples().size()).sum();
    }
  }

  /** A scripted answer. */
  record Response(int status, Map<String, String> headers, String body) {
    static Response of(int status) {
      return new Response(status, Map.of(), "");
    }
  }

  private final HttpServer server;
  private final ExecutorService executor = Executors.newFixedThreadPool(4);
  private final BlockingQueue<Request> requests = new LinkedBlockingQueue<>();
  private final Deque<Response> script = new ArrayDeque<>();
  private volatile CountDownLatch gate; // when set, requests wait for it before answering

  FakeReceiver() throws IOException {
    server = HttpServer.create(new InetSocketAddress(InetAddress.getLoopbackAddress(), 0), 0);
    server.createContext("/api/v1/write", this::handle);
    server.setExecutor(executor);
    server.start();
  }

  URI url() {
    return URI.create("http://127.0.0.1:" + server.getAddress().getPort() + "/api/v1/write");
  }

  synchronized FakeReceiver then(Response... responses) {
    script.addAll(List.of(responses));
    return this;
  }

  FakeReceiver then(int... statuses) {
    for (int s : statuses) {
      then(Response.of(s));
    }
    return this;
  }

  void holdRequests(CountDownLatch gate) {
    this.gate = gate;
  }

  private synchronized Response next() {
    Response r = script.poll();
    return r == null ? Response.of(204) : r;
  }

  private void handle(HttpExchange ex) throws IOException {
    try (ex) {
      Map<String, String> headers = new TreeMap<>();
      ex.getRequestHeaders().forEach((k, v) -> headers.put(k.toLowerCase(), v.get(0)));
      byte[] body = ex.getRequestBody().readAllBytes();
      List<Series> series;
      try {
        byte[] pb = SnappyBlock.decompress(body, 0, body.length, 1 << 24);
        series = WriteRequestCodecTest.decode(pb);
      } catch (DecodeException e) {
        series = List.of();
      }
      CountDownLatch g = gate;
      if (g != null) {
        try {
          g.await(10, TimeUnit.SECONDS);
        } catch (InterruptedException e) {
          Thread.currentThread().interrupt();
        }
      }
      Response r = next();
      requests.add(new Request(headers, series));
      r.headers().forEach((k, v) -> ex.getResponseHeaders().add(k, v));
      byte[] out = r.body().getBytes(StandardCharsets.UTF_8);
      ex.sendResponseHeaders(r.status(), out.length == 0 ? -1 : out.length);
      if (out.length > 0) {
        try (OutputStream os = ex.getResponseBody()) {
          os.write(out);
        }
      }
    }
  }

  /** The next request, waiting up to 5 seconds. */
  Request take() throws InterruptedException {
    Request r = requests.poll(5, TimeUnit.SECONDS);
    if (r == null) {
      fail("no remote-write request within 5s");
    }
    return r;
  }

  /** Asserts that no further request arrives within {@code ms}. */
  Request poll(long ms) throws InterruptedException {
    return requests.poll(ms, TimeUnit.MILLISECONDS);
  }

  @Override
  public void close() {
    CountDownLatch g = gate;
    if (g != null) {
      g.countDown();
    }
    server.stop(0);
    executor.shutdownNow();
  }
}
