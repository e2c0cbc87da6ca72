package io.promfed.storage.ha;

import static org.assertj.core.api.Assertions.assertThat;

import com.sun.net.httpserver.HttpServer;
import io.promfed.config.ConfigLoader;
import io.promfed.config.PrometheusConfig;
import io.promfed.discovery.StaticDiscoverer;
import io.promfed.model.labels.Labels;
import io.promfed.model.labels.Matcher;
import io.promfed.model.value.StaleNaN;
import io.promfed.scrape.ScrapeManager;
import io.promfed.scrape.ScrapeStats;
import io.promfed.storage.Querier;
import io.promfed.storage.Series;
import io.promfed.storage.SeriesCursor;
import io.promfed.storage.SeriesSet;
import io.promfed.tsdb.Head;
import java.io.IOException;
import java.io.OutputStream;
import java.net.InetSocketAddress;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.IdentityHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.AbstractExecutorService;
import java.util.concurrent.ScheduledFuture;
import java.util.concurrent.ScheduledThreadPoolExecutor;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/**
 * Two replica leaves behind loopback HTTP servers serving {@code /federate} bodies with timestamps,
 * federated by the real {@link ScrapeManager} (honor_labels, one loop per leaf) into a {@link
 * Head} through {@link HaDedupAppendable}. The test moves the clock and runs each leaf's scrape
 * tick itself; nothing sleeps.
 */
class HaFederationTest {

  static final long T0 = 1_700_000_000_000L;
  static final long INTERVAL_MS = 15_000;
  static final Labels X = Labels.of("__name__", "http_requests_total", "cluster", "eu1", "instance", "pod-1", "job", "hello");

  volatile long nowMs = T0;
  final List<FakeLeaf> leaves = new ArrayList<>();
  ScrapeManager manager;

  /** A leaf's /federate: one counter of one pod, with the leaf's external labels. */
  static final class FakeLeaf {
    final String replica;
    final long lagMs;
    final int port;
    final AtomicInteger requests = new AtomicInteger();
    volatile String body = "";
    HttpServer server;

    FakeLeaf(String replica, long lagMs) throws IOException {
      this.replica = replica;
      this.lagMs = lagMs;
      start(0);
      this.port = server.getAddress().getPort();
    }

    void start(int p) throws IOException {
      server = HttpServer.create(new InetSocketAddress("127.0.0.1", p), 0);
      server.createContext(
          "/federate",
          ex -> {
            requests.incrementAndGet();
            byte[] b = body.getBytes(StandardCharsets.UTF_8);
            ex.getResponseHeaders().set("Content-Type", "text/plain; version=0.0.4; charset=utf-8");
            ex.sendResponseHeaders(200, b.length);
            try (OutputStream os = ex.getResponseBody()) {
              os.write(b);
            }
          });
      server.start();
    }

    /** What the leaf scraped from the pod {@code lagMs} before now. */
    void serve(long nowMs, double value) {
      body =
          "# TYPE http_requests_total untyped\n"
              + "http_requests_total{cluster=\"eu1\",instance=\"pod-1\",job=\"hello\",replica=\""
              + replica
              + "\"} "
              + value
              + " "
              + (nowMs - lagMs)
              + "\n";
    }

    void kill() {
      server.stop(0);
    }

    void restart() throws IOException {
      start(port);
    }
  }

  @AfterEach
  void tearDown() {
    if (manager != null) {
      manager.stop();
    }
    leaves.forEach(FakeLeaf::kill);
  }

