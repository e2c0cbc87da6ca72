package io.promfed.web.federate;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.promfed.config.ConfigLoader;
import io.promfed.config.ScrapeConfig;
import io.promfed.model.labels.Labels;
import io.promfed.scrape.Target;
import io.promfed.storage.Appender;
import io.promfed.storage.SeriesCursor;
import io.promfed.storage.SeriesSet;
import io.promfed.storage.remote.RemoteReadServer;
import io.promfed.tsdb.Head;
import java.io.IOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

class FederationGapFillerTest {

  final Head leafHead = new Head(() -> 1_000_000, Duration.ofDays(1));
  RemoteReadServer leaf;
  final FederationGapFiller filler =
      new FederationGapFiller(HttpClient.newHttpClient(), "promfed-test", Duration.ofMinutes(10));

  @BeforeEach
  void start() throws Exception {
    Appender app = leafHead.appender();
    for (long t = 0; t <= 100_000; t += 10_000) {
      app.append(0, Labels.of("__name__", "job:req:rate5m", "job", "api"), t, t);
      app.append(0, Labels.of("__name__", "http_requests_total", "job", "api"), t, t);
      app.append(0, Labels.of("__name__", "go_goroutines", "job", "api"), t, t);
    }
    app.commit();
    leaf = new RemoteReadServer(leafHead, Labels.of("cluster", "c1"));
  }

  @AfterEach
  void stop() {
    leaf.close();
  }

  ScrapeConfig federateJob() throws Exception {
    return ConfigLoader.loadString(
            """
            scrape_configs:
              - job_name: federate
                honor_labels: true
                metrics_path: /federate
                params:
                  'match[]':
                    - '{__name__=~"job:.*"}'
                    - '{__name__=~"job:.*|http_.*"}'
                basic_auth:
                  username: m
                  password: s
            """,
            "master.yml")
        .scrapeConfig("federate");
  }

  Target target(String query) {
    URI url =
        URI.create(leaf.url().toString().replace("/api/v1/read", "/federate") + "?" + query);
    return new Target(
        "federate",
        Labels.of("job", "federate", "instance", url.getAuthority()),
        Labels.EMPTY,
        url,
        Duration.ofSeconds(15),
        Duration.ofSeconds(5));
  }

  static List<String> read(SeriesSet set) {
    List<String> out = new ArrayList<>();
    while (set.next()) {
      StringBuilder sb = new StringBuilder(set.at().labels().toString());
      SeriesCursor c = set.at().cursor();
      while (c.next()) {
        sb.append(' ').append(c.atT() / 1000);
      }
      out.add(sb.toString());
    }
    return out;
  }

  @Test
  void readsWhatTheFederateSelectorsSelectInTheGapOnceEach() throws Exception {
    ScrapeConfig job = federateJob();
    assertThat(filler.appliesTo(job)).isTrue();
    String query =
        "match%5B%5D=%7B__name__%3D~%22job%3A.*%22%7D"
            + "&match%5B%5D=%7B__name__%3D~%22job%3A.*%7Chttp_.*%22%7D";
    assertThat(FederationGapFiller.matchParams(URI.create("http://x/federate?" + query)))
        .containsExactly("{__name__=~\"job:.*\"}", "{__name__=~\"job:.*|http_.*\"}");

    List<String> got = read(filler.missed(job, target(query), 30_000, 60_000));
    assertThat(got)
        .containsExactly(
            "{__name__=\"http_requests_total\", cluster=\"c1\", job=\"api\"} 40 50 60",
            "{__name__=\"job:req:rate5m\", cluster=\"c1\", job=\"api\"} 40 50 60");
    assertThat(leaf.received).hasSize(2);
    assertThat(leaf.received.get(0).headers().getFirst("Authorization"))
        .isEqualTo("Basic bTpz");
  }

  @Test
  void theSpanIsCappedAtMaxGap() throws Exception {
    FederationGapFiller shortMemory =
        new FederationGapFiller(HttpClient.newHttpClient(), "t", Duration.ofSeconds(25));
    List<String> got =
        read(
            shortMemory.missed(
                federateJob(), target("match%5B%5D=go_goroutines"), 0, 100_000));
    assertThat(got).containsExactly("{__name__=\"go_goroutines\", cluster=\"c1\", job=\"api\"} 80 90 100");
  }

  @Test
  void onlyFederateJobsApplyAndProblemsAreIoExceptions() throws Exception {
    ScrapeConfig plain =
        ConfigLoader.loadString("scrape_configs:\n  - job_name: node\n", "m.yml")
            .scrapeConfig("node");
    assertThat(filler.appliesTo(plain)).isFalse();
    assertThat(read(filler.missed(federateJob(), target("x=1"), 0, 1))).isEmpty();
    assertThatThrownBy(() -> filler.missed(federateJob(), target("match%5B%5D=%7B"), 0, 1))
        .isInstanceOf(IOException.class)
        .hasMessageContaining("bad match[]");
    leaf.close();
    assertThatThrownBy(() -> filler.missed(federateJob(), target("match%5B%5D=up"), 0, 1))
        .isInstanceOf(IOException.class)
        .hasMessageEndingWith("failed: connection refused");
  }
}
