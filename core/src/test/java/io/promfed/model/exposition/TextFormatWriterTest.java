package io.promfed.model.exposition;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.promfed.model.labels.Labels;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.lang.management.ManagementFactory;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;

class TextFormatWriterTest {

  /** Writes the golden body: metadata, escaping, names that need quoting, number forms. */
  private static void writeGoldenBody(TextFormatWriter w) throws IOException {
    w.writeHelp("go_goroutines", "Number of goroutines that currently exist.");
    w.writeType("go_goroutines", "gauge");
    w.writeSample(Labels.of("__name__", "go_goroutines"), 33);
    w.writeHelp("escapes", "backslash \\ newline \n quote \" stays");
    w.writeType("escapes", "untyped");
    w.writeSample(
        Labels.of("__name__", "escapes", "path", "C:\\dir\\\"file\"\nline2", "z", "last"),
        1,
        1700000000123L);
    w.writeHelp("empty_help", "");
    w.writeSample(Labels.of("__name__", "numbers", "v", "1"), 1);
    w.writeSample(Labels.of("__name__", "numbers", "v", "0"), 0);
    w.writeSample(Labels.of("__name__", "numbers", "v", "-0"), -0.0);
    w.writeSample(Labels.of("__name__", "numbers", "v", "-1"), -1);
    w.writeSample(Labels.of("__name__", "numbers", "v", "big"), 25391432);
    w.writeSample(Labels.of("__name__", "numbers", "v", "small"), 0.000049351);
    w.writeSample(Labels.of("__name__", "numbers", "v", "sum"), 0.1 + 0.2);
    w.writeSample(Labels.of("__name__", "numbers", "v", "nan"), Double.NaN);
    w.writeSample(Labels.of("__name__", "numbers", "v", "inf"), Double.POSITIVE_INFINITY);
    w.writeSample(Labels.of("__name__", "numbers", "v", "-inf"), Double.NEGATIVE_INFINITY, -5);
    w.writeSample(Labels.of("__name__", "numbers", "v", "max"), Double.MAX_VALUE, Long.MIN_VALUE);
    w.writeSample(Labels.of("__name__", "numbers", "v", "min"), Double.MIN_VALUE, Long.MAX_VALUE);
    // UTF-8 names are quoted, a metric name inside the braces (expfmt writeNameAndLabelPairs).
    w.writeHelp("my.metric", "UTF-8 name");
    w.writeType("my.metric", "counter");
    w.writeSample(Labels.of("__name__", "my.metric", "a.b", "c", "ok_name", "x"), 2);
    w.writeSample(Labels.of("__name__", "my.metric"), 3);
    w.writeSample(Labels.of("__name__", "colon:ok", "la:bel", "v"), 4);
    w.writeSample(Labels.of("__name__", "unicode", "v", "café € 😀 \u0000 lone\ud800surrogate"), 5);
    w.writeSample(Labels.of("job", "nameless"), 6);
    // Piecewise, as /federate appends external labels after the series' own.
    w.beginSample("federated")
        .labels(Labels.of("__name__", "federated", "a", "1", "z", "2"))
        .label("cluster", "eu-1")
        .label("instance", "")
        .endSample(7, 6000000);
  }

  @Test
  void bodyMatchesGoldenFile() throws IOException {
    ByteArrayOutputStream out = new ByteArrayOutputStream();
    TextFormatWriter w = new TextFormatWriter(out);
    writeGoldenBody(w);
    w.flush();
    String got = out.toString(StandardCharsets.UTF_8);
    Path source = Path.of("src/test/resources/io/promfed/model/exposition/testdata/writer.golden");
    if (Boolean.getBoolean("golden.update")) {
      Files.writeString(source, got, StandardCharsets.UTF_8);
    }
    try (InputStream in = getClass().getResourceAsStream("testdata/writer.golden")) {
      assertThat(got).isEqualTo(new String(in.readAllBytes(), StandardCharsets.UTF_8));
    }
    assertThat(w.bytesWritten()).isEqualTo(out.size());
  }

