package io.promfed.scrape;

import static org.assertj.core.api.Assertions.assertThat;

import io.promfed.config.ScrapeConfig;
import io.promfed.model.labels.Labels;
import io.promfed.model.labels.Matcher;
import io.promfed.model.value.StaleNaN;
import io.promfed.storage.Querier;
import io.promfed.storage.Series;
import io.promfed.storage.SeriesCursor;
import io.promfed.storage.SeriesSet;
import io.promfed.tsdb.Head;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.function.Function;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

class ScrapeLoopTest {

  static final long T0 = 1_700_000_000_000L;

  TestTargetServer server;
  Head head;
  ScrapeStats stats;
  ScrapeHttpClient client = ScrapeHttpClient.plain();
  ScrapeBufferPool pool = new ScrapeBufferPool();

  @BeforeEach
  void setUp() throws Exception {
    server = new TestTargetServer();
    head = new Head(() -> T0 + 3_600_000L, Duration.ofDays(1));
    stats = new ScrapeStats();
  }

  @AfterEach
  void tearDown() {
    server.close();
  }

  ScrapeLoop loop(Function<ScrapeConfig.Builder, ScrapeConfig.Builder> tweak) {
    ScrapeConfig cfg =
        tweak
            .apply(
                ScrapeConfig.builder("node")
                    .scrapeInterval(Duration.ofSeconds(15))
                    .scrapeTimeout(Duration.ofSeconds(2)))
            .build();
    Target t =
        new Target(
            "node",
            Labels.of("job", "node", "instance", server.address()),
            Labels.EMPTY,
            server.url(),
            cfg.scrapeInterval(),
            cfg.scrapeTimeout());
    TargetScraper scraper =
        new TargetScraper(
            client,
            server.url(),
            cfg.scrapeTimeout(),
            cfg.bodySizeLimitBytes(),
            cfg.enableCompression(),
            new ScrapeAuth(cfg),
            pool);
    return new ScrapeLoop(t, cfg, scraper, head, stats);
  }

  ScrapeLoop loop() {
    return loop(b -> b);
  }

  /** Every stored series as "labels" → "t=v t=v …" (stale markers written as "stale"). */
  Map<String, String> dump() {
    Map<String, String> out = new TreeMap<>();
    try (Querier q = head.querier(Long.MIN_VALUE, Long.MAX_VALUE)) {
      SeriesSet ss = q.select(true, Matcher.regex("__name__", ".+"));
      while (ss.next()) {
        Series s = ss.at();
        SeriesCursor c = s.cursor();
        List<String> pts = new ArrayList<>();
        while (c.next()) {
          String v = StaleNaN.is(c.atV()) ? "stale" : Double.toString(c.atV());
          pts.add((c.atT() - T0) / 1000 + "=" + v);
        }
        out.put(s.labels().toString(), String.join(" ", pts));
      }
    }
    return out;
  }

  String series(String name, String... labels) {
    List<String> kv = new ArrayList<>(List.of("__name__", name, "job", "node", "instance", server.address()));
    kv.addAll(List.of(labels));
    return dump().get(Labels.of(kv.toArray(String[]::new)).toString());
  }

  @Test
  void successfulScrapeStoresSamplesWithTargetLabelsAndReportSeries() {
    server.body("# HELP a_total A.\n# TYPE a_total counter\na_total 3\nb{x=\"1\"} 2.5\nb{x=\"2\"} NaN\n");
    ScrapeLoop l = loop();
    l.scrapeAndReport(T0);
    assertThat(series("a_total")).isEqualTo("0=3.0");
    assertThat(series("b", "x", "1")).isEqualTo("0=2.5");
    assertThat(series("b", "x", "2")).isEqualTo("0=NaN");
    assertThat(series("up")).isEqualTo("0=1.0");
    assertThat(series("scrape_samples_scraped")).isEqualTo("0=3.0");
    assertThat(series("scrape_samples_post_metric_relabeling")).isEqualTo("0=3.0");
    assertThat(series("scrape_series_added")).isEqualTo("0=3.0");
    assertThat(series("scrape_duration_seconds")).startsWith("0=");
    assertThat(l.target().health()).isEqualTo(Target.Health.UP);
    assertThat(server.lastAccept).contains("application/openmetrics-text");
    assertThat(server.lastTimeoutHeader).isEqualTo("2.0");

    l.scrapeAndReport(T0 + 15_000);
    assertThat(series("scrape_series_added")).isEqualTo("0=3.0 15=0.0");
    try (Querier q = head.querier(0, Long.MAX_VALUE)) {
      assertThat(q.metadata("a_total").get("a_total").get(0).type()).isEqualTo("counter");
    }
  }

