package io.promfed.leaf.federate;

import static org.assertj.core.api.Assertions.assertThat;

import io.promfed.config.ConfigLoader;
import io.promfed.config.PrometheusConfig;
import io.promfed.discovery.StaticDiscoverer;
import io.promfed.model.labels.Labels;
import io.promfed.scrape.ScrapeManager;
import io.promfed.scrape.ScrapeStats;
import io.promfed.scrape.Target;
import io.promfed.storage.remote.SnappyBlock;
import io.promfed.storage.remote.WriteRequestEncoder;
import io.promfed.tsdb.Head;
import java.io.IOException;
import java.io.InputStream;
import java.lang.management.ManagementFactory;
import java.lang.management.MemoryMXBean;
import java.lang.management.MemoryPoolMXBean;
import java.lang.management.MemoryType;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.net.URI;
import java.net.URLEncoder;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.AbstractExecutorService;
import java.util.concurrent.ScheduledFuture;
import java.util.concurrent.ScheduledThreadPoolExecutor;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicLong;
import java.util.stream.Stream;
import java.util.zip.GZIPInputStream;
import javax.management.MBeanServerConnection;
import javax.management.remote.JMXConnector;
import javax.management.remote.JMXConnectorFactory;
import javax.management.remote.JMXServiceURL;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.condition.EnabledIfSystemProperty;
import org.junit.jupiter.api.io.TempDir;

/**
 * Federating a leaf that holds 1,000,000 series (issue #6, "Large leaves"). A measurement, not a
 * unit test: runs only with {@code -Dfederate.bench=true}; {@code -Dfederate.bench.series=N}
 * changes the size. Prints a report and writes it to {@code target/federate-benchmark.md}.
 *
 * <ol>
 *   <li>Starts the packaged leaf-agent jar as a child JVM (its own heap, watched over JMX on
 *       loopback) and fills its head by remote write: N series of one sample each.
 *   <li>Leaf side: requests {@code /federate} with gzip several times while polling the leaf's
 *       heap every 10 ms; reports the live heap before and after (after a full GC) and the peak
 *       of the old generation and of the whole heap during the requests, against the body size. A
 *       handler that buffered the body would hold it (hundreds of MB) in the old generation.
 *   <li>Master side: core's scrape manager (honor_labels, gzip) scrapes that {@code /federate}
 *       into a head in this JVM, three times with a new round of samples written to the leaf in
 *       between; reports each scrape's duration against the 10s and 1m timeouts and the bytes
 *       allocated per sample by the scraping thread (parse + append) and by all threads.
 * </ol>
 */
@Tag("benchmark")
@EnabledIfSystemProperty(named = "federate.bench", matches = "true")
class LargeLeafFederationBenchmarkIT {

  static final int SERIES = Integer.getInteger("federate.bench.series", 1_000_000);
  static final int NAMES = 100;
  static final String LEAF_HEAP = System.getProperty("federate.bench.leaf.xmx", "2g");
  static final String MATCH = "{job=\"bench\"}";

  final HttpClient http =
      HttpClient.newBuilder()
          .version(HttpClient.Version.HTTP_1_1)
          .connectTimeout(Duration.ofSeconds(10))
          .build();
  final StringBuilder report = new StringBuilder();
  long lastWrittenMs;

