package io.promfed.tsdb;

import static io.promfed.tsdb.HeadTest.T0;
import static org.assertj.core.api.Assertions.assertThat;

import io.promfed.model.labels.Labels;
import io.promfed.model.labels.Matcher;
import io.promfed.storage.Appender;
import io.promfed.storage.Querier;
import io.promfed.storage.SeriesCursor;
import io.promfed.storage.SeriesSet;
import io.promfed.storage.StorageException;
import io.promfed.tsdb.HeadTest.S;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.atomic.AtomicReference;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/** Isolation as Prometheus's tsdb/isolation.go: a querier sees all or none of each commit. */
class HeadIsolationTest {

  private final AtomicLong now = new AtomicLong(T0);
  private final Head head = new Head(now::get, Duration.ofDays(1));

  private static final Labels A = Labels.of("__name__", "a");
  private static final Labels B = Labels.of("__name__", "b");

  private MemSeries seed(Labels l) throws StorageException {
    Appender app = head.appender();
    long ref = app.append(0, l, T0, 0);
    app.commit();
    return head.seriesByRef(ref);
  }

  private static void write(MemSeries s, long t, double v, long[] idAndWatermark) {
    synchronized (s) {
      s.write(t, Double.doubleToRawLongBits(v), idAndWatermark[0], idAndWatermark[1]);
    }
  }

  private static Map<Labels, List<S>> read(Querier q) {
    Map<Labels, List<S>> out = new java.util.LinkedHashMap<>();
    SeriesSet set = q.select(true, Matcher.regex("__name__", ".+"));
    while (set.next()) {
      List<S> l = new ArrayList<>();
      SeriesCursor c = set.at().cursor();
      while (c.next()) {
        l.add(S.of(c.atT(), c.atV()));
      }
      out.put(set.at().labels(), l);
    }
    return out;
  }

  @Test
  void aQuerierOpenedBeforeOrDuringACommitSeesNoneOfIt() throws Exception {
    MemSeries a = seed(A);
    MemSeries b = seed(B);
    Querier before = head.querier(Long.MIN_VALUE, Long.MAX_VALUE);

    long[] tx = head.isolation.beginAppend();
    write(a, T0 + 1, 1, tx);
    Querier during = head.querier(Long.MIN_VALUE, Long.MAX_VALUE);
    write(b, T0 + 1, 1, tx);
    Querier alsoDuring = head.querier(Long.MIN_VALUE, Long.MAX_VALUE);
    head.isolation.endAppend(tx[0]);
    Querier after = head.querier(Long.MIN_VALUE, Long.MAX_VALUE);

    Map<Labels, List<S>> old = Map.of(A, List.of(S.of(T0, 0)), B, List.of(S.of(T0, 0)));
    assertThat(read(before)).isEqualTo(old);
    assertThat(read(during)).isEqualTo(old);
    assertThat(read(alsoDuring)).isEqualTo(old);
    assertThat(read(after))
        .isEqualTo(
            Map.of(
                A,
                List.of(S.of(T0, 0), S.of(T0 + 1, 1)),
                B,
                List.of(S.of(T0, 0), S.of(T0 + 1, 1))));
    for (Querier q : List.of(before, during, alsoDuring, after)) {
      q.close();
    }
  }

  /**
   * Two commits interleave on one series: X (still open) writes a@1, then Y writes a@2 and b@2 and
   * finishes. A reader must see all of Y (a@2 included, although it sits after X's invisible a@1)
   * and nothing of X. Prometheus stops at the first invisible sample here; hiding exactly the
   * invisible ones keeps Y whole.
   */
  @Test
  void interleavedCommitsOnOneSeriesStayAtomic() throws Exception {
    MemSeries a = seed(A);
    MemSeries b = seed(B);
    long[] x = head.isolation.beginAppend();
    write(a, T0 + 1, 10, x);
    long[] y = head.isolation.beginAppend();
    write(a, T0 + 2, 20, y);
    write(b, T0 + 2, 20, y);
    head.isolation.endAppend(y[0]);

    try (Querier q = head.querier(Long.MIN_VALUE, Long.MAX_VALUE)) {
      assertThat(read(q))
          .isEqualTo(
              Map.of(
                  A,
                  List.of(S.of(T0, 0), S.of(T0 + 2, 20)),
                  B,
                  List.of(S.of(T0, 0), S.of(T0 + 2, 20))));
      write(b, T0 + 3, 10, x);
      head.isolation.endAppend(x[0]);
      assertThat(read(q)).containsEntry(B, List.of(S.of(T0, 0), S.of(T0 + 2, 20)));
    }
    try (Querier q = head.querier(Long.MIN_VALUE, Long.MAX_VALUE)) {
      assertThat(read(q).get(A)).containsExactly(S.of(T0, 0), S.of(T0 + 1, 10), S.of(T0 + 2, 20));
    }
  }