  @Test
  void bodyBuffersGoBackToTheSharedPoolAfterEachScrapeAndAreReused() {
    for (boolean gzip : new boolean[] {false, true}) {
      server.gzip = gzip;
      ScrapeLoop l = loop();
      long t = T0 + (gzip ? 60_000 : 0);
      server.body(bigBody(0));
      l.scrapeAndReport(t);
      long pooled = pool.pooledBytes();
      assertThat(pooled).as("gzip=%s", gzip).isGreaterThanOrEqualTo(bigBody(0).length());

      // The next scrape takes the same arrays back and nothing of the first body leaks into it.
      server.body(bigBody(1));
      l.scrapeAndReport(t + 15_000);
      assertThat(pool.pooledBytes()).as("gzip=%s", gzip).isEqualTo(pooled);
      assertThat(series("m", "i", "2999")).endsWith("=2999.0 " + (t - T0 + 15_000) / 1000 + "=3000.0");
    }
    assertThat(stats.scrapesFailed()).isZero();
  }

  private static String bigBody(int add) {
    StringBuilder sb = new StringBuilder();
    for (int i = 0; i < 3000; i++) {
      sb.append("m{i=\"").append(i).append("\"} ").append(i + add).append('\n');
    }
    return sb.toString();
  }

  @Test
  void cacheHoldsTheHeadsLabelsInsteadOfItsOwnCopy() {
    server.body("a_total 3\nb{x=\"1\"} 2.5\n");
    ScrapeLoop l = loop();
    l.scrapeAndReport(T0);
    ScrapeCache cache = l.cache();
    byte[] raw = "b{x=\"1\"}".getBytes(java.nio.charset.StandardCharsets.UTF_8);
    int e = cache.get(raw, 0, raw.length);
    assertThat(e).isNotEqualTo(ScrapeCache.ABSENT);
    try (Querier q = head.querier(Long.MIN_VALUE, Long.MAX_VALUE)) {
      SeriesSet ss = q.select(false, Matcher.equal("__name__", "b"));
      assertThat(ss.next()).isTrue();
      assertThat(cache.labels(e)).isEqualTo(ss.at().labels()).isSameAs(ss.at().labels());
    }
  }

  @Test
  void disappearedSeriesGetsStaleMarkerButTimestampedOneDoesNot() {
    server.body("a 1\nb 2\nc 3 " + (T0 - 1000) + "\n");
    ScrapeLoop l = loop();
    l.scrapeAndReport(T0);
    server.body("a 1\n");
    l.scrapeAndReport(T0 + 15_000);
    assertThat(series("a")).isEqualTo("0=1.0 15=1.0");
    assertThat(series("b")).isEqualTo("0=2.0 15=stale");
    assertThat(series("c")).isEqualTo("-1=3.0");
  }

  @Test
  void malformedBodyAppendsNothingAndMarksPreviousSeriesStale() {
    server.body("a 1\nb 2\n");
    ScrapeLoop l = loop();
    l.scrapeAndReport(T0);
    server.body("a 5\nb 6\nc{x=} 7\n");
    l.scrapeAndReport(T0 + 15_000);
    assertThat(series("a")).isEqualTo("0=1.0 15=stale");
    assertThat(series("b")).isEqualTo("0=2.0 15=stale");
    assertThat(series("c")).isNull();
    assertThat(series("up")).isEqualTo("0=1.0 15=0.0");
    assertThat(l.target().health()).isEqualTo(Target.Health.DOWN);
    assertThat(l.target().lastError()).startsWith("line 3:");
    assertThat(stats.parseErrors()).isEqualTo(1);

    server.body("a 7\n");
    l.scrapeAndReport(T0 + 30_000);
    assertThat(series("a")).isEqualTo("0=1.0 15=stale 30=7.0");
    assertThat(series("up")).isEqualTo("0=1.0 15=0.0 30=1.0");
  }

