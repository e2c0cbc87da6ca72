package io.promfed.tsdb;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.promfed.model.labels.Labels;
import io.promfed.model.labels.Matcher;
import io.promfed.model.value.StaleNaN;
import io.promfed.storage.Appender;
import io.promfed.storage.MetricMetadata;
import io.promfed.storage.Querier;
import io.promfed.storage.SeriesCursor;
import io.promfed.storage.SeriesSet;
import io.promfed.storage.StorageException;
import io.promfed.tsdb.chunkenc.XorChunk;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.SplittableRandom;
import java.util.concurrent.atomic.AtomicLong;
import org.junit.jupiter.api.Test;

class HeadTest {

  static final long T0 = 1_700_000_000_000L;
  static final Labels UP = Labels.of("__name__", "up", "job", "api", "instance", "a:1");
  static final Labels REQS =
      Labels.of("__name__", "http_requests_total", "job", "api", "code", "200");

  private final AtomicLong now = new AtomicLong(T0);
  private final Head head = new Head(now::get, Duration.ofHours(2));

  /** One sample as read back: timestamp and raw value bits. */
  record S(long t, long vBits) {
    static S of(long t, double v) {
      return new S(t, Double.doubleToRawLongBits(v));
    }
  }

  static Map<Labels, List<S>> read(Head head, long mint, long maxt, Matcher... ms) {
    Map<Labels, List<S>> out = new LinkedHashMap<>();
    try (Querier q = head.querier(mint, maxt)) {
      SeriesSet set = q.select(true, ms);
      while (set.next()) {
        List<S> samples = new ArrayList<>();
        SeriesCursor c = set.at().cursor();
        while (c.next()) {
          samples.add(new S(c.atT(), Double.doubleToRawLongBits(c.atV())));
        }
        out.put(set.at().labels(), samples);
      }
    }
    return out;
  }

  static Map<Labels, List<S>> readAll(Head head, Matcher... ms) {
    return read(
        head,
        Long.MIN_VALUE,
        Long.MAX_VALUE,
        ms.length == 0 ? new Matcher[] {Matcher.regex("__name__", ".+")} : ms);
  }

  @Test
  void statsAreMeasuredOnceThenByEachGcWalk() throws Exception {
    Appender app = head.appender();
    app.append(0, UP, T0, 1);
    app.append(0, REQS, T0, 10);
    app.commit();
    Head.Stats first = head.stats(); // no gc yet: measured on demand, once
    assertThat(first.ramBytes()).isEqualTo(head.ramBytesUsed());
    assertThat(first.chunkBytes()).isEqualTo(head.chunkStats()[0]).isPositive();
    assertThat(first.chunkSamples()).isEqualTo(2);

    app = head.appender();
    app.append(0, UP, T0 + 15_000, 2);
    app.commit();
    assertThat(head.stats()).as("unchanged until the next gc").isSameAs(first);

    head.gc(); // stats() was called since the last measurement: this walk measures
    Head.Stats after = head.stats();
    assertThat(after.chunkSamples()).isEqualTo(3);
    assertThat(after.chunkBytes()).isEqualTo(head.chunkStats()[0]);
    assertThat(after.ramBytes()).isEqualTo(head.ramBytesUsed());

    head.gc(); // measures: asked by the call just above
    app = head.appender();
    app.append(0, UP, T0 + 30_000, 3);
    app.commit();
    head.gc(); // nobody asked since the last measurement: not measured
    assertThat(head.stats().chunkSamples()).isEqualTo(3);
    head.gc(); // asked again
    assertThat(head.stats().chunkSamples()).isEqualTo(4);

    now.set(T0 + Duration.ofHours(3).toMillis());
    head.gc(); // everything is past the retention: both series go
    assertThat(head.stats().chunkSamples()).isZero();
    assertThat(head.stats().ramBytes()).isEqualTo(head.ramBytesUsed());
  }

