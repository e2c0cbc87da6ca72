package io.promfed.benchmarks;

import io.promfed.tsdb.chunkenc.PackedChunks;
import io.promfed.tsdb.chunkenc.XorAppender;
import io.promfed.tsdb.chunkenc.XorChunk;
import io.promfed.tsdb.chunkenc.XorCursor;
import java.util.Random;
import java.util.concurrent.TimeUnit;
import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.BenchmarkMode;
import org.openjdk.jmh.annotations.Fork;
import org.openjdk.jmh.annotations.Measurement;
import org.openjdk.jmh.annotations.Mode;
import org.openjdk.jmh.annotations.OperationsPerInvocation;
import org.openjdk.jmh.annotations.OutputTimeUnit;
import org.openjdk.jmh.annotations.Param;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.Setup;
import org.openjdk.jmh.annotations.State;
import org.openjdk.jmh.annotations.Warmup;

/**
 * The head's sample path in core's XOR chunks: encoding one chunk's samples, decoding them, and
 * packing closed chunks into a series' {@link PackedChunks} when the head cuts a chunk.
 *
 * <p>Two shapes, since the XOR encoding's cost depends on the values: {@code counter}, a 15 s
 * counter with small integer increments (a request counter; most values encode in a few bits), and
 * {@code gauge}, random doubles at 15 s (every value changes most mantissa bits: the worst common
 * case). Timestamps are exactly 15 s apart, so the delta-of-delta is 0 (one bit) in both.
 *
 * <p>{@code append} and {@code iterate} score ns per sample ({@link OperationsPerInvocation}:
 * {@value #SAMPLES} samples, one full chunk, per invocation). {@code packDay} scores ns per closed
 * chunk: {@code MemSeries.cutChunk} copies every full head chunk into the series' packed store,
 * which reallocates its arrays to fit exactly while small, so that copy grows with the series; one
 * invocation packs a day of chunks (the leaf's default retention) into an empty store, as a new
 * series does over its first day. The head's cost per sample written is {@code append} plus {@code
 * packDay} / {@value #SAMPLES}.
 *
 * <pre>java -jar benchmarks/target/benchmarks.jar ChunkBenchmark -f 1 -wi 3 -i 5 -prof gc</pre>
 */
@State(Scope.Thread)
@BenchmarkMode(Mode.AverageTime)
@OutputTimeUnit(TimeUnit.NANOSECONDS)
@Warmup(iterations = 3, time = 2)
@Measurement(iterations = 5, time = 2)
@Fork(1)
public class ChunkBenchmark {

  /** Samples per chunk: the head cuts at 120, as Prometheus does. */
  public static final int SAMPLES = XorChunk.TARGET_SAMPLES;

  /** 30-minute chunks at 15 s over one day, the leaf's default retention. */
  public static final int CHUNKS_PER_DAY = 48;

  private static final long START_MS = 1_700_000_000_000L;
  private static final long INTERVAL_MS = 15_000;

  @Param({"counter", "gauge"})
  public String shape;

  private long[] timestamps;
  private double[] values;

  /** The first {@value #SAMPLES} samples, encoded, for {@code iterate}. */
  private XorChunk chunk;

  /** A day of consecutive full chunks, for {@code packDay}. */
  private XorChunk[] day;

  private final XorCursor cursor = new XorCursor();

  @Setup
  public void setUp() {
    int n = SAMPLES * CHUNKS_PER_DAY;
    timestamps = new long[n];
    values = new double[n];
    Random r = new Random(42);
    double v = 1_000 + r.nextInt(100_000);
    for (int i = 0; i < n; i++) {
      timestamps[i] = START_MS + i * INTERVAL_MS;
      if (shape.equals("counter")) {
        v += r.nextInt(20); // 0..19 requests per scrape
        values[i] = v;
      } else {
        values[i] = r.nextDouble() * 100; // e.g. a utilisation percentage at full precision
      }
    }
    day = new XorChunk[CHUNKS_PER_DAY];
    for (int c = 0; c < CHUNKS_PER_DAY; c++) {
      day[c] = encode(c * SAMPLES);
    }
    chunk = day[0];
    // Guard against benchmarking a broken round trip, and show what one chunk costs in bytes.
    XorCursor check = new XorCursor().reset(chunk);
    for (int i = 0; i < SAMPLES; i++) {
      if (!check.next() || check.atT() != timestamps[i] || check.atV() != values[i]) {
        throw new IllegalStateException("chunk does not decode to what was appended at " + i);
      }
    }
    System.out.printf(
        "%n%s: %d samples encode in %d bytes (%.2f B/sample)%n",
        shape, SAMPLES, chunk.byteLength(), chunk.byteLength() / (double) SAMPLES);
  }

  private XorChunk encode(int from) {
    XorAppender a = new XorChunk().appender();
    for (int i = from; i < from + SAMPLES; i++) {
      a.append(timestamps[i], values[i]);
    }
    return a.chunk();
  }

  /**
   * Encoding a full chunk from empty, as the head does between cuts: a new chunk whose 32-byte
   * buffer grows by 1.5x as the bit stream does.
   */
  @Benchmark
  @OperationsPerInvocation(SAMPLES)
  public XorChunk append() {
    return encode(0);
  }

  /**
   * Decoding a full chunk with a reused cursor, as a query reads one. The sums keep the JIT from
   * dropping the decode and cost far less per sample than a {@code Blackhole} call.
   */
  @Benchmark
  @OperationsPerInvocation(SAMPLES)
  public double iterate() {
    XorCursor c = cursor.reset(chunk);
    long ts = 0;
    double vs = 0;
    while (c.next()) {
      ts += c.atT();
      vs += c.atV();
    }
    return ts + vs;
  }

  /** Packing a day of closed chunks into a new series' store, one chunk cut at a time. */
  @Benchmark
  @OperationsPerInvocation(CHUNKS_PER_DAY)
  public PackedChunks packDay() {
    PackedChunks p = new PackedChunks();
    for (XorChunk c : day) {
      p.append(c);
    }
    return p;
  }
}
