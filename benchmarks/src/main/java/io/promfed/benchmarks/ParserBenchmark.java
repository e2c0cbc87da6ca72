package io.promfed.benchmarks;

import io.promfed.model.labels.LabelsBuilder;
import io.promfed.model.textparse.OpenMetricsParser;
import io.promfed.model.textparse.ParseException;
import io.promfed.model.textparse.Parser;
import io.promfed.model.textparse.PromTextParser;
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
 * Parsing one 10,000-series, node-exporter-like scrape body, as a scrape loop does on a cache hit
 * (value, timestamp and raw series bytes only) and on a miss (labels built too).
 *
 * <p>One operation is one whole body, so divide ns/op and, with {@code -prof gc}, {@code
 * gc.alloc.rate.norm} (B/op) by {@link #SERIES} for per-sample figures. The parser object and its
 * small arrays are the only allocation expected on the cache-hit path.
 *
 * <pre>java -jar benchmarks/target/benchmarks.jar ParserBenchmark -f 1 -wi 3 -i 5 -prof gc</pre>
 */
@State(Scope.Benchmark)
@BenchmarkMode(Mode.AverageTime)
@OutputTimeUnit(TimeUnit.NANOSECONDS)
@Warmup(iterations = 3, time = 2)
@Measurement(iterations = 5, time = 2)
@Fork(1)
public class ParserBenchmark {

  public static final int SERIES = 10_000;

  private byte[] text;
  private byte[] openMetrics;
  private final LabelsBuilder labels = new LabelsBuilder();

  @Setup
  public void setUp() throws ParseException {
    ExpositionBodies.Bodies b = ExpositionBodies.generate(SERIES);
    text = b.text();
    openMetrics = b.openMetrics();
    // Guard against benchmarking an error path.
    if (drain(new PromTextParser(text, text.length), null) != SERIES
        || drain(new OpenMetricsParser(openMetrics, openMetrics.length), null) != SERIES) {
      throw new IllegalStateException("generated bodies do not hold " + SERIES + " series");
    }
  }

  private static int drain(Parser p, Blackhole bh) throws ParseException {
    int n = 0;
    for (Parser.Entry e = p.next(); e != Parser.Entry.EOF; e = p.next()) {
      if (e == Parser.Entry.SERIES) {
        n++;
        if (bh != null) {
          bh.consume(p.seriesStart());
          bh.consume(p.seriesEnd());
          bh.consume(p.value());
          bh.consume(p.hasTimestamp() ? p.timestampMs() : 0);
        }
      }
    }
    return n;
  }

  /** The scrape-cache-hit path: raw series bytes, value and timestamp, no labels. */
  @Benchmark
  public int promText(Blackhole bh) throws ParseException {
    return drain(new PromTextParser(text, text.length), bh);
  }

  /** The same series as OpenMetrics (float-second timestamps, # EOF). */
  @Benchmark
  public int openMetrics(Blackhole bh) throws ParseException {
    return drain(new OpenMetricsParser(openMetrics, openMetrics.length), bh);
  }

  /** The cache-miss path: labels built for every series (Strings and a Labels each). */
  @Benchmark
  public int promTextWithLabels(Blackhole bh) throws ParseException {
    Parser p = new PromTextParser(text, text.length);
    int n = 0;
    for (Parser.Entry e = p.next(); e != Parser.Entry.EOF; e = p.next()) {
      if (e == Parser.Entry.SERIES) {
        n++;
        labels.reset();
        p.labels(labels);
        bh.consume(labels.build());
        bh.consume(p.value());
      }
    }
    return n;
  }
}
