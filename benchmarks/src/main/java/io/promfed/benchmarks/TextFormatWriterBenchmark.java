package io.promfed.benchmarks;

import io.promfed.model.exposition.TextFormatWriter;
import io.promfed.model.labels.Labels;
import io.promfed.model.labels.LabelsBuilder;
import io.promfed.model.textparse.ParseException;
import io.promfed.model.textparse.Parser;
import io.promfed.model.textparse.PromTextParser;
import java.io.IOException;
import java.io.OutputStream;
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

/**
 * Writing 10,000 samples in the text format, as {@code /federate} does: one operation is the whole
 * body written to a discarding stream through the writer's reused 64 KiB buffer.
 */
@State(Scope.Benchmark)
@BenchmarkMode(Mode.AverageTime)
@OutputTimeUnit(TimeUnit.NANOSECONDS)
@Warmup(iterations = 3, time = 2)
@Measurement(iterations = 5, time = 2)
@Fork(1)
public class TextFormatWriterBenchmark {

  private Labels[] series;
  private double[] values;
  private final OutputStream sink = OutputStream.nullOutputStream();

  @Setup
  public void setUp() throws ParseException {
    byte[] text = ExpositionBodies.generate(ParserBenchmark.SERIES).text();
    Parser p = new PromTextParser(text, text.length);
    List<Labels> ls = new ArrayList<>();
    List<Double> vs = new ArrayList<>();
    LabelsBuilder b = new LabelsBuilder();
    for (Parser.Entry e = p.next(); e != Parser.Entry.EOF; e = p.next()) {
      if (e == Parser.Entry.SERIES) {
        b.reset();
        p.labels(b);
        ls.add(b.build());
        vs.add(p.value());
      }
    }
    series = ls.toArray(new Labels[0]);
    values = vs.stream().mapToDouble(Double::doubleValue).toArray();
  }

  @Benchmark
  public long writeFederateBody() throws IOException {
    TextFormatWriter w = new TextFormatWriter(sink);
    for (int i = 0; i < series.length; i++) {
      w.writeSample(series[i], values[i], 1700000000123L + i);
    }
    w.flush();
    return w.bytesWritten();
  }
}
