package io.promfed.discovery.kubernetes;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.fail;

import io.fabric8.kubernetes.client.KubernetesClient;
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
import io.promfed.discovery.TargetGroup;
import java.time.Duration;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Queue;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.function.BooleanSupplier;
import java.util.logging.Handler;
import java.util.logging.LogRecord;
import java.util.logging.Logger;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * The API server fails: an expired watch forces a relist, and the relist gets 403, then 500. The
 * discoverer keeps its last targets (no update, certainly no empty group), logs why with the
 * missing RBAC permission, retries with backoff and picks up changes once the API answers again.
 */
class ApiFailureTest {

  KubernetesMockServer server;
  KubernetesClient client;
  FaultyDispatcher faults;
  final List<String> logs = new CopyOnWriteArrayList<>();
  final Logger julLogger = Logger.getLogger(PodDiscoverer.class.getName());
  final Handler capture =
      new Handler() {
        @Override
        public void publish(LogRecord r) {
          logs.add(r.getLevel() + " " + r.getMessage());
        }

        @Override
        public void flush() {}

        @Override
        public void close() {}
      };

  /** CRUD mock server whose answers for one path prefix can be replaced by an error status. */
  static final class FaultyDispatcher extends Dispatcher {
    private final Dispatcher crud;
    private final List<WebSocket> watches = new CopyOnWriteArrayList<>();
    volatile int failStatus;
    volatile String failPrefix = "";

    FaultyDispatcher(Dispatcher crud) {
      this.crud = crud;
    }

    @Override
    public MockResponse dispatch(RecordedRequest request) {
      int status = failStatus;
      if (status != 0 && request.getPath().startsWith(failPrefix)) {
        return new MockResponse()
            .setResponseCode(status)
            .setHeader("Content-Type", "application/json")
            .setBody(
                "{\"kind\":\"Status\",\"apiVersion\":\"v1\",\"status\":\"Failure\",\"message\":"
                    + (status == 403
                        ? "\"pods is forbidden: User"
                            + " \\\"system:serviceaccount:monitoring:leaf-agent\\\" cannot list"
                            + " resource \\\"pods\\\" in API group \\\"\\\" in the namespace"
                            + " \\\"default\\\"\",\"reason\":\"Forbidden\""
                        : "\"etcdserver: request timed out\",\"reason\":\"InternalError\"")
                    + ",\"code\":"
                    + status
                    + "}");
      }
      MockResponse response = crud.dispatch(request);
      WebSocketListener listener = response.getWebSocketListener();
      if (listener != null) {
        response.withWebSocketUpgrade(new Recording(listener));
      }
      return response;
    }

    int openWatches() {
      return watches.size();
    }

    /** Ends every open watch with "410 Gone", as an API server does when history is compacted. */
    void expireWatches() {
      for (WebSocket ws : watches) {
        ws.send(
            "{\"type\":\"ERROR\",\"object\":{\"kind\":\"Status\",\"apiVersion\":\"v1\","
                + "\"status\":\"Failure\",\"message\":\"too old resource version\","
                + "\"reason\":\"Expired\",\"code\":410}}");
      }
      watches.clear();
    }

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

  @BeforeEach
  void startServer() {
    Map<ServerRequest, Queue<ServerResponse>> responses = new HashMap<>();
    faults = new FaultyDispatcher(new KubernetesMixedDispatcher(responses));
    server =
        new KubernetesMockServer(
            new Context(Serialization.jsonMapper()), new MockWebServer(), responses, faults, false);
    server.init();
    // Informer retries start at 100 ms and double, instead of 1 s: the same backoff, faster. The
    // HTTP layer's own retries of 5xx answers (10 by default, also backing off) are cut to one.
    client =
        server.createClient(
            b ->
                b.editOrNewConfig()
                    .withWatchReconnectInterval(100)
                    .withRequestRetryBackoffLimit(1)
                    .withRequestRetryBackoffInterval(50)
                    .endConfig());
    MockCluster.apply(client, "seed/controller-objects.yaml");
    julLogger.addHandler(capture);
  }

  @AfterEach
  void stopServer() {
    julLogger.removeHandler(capture);
    client.close();
    server.destroy();
  }

  @Test
  void forbiddenAndFailingListsKeepTheLastTargetsAndExplain() throws Exception {
    GroupCollector updates = new GroupCollector();
    try (PodDiscoverer d = new PodDiscoverer(client, List.of("default"), List.of())) {
      d.start(updates);
      List<TargetGroup> first = updates.next();
      assertThat(first).hasSize(2);
      assertThat(first).allSatisfy(g -> assertThat(g.targets()).hasSize(1));

      // RBAC revoked; the watch expires; the relist is forbidden.
      faults.failPrefix = "/api/v1/namespaces/default/pods";
      faults.failStatus = 403;
      // The first targets come from the initial list; the watch may open a moment later.
      awaitTrue(() -> faults.openWatches() > 0, "the watch to open");
      faults.expireWatches();
      awaitTrue(() -> d.failuresTotal() >= 1, "a failed relist");
      assertThat(logs)
          .anySatisfy(
              l ->
                  assertThat(l)
                      .startsWith(
                          "WARNING kubernetes_sd role pod: forbidden (HTTP 403) to list pods"
                              + " in namespace \"default\"")
                      .contains(
                          "lacks the RBAC permission verb \"list\" on resource \"pods\""
                              + " (apiGroup \"\") in namespace \"default\"")
                      .contains("cannot list resource \\\"pods\\\"".replace("\\", ""))
                      .contains("keeping the last known targets"));

      // Then the API server itself fails: retried again, after a longer pause.
      long before = d.failuresTotal();
      faults.failStatus = 500;
      awaitTrue(() -> d.failuresTotal() > before, "a relist failing with 500");
      assertThat(logs).anySatisfy(l -> assertThat(l).contains("(HTTP 500)").contains("etcdserver"));

      // Nothing was delivered meanwhile: the two targets stand.
      assertThat(updates.poll(Duration.ZERO)).isNull();
      assertThat(updates.groups().values()).allSatisfy(g -> assertThat(g.targets()).hasSize(1));

      // The API answers again: the relist succeeds and changes flow once more.
      faults.failStatus = 0;
      client.pods().inNamespace("default").resource(DiscoveryDynamicsTest.podC()).create();
      updates.await(
          g -> g.containsKey("pod/default/" + DiscoveryDynamicsTest.POD_C),
          "the pod created after recovery");
      assertThat(updates.groups().values())
          .extracting(g -> g.targets().size())
          .containsExactly(1, 1, 1);
    }
  }

  private static void awaitTrue(BooleanSupplier condition, String what)
      throws InterruptedException {
    long deadline = System.nanoTime() + GroupCollector.TIMEOUT.toNanos();
    while (!condition.getAsBoolean()) {
      if (System.nanoTime() > deadline) {
        fail("timed out waiting for " + what);
      }
      Thread.sleep(10); // polling a counter, bounded by the deadline
    }
  }
}
