package io.promfed.tsdb;

import static io.promfed.tsdb.HeadTest.T0;
import static org.assertj.core.api.Assertions.assertThat;

import io.promfed.model.labels.Labels;
import io.promfed.storage.Appender;
import io.promfed.tsdb.chunkenc.XorChunk;
import java.time.Duration;
import java.util.SplittableRandom;
import org.junit.jupiter.api.Test;

/**
 * Memory per active series (issue #3), measured deterministically with the structures' own {@code
 * ramBytesUsed()}, which count object headers (12 bytes), array headers (16), references (4,
 * compressed oops) and 8-byte alignment, and tables at their real capacity. The figures were
 * checked against JOL's object-graph walk ({@code GraphLayout.totalSize()}) when written, and are
 * cross-checked against the real heap by {@link HeadHeapMeasurementTest}.
 */
class HeadMemoryTest {

  static final int SERIES = 100_000;

  /**
   * Ten labels with realistic cardinalities: 250 metric names, 1,000 instances, 5,000 pods and a
   * few small dimensions. Every value is shared by at least 20 series, so the symbol table holds
   * each string once, as in a real target set.
   */
  static Labels labels(int i) {
    return Labels.of(
        "__name__", "metric_" + (i % 250),
        "container", "c" + (i % 4),
        "env", i % 2 == 0 ? "prod" : "staging",
        "instance", "10.0." + (i / 100 / 256) + "." + (i / 100 % 256) + ":9100",
        "job", "job_" + (i % 20),
        "namespace", "ns_" + (i % 30),
        "node", "node-" + (i % 50),
        "pod", "pod-" + (i / 20),
        "region", "r" + (i % 3),
        "zone", "z" + (i % 6));
  }

  /** Creates {@code n} series with {@code samples} regular 15 s samples each; returns the refs. */
  static long[] fill(Head head, int n, int samples) throws Exception {
    long[] refs = new long[n];
    for (int k = 0; k < samples; k++) {
      Appender app = head.appender();
      long t = T0 - Duration.ofDays(1).toMillis() + k * 15_000L;
      for (int i = 0; i < n; i++) {
        refs[i] = app.append(refs[i], k == 0 ? labels(i) : null, t, i + 3.0 * k);
      }
      app.commit();
    }
    return refs;
  }

  @Test
  void bytesPerSeriesFor100kSeriesWith10LabelsEach() throws Exception {
    Head empty = new Head(() -> T0, Duration.ofDays(2));
    Head head = new Head(() -> T0, Duration.ofDays(2));
    long[] refs = fill(head, SERIES, 1);
    assertThat(head.numSeries()).isEqualTo(SERIES);

    long seriesBytes = 0;
    for (long ref : refs) {
      seriesBytes += head.seriesByRef(ref).ramBytesUsed();
    }
    long maps = head.series.ramBytesUsed() - empty.series.ramBytesUsed();
    long postings = head.postingsRamBytesUsed() - empty.postingsRamBytesUsed();
    long symbols = head.symbolsRamBytesUsed() - empty.symbolsRamBytesUsed();
    long total = head.ramBytesUsed() - empty.ramBytesUsed();
    assertThat(total).isEqualTo(seriesBytes + maps + postings + symbols);

    double perSeries = (double) total / SERIES;
    System.out.printf(
        "100k series x 10 labels, 1 sample each: %.1f bytes/series (series+labels+head chunk"
            + " %.1f, series maps %.1f, postings %.1f, symbols %.1f)%n",
        perSeries,
        (double) seriesBytes / SERIES,
        (double) maps / SERIES,
        (double) postings / SERIES,
        (double) symbols / SERIES);
    // MemSeries 128 (with the open chunk's encoder state) + Labels 24 + pairs 96 + buffer 48.
    assertThat(seriesBytes).isEqualTo(296L * SERIES);
    assertThat(perSeries).isLessThanOrEqualTo(528);
  }

  /**
   * After a cut the new head chunk starts as small as a new series' first chunk: a buffer kept at
   * full size from the previous chunk would hold about half a chunk unused on average (with these
   * random values, 1,200 bytes right after the cut).
   */
  @Test
  void aHeadChunkCutStartsTheNextChunkSmall() throws Exception {
    Head head = new Head(() -> T0, Duration.ofDays(2));
    SplittableRandom r = new SplittableRandom(11);
    long t0 = T0 - Duration.ofHours(2).toMillis();
    long cutRef = 0;
    long freshRef = 0;
    for (int k = 0; k <= XorChunk.TARGET_SAMPLES; k++) {
      Appender app = head.appender();
      cutRef = app.append(cutRef, k == 0 ? labels(1) : null, t0 + k * 15_000L, r.nextDouble());
      if (k == XorChunk.TARGET_SAMPLES) {
        freshRef = app.append(0, labels(2), t0 + k * 15_000L, r.nextDouble());
      }
      app.commit();
    }
    MemSeries cut = head.seriesByRef(cutRef);
    MemSeries fresh = head.seriesByRef(freshRef);
    long[] closed = new long[4];
    cut.addClosedChunkStats(closed);
    assertThat(closed[3]).as("chunks closed").isEqualTo(1);
    assertThat(cut.ramBytesUsed() - closed[0]).isEqualTo(fresh.ramBytesUsed());
  }
}