  @Test
  void touchingSeriesIsOnlyAHintEvenForUnknownOrRemovedOnes() throws Exception {
    Appender app = head.appender();
    long ref = app.append(0, UP, T0, 1);
    app.touch(ref); // before the series' first chunk exists: no chunk to read
    app.commit();
    for (long r : new long[] {ref, 0, ref + 1, Long.MAX_VALUE, -1}) {
      head.appender().touch(r);
    }
    now.set(T0 + Duration.ofHours(3).toMillis());
    head.gc(); // the series is removed; its ref is unknown from now on
    Appender later = head.appender();
    later.touch(ref);
    later.append(0, UP, now.get(), 2);
    later.commit();

    assertThat(readAll(head)).containsExactly(Map.entry(UP, List.of(S.of(now.get(), 2))));
  }

  @Test
  void committedSamplesAreReadBackInOrder() throws Exception {
    Appender app = head.appender();
    long ref = app.append(0, UP, T0, 1);
    assertThat(ref).isPositive();
    assertThat(app.append(ref, null, T0 + 15_000, 0)).isEqualTo(ref); // cached ref, no labels
    app.append(0, REQS, T0, 10);
    app.commit();

    assertThat(readAll(head))
        .containsExactly(
            Map.entry(REQS, List.of(S.of(T0, 10))),
            Map.entry(UP, List.of(S.of(T0, 1), S.of(T0 + 15_000, 0))));
    assertThat(head.numSeries()).isEqualTo(2);
    assertThat(head.samplesAppended()).isEqualTo(3);
  }

  @Test
  void unknownRefFallsBackToLabels() throws Exception {
    Appender app = head.appender();
    long ref = app.append(0, UP, T0, 1);
    assertThat(app.append(999_999, UP, T0 + 1, 2)).isEqualTo(ref);
    app.commit();
    assertThat(readAll(head).get(UP)).containsExactly(S.of(T0, 1), S.of(T0 + 1, 2));
  }

  @Test
  void unknownRefWithoutLabelsIsRefusedSoTheCallerCanRetryWithLabels() throws Exception {
    Appender app = head.appender();
    assertThatThrownBy(() -> app.append(999_999, null, T0, 1))
        .isSameAs(StorageException.UNKNOWN_SERIES_REF);
    long ref = app.append(999_999, UP, T0, 1); // the transaction is still usable
    app.commit();
    assertThat(ref).isPositive();
    assertThat(readAll(head).get(UP)).containsExactly(S.of(T0, 1));
  }

  @Test
  void aLargeTransactionsBuffersAreReusedEmptiedByTheNextOne() throws Exception {
    for (int round = 0; round < 2; round++) {
      Appender app = head.appender();
      for (int i = 0; i < 5_000; i++) {
        app.append(0, Labels.of("__name__", "m", "i", Integer.toString(i)), T0 + round, i);
      }
      if (round == 0) {
        app.commit();
      } else {
        app.rollback();
      }
      HeadAppender.Buffers pooled = head.takeAppendBuffers();
      assertThat(pooled.capacity()).isGreaterThanOrEqualTo(5_000);
      assertThat(pooled.series).containsOnlyNulls(); // removed series must not stay reachable
      head.returnAppendBuffers(pooled);
    }
    assertThat(head.samplesAppended()).isEqualTo(5_000);
    assertThat(head.appender()).isNotNull();
  }

  @Test
  void nothingIsVisibleBeforeCommitAndRollbackDiscards() throws Exception {
    Appender app = head.appender();
    app.append(0, UP, T0, 1);
    // The new series exists in the index but has no visible sample, so select skips it.
    assertThat(readAll(head)).isEmpty();
    app.rollback();
    assertThat(readAll(head)).isEmpty();
    assertThat(head.samplesAppended()).isZero();

    // The rolled-back series has no samples and no pending appends: GC removes it.
    assertThat(head.numSeries()).isEqualTo(1);
    assertThat(head.truncate(T0 - 1)).isEqualTo(1);
    assertThat(head.numSeries()).isZero();
    assertThat(head.symbols().size()).isZero();
    try (Querier q = head.querier(Long.MIN_VALUE, Long.MAX_VALUE)) {
      assertThat(q.labelNames()).isEmpty();
    }

    // The appender is reusable after rollback.
    app.append(0, UP, T0, 5);
    app.commit();
    assertThat(readAll(head).get(UP)).containsExactly(S.of(T0, 5));
  }

