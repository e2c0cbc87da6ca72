package io.promfed.leaf.kubernetes;

import io.fabric8.kubernetes.client.KubernetesClient;
import io.fabric8.kubernetes.client.dsl.base.CustomResourceDefinitionContext;
import io.fabric8.kubernetes.client.server.mock.KubernetesMixedDispatcher;
import io.fabric8.kubernetes.client.server.mock.KubernetesMockServer;
import io.fabric8.kubernetes.client.utils.Serialization;
import io.fabric8.mockwebserver.Context;
import io.fabric8.mockwebserver.MockWebServer;
import io.fabric8.mockwebserver.ServerRequest;
import io.fabric8.mockwebserver.ServerResponse;
import io.fabric8.mockwebserver.http.Dispatcher;
import io.fabric8.mockwebserver.http.MockResponse;
import io.fabric8.mockwebserver.http.RecordedRequest;
import io.fabric8.mockwebserver.http.Response;
import io.fabric8.mockwebserver.http.WebSocket;
import io.fabric8.mockwebserver.http.WebSocketListener;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Queue;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.atomic.AtomicLong;

/**
 * fabric8's mock API server in CRUD mode, serving ServiceMonitors, whose answers to one client
 * (told apart by its User-Agent) can be switched to an error, and whose open watches can be
 * expired. The test's own client keeps working meanwhile, so the cluster can change while the leaf
 * cannot see it.
 */
final class FaultyApiServer implements AutoCloseable {

  static final CustomResourceDefinitionContext SERVICE_MONITORS =
      new CustomResourceDefinitionContext.Builder()
          .withGroup("monitoring.coreos.com")
          .withVersion("v1")
          .withKind("ServiceMonitor")
          .withPlural("servicemonitors")
          .withScope("Namespaced")
          .build();

  private static final String FAULTY_USER_AGENT = "promfed-leaf-under-test";

  private final FaultyDispatcher dispatcher;
  private final KubernetesMockServer server;

  FaultyApiServer() {
    Map<ServerRequest, Queue<ServerResponse>> responses = new HashMap<>();
    dispatcher =
        new FaultyDispatcher(new KubernetesMixedDispatcher(responses, List.of(SERVICE_MONITORS)));
    server =
        new KubernetesMockServer(
            new Context(Serialization.jsonMapper()),
            new MockWebServer(),
            responses,
            dispatcher,
            false);
    server.init();
  }

  /**
   * The client for the system under test, whose requests {@link #fail} affects. Informer retries
   * start at 100 ms and double (the production backoff, faster) and 5xx answers are retried once by
   * the HTTP layer instead of 10 times.
   */
  KubernetesClient faultyClient() {
    return server.createClient(
        b ->
            b.editOrNewConfig()
                .withUserAgent(FAULTY_USER_AGENT)
                .withWatchReconnectInterval(100)
                .withRequestRetryBackoffLimit(1)
                .withRequestRetryBackoffInterval(50)
                .endConfig());
  }

  /** A client that always gets through: the test's hands on the cluster. */
  KubernetesClient client() {
    return server.createClient();
  }

  /** From now on the faulty client's requests get {@code status} (0: served normally again). */
  void fail(int status) {
    dispatcher.failStatus = status;
  }

  /** How many requests were answered with the injected error so far. */
  long failedRequests() {
    return dispatcher.failed.get();
  }

  /** Ends every open watch with "410 Gone", as an API server does when history is compacted. */
  void expireWatches() {
    for (WebSocket ws : dispatcher.watches) {
      ws.send(
          "{\"type\":\"ERROR\",\"object\":{\"kind\":\"Status\",\"apiVersion\":\"v1\","
              + "\"status\":\"Failure\",\"message\":\"too old resource version\","
              + "\"reason\":\"Expired\",\"code\":410}}");
    }
    dispatcher.watches.clear();
  }

  @Override
  public void close() {
    server.destroy();
  }

  private static final class FaultyDispatcher extends Dispatcher {
    private final Dispatcher crud;
    final List<WebSocket> watches = new CopyOnWriteArrayList<>();
    final AtomicLong failed = new AtomicLong();
    volatile int failStatus;

    FaultyDispatcher(Dispatcher crud) {
      this.crud = crud;
    }

    @Override
    public MockResponse dispatch(RecordedRequest request) {
      int status = failStatus;
      String agent = request.getHeader("User-Agent");
      if (status != 0 && agent != null && agent.startsWith(FAULTY_USER_AGENT)) {
        failed.incrementAndGet();
        return new MockResponse()
            .setResponseCode(status)
            .setHeader("Content-Type", "application/json")
            .setBody(
                "{\"kind\":\"Status\",\"apiVersion\":\"v1\",\"status\":\"Failure\","
                    + "\"message\":\"the server is currently unable to handle the request\","
                    + "\"reason\":\"ServiceUnavailable\",\"code\":"
                    + status
                    + "}");
      }
      MockResponse response = crud.dispatch(request);
      WebSocketListener listener = response.getWebSocketListener();
      if (listener != null && agent != null && agent.startsWith(FAULTY_USER_AGENT)) {
        response.withWebSocketUpgrade(new Recording(listener));
      }
      return response;
    }

    /** Remembers open watches so that {@link #expireWatches} can end them. */
    private final class Recording extends WebSocketListener {
      private final WebSocketListener delegate;

      Recording(WebSocketListener delegate) {
        this.delegate = delegate;
      }

      @Override
      public void onOpen(WebSocket webSocket, Response response) {
        watches.add(webSocket);
        delegate.onOpen(webSocket, response);
      }

      @Override
      public void onMessage(WebSocket webSocket, String text) {
        delegate.onMessage(webSocket, text);
      }

      @Override
      public void onClosing(WebSocket webSocket, int code, String reason) {
        delegate.onClosing(webSocket, code, reason);
      }

      @Override
      public void onClosed(WebSocket webSocket, int code, String reason) {
        watches.remove(webSocket);
        delegate.onClosed(webSocket, code, reason);
      }

      @Override
      public void onFailure(WebSocket webSocket, Throwable error, Response response) {
        watches.remove(webSocket);
        delegate.onFailure(webSocket, error, response);
      }
    }
  }
}
