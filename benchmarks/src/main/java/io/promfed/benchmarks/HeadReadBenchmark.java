package io.promfed.benchmarks;

import io.promfed.model.labels.Labels;
import io.promfed.model.labels.Matcher;
import io.promfed.storage.Appender;
import io.promfed.storage.Querier;
import io.promfed.storage.SeriesCursor;
import io.promfed.storage.SeriesSet;
import io.promfed.tsdb.Head;
import io.promfed.tsdb.chunkenc.ChunkFiles;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Comparator;
import java.util.Random;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;
import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.BenchmarkMode;
import org.openjdk.jmh.annotations.Fork;
import org.openjdk.jmh.annotations.Level;
import org.openjdk.jmh.annotations.Measurement;
import org.openjdk.jmh.annotations.Mode;
import org.openjdk.jmh.annotations.OperationsPerInvocation;
import org.openjdk.jmh.annotations.OutputTimeUnit;
import org.openjdk.jmh.annotations.Param;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.Setup;
import org.openjdk.jmh.annotations.State;
import org.openjdk.jmh.annotations.TearDown;
import org.openjdk.jmh.annotations.Warmup;

/**
 * Reading every sample of a head whose closed chunks are in the heap ({@code memory}) or in its
 * chunk files ({@code files}, as with {@code --storage.path}): what a long range query or the WAL
 * checkpoint pays for moving closed chunks out of the heap, a {@code pread} per chunk. 2,000 series
 * of 6 hours at 15 s (11 closed chunks and the head chunk each), counters with small increments.
 * Scores ns per sample read.
 *
 * <pre>java -jar benchmarks/target/benchmarks.jar HeadReadBenchmark -f 1 -wi 3 -i 5</pre>
 */
@State(Scope.Benchmark)
@BenchmarkMode(Mode.AverageTime)
@OutputTimeUnit(TimeUnit.NANOSECONDS)
@Warmup(iterations = 3, time = 2)
@Measurement(iterations = 5, time = 2)
@Fork(1)
public class HeadReadBenchmark {

  static final int SERIES = 2_000;
  static final int SAMPLES = 6 * 240; // 6 h at 15 s
  static final long T0 = 1_700_000_000_000L;
  static final long INTERVAL_MS = 15_000;

  @Param({"memory", "files"})
  public String closedChunks;

  private Path dir;
  private Head head;

  @Setup(Level.Trial)
  public void setUp() throws Exception {
    head = new Head(() -> T0 + SAMPLES * INTERVAL_MS, Duration.ofDays(1));
    if (closedChunks.equals("files")) {
      dir = Files.createTempDirectory("head-read-bench");
      head.mapChunksTo(ChunkFiles.open(dir));
    }
    Random r = new Random(42);
    long[] refs = new long[SERIES];
    double[] values = new double[SERIES];
    Labels[] labels = new Labels[SERIES];
    for (int k = 0; k < SERIES; k++) {
      labels[k] = Labels.of("__name__", "bench_total", "instance", "i" + k);
    }
    for (int i = 0; i < SAMPLES; i++) {
      Appender app = head.appender();
      for (int k = 0; k < SERIES; k++) {
        values[k] += r.nextInt(10);
        refs[k] = app.append(refs[k], labels[k], T0 + i * INTERVAL_MS, values[k]);
      }
      app.commit();
    }
    head.truncate(T0); // drops nothing; with files, moves every closed chunk out
    if (closedChunks.equals("files") && head.chunksMovedToDisk() != SERIES * (SAMPLES / 120 - 1)) {
      throw new IllegalStateException("moved " + head.chunksMovedToDisk() + " chunks");
    }
  }

  @TearDown(Level.Trial)
  public void tearDown() throws IOException {
    if (dir != null) {
      try (Stream<Path> files = Files.walk(dir)) {
        for (Path p : files.sorted(Comparator.reverseOrder()).toList()) {
          Files.delete(p);
        }
      }
    }
  }

  @Benchmark
  @OperationsPerInvocation(SERIES * SAMPLES)
  public double readAll() {
    double sum = 0;
    long n = 0;
    try (Querier q = head.querier(T0, T0 + SAMPLES * INTERVAL_MS)) {
      SeriesSet set = q.select(false, Matcher.equal("__name__", "bench_total"));
      while (set.next()) {
        SeriesCursor c = set.at().cursor();
        while (c.next()) {
          sum += c.atV();
          n++;
        }
      }
    }
    if (n != (long) SERIES * SAMPLES) {
      throw new IllegalStateException("read " + n + " samples");
    }
    return sum;
  }
}