  @Test
  void appendIdsAreForgottenOnceNoReaderCanNeedThem() throws Exception {
    Appender app = head.appender();
    long ref = app.append(0, A, T0, 0);
    app.commit();
    MemSeries s = head.seriesByRef(ref);
    for (int i = 1; i <= 100; i++) {
      app.append(ref, A, T0 + i, i);
      app.commit();
    }
    assertThat(s.trackedAppendIds()).isEqualTo(1);

    // An open querier holds the watermark: ids pile up until it closes.
    Querier q = head.querier(Long.MIN_VALUE, Long.MAX_VALUE);
    for (int i = 101; i <= 200; i++) {
      app.append(ref, A, T0 + i, i);
      app.commit();
    }
    assertThat(s.trackedAppendIds()).isGreaterThan(99);
    assertThat(read(q).get(A)).hasSize(101);
    q.close();
    app.append(ref, A, T0 + 201, 201);
    app.commit();
    assertThat(s.trackedAppendIds()).isEqualTo(1);
  }

  /**
   * Writers commit "histogram-like" transactions: every bucket, _count and _sum of a histogram
   * incremented together in one commit. Readers must never see a mix of two commits. A churn thread
   * creates and rolls back series while another truncates, to exercise GC against appends. Bounded
   * by wall time (~2 s); correctness does not depend on timing.
   */
  @Test
  @Timeout(value = 30, unit = TimeUnit.SECONDS)
  void readersNeverSeeAPartialCommitUnderConcurrentWrites() throws Exception {
    int writers = 2;
    int readers = 3;
    long deadline = System.nanoTime() + TimeUnit.MILLISECONDS.toNanos(2_000);
    AtomicReference<Throwable> failure = new AtomicReference<>();
    AtomicLong commits = new AtomicLong();
    AtomicLong reads = new AtomicLong();
    AtomicLong nonEmptyReads = new AtomicLong();
    List<Thread> threads = new ArrayList<>();

    for (int w = 0; w < writers; w++) {
      String job = "w" + w;
      threads.add(
          worker(
              failure,
              () -> {
                Labels[] series = histogram(job);
                long[] refs = new long[series.length];
                Appender app = head.appender();
                for (long k = 1; k <= 200_000 && System.nanoTime() < deadline; k++) {
                  long t = T0 + k;
                  double[] values = {k, 2 * k, 3 * k, 3 * k, 10 * k};
                  for (int i = 0; i < series.length; i++) {
                    refs[i] = app.append(refs[i], series[i], t, values[i]);
                  }
                  app.commit();
                  commits.incrementAndGet();
                  if (k % 7 == 0) {
                    // A rolled-back transaction must never show up.
                    for (int i = 0; i < series.length; i++) {
                      app.append(refs[i], series[i], t + 1, -1);
                    }
                    app.rollback();
                  }
                }
              }));
    }
    threads.add(
        worker(
            failure,
            () -> {
              Appender app = head.appender();
              for (long i = 0; System.nanoTime() < deadline; i++) {
                app.append(0, Labels.of("__name__", "churn", "i", Long.toString(i % 1_000)), T0, 1);
                app.rollback();
                if (i % 100 == 0) {
                  head.truncate(T0); // removes rolled-back churn series, never histogram samples
                }
              }
            }));
    for (int r = 0; r < readers; r++) {
      threads.add(
          worker(
              failure,
              () -> {
                long[] lastSeen = new long[writers];
                while (System.nanoTime() < deadline) {
                  for (int w = 0; w < writers; w++) {
                    long k = checkHistogram("w" + w);
                    assertThat(k)
                        .as("a later querier never sees less")
                        .isGreaterThanOrEqualTo(lastSeen[w]);
                    lastSeen[w] = k;
                    reads.incrementAndGet();
                    if (k > 0) {
                      nonEmptyReads.incrementAndGet();
                    }
                  }
                }
              }));
    }
    threads.forEach(Thread::start);
    for (Thread t : threads) {
      t.join();
    }
    if (failure.get() != null) {
      throw new AssertionError("concurrent check failed", failure.get());
    }
    assertThat(commits.get()).isGreaterThan(100);
    assertThat(nonEmptyReads.get()).isGreaterThan(10);
    assertThat(head.isolation.openReadCount()).isZero();
    assertThat(readerVisibleChurn()).isZero();
  }

