package io.promfed.storage.remote;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.sun.net.httpserver.HttpServer;
import io.promfed.config.BasicAuth;
import io.promfed.config.RemoteReadConfig;
import io.promfed.model.labels.Labels;
import io.promfed.model.labels.Matcher;
import io.promfed.storage.Appender;
import io.promfed.storage.Querier;
import io.promfed.storage.SeriesCursor;
import io.promfed.storage.SeriesSet;
import io.promfed.tsdb.Head;
import java.io.OutputStream;
import java.io.UncheckedIOException;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.net.URI;
import java.net.http.HttpClient;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

class RemoteReadQueryableTest {

  final HttpClient http = HttpClient.newBuilder().version(HttpClient.Version.HTTP_1_1).build();
  final Head leafHead = new Head(() -> 100_000, Duration.ofDays(1));
  RemoteReadServer leaf;

  @BeforeEach
  void start() throws Exception {
    Appender app = leafHead.appender();
    for (int t = 1000; t <= 9000; t += 1000) {
      app.append(0, Labels.of("__name__", "up", "job", "a"), t, 1);
      app.append(0, Labels.of("__name__", "up", "job", "b"), t, 0);
    }
    app.commit();
    leaf = new RemoteReadServer(leafHead, Labels.of("leaf", "l1"));
  }

  @AfterEach
  void stop() {
    leaf.close();
  }

  static RemoteReadConfig config(
      URI url, boolean readRecent, Map<String, String> required, boolean filterExternal) {
    return new RemoteReadConfig(
        url,
        "",
        Duration.ofSeconds(5),
        Map.of("X-Scope-OrgID", "team-a"),
        readRecent,
        required,
        filterExternal,
        null,
        "",
        "");
  }

  RemoteReadQueryable remote(RemoteReadConfig config, Labels ourExternal, long localStart) {
    return new RemoteReadQueryable(config, http, "promfed-test", () -> ourExternal, () -> localStart);
  }

  static List<String> read(SeriesSet set) {
    List<String> out = new ArrayList<>();
    while (set.next()) {
      StringBuilder sb = new StringBuilder(set.at().labels().toString());
      SeriesCursor c = set.at().cursor();
      int n = 0;
      long first = 0;
      long last = 0;
      while (c.next()) {
        if (n++ == 0) {
          first = c.atT();
        }
        last = c.atT();
      }
      out.add(sb.append(' ').append(n).append(" samples ").append(first).append("..").append(last)
          .toString());
    }
    return out;
  }

  @Test
  void readsTheRangeWithTheLeafsExternalLabelsAndPrometheusHeaders() {
    RemoteReadQueryable q = remote(config(leaf.url(), true, Map.of(), true), Labels.EMPTY, 0);
    try (Querier querier = q.querier(2000, 4000)) {
      assertThat(read(querier.select(true, Matcher.equal("__name__", "up"))))
          .containsExactly(
              "{__name__=\"up\", job=\"a\", leaf=\"l1\"} 3 samples 2000..4000",
              "{__name__=\"up\", job=\"b\", leaf=\"l1\"} 3 samples 2000..4000");
    }
    RemoteReadServer.Received r = leaf.received.get(0);
    assertThat(r.headers().getFirst("Content-Encoding")).isEqualTo("snappy");
    assertThat(r.headers().getFirst("Content-Type")).isEqualTo("application/x-protobuf");
    assertThat(r.headers().getFirst("X-Prometheus-Remote-Read-Version")).isEqualTo("0.1.0");
    assertThat(r.headers().getFirst("User-Agent")).isEqualTo("promfed-test");
    assertThat(r.headers().getFirst("X-Scope-OrgID")).isEqualTo("team-a");
    assertThat(r.request().acceptedResponseTypes()).containsExactly(ReadRequest.SAMPLES);
    ReadRequest.Query sent = r.request().queries().get(0);
    assertThat(sent.startTimestampMs()).isEqualTo(2000);
    assertThat(sent.endTimestampMs()).isEqualTo(4000);
  }

  @Test
  void ourExternalLabelsAreAddedAsMatchersAndStrippedFromTheResult() {
    // The leaf serves external label leaf="l1"; we claim the same label, so the leaf drops the
    // matcher and we strip the label, as Prometheus does when reading back its own data.
    RemoteReadQueryable q =
        remote(config(leaf.url(), true, Map.of(), true), Labels.of("leaf", "l1"), 0);
    try (Querier querier = q.querier(0, 10_000)) {
      assertThat(read(querier.select(true, Matcher.equal("job", "a"))))
          .containsExactly("{__name__=\"up\", job=\"a\"} 9 samples 1000..9000");
    }
    assertThat(leaf.received.get(0).request().queries().get(0).matchers())
        .containsExactly(Matcher.equal("job", "a"), Matcher.equal("leaf", "l1"));
    // A selector that sets the label itself is sent as it is.
    try (Querier querier = q.querier(0, 10_000)) {
      assertThat(read(querier.select(true, Matcher.equal("leaf", "other")))).isEmpty();
    }
    assertThat(leaf.received.get(1).request().queries().get(0).matchers())
        .containsExactly(Matcher.equal("leaf", "other"));
    // Without filter_external_labels nothing is added or removed.
    RemoteReadQueryable plain =
        remote(config(leaf.url(), true, Map.of(), false), Labels.of("leaf", "l1"), 0);
    try (Querier querier = plain.querier(0, 10_000)) {
      assertThat(read(querier.select(true, Matcher.equal("job", "a"))))
          .containsExactly("{__name__=\"up\", job=\"a\", leaf=\"l1\"} 9 samples 1000..9000");
    }
  }

