package io.promfed.scrape;

import static org.assertj.core.api.Assertions.assertThat;

import io.promfed.config.FederationDefaults;
import io.promfed.config.ScrapeConfig;
import io.promfed.model.labels.Labels;
import io.promfed.model.labels.Matcher;
import io.promfed.model.value.StaleNaN;
import io.promfed.storage.Appender;
import io.promfed.storage.MetricMetadata;
import io.promfed.storage.Querier;
import io.promfed.storage.Series;
import io.promfed.storage.SeriesCursor;
import io.promfed.storage.SeriesSet;
import io.promfed.tsdb.Head;
import io.promfed.web.federate.FederateHandler;
import java.io.ByteArrayOutputStream;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.function.Function;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * The master's side of federation (issue #6): staleness that crosses federation ({@code
 * track_timestamps_staleness}), metadata read from a {@code /federate} body, and the per-leaf
 * series limit ({@code series_limit}). Scrapes are driven by hand with injected times.
 */
class FederationScrapeTest {

  static final long T0 = 1_700_000_000_000L;

  TestTargetServer leaf;
  Head master;
  ScrapeStats stats;
  ScrapeHttpClient client = ScrapeHttpClient.plain();

  @BeforeEach
  void setUp() throws Exception {
    leaf = new TestTargetServer();
    master = new Head(() -> T0 + 3_600_000L, Duration.ofDays(1));
    stats = new ScrapeStats();
  }

  @AfterEach
  void tearDown() {
    leaf.close();
  }

  ScrapeConfig.Builder federateJob() {
    return ScrapeConfig.builder("federate")
        .scrapeInterval(Duration.ofSeconds(15))
        .scrapeTimeout(Duration.ofSeconds(2))
        .metricsPath("/federate")
        .honorLabels(true);
  }

  ScrapeLoop loop(ScrapeConfig cfg, long seriesLimit) {
    Target t =
        new Target(
            "federate",
            Labels.of("job", "federate", "instance", leaf.address()),
            Labels.EMPTY,
            leaf.url(),
            cfg.scrapeInterval(),
            cfg.scrapeTimeout());
    TargetScraper scraper =
        new TargetScraper(
            client, leaf.url(), cfg.scrapeTimeout(), 0, true, new ScrapeAuth(cfg));
    return new ScrapeLoop(t, cfg, scraper, master, stats, seriesLimit);
  }

  ScrapeLoop loop(Function<ScrapeConfig.Builder, ScrapeConfig.Builder> tweak) {
    return loop(tweak.apply(federateJob()).build(), 0);
  }