  @Test
  void latestSampleIsTheLastVisibleOneInRange() throws Exception {
    Appender app = head.appender();
    long ref = 0;
    for (int i = 0; i < 150; i++) { // one closed chunk and a head chunk
      ref = app.append(ref, UP, T0 + i * 15_000L, i);
    }
    app.commit();
    long last = T0 + 149 * 15_000L;
    assertThat(latest(head.querier(T0, Long.MAX_VALUE))).isEqualTo(last + "=149.0");
    // A range ending before the last sample: decoded, not the last committed sample.
    assertThat(latest(head.querier(T0, T0 + 100 * 15_000L))).isEqualTo(T0 + 100 * 15_000L + "=100.0");
    // A commit after the querier opened stays hidden from it, its newest sample included.
    Querier before = head.querier(T0, Long.MAX_VALUE);
    app = head.appender();
    app.append(ref, null, last + 15_000, StaleNaN.VALUE);
    app.commit();
    assertThat(latest(before)).isEqualTo(last + "=149.0");
    assertThat(latest(head.querier(T0, Long.MAX_VALUE))).isEqualTo(last + 15_000 + "=NaN");
  }

  /** "t=v" of the only series' newest sample, through {@link io.promfed.storage.Series#latest}. */
  private static String latest(Querier q) {
    try (q) {
      SeriesSet ss = q.select(true, Matcher.equal("__name__", "up"));
      assertThat(ss.next()).isTrue();
      double[] v = new double[1];
      long t = ss.at().latest(v);
      assertThat(ss.next()).isFalse();
      return t + "=" + v[0];
    }
  }

  @Test
  void exactRepeatIsAcceptedSilentlyOtherConflictsAreRejected() throws Exception {
    Appender app = head.appender();
    long ref = app.append(0, UP, T0, 1);
    app.commit();

    app = head.appender();
    // Same timestamp, bit-identical value: "exact duplicates are allowed, as in federation".
    assertThat(app.append(ref, UP, T0, 1)).isEqualTo(ref);
    Appender a2 = app;
    assertThatThrownBy(() -> a2.append(ref, UP, T0, 2))
        .isSameAs(StorageException.DUPLICATE_SAMPLE_FOR_TIMESTAMP);
    assertThatThrownBy(() -> a2.append(ref, UP, T0 - 1, 1))
        .isSameAs(StorageException.OUT_OF_ORDER_SAMPLE);
    // A rejected sample leaves the transaction usable.
    app.append(ref, UP, T0 + 15_000, 1);
    // Checks also run against the pending batch.
    app.append(ref, UP, T0 + 15_000, 1); // exact repeat of the pending sample: no-op
    assertThatThrownBy(() -> a2.append(ref, UP, T0 + 15_000, 3))
        .isSameAs(StorageException.DUPLICATE_SAMPLE_FOR_TIMESTAMP);
    assertThatThrownBy(() -> a2.append(ref, UP, T0 + 10_000, 3))
        .isSameAs(StorageException.OUT_OF_ORDER_SAMPLE);
    app.commit();

    assertThat(readAll(head).get(UP)).containsExactly(S.of(T0, 1), S.of(T0 + 15_000, 1));
    assertThat(head.duplicateSamples()).isEqualTo(2);
    assertThat(head.outOfOrderSamples()).isEqualTo(2);
    assertThat(head.samplesAppended()).isEqualTo(2);
  }

