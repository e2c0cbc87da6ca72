package io.promfed.model.exposition;

import static org.assertj.core.api.Assertions.assertThat;

import io.promfed.model.labels.Labels;
import io.promfed.model.labels.LabelsBuilder;
import io.promfed.model.textparse.ParseException;
import io.promfed.model.textparse.Parser;
import io.promfed.model.textparse.PromTextParser;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.util.ArrayList;
import java.util.List;
import java.util.Random;
import org.junit.jupiter.api.RepeatedTest;

/**
 * Random series written with {@link TextFormatWriter} must parse back with {@link PromTextParser}
 * to the same labels, values (bit for bit, negative zero aside) and timestamps.
 */
class TextFormatRoundTripTest {

  private static final String[] NAME_CHARS = {
    "a", "z", "A", "_", ":", "0", "9", ".", "-", " ", "é"
  };
  private static final String[] VALUE_CHARS = {
    "a", "b", " ", "\\", "\"", "\n", "\t", "{", "}", ",", "=", "#", "é", "€", "😀", "\u0001", "0"
  };

  private record Sample(Labels labels, double value, boolean hasTs, long ts) {}

  @RepeatedTest(20)
  void randomSeriesSurviveWriteThenParse() throws IOException {
    long seed = System.nanoTime();
    try {
      roundTrip(new Random(seed));
    } catch (AssertionError | RuntimeException | ParseException e) {
      throw new AssertionError("round trip failed with seed " + seed + ": " + e.getMessage(), e);
    }
  }

  private static void roundTrip(Random r) throws IOException, ParseException {
    List<Sample> samples = new ArrayList<>();
    ByteArrayOutputStream out = new ByteArrayOutputStream();
    TextFormatWriter w = new TextFormatWriter(out, 64 + r.nextInt(4096));
    int n = 1 + r.nextInt(300);
    for (int i = 0; i < n; i++) {
      LabelsBuilder b = new LabelsBuilder();
      String name = randomName(r, true);
      b.set(Labels.METRIC_NAME, name);
      int labels = r.nextInt(6);
      for (int k = 0; k < labels; k++) {
        b.set(randomName(r, false), randomValue(r));
      }
      Labels l = b.build();
      double v = randomDouble(r);
      boolean hasTs = r.nextBoolean();
      long ts = r.nextBoolean() ? r.nextLong() & Long.MAX_VALUE : r.nextInt(1_000_000);
      if (r.nextInt(10) == 0) {
        w.writeHelp(name, randomValue(r));
        w.writeType(name, r.nextBoolean() ? "gauge" : "untyped"); // no le/quantile rewriting
      }
      if (hasTs) {
        w.writeSample(l, v, ts);
      } else {
        w.writeSample(l, v);
      }
      samples.add(new Sample(l, v, hasTs, ts));
    }
    w.flush();

    byte[] body = out.toByteArray();
    Parser p = new PromTextParser(body, body.length);
    LabelsBuilder lb = new LabelsBuilder();
    int i = 0;
    for (Parser.Entry e = p.next(); e != Parser.Entry.EOF; e = p.next()) {
      if (e != Parser.Entry.SERIES) {
        continue;
      }
      Sample want = samples.get(i++);
      lb.reset();
      p.labels(lb);
      assertThat(lb.build()).isEqualTo(want.labels());
      double expected = want.value() == 0 ? 0.0 : want.value(); // the text format writes -0 as 0
      if (Double.isNaN(expected)) {
        assertThat(p.value()).isNaN();
      } else {
        assertThat(Double.doubleToRawLongBits(p.value()))
            .isEqualTo(Double.doubleToRawLongBits(expected));
      }
      assertThat(p.hasTimestamp()).isEqualTo(want.hasTs());
      if (want.hasTs()) {
        assertThat(p.timestampMs()).isEqualTo(want.ts());
      }
    }
    assertThat(i).isEqualTo(samples.size());
  }

  private static String randomName(Random r, boolean metric) {
    StringBuilder sb = new StringBuilder();
    int len = 1 + r.nextInt(12);
    boolean legacy = r.nextInt(4) != 0;
    for (int i = 0; i < len; i++) {
      String c = NAME_CHARS[r.nextInt(legacy ? 5 : NAME_CHARS.length)];
      if (!legacy || i > 0 || !Character.isDigit(c.charAt(0))) {
        sb.append(c);
      }
    }
    if (sb.length() == 0) {
      sb.append('x');
    }
    String s = sb.toString();
    return metric || !s.equals(Labels.METRIC_NAME) ? s : "not_name";
  }

  private static String randomValue(Random r) {
    StringBuilder sb = new StringBuilder();
    int len = 1 + r.nextInt(20);
    for (int i = 0; i < len; i++) {
      sb.append(VALUE_CHARS[r.nextInt(VALUE_CHARS.length)]);
    }
    return sb.toString();
  }

  private static double randomDouble(Random r) {
    return switch (r.nextInt(8)) {
      case 0 -> r.nextInt(1000);
      case 1 -> r.nextDouble();
      case 2 -> Double.longBitsToDouble(r.nextLong()); // any bits, NaNs and infinities included
      case 3 ->
          new double[] {
                Double.NaN,
                Double.POSITIVE_INFINITY,
                Double.NEGATIVE_INFINITY,
                -0.0,
                Double.MIN_VALUE,
                Double.MAX_VALUE
              }
              [r.nextInt(6)];
      case 4 -> r.nextLong() / 1000.0;
      case 5 -> Math.scalb(r.nextDouble(), r.nextInt(2000) - 1000);
      default -> r.nextGaussian() * 1e6;
    };
  }
}