  private long readerVisibleChurn() {
    try (Querier q = head.querier(Long.MIN_VALUE, Long.MAX_VALUE)) {
      SeriesSet set = q.select(false, Matcher.equal("__name__", "churn"));
      long n = 0;
      while (set.next()) {
        n++;
      }
      return n;
    }
  }

  private static Labels[] histogram(String job) {
    return new Labels[] {
      Labels.of("__name__", "h_bucket", "job", job, "le", "1"),
      Labels.of("__name__", "h_bucket", "job", job, "le", "2"),
      Labels.of("__name__", "h_bucket", "job", job, "le", "+Inf"),
      Labels.of("__name__", "h_count", "job", job),
      Labels.of("__name__", "h_sum", "job", job),
    };
  }

  /**
   * Reads one histogram through a fresh querier and asserts it is whole: all five series or none,
   * each with the same number of samples, the same last timestamp, and values of one commit k (le=1
   * → k, le=2 → 2k, +Inf and _count → 3k, _sum → 10k). Returns k (0 when none yet).
   */
  private long checkHistogram(String job) {
    try (Querier q = head.querier(Long.MIN_VALUE, Long.MAX_VALUE)) {
      SeriesSet set = q.select(true, Matcher.equal("job", job), Matcher.regex("__name__", "h_.*"));
      List<Labels> seen = new ArrayList<>();
      List<long[]> lasts = new ArrayList<>(); // {count, lastT, lastV}
      while (set.next()) {
        SeriesCursor c = set.at().cursor();
        long n = 0;
        long t = 0;
        double v = 0;
        while (c.next()) {
          n++;
          t = c.atT();
          v = c.atV();
        }
        seen.add(set.at().labels());
        lasts.add(new long[] {n, t, (long) v});
      }
      if (seen.isEmpty()) {
        return 0;
      }
      assertThat(seen).as("all series of the first commit or none").hasSize(5);
      long k = lasts.get(0)[1] - T0; // sorted: le=+Inf first ("+" < "1" < "2")
      String state =
          job + " " + seen + " -> " + lasts.stream().map(java.util.Arrays::toString).toList();
      for (long[] l : lasts) {
        assertThat(l[0]).as(state).isEqualTo(k);
        assertThat(l[1]).as(state).isEqualTo(T0 + k);
      }
      // Sorted order: h_bucket{le="+Inf"}, h_bucket{le="1"}, h_bucket{le="2"}, h_count, h_sum.
      assertThat(lasts.stream().mapToLong(l -> l[2]).toArray())
          .as(state)
          .containsExactly(3 * k, k, 2 * k, 3 * k, 10 * k);
      return k;
    }
  }

  private static Thread worker(AtomicReference<Throwable> failure, ThrowingRunnable body) {
    return new Thread(
        () -> {
          try {
            body.run();
          } catch (Throwable t) {
            failure.compareAndSet(null, t);
          }
        });
  }

  @FunctionalInterface
  interface ThrowingRunnable {
    void run() throws Exception;
  }
}