  @Test
  void nanPayloadsAreComparedByRawBits() throws Exception {
    Appender app = head.appender();
    long ref = app.append(0, UP, T0, StaleNaN.VALUE);
    app.commit();
    Appender a2 = head.appender();
    a2.append(ref, UP, T0, StaleNaN.VALUE); // identical stale marker: no-op
    double normalNaN = Double.longBitsToDouble(StaleNaN.NORMAL_NAN_BITS);
    assertThatThrownBy(() -> a2.append(ref, UP, T0, normalNaN))
        .isSameAs(StorageException.DUPLICATE_SAMPLE_FOR_TIMESTAMP);
    a2.append(ref, UP, T0 + 1, normalNaN);
    a2.append(ref, UP, T0 + 2, -0.0);
    a2.commit();
    assertThat(readAll(head).get(UP))
        .containsExactly(
            new S(T0, StaleNaN.BITS), new S(T0 + 1, StaleNaN.NORMAL_NAN_BITS), S.of(T0 + 2, -0.0));
  }

  @Test
  void samplesBeforeTheRetentionWindowOrTruncationAreOutOfBounds() throws Exception {
    Appender app = head.appender();
    long minValid = T0 - Duration.ofHours(2).toMillis();
    assertThat(head.minValidTimeMs()).isEqualTo(minValid);
    assertThatThrownBy(() -> app.append(0, UP, minValid - 1, 1))
        .isSameAs(StorageException.OUT_OF_BOUNDS);
    app.append(0, UP, minValid, 1);
    app.commit();
    assertThat(head.numSeries()).isEqualTo(1); // the OOB append created nothing

    head.truncate(T0 + 1_000);
    Appender after = head.appender();
    assertThatThrownBy(() -> after.append(0, UP, T0 + 999, 1))
        .isSameAs(StorageException.OUT_OF_BOUNDS);
    after.append(0, UP, T0 + 1_000, 1);
    after.commit();
    assertThat(head.outOfBoundsSamples()).isEqualTo(2);
  }

  @Test
  void truncationAfterAnAppenderOpenedDropsItsTooOldSamplesAtCommit() throws Exception {
    Appender app = head.appender();
    app.append(0, UP, T0, 1);
    app.append(0, REQS, T0 + 10_000, 1);
    head.truncate(T0 + 5_000); // pending series are pinned, not removed
    assertThat(head.numSeries()).isEqualTo(2);
    app.commit();
    assertThat(readAll(head)).containsOnlyKeys(REQS);
    assertThat(head.outOfBoundsSamples()).isEqualTo(1);
  }

  @Test
  void metadataIsAppliedOnCommitLatestWins() throws Exception {
    Appender app = head.appender();
    app.updateMetadata("http_requests_total", new MetricMetadata("counter", "Requests.", ""));
    app.append(0, REQS, T0, 1);
    try (Querier q = head.querier(0, Long.MAX_VALUE)) {
      assertThat(q.metadata(null)).isEmpty();
    }
    app.commit();
    Appender rolledBack = head.appender();
    rolledBack.updateMetadata("http_requests_total", new MetricMetadata("gauge", "wrong", ""));
    rolledBack.rollback();
    Appender app2 = head.appender();
    app2.updateMetadata("up", new MetricMetadata("gauge", "Up.", ""));
    app2.updateMetadata("up", new MetricMetadata("gauge", "Target up.", ""));
    app2.append(0, UP, T0, 1);
    app2.commit();

    try (Querier q = head.querier(0, Long.MAX_VALUE)) {
      assertThat(q.metadata(null))
          .containsExactly(
              Map.entry(
                  "http_requests_total", List.of(new MetricMetadata("counter", "Requests.", ""))),
              Map.entry("up", List.of(new MetricMetadata("gauge", "Target up.", ""))));
      assertThat(q.metadata("up")).containsOnlyKeys("up");
      assertThat(q.metadata("nope")).isEmpty();
    }

    // Once no series of a family is left, its metadata goes too.
    now.addAndGet(Duration.ofHours(3).toMillis());
    head.gc();
    try (Querier q = head.querier(0, Long.MAX_VALUE)) {
      assertThat(q.metadata(null)).isEmpty();
    }
  }