  @Test
  void federatesAMillionSeriesInConstantMemory(@TempDir Path dir) throws Exception {
    Path config = dir.resolve("empty.yml");
    Files.writeString(config, "global:\n  scrape_interval: 15s\nscrape_configs: []\n");
    int port = freePort();
    int jmxPort = freePort();
    Process leaf = startLeaf(config, port, jmxPort, dir);
    String base = "http://127.0.0.1:" + port;
    try (JMXConnector jmx = connectJmx(jmxPort)) {
      awaitReady(base);
      MBeanServerConnection mbeans = jmx.getMBeanServerConnection();
      MemoryMXBean memory =
          ManagementFactory.newPlatformMXBeanProxy(
              mbeans, ManagementFactory.MEMORY_MXBEAN_NAME, MemoryMXBean.class);
      List<MemoryPoolMXBean> pools =
          ManagementFactory.getPlatformMXBeans(mbeans, MemoryPoolMXBean.class).stream()
              .filter(p -> p.getType() == MemoryType.HEAP)
              .toList();

      line("Load average at start (1, 5, 15 min): %s", loadAverage());
      long loadStart = System.nanoTime();
      write(base, 0);
      long loadMs = (System.nanoTime() - loadStart) / 1_000_000;
      line("%,d series (%d metric names × %,d series) remote-written to the leaf in %,d ms; leaf -Xmx%s",
          SERIES, NAMES, SERIES / NAMES, loadMs, LEAF_HEAP);

      leafSide(base, memory, pools, mbeans);
      masterSide(base);
      line("Load average at end (1, 5, 15 min): %s", loadAverage());
    } finally {
      leaf.destroy();
      leaf.waitFor(20, TimeUnit.SECONDS);
      System.out.println(report);
      Files.createDirectories(Path.of("target"));
      Files.writeString(Path.of("target", "federate-benchmark.md"), report);
    }
  }

  // ---- leaf: memory while serving /federate

  void leafSide(
      String base, MemoryMXBean memory, List<MemoryPoolMXBean> pools, MBeanServerConnection mbeans)
      throws Exception {
    com.sun.management.ThreadMXBean leafThreads =
        ManagementFactory.newPlatformMXBeanProxy(
            mbeans, ManagementFactory.THREAD_MXBEAN_NAME, com.sun.management.ThreadMXBean.class);
    federate(base, new long[1], new long[1]); // warm-up: Tomcat threads, JIT
    memory.gc();
    long liveBefore = memory.getHeapMemoryUsage().getUsed();
    pools.forEach(MemoryPoolMXBean::resetPeakUsage);
    AtomicLong maxUsed = new AtomicLong();
    AtomicBoolean stop = new AtomicBoolean();
    Thread sampler =
        new Thread(
            () -> {
              while (!stop.get()) {
                maxUsed.accumulateAndGet(memory.getHeapMemoryUsage().getUsed(), Math::max);
                try {
                  Thread.sleep(10);
                } catch (InterruptedException e) {
                  return;
                }
              }
            });
    sampler.start();
    com.sun.management.OperatingSystemMXBean leafOs =
        ManagementFactory.newPlatformMXBeanProxy(
            mbeans,
            ManagementFactory.OPERATING_SYSTEM_MXBEAN_NAME,
            com.sun.management.OperatingSystemMXBean.class);
    long leafCpuBefore = leafOs.getProcessCpuTime();
    long leafAllocBefore = allThreadsAllocated(leafThreads);
    int requests = 5;
    long[] wire = new long[1];
    long[] plain = new long[1];
    long[] ms = new long[requests];
    for (int i = 0; i < requests; i++) {
      long start = System.nanoTime();
      federate(base, wire, plain);
      ms[i] = (System.nanoTime() - start) / 1_000_000;
    }
    long leafAlloc = allThreadsAllocated(leafThreads) - leafAllocBefore;
    long leafCpuNanos = leafOs.getProcessCpuTime() - leafCpuBefore;
    stop.set(true);
    sampler.join();
    StringBuilder peaks = new StringBuilder();
    long oldPeak = 0;
    for (MemoryPoolMXBean p : pools) {
      long peak = p.getPeakUsage().getUsed();
      peaks.append(String.format("%s %s, ", p.getName(), mb(peak)));
      if (p.getName().contains("Old")) {
        oldPeak = peak;
      }
    }
    memory.gc();
    long liveAfter = memory.getHeapMemoryUsage().getUsed();
    line("");
    line("Leaf, %d × GET /federate?match[]=%s with Accept-Encoding: gzip:", requests, MATCH);
    line("- body: %s uncompressed, %s gzip, %,d series per request", mb(plain[0] / requests), mb(wire[0] / requests), SERIES);
    line("- request time ms: %s; leaf process CPU %.2f s per request (GC, JIT and the JMX poller included)",
        java.util.Arrays.toString(ms), leafCpuNanos / 1e9 / requests);
    line("- live heap after full GC: before %s, after %s", mb(liveBefore), mb(liveAfter));
    line("- during the requests: heap used peak %s (polled every 10 ms: %s); old gen peak %s, i.e. %s above the live heap",
        mb(sumPeaks(pools)), mb(maxUsed.get()), mb(oldPeak), mb(oldPeak - liveBefore));
    line("- pool peaks: %s", peaks.substring(0, peaks.length() - 2));
    line("- allocated by the leaf (all threads, JMX sampler included): %.0f bytes per federated series",
        (double) leafAlloc / requests / SERIES);
  }