  @Test
  void requiredMatchersKeepOtherSelectorsLocal() {
    RemoteReadQueryable q =
        remote(config(leaf.url(), true, Map.of("job", "a"), true), Labels.EMPTY, 0);
    try (Querier querier = q.querier(0, 10_000)) {
      assertThat(read(querier.select(true, Matcher.equal("__name__", "up")))).isEmpty();
      assertThat(read(querier.select(true, Matcher.regex("job", "a")))).isEmpty();
      assertThat(leaf.received).isEmpty();
      assertThat(read(querier.select(true, Matcher.equal("job", "a")))).hasSize(1);
      assertThat(leaf.received).hasSize(1);
    }
  }

  @Test
  void withoutReadRecentOnlyWhatIsOlderThanLocalStorageIsRead() {
    RemoteReadQueryable q = remote(config(leaf.url(), false, Map.of(), true), Labels.EMPTY, 5000);
    try (Querier querier = q.querier(0, 10_000)) {
      assertThat(read(querier.select(true, Matcher.equal("job", "a"))))
          .containsExactly("{__name__=\"up\", job=\"a\", leaf=\"l1\"} 5 samples 1000..5000");
    }
    try (Querier querier = q.querier(6000, 10_000)) {
      assertThat(read(querier.select(true, Matcher.equal("job", "a")))).isEmpty();
    }
    assertThat(leaf.received).hasSize(1);
    assertThat(leaf.received.get(0).request().queries().get(0).endTimestampMs()).isEqualTo(5000);
  }

  @Test
  void labelNamesAndValuesAskForSeriesOnly() {
    RemoteReadQueryable q = remote(config(leaf.url(), true, Map.of(), true), Labels.EMPTY, 0);
    try (Querier querier = q.querier(0, 10_000)) {
      assertThat(querier.labelValues("job")).containsExactly("a", "b");
      assertThat(querier.labelNames()).containsExactly("__name__", "job", "leaf");
      assertThat(querier.metadata(null)).isEmpty();
    }
    ReadRequest.Query sent = leaf.received.get(0).request().queries().get(0);
    assertThat(sent.matchers()).containsExactly(Matcher.regex("job", ".+"));
    assertThat(sent.hints().func()).isEqualTo("series");
  }

  @Test
  void credentialsAreSent() throws Exception {
    RemoteReadConfig basic =
        new RemoteReadConfig(
            leaf.url(), "", Duration.ofSeconds(5), Map.of(), true, Map.of(), true,
            new BasicAuth("user", "pass", ""), "", "");
    RemoteReadConfig bearer =
        new RemoteReadConfig(
            leaf.url(), "", Duration.ofSeconds(5), Map.of(), true, Map.of(), true, null, "tok",
            "");
    for (RemoteReadConfig c : List.of(basic, bearer)) {
      try (Querier querier = remote(c, Labels.EMPTY, 0).querier(0, 1)) {
        read(querier.select(true, Matcher.equal("job", "a")));
      }
    }
    assertThat(leaf.received.get(0).headers().getFirst("Authorization"))
        .isEqualTo("Basic dXNlcjpwYXNz");
    assertThat(leaf.received.get(1).headers().getFirst("Authorization")).isEqualTo("Bearer tok");
  }

  @Test
  void anUnreachableEndpointFailsWithItsUrlAndReasonWhenIterated() throws Exception {
    int port;
    try (ServerSocket s = new ServerSocket(0, 1, InetAddress.getLoopbackAddress())) {
      port = s.getLocalPort();
    }
    URI url = URI.create("http://127.0.0.1:" + port + "/api/v1/read");
    RemoteReadQueryable q = remote(config(url, true, Map.of(), true), Labels.EMPTY, 0);
    try (Querier querier = q.querier(0, 1)) {
      SeriesSet set = querier.select(true, Matcher.equal("job", "a")); // does not block or throw
      assertThatThrownBy(set::next)
          .isInstanceOf(UncheckedIOException.class)
          .hasMessage("remote read from " + url + " failed: connection refused");
    }
  }

  @Test
  void anErrorStatusFailsWithTheServersMessage() throws Exception {
    HttpServer broken =
        HttpServer.create(new InetSocketAddress(InetAddress.getLoopbackAddress(), 0), 0);
    broken.createContext(
        "/api/v1/read",
        ex -> {
          byte[] b = "exceeded sample limit (50000000)\n".getBytes();
          ex.sendResponseHeaders(400, b.length);
          try (OutputStream out = ex.getResponseBody()) {
            out.write(b);
          }
        });
    broken.start();
    try {
      URI url =
          URI.create("http://127.0.0.1:" + broken.getAddress().getPort() + "/api/v1/read");
      try (Querier querier =
          remote(config(url, true, Map.of(), true), Labels.EMPTY, 0).querier(0, 1)) {
        assertThatThrownBy(() -> read(querier.select(true, Matcher.equal("job", "a"))))
            .hasMessage(
                "remote read from "
                    + url
                    + " failed: server returned HTTP status 400: exceeded sample limit (50000000)");
      }
    } finally {
      broken.stop(0);
    }
  }
}