  @Test
  void chunksAreCutAt120SamplesAndRetentionDropsOldChunksAndSeries() throws Exception {
    Labels gone = Labels.of("__name__", "gone", "pod", "p-123");
    Appender app = head.appender();
    long ref = 0;
    for (int i = 0; i < 360; i++) {
      ref = app.append(ref, UP, T0 + i * 15_000L, i);
    }
    app.append(0, gone, T0, 1);
    app.commit();
    assertThat(head.closedChunkStats()[3]).isEqualTo(2); // 120 + 120 closed, 120 in the head chunk
    long[] chunks = head.chunkStats();
    assertThat(chunks[1]).isEqualTo(361); // open head chunks count too
    // A regular 15 s counter (+1 per sample) encodes in ~1-2 bits per timestamp and a few per value.
    assertThat((double) chunks[0] / chunks[1]).isBetween(0.5, 1.5);
    assertThat(head.symbols().lookup("p-123")).isNotNull();
    long ramBefore = head.ramBytesUsed();

    // Drop everything that ended before the third chunk started.
    long removed = head.truncate(T0 + 240 * 15_000L);
    assertThat(removed).isEqualTo(1);
    assertThat(head.numSeries()).isEqualTo(1);
    assertThat(head.seriesRemoved()).isEqualTo(1);
    assertThat(head.chunksRemoved()).isEqualTo(3);
    assertThat(head.symbols().lookup("p-123")).isNull();
    assertThat(head.ramBytesUsed()).isLessThan(ramBefore);
    List<S> left = readAll(head).get(UP);
    assertThat(left).hasSize(120);
    assertThat(left.get(0)).isEqualTo(S.of(T0 + 240 * 15_000L, 240));
    try (Querier q = head.querier(Long.MIN_VALUE, Long.MAX_VALUE)) {
      assertThat(q.labelValues("__name__")).containsExactly("up");
      assertThat(q.labelNames()).containsExactly("__name__", "instance", "job");
    }

    // gc() uses now - retention.
    now.set(T0 + 359 * 15_000L + Duration.ofHours(2).toMillis() + 1);
    head.gc();
    assertThat(head.numSeries()).isZero();
    assertThat(head.symbols().size()).isZero();
    assertThat(head.postings().numSeries()).isZero();
  }

  @Test
  void seriesLimitRejectsNewSeriesOnly() throws Exception {
    Head limited = new Head(now::get, Duration.ofHours(1), 2);
    Appender app = limited.appender();
    app.append(0, UP, T0, 1);
    app.append(0, REQS, T0, 1);
    assertThatThrownBy(() -> app.append(0, Labels.of("__name__", "third"), T0, 1))
        .isSameAs(StorageException.TOO_MANY_SERIES);
    app.append(0, UP, T0 + 1, 1); // existing series still fine
    app.commit();
    assertThat(limited.numSeries()).isEqualTo(2);
    assertThat(limited.seriesLimitRejections()).isEqualTo(1);
  }

  @Test
  void querierRestrictsToItsRangeAndSeeksAcrossChunks() throws Exception {
    Appender app = head.appender();
    long ref = 0;
    for (int i = 0; i < 300; i++) {
      ref = app.append(ref, UP, T0 + i * 1_000L, i);
    }
    app.commit();
    long mint = T0 + 100_000;
    long maxt = T0 + 250_000;
    List<S> got = read(head, mint, maxt, Matcher.equal("job", "api")).get(UP);
    assertThat(got).hasSize(151);
    assertThat(got.get(0).t()).isEqualTo(mint);
    assertThat(got.get(150).t()).isEqualTo(maxt);

    try (Querier q = head.querier(mint, maxt)) {
      SeriesSet set = q.select(false, Matcher.equal("__name__", "up"));
      assertThat(set.next()).isTrue();
      SeriesCursor c = set.at().cursor();
      assertThat(c.seek(0)).isTrue(); // clamps to mint
      assertThat(c.atT()).isEqualTo(mint);
      assertThat(c.seek(T0 + 130_500)).isTrue();
      assertThat(c.atT()).isEqualTo(T0 + 131_000);
      assertThat(c.atV()).isEqualTo(131);
      assertThat(c.seek(T0 + 10_000)).isTrue(); // never moves backwards
      assertThat(c.atT()).isEqualTo(T0 + 131_000);
      assertThat(c.next()).isTrue();
      assertThat(c.atT()).isEqualTo(T0 + 132_000);
      assertThat(c.seek(T0 + 260_000)).isFalse(); // beyond maxt
      assertThat(c.next()).isFalse();
      assertThat(set.next()).isFalse();
    }
    // A range with no samples selects no series.
    assertThat(read(head, T0 + 400_000, T0 + 500_000, Matcher.equal("job", "api"))).isEmpty();
    assertThat(read(head, T0 + 500_000, T0, Matcher.equal("job", "api"))).isEmpty();
  }