  static long sumPeaks(List<MemoryPoolMXBean> pools) {
    long s = 0;
    for (MemoryPoolMXBean p : pools) {
      s += p.getPeakUsage().getUsed();
    }
    return s;
  }

  void federate(String base, long[] wire, long[] plain) throws Exception {
    HttpResponse<InputStream> r =
        http.send(
            HttpRequest.newBuilder(
                    URI.create(base + "/federate?match[]=" + URLEncoder.encode(MATCH, StandardCharsets.UTF_8)))
                .header("Accept-Encoding", "gzip")
                .timeout(Duration.ofMinutes(5))
                .build(),
            HttpResponse.BodyHandlers.ofInputStream());
    assertThat(r.statusCode()).isEqualTo(200);
    assertThat(r.headers().firstValue("Content-Encoding")).hasValue("gzip");
    assertThat(r.headers().firstValue("Content-Length")).isEmpty(); // chunked: streamed
    CountingInputStream counted = new CountingInputStream(r.body());
    byte[] buf = new byte[1 << 16];
    long lines = 0;
    try (InputStream in = new GZIPInputStream(counted, 1 << 16)) {
      int n;
      while ((n = in.read(buf)) > 0) {
        plain[0] += n;
        for (int i = 0; i < n; i++) {
          if (buf[i] == '\n') {
            lines++;
          }
        }
      }
    }
    wire[0] += counted.count;
    assertThat(lines).isEqualTo(SERIES + NAMES); // one # TYPE line per name
  }

  // ---- master: core's scrape loop on that /federate