  @Test
  void smallBuffersProduceTheSameBytes() throws IOException {
    ByteArrayOutputStream big = new ByteArrayOutputStream();
    TextFormatWriter w = new TextFormatWriter(big);
    writeGoldenBody(w);
    w.writeSample(Labels.of("__name__", "long", "v", "é\\\"".repeat(5000)), 1);
    w.writeSample(Labels.of("__name__", "n_".repeat(100), "l_".repeat(100), "v"), 2);
    w.writeSample(Labels.of("__name__", "n.".repeat(100), "l.".repeat(100), "v"), 3);
    w.flush();
    ByteArrayOutputStream small = new ByteArrayOutputStream();
    TextFormatWriter s = new TextFormatWriter(small, 64);
    writeGoldenBody(s);
    s.writeSample(Labels.of("__name__", "long", "v", "é\\\"".repeat(5000)), 1);
    s.writeSample(Labels.of("__name__", "n_".repeat(100), "l_".repeat(100), "v"), 2);
    s.writeSample(Labels.of("__name__", "n.".repeat(100), "l.".repeat(100), "v"), 3);
    s.flush();
    assertThat(big.toString(StandardCharsets.UTF_8))
        .endsWith(
            "n_".repeat(100) + "{" + "l_".repeat(100) + "=\"v\"} 2\n"
                + "{\"" + "n.".repeat(100) + "\",\"" + "l.".repeat(100) + "\"=\"v\"} 3\n");
    assertThat(small.toByteArray()).isEqualTo(big.toByteArray());
  }

  @Test
  void flushesOnlyWhenFullOrAsked() throws IOException {
    int[] writes = {0};
    OutputStream counting =
        new OutputStream() {
          @Override
          public void write(int b) {
            writes[0]++;
          }

          @Override
          public void write(byte[] b, int off, int len) {
            writes[0]++;
          }
        };
    TextFormatWriter w = new TextFormatWriter(counting);
    for (int i = 0; i < 100; i++) {
      w.writeSample(Labels.of("__name__", "a", "i", Integer.toString(i)), i);
    }
    assertThat(writes[0]).isZero();
    w.flush();
    assertThat(writes[0]).isEqualTo(1);
  }

  @Test
  void misuseIsRejected() throws IOException {
    TextFormatWriter w = new TextFormatWriter(new ByteArrayOutputStream());
    assertThatThrownBy(() -> w.label("a", "b")).isInstanceOf(IllegalStateException.class);
    assertThatThrownBy(() -> w.endSample(1)).isInstanceOf(IllegalStateException.class);
    w.beginSample("a");
    assertThatThrownBy(() -> w.writeType("a", "gauge")).isInstanceOf(IllegalStateException.class);
    assertThatThrownBy(() -> new TextFormatWriter(new ByteArrayOutputStream(), 10))
        .isInstanceOf(IllegalArgumentException.class);
  }

  @Test
  void writingSamplesAllocatesNothing() throws IOException {
    Labels[] series = new Labels[100];
    for (int i = 0; i < series.length; i++) {
      series[i] =
          Labels.of(
              "__name__", "node_cpu_seconds_total", "cpu", Integer.toString(i), "mode", "idle");
    }
    OutputStream discard = OutputStream.nullOutputStream();
    TextFormatWriter w = new TextFormatWriter(discard);
    for (int i = 0; i < 20_000; i++) { // warm up
      w.writeSample(series[i % 100], i * 1.5, 1700000000000L + i);
    }
    com.sun.management.ThreadMXBean mx =
        (com.sun.management.ThreadMXBean) ManagementFactory.getThreadMXBean();
    long tid = Thread.currentThread().getId();
    long before = mx.getThreadAllocatedBytes(tid);
    for (int i = 0; i < 100_000; i++) {
      w.writeSample(series[i % 100], i * 1.5, 1700000000000L + i);
    }
    long after = mx.getThreadAllocatedBytes(tid);
    w.flush();
    assertThat((after - before) / 100_000).isZero();
  }
}
