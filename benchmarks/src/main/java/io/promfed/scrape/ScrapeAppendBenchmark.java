package io.promfed.scrape;

import io.promfed.config.ScrapeConfig;
import io.promfed.model.exposition.GoFloatFormat;
import io.promfed.model.labels.Labels;
import io.promfed.storage.Appender;
import io.promfed.tsdb.Head;
import java.io.ByteArrayOutputStream;
import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Random;
import java.util.concurrent.TimeUnit;
import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.BenchmarkMode;
import org.openjdk.jmh.annotations.Level;
import org.openjdk.jmh.annotations.Fork;
import org.openjdk.jmh.annotations.Measurement;
import org.openjdk.jmh.annotations.Mode;
import org.openjdk.jmh.annotations.OperationsPerInvocation;
import org.openjdk.jmh.annotations.OutputTimeUnit;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.Setup;
import org.openjdk.jmh.annotations.State;
import org.openjdk.jmh.annotations.Warmup;

/**
 * The leaf's scrape path from a body in memory to committed samples in the head: parsing, the
 * scrape cache, the head's append and commit, chunk encoding. No HTTP and no write-ahead log.
 *
 * <p>The shape of {@code benchmarks/leaf-vs-prometheus}: {@value #TARGETS} targets of {@value
 * #SERIES} series (counters and gauges with one to three labels, values as Go prints them), and
 * every invocation scrapes the next target in turn with the next of {@value #VARIANTS} bodies
 * whose values moved on. So, as in the leaf, where each target comes round every few seconds, a
 * target's cache entries, series and chunks have left the CPU caches by the time it is scraped
 * again; a benchmark of one hot target would hide exactly the misses that dominate there.
 *
 * <p>Score: ns per sample ({@value #SERIES} samples per invocation). In package {@code
 * io.promfed.scrape} to reach the loop's package-private append step.
 */
@State(Scope.Thread)
@BenchmarkMode(Mode.AverageTime)
@OutputTimeUnit(TimeUnit.NANOSECONDS)
@Warmup(iterations = 4, time = 2)
@Measurement(iterations = 8, time = 2)
@Fork(value = 1, jvmArgs = {"-XX:+UseSerialGC", "-Xms2g", "-Xmx2g"})
public class ScrapeAppendBenchmark {

  static final int TARGETS = 20;
  static final int SERIES = 5000;
  static final int VARIANTS = 8;
  static final long INTERVAL_MS = 5000;

  private Head head;
  private ScrapeLoop[] loops;
  private byte[][][] bodies; // [target][variant]
  private long nowMs = 1_700_000_000_000L;
  private int scrapes;

  /**
   * A new head for every iteration: the benchmark writes a sample per series far faster than a
   * leaf does (a few per second of benchmark time instead of one per interval), and an iteration
   * that started on hours' worth of chunks would measure their growth, not the scrape.
   */
  @Setup(Level.Iteration)
  public void setUp() {
    head = null;
    loops = null;
    System.gc(); // the previous iteration's head, collected here rather than while measuring
    head = new Head(() -> nowMs, Duration.ofDays(1));
    loops = new ScrapeLoop[TARGETS];
    bodies = new byte[TARGETS][][];
    ScrapeConfig cfg =
        ScrapeConfig.builder("bench")
            .scrapeInterval(Duration.ofMillis(INTERVAL_MS))
            .scrapeTimeout(Duration.ofSeconds(4))
            .build();
    for (int t = 0; t < TARGETS; t++) {
      String instance = "127.0.0.1:" + (19100 + t);
      Target target =
          new Target(
              "bench",
              Labels.of("job", "bench", "instance", instance),
              Labels.EMPTY,
              URI.create("http://" + instance + "/metrics"),
              cfg.scrapeInterval(),
              cfg.scrapeTimeout());
      loops[t] = new ScrapeLoop(target, cfg, null, head, new ScrapeStats());
      bodies[t] = bodies(t);
    }
    // Create every series and let the caches settle before anything is measured.
    for (int i = 0; i < 3 * TARGETS; i++) {
      scrape();
    }
    long seriesCount = head.numSeries();
    if (seriesCount != TARGETS * SERIES) {
      throw new IllegalStateException("head holds " + seriesCount + " series");
    }
  }

  /**
   * Scrapes the next target: appends its next body, ends the cache's iteration and commits, as
   * {@code ScrapeLoop.scrapeAndReport} does for a successful scrape.
   */
  @Benchmark
  @OperationsPerInvocation(SERIES)
  public int scrape() {
    int t = scrapes % TARGETS;
    if (t == 0) {
      nowMs += INTERVAL_MS;
    }
    byte[] body = bodies[t][(scrapes / TARGETS) % VARIANTS];
    scrapes++;
    ScrapeLoop loop = loops[t];
    Appender app = head.appender();
    ScrapeLoop.AppendResult r = new ScrapeLoop.AppendResult();
    try {
      loop.appendBody(
          app, new TargetScraper.Body(body, body.length, "text/plain; version=0.0.4"), nowMs, r);
    } catch (ScrapeException e) {
      throw new IllegalStateException(e);
    }
    if (r.error != null || r.appended != SERIES) {
      throw new IllegalStateException("scrape appended " + r.appended + ": " + r.error);
    }
    loop.cache().iterationDone(true);
    app.commit();
    return r.appended;
  }

  /** {@value #VARIANTS} bodies of one target: the same series, values one scrape apart. */
  private static byte[][] bodies(int target) {
    Random r = new Random(target);
    List<String> series = new ArrayList<>();
    List<String> meta = new ArrayList<>();
    double[] base = new double[SERIES];
    double[] step = new double[SERIES];
    int n = 0;
    for (int f = 0; n < SERIES; f++) {
      String name = "bench_family_" + f + (f % 2 == 0 ? "_total" : "");
      meta.add("# HELP " + name + " Synthetic family " + f + ".\n# TYPE " + name
          + (f % 2 == 0 ? " counter\n" : " gauge\n"));
      for (int i = 0; i < 50 && n < SERIES; i++, n++) {
        String labels =
            switch (f % 3) {
              case 0 -> "{cpu=\"" + i % 16 + "\",mode=\"m" + i / 16 + "\"}";
              case 1 -> "{device=\"/dev/mapper/vg" + i + "-lv" + f + "\",fstype=\"ext4\"}";
              default -> "{code=\"200\",handler=\"/api/v1/resource" + i + "\",method=\"GET\"}";
            };
        series.add(f + "\u0000" + name + labels);
        base[n] = f % 2 == 0 ? r.nextInt(1_000_000) * 3.7 : r.nextDouble() * 5e11;
        step[n] = f % 2 == 0 ? 1 + r.nextInt(40) * 3.7 : (r.nextDouble() - 0.5) * 1e6;
      }
    }
    byte[][] out = new byte[VARIANTS][];
    for (int v = 0; v < VARIANTS; v++) {
      ByteArrayOutputStream b = new ByteArrayOutputStream(SERIES * 80);
      int family = -1;
      for (int i = 0; i < SERIES; i++) {
        String s = series.get(i);
        int sep = s.indexOf('\u0000');
        int f = Integer.parseInt(s.substring(0, sep));
        if (f != family) {
          family = f;
          b.writeBytes(meta.get(f).getBytes(StandardCharsets.UTF_8));
        }
        String line = s.substring(sep + 1) + " " + GoFloatFormat.formatG(base[i] + v * step[i]);
        b.writeBytes((line + "\n").getBytes(StandardCharsets.UTF_8));
      }
      out[v] = b.toByteArray();
    }
    return out;
  }
}