  void masterSide(String base) throws Exception {
    long[] clock = {System.currentTimeMillis()};
    Head head = new Head(() -> clock[0], Duration.ofDays(1));
    RecordingTicker ticker = new RecordingTicker();
    ScrapeManager manager =
        new ScrapeManager(head, ticker, new InlineExecutor(), new ScrapeStats(), () -> clock[0], 0);
    PrometheusConfig config =
        ConfigLoader.loadString(
            """
            scrape_configs:
              - job_name: federate
                scrape_interval: 1m
                scrape_timeout: 1m
                honor_labels: true
                metrics_path: /federate
                params:
                  'match[]': ['%s']
                static_configs:
                  - targets: ['%s']
            """
                .formatted(MATCH, URI.create(base).getAuthority()),
            "master.yml");
    manager.applyConfig(config);
    manager.updateTargets(
        "federate", StaticDiscoverer.targetGroups(config.scrapeConfigs().get(0).staticConfigs()));
    assertThat(ticker.scheduled).hasSize(1);
    Target target = manager.pools().get("federate").activeTargets().get(0);
    com.sun.management.ThreadMXBean threads =
        (com.sun.management.ThreadMXBean) ManagementFactory.getThreadMXBean();
    line("");
    line("Master (this JVM), core's ScrapeManager → ScrapeLoop → Head, honor_labels, gzip, scrape_timeout 1m:");
    line("| scrape | new series | duration s | vs 10s timeout | scraping thread CPU s | samples appended | scraping thread B/sample | all threads B/sample |");
    line("| --- | --- | ---: | ---: | ---: | ---: | ---: | ---: |");
    for (int round = 0; round < 4; round++) {
      if (round > 0) {
        write(base, round); // the leaf's next round of samples, same series
      }
      clock[0] = System.currentTimeMillis();
      long appendedBefore = head.samplesAppended();
      long cpu = threads.getCurrentThreadCpuTime();
      long mine = threads.getCurrentThreadAllocatedBytes();
      long all = allThreadsAllocated(threads);
      ticker.scheduled.get(0).run();
      long mineAlloc = threads.getCurrentThreadAllocatedBytes() - mine;
      double cpuSeconds = (threads.getCurrentThreadCpuTime() - cpu) / 1e9;
      long allAlloc = allThreadsAllocated(threads) - all;
      long appended = head.samplesAppended() - appendedBefore;
      assertThat(target.lastError()).isEmpty();
      assertThat(target.health()).isEqualTo(Target.Health.UP);
      double seconds = target.lastScrapeDurationSeconds();
      line("| %d | %s | %.2f | %.0f %% | %.2f | %,d | %.1f | %.1f |",
          round + 1, round == 0 ? "yes" : "no", seconds, 100 * seconds / 10, cpuSeconds, appended,
          (double) mineAlloc / SERIES, (double) allAlloc / SERIES);
    }
    assertThat(head.numSeries()).isGreaterThanOrEqualTo(SERIES);
    line("- master head: %,d series, %s", head.numSeries(), mb(head.ramBytesUsed()));
    manager.stop();
  }

  static long allThreadsAllocated(com.sun.management.ThreadMXBean threads) {
    long sum = 0;
    for (long a : threads.getThreadAllocatedBytes(threads.getAllThreadIds())) {
      if (a > 0) {
        sum += a;
      }
    }
    return sum;
  }

  // ---- the leaf process and its data

  Process startLeaf(Path config, int port, int jmxPort, Path dir) throws IOException {
    Path jar;
    try (Stream<Path> files = Files.list(Path.of("target"))) {
      jar =
          files
              .filter(p -> p.getFileName().toString().matches("leaf-agent-.*\\.jar"))
              .filter(p -> !p.getFileName().toString().endsWith("-plain.jar"))
              .findFirst()
              .orElseThrow(() -> new AssertionError("no leaf-agent jar in target/: run verify, not test"));
    }
    String java = Path.of(System.getProperty("java.home"), "bin", "java").toString();
    return new ProcessBuilder(
            java,
            "-Xmx" + LEAF_HEAP,
            "-Dcom.sun.management.jmxremote.port=" + jmxPort,
            "-Dcom.sun.management.jmxremote.rmi.port=" + jmxPort,
            "-Dcom.sun.management.jmxremote.host=127.0.0.1",
            "-Djava.rmi.server.hostname=127.0.0.1",
            "-Dcom.sun.management.jmxremote.authenticate=false",
            "-Dcom.sun.management.jmxremote.ssl=false",
            "-jar",
            jar.toString(),
            "--config.file=" + config,
            "--server.port=" + port,
            "--server.address=127.0.0.1")
        .redirectErrorStream(true)
        .redirectOutput(dir.resolve("leaf.log").toFile())
        .start();
  }

  static JMXConnector connectJmx(int port) throws Exception {
    JMXServiceURL url =
        new JMXServiceURL("service:jmx:rmi:///jndi/rmi://127.0.0.1:" + port + "/jmxrmi");
    long deadline = System.nanoTime() + Duration.ofSeconds(60).toNanos();
    while (true) {
      try {
        return JMXConnectorFactory.connect(url);
      } catch (IOException e) {
        if (System.nanoTime() > deadline) {
          throw e;
        }
        Thread.sleep(200);
      }
    }
  }