  @Test
  void selectSortsByLabelsAndLabelQueriesUseMatchers() throws Exception {
    Appender app = head.appender();
    List<Labels> all = new ArrayList<>();
    for (int i = 9; i >= 0; i--) {
      Labels l = Labels.of("__name__", i % 2 == 0 ? "even" : "odd", "i", Integer.toString(i));
      all.add(l);
      app.append(0, l, T0, i);
    }
    app.commit();
    List<Labels> got = new ArrayList<>();
    try (Querier q = head.querier(T0, T0)) {
      SeriesSet set = q.select(true, Matcher.regex("i", ".+"));
      while (set.next()) {
        got.add(set.at().labels());
      }
      assertThat(q.labelValues("i", Matcher.equal("__name__", "odd")))
          .containsExactly("1", "3", "5", "7", "9");
      assertThat(q.labelValues("__name__")).containsExactly("even", "odd");
      assertThat(q.labelNames(Matcher.equal("i", "3"))).containsExactly("__name__", "i");
      assertThat(q.labelNames(Matcher.equal("i", "nope"))).isEmpty();
    }
    assertThat(got).isSortedAccordingTo(Labels::compareTo).containsExactlyInAnyOrderElementsOf(all);
  }

  @Test
  void internedLabelsShareStringInstancesAcrossSeries() throws Exception {
    Appender app = head.appender();
    app.append(
        0, Labels.of("__name__", new String("a"), new String("job"), new String("api")), T0, 1);
    app.append(
        0, Labels.of("__name__", new String("b"), new String("job"), new String("api")), T0, 1);
    app.commit();
    List<Labels> ls = new ArrayList<>(readAll(head).keySet());
    assertThat(ls.get(0).get("job")).isSameAs(ls.get(1).get("job"));
    assertThat(ls.get(0).name(1)).isSameAs(ls.get(1).name(1));
    assertThat(head.symbols().refCount("job")).isEqualTo(2);
  }

  @Test
  void closedQuerierRejectsUseAndSeriesOutliveIt() throws Exception {
    Appender app = head.appender();
    app.append(0, UP, T0, 1);
    app.commit();
    Querier q = head.querier(T0, T0);
    SeriesSet set = q.select(false, Matcher.equal("job", "api"));
    assertThat(set.next()).isTrue();
    q.close();
    q.close(); // idempotent
    SeriesCursor c = set.at().cursor();
    assertThat(c.next()).isTrue();
    assertThat(c.atV()).isEqualTo(1);
    assertThatThrownBy(() -> q.select(false, Matcher.equal("job", "api")))
        .isInstanceOf(IllegalStateException.class);
    assertThat(head.isolation.openReadCount()).isZero();
  }

  @Test
  void emptyLabelsAreRejected() {
    Appender app = head.appender();
    assertThatThrownBy(() -> app.append(0, Labels.EMPTY, T0, 1))
        .isInstanceOf(IllegalArgumentException.class);
  }

  @Test
  void headChunkSnapshotIsIndependentOfLaterAppends() throws Exception {
    Appender app = head.appender();
    long ref = app.append(0, UP, T0, 1);
    app.commit();
    try (Querier q = head.querier(Long.MIN_VALUE, Long.MAX_VALUE)) {
      SeriesSet set = q.select(false, Matcher.equal("job", "api"));
      assertThat(set.next()).isTrue();
      Appender more = head.appender();
      for (int i = 1; i < 200; i++) {
        more.append(ref, UP, T0 + i, i);
      }
      more.commit();
      SeriesCursor c = set.at().cursor();
      int n = 0;
      while (c.next()) {
        n++;
      }
      assertThat(n).isEqualTo(1);
    }
  }