  /** Every stored series as "labels" → "t=v …", times in seconds from T0, "stale" for markers. */
  Map<String, String> dump() {
    Map<String, String> out = new TreeMap<>();
    try (Querier q = master.querier(Long.MIN_VALUE, Long.MAX_VALUE)) {
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

  /** A federated series: the leaf's labels (honor_labels keeps them; instance="" is dropped). */
  String federated(String name, String... labels) {
    List<String> kv = new ArrayList<>(List.of("__name__", name, "job", "node"));
    kv.addAll(List.of(labels));
    return dump().get(Labels.of(kv.toArray(String[]::new)).toString());
  }

  /** A report series of the federation target. */
  String report(String name) {
    return dump()
        .get(Labels.of("__name__", name, "instance", leaf.address(), "job", "federate").toString());
  }

  /** A /federate line for {@code name}{job="node"} with the leaf's sample time in seconds. */
  static String line(String name, double v, long leafSecond) {
    return name + "{job=\"node\",instance=\"\"} " + v + " " + (T0 + leafSecond * 1000) + "\n";
  }

  // ---- track_timestamps_staleness ----------------------------------------------------------

  @Test
  void seriesGoneAtTheLeafIsStaleAtTheNextFederationScrape() {
    ScrapeLoop l = loop(b -> b.trackTimestampsStaleness(true));
    leaf.body(line("a", 1, -5) + line("b", 2, -5));
    l.scrapeAndReport(T0);
    // The leaf has not scraped again: the same samples come back and are accepted as they are.
    l.scrapeAndReport(T0 + 15_000);
    leaf.body(line("a", 3, 10));
    l.scrapeAndReport(T0 + 30_000);

    assertThat(federated("a")).isEqualTo("-5=1.0 10=3.0");
    assertThat(federated("b")).isEqualTo("-5=2.0 30=stale");
  }

  @Test
  void withoutTheOptionTimestampedSeriesLingerAsInPrometheus() {
    ScrapeLoop l = loop(b -> b);
    leaf.body(line("a", 1, -5) + line("b", 2, -5));
    l.scrapeAndReport(T0);
    leaf.body(line("a", 3, 10));
    l.scrapeAndReport(T0 + 15_000);

    assertThat(federated("b")).isEqualTo("-5=2.0");
  }

  @Test
  void leafGoingDownMarksEveryFederatedSeriesStale() {
    ScrapeLoop l = loop(b -> b.trackTimestampsStaleness(true));
    leaf.body(line("a", 1, -5) + line("b", 2, -5));
    l.scrapeAndReport(T0);
    leaf.status = 503;
    leaf.body("leaf is restarting");
    l.scrapeAndReport(T0 + 15_000);

    assertThat(federated("a")).isEqualTo("-5=1.0 15=stale");
    assertThat(federated("b")).isEqualTo("-5=2.0 15=stale");
    assertThat(report("up")).isEqualTo("0=1.0 15=0.0");
  }

  @Test
  void rejectedSampleIsNotTrackedSoItsSeriesGoesStaleAsInPrometheus() {
    ScrapeLoop l = loop(b -> b.trackTimestampsStaleness(true));
    leaf.body(line("a", 1, 0) + line("b", 2, 0));
    l.scrapeAndReport(T0);
    // b comes back older than what is stored: out of order, not appended, not tracked.
    leaf.body(line("a", 1, 0) + line("b", 5, -10));
    l.scrapeAndReport(T0 + 15_000);

    assertThat(federated("a")).isEqualTo("0=1.0");
    assertThat(federated("b")).isEqualTo("0=2.0 15=stale");
    assertThat(stats.outOfOrder()).isEqualTo(1);
  }

  @Test
  void endOfRunStalenessCoversFederatedSeries() {
    ScrapeLoop l = loop(b -> b.trackTimestampsStaleness(true));
    leaf.body(line("a", 1, -5));
    l.scrapeAndReport(T0);
    l.endOfRunStaleness(T0 + 7_000);

    assertThat(federated("a")).isEqualTo("-5=1.0 7=stale");
    assertThat(report("up")).isEqualTo("0=1.0 7=stale");
  }

  @Test
  void masterDefaultTracksStalenessOnlyWhereTheFileIsSilent() {
    ScrapeConfig unset = federateJob().build();
    ScrapeConfig off = federateJob().trackTimestampsStaleness(false).build();
    ScrapeConfig pods = ScrapeConfig.builder("pods").build();

    assertThat(FederationDefaults.apply(unset).trackTimestampsStaleness()).isTrue();
    assertThat(FederationDefaults.apply(off).trackTimestampsStaleness()).isFalse();
    assertThat(FederationDefaults.apply(pods).trackTimestampsStaleness()).isFalse();
    assertThat(
            FederationDefaults.apply(federateJob().metricsPath("/leaf-a/federate").build())
                .trackTimestampsStaleness())
        .isTrue();

    ScrapeLoop l = loop(FederationDefaults.apply(unset), 0);
    leaf.body(line("a", 1, -5) + line("b", 2, -5));
    l.scrapeAndReport(T0);
    leaf.body(line("a", 3, 10));
    l.scrapeAndReport(T0 + 15_000);
    assertThat(federated("b")).isEqualTo("-5=2.0 15=stale");
  }

  // ---- metadata --------------------------------------------------------------------------

  @Test
  void metadataOfAFederateBodyIsStoredAndFederatedOnward() throws Exception {
    // A leaf holding a histogram, a counter and a rule output, with their metadata.
    Head leafHead = new Head(() -> T0, Duration.ofDays(1));
    Appender app = leafHead.appender();
    Labels node = Labels.of("job", "node");
    app.append(0, with(node, "rpc_bucket", "le", "+Inf"), T0 - 5000, 4);
    app.append(0, with(node, "rpc_count"), T0 - 5000, 4);
    app.append(0, with(node, "rpc_sum"), T0 - 5000, 0.5);
    app.append(0, with(node, "http_requests_total"), T0 - 5000, 7);
    app.append(0, with(node, "job:http_requests:rate5m"), T0 - 5000, 0.1);
    app.updateMetadata("rpc", new MetricMetadata("histogram", "RPC latency.", ""));
    app.updateMetadata("http_requests_total", new MetricMetadata("counter", "Requests.", ""));
    app.commit();
    String body = federate(leafHead, T0);
    assertThat(body).contains("# TYPE rpc histogram\n", "# TYPE http_requests_total counter\n");
    leaf.body(body);

    loop(b -> b).scrapeAndReport(T0);

    try (Querier q = master.querier(Long.MIN_VALUE, Long.MAX_VALUE)) {
      Map<String, List<MetricMetadata>> md = q.metadata(null);
      assertThat(md.get("rpc")).containsExactly(new MetricMetadata("histogram", "RPC latency.", ""));
      assertThat(md.get("http_requests_total"))
          .containsExactly(new MetricMetadata("counter", "Requests.", ""));
      // Declared untyped by the leaf, which Prometheus's metadata API shows as unknown.
      assertThat(md.get("job:http_requests:rate5m"))
          .containsExactly(new MetricMetadata("unknown", "", ""));
    }
    // And the master's own /federate passes the types on.
    String onward = federate(master, T0);
    assertThat(onward)
        .contains(
            "# HELP rpc RPC latency.\n# TYPE rpc histogram\nrpc_bucket{",
            "# TYPE job:http_requests:rate5m untyped\n");
  }

  static Labels with(Labels base, String name, String... kv) {
    var b = base.toBuilder().set(Labels.METRIC_NAME, name);
    for (int i = 0; i < kv.length; i += 2) {
      b.set(kv[i], kv[i + 1]);
    }
    return b.build();
  }

  static String federate(Head head, long nowMs) throws Exception {
    FederateHandler h =
        new FederateHandler(head, () -> Labels.EMPTY, Duration.ofMinutes(5), () -> nowMs);
    ByteArrayOutputStream out = new ByteArrayOutputStream();
    h.write(FederateHandler.parseSelectors(List.of("{__name__=~\".+\"}")), out);
    return out.toString(StandardCharsets.UTF_8);
  }

  // ---- series_limit ----------------------------------------------------------------------

  @Test
  void seriesBeyondTheLimitAreDroppedWhileAdmittedOnesKeepFlowing() {
    ScrapeLoop l = loop(federateJob().build(), 2);
    leaf.body(line("a", 1, 0) + line("b", 2, 0) + line("c", 3, 0));
    l.scrapeAndReport(T0);
    leaf.body(line("a", 4, 15) + line("b", 5, 15) + line("c", 6, 15) + line("d", 7, 15));
    l.scrapeAndReport(T0 + 15_000);

    assertThat(federated("a")).isEqualTo("0=1.0 15=4.0");
    assertThat(federated("b")).isEqualTo("0=2.0 15=5.0");
    assertThat(federated("c")).isNull();
    assertThat(federated("d")).isNull();
    assertThat(report("up")).isEqualTo("0=1.0 15=1.0");
    assertThat(report("scrape_samples_post_metric_relabeling")).isEqualTo("0=3.0 15=4.0");
    assertThat(report("scrape_series_limit")).isEqualTo("0=2.0 15=2.0");
    assertThat(report("scrape_series_current")).isEqualTo("0=2.0 15=2.0");
    assertThat(report("scrape_series_limit_samples_dropped")).isEqualTo("0=1.0 15=2.0");
    assertThat(stats.seriesLimitSamplesDropped()).isEqualTo(3);
  }

  @Test
  void droppedSeriesGetNoStaleMarkersAndFreedSlotsWaitForTheNextWindow() {
    ScrapeLoop l = loop(federateJob().trackTimestampsStaleness(true).build(), 1);
    leaf.body(line("a", 1, 0) + line("b", 2, 0));
    l.scrapeAndReport(T0);
    leaf.body(line("b", 3, 15));
    l.scrapeAndReport(T0 + 15_000);

    assertThat(federated("a")).isEqualTo("0=1.0 15=stale");
    assertThat(federated("b")).isNull(); // a's slot is not freed before the 24 h window ends
    assertThat(report("scrape_series_current")).isEqualTo("0=1.0 15=1.0");

    long nextWindow = T0 + SeriesLimiter.WINDOW_MS;
    leaf.body(line("b", 4, SeriesLimiter.WINDOW_MS / 1000));
    l.scrapeAndReport(nextWindow);
    assertThat(federated("b")).endsWith("=4.0");
  }

  @Test
  void withoutALimitNoLimitReportSeriesAreWritten() {
    ScrapeLoop l = loop(federateJob().build(), 0);
    leaf.body(line("a", 1, 0));
    l.scrapeAndReport(T0);

    assertThat(report("up")).isEqualTo("0=1.0");
    assertThat(report("scrape_series_limit")).isNull();
    assertThat(report("scrape_series_current")).isNull();
    assertThat(report("scrape_series_limit_samples_dropped")).isNull();
  }

  @Test
  void poolTakesTheManagersDefaultUnlessTheJobSetsSeriesLimit() {
    ScheduledExecutorService ticker = Executors.newSingleThreadScheduledExecutor();
    try {
      Function<ScrapeConfig, ScrapePool> pool =
          cfg ->
              new ScrapePool(
                  cfg, master, client, ticker, ticker, stats, () -> T0, 0, GapFiller.NONE, 1000);
      assertThat(pool.apply(federateJob().build()).seriesLimit()).isEqualTo(1000);
      assertThat(pool.apply(federateJob().seriesLimit(10).build()).seriesLimit()).isEqualTo(10);
      assertThat(pool.apply(federateJob().seriesLimit(0).build()).seriesLimit()).isZero();
    } finally {
      ticker.shutdownNow();
    }
  }
}