  void awaitReady(String base) throws Exception {
    long deadline = System.nanoTime() + Duration.ofSeconds(60).toNanos();
    while (System.nanoTime() < deadline) {
      try {
        HttpResponse<String> r =
            http.send(
                HttpRequest.newBuilder(URI.create(base + "/-/ready")).build(),
                HttpResponse.BodyHandlers.ofString());
        if (r.statusCode() == 200) {
          return;
        }
      } catch (IOException e) {
        // not listening yet
      }
      Thread.sleep(200);
    }
    throw new AssertionError("leaf not ready at " + base);
  }

  /**
   * Round {@code round} of samples for every series, 10,000 series a request, stamped a little
   * before now so that /federate's 5m lookback sees it however long the previous steps took.
   */
  void write(String base, int round) throws Exception {
    WriteRequestEncoder enc = new WriteRequestEncoder();
    SnappyBlock snappy = new SnappyBlock();
    int perName = SERIES / NAMES;
    long t = Math.max(System.currentTimeMillis() - 5_000, lastWrittenMs + 1_000);
    lastWrittenMs = t;
    for (int i = 0; i < SERIES; i++) {
      int name = i / perName;
      int j = i % perName;
      enc.addSeries(
          Labels.of(
              "__name__", "bench_metric_" + name + "_total",
              "job", "bench",
              "instance", "host-" + (j / 100) + ":9100",
              "pod", "pod-" + (j % 100)),
          new long[] {t},
          new double[] {1000.0 * round + i % 997});
      if (enc.seriesCount() == 10_000 || i == SERIES - 1) {
        post(base, enc.encodeSnappy(snappy));
        enc.reset();
      }
    }
  }

  void post(String base, byte[] body) throws Exception {
    HttpResponse<String> r =
        http.send(
            HttpRequest.newBuilder(URI.create(base + "/api/v1/write"))
                .timeout(Duration.ofMinutes(2))
                .header("Content-Type", "application/x-protobuf")
                .header("Content-Encoding", "snappy")
                .header("X-Prometheus-Remote-Write-Version", "0.1.0")
                .POST(HttpRequest.BodyPublishers.ofByteArray(body))
                .build(),
            HttpResponse.BodyHandlers.ofString());
    if (r.statusCode() / 100 != 2) {
      throw new AssertionError("leaf refused remote write: " + r.statusCode() + " " + r.body());
    }
  }

  static int freePort() throws IOException {
    try (ServerSocket s = new ServerSocket(0, 1, InetAddress.getLoopbackAddress())) {
      return s.getLocalPort();
    }
  }

  static String loadAverage() {
    try {
      String[] f = Files.readString(Path.of("/proc/loadavg")).split(" ");
      return f[0] + ", " + f[1] + ", " + f[2] + " on " + Runtime.getRuntime().availableProcessors() + " cores";
    } catch (IOException e) {
      return "unknown";
    }
  }

  static String mb(long bytes) {
    return String.format("%.1f MB", bytes / 1048576.0);
  }

  void line(String format, Object... args) {
    report.append(String.format(format, args)).append('\n');
  }

  static final class CountingInputStream extends java.io.FilterInputStream {
    long count;

    CountingInputStream(InputStream in) {
      super(in);
    }

    @Override
    public int read() throws IOException {
      int b = super.read();
      if (b >= 0) {
        count++;
      }
      return b;
    }

    @Override
    public int read(byte[] b, int off, int len) throws IOException {
      int n = super.read(b, off, len);
      if (n > 0) {
        count += n;
      }
      return n;
    }
  }

  /** Records the scrape loop's schedule instead of running it: the test runs each scrape. */
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

  /** Runs each scrape on the calling thread, so its allocation is that thread's. */
  static final class InlineExecutor extends AbstractExecutorService {
    private volatile boolean shutdown;

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