  @ParameterizedTest(name = "track_timestamps_staleness: {0}")
  @ValueSource(booleans = {false, true})
  void oneSeriesFlowsThroughTheDeathAndReturnOfEitherReplica(boolean trackStaleness)
      throws Exception {
    FakeLeaf a = new FakeLeaf("a", 2_000);
    FakeLeaf b = new FakeLeaf("b", 5_000);
    leaves.add(a);
    leaves.add(b);
    Head head = new Head(() -> nowMs, Duration.ofDays(1));
    HaDedupAppendable ha = new HaDedupAppendable(head, HaConfig.DEFAULTS, () -> nowMs);
    RecordingTicker ticker = new RecordingTicker();
    manager = new ScrapeManager(ha, ticker, new InlineExecutor(), new ScrapeStats(), () -> nowMs, 0);
    PrometheusConfig config =
        ConfigLoader.loadString(
            """
            global:
              scrape_interval: 15s
            scrape_configs:
              - job_name: federate
                honor_labels: true
                track_timestamps_staleness: %s
                metrics_path: /federate
                params:
                  'match[]': ['{job="hello"}']
                static_configs:
                  - targets: ['127.0.0.1:%d', '127.0.0.1:%d']
            """
                .formatted(trackStaleness, a.port, b.port),
            "master.yml");
    manager.applyConfig(config);
    manager.updateTargets(
        "federate", StaticDiscoverer.targetGroups(config.scrapeConfigs().get(0).staticConfigs()));
    Map<FakeLeaf, Runnable> tick = ticksByLeaf(ticker, a, b);

    // Both leaves serve the same counter; a's loop ticks at :00, b's at :07 of each interval.
    int round = 0;
    for (; round < 4; round++) {
      scrapeRound(round, tick, a, b);
    }
    assertThat(ha.tracker().cluster("eu1").electedReplica()).isEqualTo("a");

    a.kill();
    for (; round < 8; round++) {
      scrapeRound(round, tick, a, b);
    }
    assertThat(ha.tracker().cluster("eu1").electedReplica()).isEqualTo("b");

    a.restart();
    for (; round < 12; round++) {
      scrapeRound(round, tick, a, b);
    }
    assertThat(ha.tracker().cluster("eu1").electedReplica()).isEqualTo("b"); // no flapping back

    b.kill();
    for (; round < 16; round++) {
      scrapeRound(round, tick, a, b);
    }
    assertThat(ha.tracker().cluster("eu1").electedReplica()).isEqualTo("a");

    Map<Labels, List<long[]>> stored = dump(head);
    assertThat(stored.keySet()).filteredOn(l -> "http_requests_total".equals(l.metricName())).containsExactly(X);
    List<long[]> samples = stored.get(X);
    // One sample per round: no duplicates from the standby, none missing beyond the round in
    // which a leaf died, and never a stale marker.
    assertThat(samples).noneMatch(s -> s[2] == 1);
    assertThat(samples).extracting(s -> s[1]).doesNotHaveDuplicates();
    for (int i = 1; i < samples.size(); i++) {
      long gapMs = samples.get(i)[0] - samples.get(i - 1)[0];
      assertThat(gapMs).as("gap before sample %d", i).isPositive().isLessThanOrEqualTo(2 * INTERVAL_MS);
    }
    assertThat(samples).hasSizeGreaterThanOrEqualTo(14); // 16 rounds, 2 lost to the two deaths
    assertThat(ha.tracker().cluster("eu1").electedReplicaChanges()).isEqualTo(3);
    assertThat(ha.tracker().cluster("eu1").samplesDroppedNotElected()).isPositive();
    // Each leaf keeps its own up: report series are per target.
    assertThat(stored.keySet()).filteredOn(l -> "up".equals(l.metricName())).hasSize(2);
  }

  void scrapeRound(int round, Map<FakeLeaf, Runnable> tick, FakeLeaf a, FakeLeaf b) {
    nowMs = T0 + round * INTERVAL_MS;
    a.serve(nowMs, round);
    tick.get(a).run();
    nowMs = T0 + round * INTERVAL_MS + 7_000;
    b.serve(nowMs, round);
    tick.get(b).run();
  }

  /** Runs each recorded tick once to see which leaf it scrapes (the pool starts loops unordered). */
  Map<FakeLeaf, Runnable> ticksByLeaf(RecordingTicker ticker, FakeLeaf... leaves) {
    Map<FakeLeaf, Runnable> out = new IdentityHashMap<>();
    nowMs = T0 - INTERVAL_MS;
    for (Runnable r : ticker.scheduled) {
      int[] before = new int[leaves.length];
      for (int i = 0; i < leaves.length; i++) {
        before[i] = leaves[i].requests.get();
      }
      r.run();
      for (int i = 0; i < leaves.length; i++) {
        if (leaves[i].requests.get() != before[i]) {
          out.put(leaves[i], r);
        }
      }
    }
    assertThat(out).hasSize(leaves.length);
    return out;
  }

  /** Stored samples per series: {timestamp, value as long, 1 if stale marker}. */
  static Map<Labels, List<long[]>> dump(Head head) {
    Map<Labels, List<long[]>> out = new java.util.TreeMap<>();
    try (Querier q = head.querier(Long.MIN_VALUE, Long.MAX_VALUE)) {
      SeriesSet ss = q.select(true, Matcher.regex("__name__", ".+"));
      while (ss.next()) {
        Series s = ss.at();
        SeriesCursor c = s.cursor();
        List<long[]> pts = new ArrayList<>();
        while (c.next()) {
          pts.add(new long[] {c.atT(), (long) c.atV(), StaleNaN.is(c.atV()) ? 1 : 0});
        }
        out.put(s.labels(), pts);
      }
    }
    return out;
  }

  /** Records the scrape loops' schedules instead of running them. */
  static final class RecordingTicker extends ScheduledThreadPoolExecutor {
    final List<Runnable> scheduled = new ArrayList<>();

    RecordingTicker() {
      super(1);
    }

    @Override
    public synchronized ScheduledFuture<?> scheduleAtFixedRate(
        Runnable command, long initialDelay, long period, TimeUnit unit) {
      scheduled.add(command);
      return schedule(() -> {}, 1, TimeUnit.DAYS);
    }
  }

  /** Runs each scrape on the calling thread. */
  static final class InlineExecutor extends AbstractExecutorService {
    private boolean shutdown;

    @Override
    public void execute(Runnable command) {
      command.run();
    }

    @Override
    public void shutdown() {
      shutdown = true;
    }

    @Override
    public List<Runnable> shutdownNow() {
      shutdown = true;
      return List.of();
    }

    @Override
    public boolean isShutdown() {
      return shutdown;
    }

    @Override
    public boolean isTerminated() {
      return shutdown;
    }

    @Override
    public boolean awaitTermination(long timeout, TimeUnit unit) {
      return true;
    }
  }
}