  @Test
  void httpErrorIsReportedWithPrometheusWording() {
    server.status = 500;
    server.body("oops");
    ScrapeLoop l = loop();
    l.scrapeAndReport(T0);
    assertThat(series("up")).isEqualTo("0=0.0");
    assertThat(l.target().lastError()).isEqualTo("server returned HTTP status 500 Internal Server Error");
  }

  @Test
  void slowTargetTimesOut() {
    server.body("a 1\n");
    server.delayMs = 1500;
    ScrapeLoop l = loop(b -> b.scrapeTimeout(Duration.ofMillis(300)));
    long start = System.nanoTime();
    l.scrapeAndReport(T0);
    assertThat(Duration.ofNanos(System.nanoTime() - start)).isLessThan(Duration.ofMillis(1400));
    assertThat(l.target().lastError()).isEqualTo("context deadline exceeded");
    assertThat(series("up")).isEqualTo("0=0.0");
  }

  @Test
  void deadTargetIsDown() {
    String url = server.url().toString();
    server.close();
    ScrapeLoop l = loop();
    l.scrapeAndReport(T0);
    assertThat(series("up")).isEqualTo("0=0.0");
    assertThat(l.target().lastError()).startsWith("Get \"" + url + "\":");
  }

  @Test
  void bodySizeLimitCountsDecompressedBytesAndExactLimitFails() {
    String body = "a 1\nb 2\n"; // 8 bytes
    server.body(body);
    server.gzip = true;
    ScrapeLoop atLimit = loop(b -> b.bodySizeLimitBytes(8));
    atLimit.scrapeAndReport(T0);
    assertThat(atLimit.target().lastError()).startsWith("body size limit exceeded");
    ScrapeLoop above = loop(b -> b.bodySizeLimitBytes(9));
    above.scrapeAndReport(T0 + 15_000);
    assertThat(above.target().health()).isEqualTo(Target.Health.UP);
    assertThat(series("b")).isEqualTo("15=2.0");
  }

  @Test
  void aTargetDyingMidBodyFailsTheScrapeAndAppendsNoneOfIt() {
    StringBuilder first = new StringBuilder();
    StringBuilder second = new StringBuilder();
    for (int i = 0; i < 2000; i++) {
      first.append("m{i=\"").append(i).append("\"} 1\n");
      second.append("m{i=\"").append(i).append("\"} 2\n");
    }
    server.body(first.toString());
    ScrapeLoop l = loop();
    l.scrapeAndReport(T0);
    server.body(second.toString());
    server.cutAfterBytes = second.length() / 2; // a leaf killed in the middle of /federate
    l.scrapeAndReport(T0 + 15_000);
    assertThat(l.target().health()).isEqualTo(Target.Health.DOWN);
    assertThat(l.target().lastError()).isNotBlank();
    assertThat(series("up")).isEqualTo("0=1.0 15=0.0");
    // Not one of the ~1,000 complete lines that did arrive was stored.
    assertThat(dump().values()).noneMatch(v -> v.contains("15=2.0"));
    assertThat(series("m", "i", "7")).isEqualTo("0=1.0 15=stale");
  }

  @Test
  void hugeBodyIsCutOffWithoutBeingHeld() {
    StringBuilder sb = new StringBuilder();
    while (sb.length() < 5_000_000) {
      sb.append("metric_with_a_long_name{label=\"").append(sb.length()).append("\"} 1\n");
    }
    server.body(sb.toString());
    ScrapeLoop l = loop(b -> b.bodySizeLimitBytes(1 << 20));
    l.scrapeAndReport(T0);
    assertThat(l.target().lastError()).startsWith("body size limit exceeded");
    assertThat(series("up")).isEqualTo("0=0.0");
  }

