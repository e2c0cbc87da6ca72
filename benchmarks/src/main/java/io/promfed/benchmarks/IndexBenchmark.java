package io.promfed.benchmarks;

import io.promfed.model.labels.Labels;
import io.promfed.model.labels.Matcher;
import io.promfed.storage.Appender;
import io.promfed.storage.Querier;
import io.promfed.storage.Series;
import io.promfed.storage.SeriesSet;
import io.promfed.storage.StorageException;
import io.promfed.tsdb.Head;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.BenchmarkMode;
import org.openjdk.jmh.annotations.Fork;
import org.openjdk.jmh.annotations.Measurement;
import org.openjdk.jmh.annotations.Mode;
import org.openjdk.jmh.annotations.OutputTimeUnit;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.Setup;
import org.openjdk.jmh.annotations.State;
import org.openjdk.jmh.annotations.Warmup;
import org.openjdk.jmh.infra.Blackhole;

/**
 * Series selection in a head of 100,000 series, through the head's public read API as PromQL and
 * {@code /federate} use it: open a querier over the 5-minute lookback window, {@code select(true,
 * matchers)} and walk the set (each step takes the series' snapshot: pinned closed chunks, a copy
 * of the head chunk), or {@code labelValues}. The querier is opened and closed in every operation,
 * as every query does.
 *
 * <p>The head holds what 400 node_exporter hosts (115 series each: cpu/mode, network devices,
 * filesystems, disks, memory, load) and 150 pods of an HTTP service (a request counter by
 * handler/method/code and a latency histogram by handler/method/le: 360 series each) produce, 150
 * scrapes at 15 s, so each series has one closed chunk and a head chunk of 30 samples. One
 * operation is one whole query; the result sizes are in the comments (and checked in setup) so
 * per-series figures can be derived.
 *
 * <pre>java -jar benchmarks/target/benchmarks.jar IndexBenchmark -f 1 -wi 3 -i 5 -prof gc</pre>
 */
@State(Scope.Benchmark)
@BenchmarkMode(Mode.AverageTime)
@OutputTimeUnit(TimeUnit.NANOSECONDS)
@Warmup(iterations = 3, time = 2)
@Measurement(iterations = 5, time = 2)
@Fork(1)
public class IndexBenchmark {

  static final int HOSTS = 400;
  static final int PODS = 150;
  static final int SCRAPES = 150;
  static final long INTERVAL_MS = 15_000;
  static final long NOW_MS = 1_700_000_000_000L;
  static final long LOOKBACK_MS = 5 * 60_000;

  private static final String[] CPU_MODES = {
    "idle", "iowait", "irq", "nice", "softirq", "steal", "system", "user"
  };
  private static final String[] NET_DEVICES = {
    "eth0", "eth1", "lo", "docker0", "veth1a2b3c4", "veth5d6e7f8"
  };
  private static final String[][] FILESYSTEMS = {
    {"/dev/nvme0n1p1", "ext4", "/"},
    {"/dev/nvme0n1p2", "ext4", "/boot"},
    {"/dev/nvme1n1", "xfs", "/var/lib/docker"},
    {"tmpfs", "tmpfs", "/run"},
    {"tmpfs", "tmpfs", "/dev/shm"}
  };
  private static final String[] DISKS = {"nvme0n1", "nvme1n1"};
  private static final String[] MEMORY = {
    "MemTotal", "MemFree", "MemAvailable", "Buffers", "Cached", "SwapCached", "Active", "Inactive",
    "Active_anon", "Inactive_anon", "Active_file", "Inactive_file", "Dirty", "Writeback",
    "AnonPages", "Mapped", "Shmem", "Slab", "SReclaimable", "SUnreclaim"
  };

  /** Handlers with their method: 10 GET, 5 POST, 3 PUT, 2 DELETE. */
  private static final String[][] HANDLERS = {
    {"/api/v1/users", "GET"}, {"/api/v1/users/:id", "GET"}, {"/api/v1/orders", "GET"},
    {"/api/v1/orders/:id", "GET"}, {"/api/v1/products", "GET"}, {"/api/v1/products/:id", "GET"},
    {"/api/v1/search", "GET"}, {"/api/v1/cart", "GET"}, {"/healthz", "GET"}, {"/metrics", "GET"},
    {"/api/v1/users", "POST"}, {"/api/v1/orders", "POST"}, {"/api/v1/cart/items", "POST"},
    {"/api/v1/login", "POST"}, {"/api/v1/checkout", "POST"}, {"/api/v1/users/:id", "PUT"},
    {"/api/v1/orders/:id", "PUT"}, {"/api/v1/cart/items/:id", "PUT"},
    {"/api/v1/cart/items/:id", "DELETE"}, {"/api/v1/orders/:id", "DELETE"}
  };