  /**
   * Density of closed chunks for regular 15 s data, a deterministic size check (issue #3: at most
   * 1.5 bytes per sample on the heap). "Encoded" counts the chunk bytes as Prometheus stores them
   * (bit stream + its 2-byte sample-count header); "heap" is what {@link
   * io.promfed.tsdb.chunkenc.PackedChunks#ramBytesUsed()} reports for the series' packed closed
   * chunks: the encoded bytes plus the per-chunk index entries, the store object, both array
   * headers, alignment padding and any spare capacity (compressed oops). Three closed chunks per
   * series (2 h of data, what a short retention keeps) is the worst case for the per-series part.
   */
  @Test
  void closedChunksOfRegular15sDataStayWithinTheDensityTarget() throws Exception {
    double[] perSample = measureClosedChunkDensity(500, 3);
    System.out.printf(
        "closed chunks, regular 15s counters+gauges, 3 closed chunks/series: %.3f encoded"
            + " bytes/sample, %.3f heap bytes/sample%n",
        perSample[0], perSample[1]);
    assertThat(perSample[0]).isLessThanOrEqualTo(1.5);
    assertThat(perSample[1]).isLessThanOrEqualTo(1.5);
  }

  /** The same data over a day (the leaf's default retention): the per-series part amortised. */
  @Test
  void closedChunksOfADayOfRegular15sDataStayWithinTheDensityTarget() throws Exception {
    double[] perSample = measureClosedChunkDensity(20, 47);
    System.out.printf(
        "closed chunks, regular 15s counters+gauges, 47 closed chunks/series: %.3f encoded"
            + " bytes/sample, %.3f heap bytes/sample%n",
        perSample[0], perSample[1]);
    assertThat(perSample[0]).isLessThanOrEqualTo(1.5);
    assertThat(perSample[1]).isLessThanOrEqualTo(1.5);
  }

  /**
   * Writes {@code series} counters (+0..3 per scrape) and as many integer gauges (random walk) at
   * 15 s until each has {@code closedChunks} closed chunks and a full head chunk; returns {encoded,
   * heap} bytes per closed-chunk sample.
   */
  private double[] measureClosedChunkDensity(int series, int closedChunks) throws Exception {
    SplittableRandom r = new SplittableRandom(20_240_601);
    Head h = new Head(now::get, Duration.ofDays(365));
    int samples = (closedChunks + 1) * XorChunk.TARGET_SAMPLES;
    double[] counters = new double[series];
    double[] gauges = new double[series];
    long[] counterRefs = new long[series];
    long[] gaugeRefs = new long[series];
    for (int s = 0; s < series; s++) {
      counters[s] = 1_000 + r.nextInt(1_000_000);
      gauges[s] = r.nextInt(10_000);
    }
    long start = T0 - Duration.ofDays(2).toMillis();
    for (int i = 0; i < samples; i++) {
      Appender app = h.appender();
      long t = start + i * 15_000L;
      for (int s = 0; s < series; s++) {
        counterRefs[s] =
            app.append(
                counterRefs[s],
                Labels.of("__name__", "requests_total", "s", Integer.toString(s)),
                t,
                counters[s]);
        gaugeRefs[s] =
            app.append(
                gaugeRefs[s],
                Labels.of("__name__", "queue_length", "s", Integer.toString(s)),
                t,
                gauges[s]);
        counters[s] += r.nextInt(4); // monotonic, small increments
        gauges[s] = Math.max(0, gauges[s] + r.nextInt(5) - 2); // small random walk
      }
      app.commit();
    }
    long[] stats = h.closedChunkStats(); // heap bytes, encoded bytes, samples, chunks
    assertThat(stats[3]).isEqualTo(2L * series * closedChunks);
    assertThat(stats[2]).isEqualTo(stats[3] * XorChunk.TARGET_SAMPLES);
    return new double[] {(double) stats[1] / stats[2], (double) stats[0] / stats[2]};
  }
}