  @Test
  void sampleLimitIsAllOrNothingAfterRelabeling() {
    StringBuilder sb = new StringBuilder();
    for (int i = 0; i < 791; i++) {
      sb.append("m{i=\"").append(i).append("\"} 1\n");
    }
    server.body(sb.toString());
    ScrapeLoop tight = loop(b -> b.sampleLimit(790));
    tight.scrapeAndReport(T0);
    assertThat(tight.target().lastError()).isEqualTo("sample limit exceeded");
    assertThat(series("scrape_samples_scraped")).isEqualTo("0=791.0");
    assertThat(series("m", "i", "0")).isNull();

    ScrapeLoop exact = loop(b -> b.sampleLimit(791));
    exact.scrapeAndReport(T0 + 15_000);
    assertThat(exact.target().health()).isEqualTo(Target.Health.UP);
    assertThat(series("m", "i", "790")).isEqualTo("15=1.0");
  }

  @Test
  void conflictingLabelsAreExportedShortestFirstUnlessHonored() {
    // job="x" conflicts; exported_job is taken by the scraped "y", so "x" moves one step further.
    server.body("m{job=\"x\",exported_job=\"y\",instance=\"z\"} 1\n");
    loop().scrapeAndReport(T0);
    assertThat(
            dump()
                .get(
                    Labels.of(
                            "__name__", "m", "job", "node", "instance", server.address(),
                            "exported_job", "y", "exported_exported_job", "x",
                            "exported_instance", "z")
                        .toString()))
        .isEqualTo("0=1.0");
  }

  @Test
  void honorLabelsKeepsScrapedLabelsAndEmptyInstanceMeansNone() {
    server.body("agg{job=\"app\",instance=\"\"} 4 " + T0 + "\n");
    loop(b -> b.honorLabels(true)).scrapeAndReport(T0 + 1000);
    assertThat(dump().get(Labels.of("__name__", "agg", "job", "app").toString())).isEqualTo("0=4.0");
  }

  @Test
  void duplicateSeriesAndOutOfOrderTimestampsAreCountedAndTheRestKept() {
    // The same series twice with other values, and a series going back in time: Prometheus keeps
    // the first, counts the rest (duplicate timestamp, out of order) and the scrape stays up.
    server.body(
        "dup 1\n"
            + "dup 2\n"
            + "ts_metric 5 " + (T0 + 10_000) + "\n"
            + "ok 3\n");
    ScrapeLoop l = loop();
    l.scrapeAndReport(T0 + 15_000);
    server.body("dup 1\nts_metric 6 " + (T0 + 5_000) + "\nok 4\n");
    l.scrapeAndReport(T0 + 30_000);
    assertThat(l.target().health()).isEqualTo(Target.Health.UP);
    assertThat(stats.duplicateTimestamp()).isEqualTo(1);
    assertThat(stats.outOfOrder()).isEqualTo(1);
    assertThat(series("dup")).isEqualTo("15=1.0 30=1.0");
    assertThat(series("ts_metric")).isEqualTo("10=5.0");
    assertThat(series("ok")).isEqualTo("15=3.0 30=4.0");
  }

  @Test
  void duplicateFederatedSampleIsAcceptedSilently() {
    server.body("agg{job=\"app\"} 4 " + T0 + "\n");
    ScrapeLoop l = loop(b -> b.honorLabels(true));
    l.scrapeAndReport(T0 + 1000);
    l.scrapeAndReport(T0 + 16_000);
    assertThat(stats.duplicateTimestamp()).isZero();
    assertThat(stats.outOfOrder()).isZero();
    assertThat(
            dump()
                .get(
                    Labels.of("__name__", "agg", "job", "app", "instance", server.address())
                        .toString()))
        .isEqualTo("0=4.0");
  }

  @Test
  void openMetricsTimestampsAreSeconds() {
    server.contentType = "application/openmetrics-text; version=1.0.0; charset=utf-8";
    server.body("# TYPE a gauge\na 1 " + (T0 / 1000) + ".5\n# EOF\n");
    loop().scrapeAndReport(T0 + 5000);
    assertThat(series("a")).isEqualTo("0=1.0");
    assertThat(dump().toString()).contains("a");
  }
}