  /** Five status codes per method: 2xx codes are 1 per GET, 2 per POST and PUT, 1 per DELETE. */
  private static String[] codes(String method) {
    return switch (method) {
      case "GET" -> new String[] {"200", "304", "404", "500", "503"};
      case "POST" -> new String[] {"200", "201", "400", "422", "500"};
      case "PUT" -> new String[] {"200", "204", "400", "404", "500"};
      default -> new String[] {"204", "404", "409", "500", "503"};
    };
  }

  private static final String[] BUCKETS = {
    "0.005", "0.01", "0.025", "0.05", "0.1", "0.25", "0.5", "1", "2.5", "5", "+Inf"
  };

  private Head head;

  // PromQL: node_cpu_seconds_total{instance="ip-10-0-0-42:9100"} (one host's panel): 64 series.
  private final Matcher[] equal = {
    Matcher.equal(Labels.METRIC_NAME, "node_cpu_seconds_total"),
    Matcher.equal("instance", instance(42))
  };
  static final int EQUAL_SERIES = 64;

  // PromQL: http_requests_total{code=~"2.."} (success rate over the service): 4,200 series.
  private final Matcher[] regex = {
    Matcher.equal(Labels.METRIC_NAME, "http_requests_total"), Matcher.regex("code", "2..")
  };
  static final int REGEX_SERIES = PODS * 28;

  // PromQL: node_cpu_seconds_total{mode!="idle"} (fleet CPU usage): 22,400 series.
  private final Matcher[] negative = {
    Matcher.equal(Labels.METRIC_NAME, "node_cpu_seconds_total"),
    Matcher.of(Matcher.Type.NOT_EQUAL, "mode", "idle")
  };
  static final int NEGATIVE_SERIES = HOSTS * 8 * 7;

  // Grafana's label_values(node_load1, instance): 400 values.
  private final Matcher nodeLoad1 = Matcher.equal(Labels.METRIC_NAME, "node_load1");

  // /federate?match[]={job="api"} starts with the metric names it selects: 4 names.
  private final Matcher jobApi = Matcher.equal("job", "api");

  static String instance(int host) {
    return "ip-10-0-" + host / 250 + "-" + host % 250 + ":9100";
  }

  @Setup
  public void setUp() throws StorageException {
    head = new Head(() -> NOW_MS, Duration.ofDays(1));
    List<Labels[]> targets = new ArrayList<>();
    for (int h = 0; h < HOSTS; h++) {
      targets.add(nodeExporter(h));
    }
    for (int p = 0; p < PODS; p++) {
      targets.add(apiPod(p));
    }
    // One transaction per target and scrape, as scrape loops append; refs cached as they cache.
    List<long[]> refs = new ArrayList<>();
    for (Labels[] t : targets) {
      refs.add(new long[t.length]);
    }
    long first = NOW_MS - (SCRAPES - 1) * INTERVAL_MS;
    for (int s = 0; s < SCRAPES; s++) {
      long ts = first + s * INTERVAL_MS;
      for (int t = 0; t < targets.size(); t++) {
        Labels[] series = targets.get(t);
        long[] ref = refs.get(t);
        Appender app = head.appender();
        for (int i = 0; i < series.length; i++) {
          ref[i] = app.append(ref[i], series[i], ts, value(t * 1000 + i, s));
        }
        app.commit();
      }
    }
    if (head.numSeries() != 100_000) {
      throw new IllegalStateException("head holds " + head.numSeries() + " series, not 100,000");
    }
    // Guard against benchmarking a wrong answer.
    check("equal", select(equal, null), EQUAL_SERIES);
    check("regex", select(regex, null), REGEX_SERIES);
    check("negative", select(negative, null), NEGATIVE_SERIES);
    check("labelValues instance", labelValuesInstance().size(), HOSTS);
    check("labelValues __name__", labelValuesFederate().size(), 4);
  }

  private static void check(String what, int got, int want) {
    if (got != want) {
      throw new IllegalStateException(what + ": " + got + " results, expected " + want);
    }
  }

  /** Counters grow by a few units per scrape, gauges wander; values matter only for chunk size. */
  private static double value(int series, int scrape) {
    if (series % 3 == 0) {
      return Math.floor(1e6 * (1 + Math.sin(series * 0.7 + scrape * 0.05)));
    }
    return 1000.0 * (series % 97) + scrape * (1 + series % 13);
  }

  private static Labels[] nodeExporter(int host) {
    String job = "node";
    String inst = instance(host);
    List<Labels> out = new ArrayList<>();
    for (int cpu = 0; cpu < 8; cpu++) {
      for (String mode : CPU_MODES) {
        out.add(
            Labels.of(
                Labels.METRIC_NAME, "node_cpu_seconds_total", "job", job, "instance", inst,
                "cpu", Integer.toString(cpu), "mode", mode));
      }
    }
    for (String dir : new String[] {"receive", "transmit"}) {
      for (String dev : NET_DEVICES) {
        out.add(
            Labels.of(
                Labels.METRIC_NAME, "node_network_" + dir + "_bytes_total", "job", job,
                "instance", inst, "device", dev));
      }
    }
    for (String what : new String[] {"avail", "size"}) {
      for (String[] fs : FILESYSTEMS) {
        out.add(
            Labels.of(
                Labels.METRIC_NAME, "node_filesystem_" + what + "_bytes", "job", job,
                "instance", inst, "device", fs[0], "fstype", fs[1], "mountpoint", fs[2]));
      }
    }
    for (String what : new String[] {"read_bytes", "written_bytes", "io_time_seconds"}) {
      for (String disk : DISKS) {
        out.add(
            Labels.of(
                Labels.METRIC_NAME, "node_disk_" + what + "_total", "job", job, "instance", inst,
                "device", disk));
      }
    }
    for (String m : MEMORY) {
      out.add(
          Labels.of(
              Labels.METRIC_NAME, "node_memory_" + m + "_bytes", "job", job, "instance", inst));
    }
    for (String w : new String[] {"1", "5", "15"}) {
      out.add(Labels.of(Labels.METRIC_NAME, "node_load" + w, "job", job, "instance", inst));
    }
    return out.toArray(new Labels[0]);
  }

  private static Labels[] apiPod(int pod) {
    String inst = "10.1." + pod / 200 + "." + (pod % 200 + 10) + ":8080";
    String podName = "api-7d9f8c6b5-" + Integer.toString(60_466_176 + pod * 7_919, 36);
    List<Labels> out = new ArrayList<>();
    for (String[] h : HANDLERS) {
      String[] common = {
        "job", "api", "namespace", "prod", "instance", inst, "pod", podName,
        "handler", h[0], "method", h[1]
      };
      for (String code : codes(h[1])) {
        out.add(with(common, Labels.METRIC_NAME, "http_requests_total", "code", code));
      }
      for (String le : BUCKETS) {
        out.add(
            with(common, Labels.METRIC_NAME, "http_request_duration_seconds_bucket", "le", le));
      }
      out.add(with(common, Labels.METRIC_NAME, "http_request_duration_seconds_sum"));
      out.add(with(common, Labels.METRIC_NAME, "http_request_duration_seconds_count"));
    }
    return out.toArray(new Labels[0]);
  }

  private static Labels with(String[] common, String... more) {
    String[] all = new String[common.length + more.length];
    System.arraycopy(common, 0, all, 0, common.length);
    System.arraycopy(more, 0, all, common.length, more.length);
    return Labels.of(all);
  }

  /** What PromQL's selector evaluation does: labels and a fresh cursor for each series. */
  private int select(Matcher[] matchers, Blackhole bh) {
    int n = 0;
    try (Querier q = head.querier(NOW_MS - LOOKBACK_MS, NOW_MS)) {
      SeriesSet set = q.select(true, matchers);
      while (set.next()) {
        Series s = set.at();
        if (bh != null) {
          bh.consume(s.labels());
          bh.consume(s.cursor());
        }
        n++;
      }
    }
    return n;
  }

  /** Name plus one label, both equality: a small intersection (64 of 100,000 series). */
  @Benchmark
  public int selectEqual(Blackhole bh) {
    return select(equal, bh);
  }

  /** Name plus {@code code=~"2.."}: a prefix scan of the code values, 4,200 series. */
  @Benchmark
  public int selectRegex(Blackhole bh) {
    return select(regex, bh);
  }

  /** Name plus {@code mode!="idle"}: the name's postings minus the idle ones, 22,400 series. */
  @Benchmark
  public int selectNegative(Blackhole bh) {
    return select(negative, bh);
  }

  /** Values of {@code instance} among {@code node_load1}'s series: 550 values, 400 kept. */
  @Benchmark
  public List<String> labelValuesInstance() {
    try (Querier q = head.querier(NOW_MS - LOOKBACK_MS, NOW_MS)) {
      return q.labelValues("instance", nodeLoad1);
    }
  }

  /** Metric names among {@code job="api"}'s series: 35 names tested, 4 kept. */
  @Benchmark
  public List<String> labelValuesFederate() {
    try (Querier q = head.querier(NOW_MS - LOOKBACK_MS, NOW_MS)) {
      return q.labelValues(Labels.METRIC_NAME, jobApi);
    }
  }
}
