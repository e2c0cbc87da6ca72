package io.promfed.tsdb;

import static io.promfed.tsdb.HeadTest.T0;
import static org.assertj.core.api.Assertions.assertThat;

import io.promfed.model.labels.Labels;
import io.promfed.model.labels.Matcher;
import io.promfed.storage.Appender;
import io.promfed.storage.Querier;
import io.promfed.storage.SeriesCursor;
import io.promfed.storage.SeriesSet;
import io.promfed.tsdb.HeadTest.S;
import io.promfed.tsdb.chunkenc.PackedChunks;
import io.promfed.tsdb.chunkenc.XorChunk;
import io.promfed.tsdb.chunkenc.ChunkFiles;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.SplittableRandom;
import java.util.UUID;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.atomic.AtomicReference;
import org.junit.jupiter.api.RepeatedTest;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/**
 * The head over its packed closed chunks: appends, commits and rollbacks, truncation and range
 * reads with seeks against a model that cuts chunks by the same rule (120 samples, or earlier when
 * a chunk would span more than {@link PackedChunks#MAX_SPAN_MS}), and readers racing appends and
 * truncation. Seeds are printed in every assertion message; rerun one with {@code
 * -Dtsdb.seed=<seed>}.
 */
class HeadPackedChunksTest {

  private static long seed() {
    return Long.getLong("tsdb.seed", new SplittableRandom().nextLong());
  }

  /** One series of the model: its chunks, each a list of samples; the last is the head chunk. */
  static final class ModelSeries {
    final List<List<S>> chunks = new ArrayList<>();

    void append(S s) {
      List<S> head = chunks.isEmpty() ? null : chunks.get(chunks.size() - 1);
      if (head == null
          || head.size() >= XorChunk.TARGET_SAMPLES
          || Long.compareUnsigned(s.t() - head.get(0).t(), PackedChunks.MAX_SPAN_MS) > 0) {
        head = new ArrayList<>();
        chunks.add(head);
      }
      head.add(s);
    }

    void truncateBefore(long mint) {
      while (!chunks.isEmpty() && last(chunks.get(0)).t() < mint) {
        chunks.remove(0);
      }
    }

    long lastT() {
      return chunks.isEmpty() ? Long.MIN_VALUE : last(chunks.get(chunks.size() - 1)).t();
    }

    List<S> samples(long mint, long maxt) {
      List<S> out = new ArrayList<>();
      for (List<S> c : chunks) {
        for (S s : c) {
          if (s.t() >= mint && s.t() <= maxt) {
            out.add(s);
          }
        }
      }
      return out;
    }

    private static S last(List<S> c) {
      return c.get(c.size() - 1);
    }
  }

  @TempDir Path tmp;

  /**
   * A head that keeps its closed chunks in memory, or ({@code onDisk}) one that moves them to chunk
   * files at every truncation, in segments so small that nearly every move cuts a new one and many
   * are deleted.
   */
  private Head newHead(Duration retention, boolean onDisk) throws IOException {
    Head head = new Head(() -> T0, retention);
    if (onDisk) {
      head.mapChunksTo(ChunkFiles.open(tmp.resolve("chunks-" + UUID.randomUUID()), 4096));
    }
    return head;
  }

  @RepeatedTest(25)
  void randomAppendsTruncationsAndReadsMatchTheModel() throws Exception {
    randomAppendsTruncationsAndReads(false);
  }

  @RepeatedTest(25)
  void randomAppendsTruncationsAndReadsMatchTheModelWithChunksOnDisk() throws Exception {
    randomAppendsTruncationsAndReads(true);
  }

  private void randomAppendsTruncationsAndReads(boolean onDisk) throws Exception {
    long seed = seed();
    String why = "seed=" + seed + " (rerun with -Dtsdb.seed=" + seed + ")";
    SplittableRandom r = new SplittableRandom(seed);
    Head head = newHead(Duration.ofDays(100_000), onDisk);
    int n = 1 + r.nextInt(4);
    Labels[] labels = new Labels[n];
    long[] refs = new long[n];
    Map<Labels, ModelSeries> model = new HashMap<>();
    for (int i = 0; i < n; i++) {
      labels[i] = Labels.of("__name__", "m", "i", Integer.toString(i));
    }
    long truncatedBefore = Long.MIN_VALUE;
    int ops = 30 + r.nextInt(120);
    for (int op = 0; op < ops; op++) {
      int kind = r.nextInt(10);
      if (kind < 6) {
        // One transaction: a few samples per series, in several time regimes.
        Appender app = head.appender();
        Map<Labels, List<S>> pending = new HashMap<>();
        for (int i = 0; i < n; i++) {
          if (r.nextInt(4) == 0) {
            continue;
          }
          ModelSeries ms = model.computeIfAbsent(labels[i], k -> new ModelSeries());
          long t = ms.lastT() == Long.MIN_VALUE ? T0 : ms.lastT();
          int count = 1 + r.nextInt(r.nextBoolean() ? 10 : 200);
          List<S> batch = pending.computeIfAbsent(labels[i], k -> new ArrayList<>());
          for (int k = 0; k < count; k++) {
            t +=
                switch (r.nextInt(20)) {
                  case 0 -> PackedChunks.MAX_SPAN_MS + r.nextInt(2); // forces an early cut
                  case 1 -> PackedChunks.MAX_SPAN_MS / 2 + r.nextInt(1000);
                  case 2, 3 -> 1 + r.nextInt(100_000); // jitter
                  default -> 15_000;
                };
            t = Math.max(t, truncatedBefore);
            double v = r.nextInt(8) == 0 ? r.nextDouble() : (double) (k + r.nextInt(3));
            refs[i] = app.append(refs[i], labels[i], t, v);
            batch.add(S.of(t, v));
          }
        }
        if (r.nextInt(5) == 0) {
          app.rollback();
        } else {
          app.commit();
          pending.forEach((l, batch) -> batch.forEach(model.get(l)::append));
        }
      } else if (kind < 8) {
        long mint = randomTime(r, model);
        head.truncate(mint);
        truncatedBefore = Math.max(truncatedBefore, mint);
        for (ModelSeries ms : model.values()) {
          ms.truncateBefore(mint);
        }
        model.values().removeIf(ms -> ms.chunks.isEmpty());
      } else {
        long a = randomTime(r, model);
        long b = r.nextInt(3) == 0 ? Long.MAX_VALUE : randomTime(r, model);
        checkRead(head, model, Math.min(a, b), Math.max(a, b), r, why);
      }
      for (int i = 0; i < n; i++) {
        ModelSeries ms = model.get(labels[i]);
        MemSeries s = head.series.hashStripe(labels[i].hash64()).get(labels[i].hash64(), labels[i]);
        assertThat(s == null ? 0 : s.numChunks())
            .as(why + " chunks of " + labels[i])
            .isEqualTo(ms == null ? 0 : ms.chunks.size());
      }
    }
    checkRead(head, model, Long.MIN_VALUE, Long.MAX_VALUE, r, why);
    if (onDisk) {
      head.truncate(truncatedBefore);
      // (A series whose only transaction was rolled back has an empty entry in the model.)
      long closed = model.values().stream().mapToLong(ms -> Math.max(0, ms.chunks.size() - 1)).sum();
      assertThat(head.closedChunkStats()[3]).as(why + " closed chunks").isEqualTo(closed);
      long inMemory = 0;
      for (Labels l : labels) {
        MemSeries s = head.series.hashStripe(l.hash64()).get(l.hash64(), l);
        inMemory += s == null ? 0 : s.numChunks() - 1 - s.numChunksOnDisk();
      }
      assertThat(inMemory).as(why + " closed chunks left in memory after a truncation").isZero();
      checkRead(head, model, Long.MIN_VALUE, Long.MAX_VALUE, r, why);
    }
  }

  private static long randomTime(SplittableRandom r, Map<Labels, ModelSeries> model) {
    List<S> all = new ArrayList<>();
    model.values().forEach(ms -> all.addAll(ms.samples(Long.MIN_VALUE, Long.MAX_VALUE)));
    if (all.isEmpty() || r.nextInt(10) == 0) {
      return T0 + r.nextLong(-1_000_000, 1_000_000);
    }
    return all.get(r.nextInt(all.size())).t() + r.nextLong(-2, 3);
  }

  /** Reads [mint, maxt] with next() and, on a second cursor, with random seeks; vs the model. */
  private static void checkRead(
      Head head,
      Map<Labels, ModelSeries> model,
      long mint,
      long maxt,
      SplittableRandom r,
      String why) {
    Map<Labels, List<S>> expect = new HashMap<>();
    model.forEach(
        (l, ms) -> {
          List<S> s = ms.samples(mint, maxt);
          if (!s.isEmpty()) {
            expect.put(l, s);
          }
        });
    String what = why + " range [" + mint + ", " + maxt + "]";
    assertThat(HeadTest.read(head, mint, maxt, Matcher.equal("__name__", "m")))
        .as(what)
        .isEqualTo(expect);
    try (Querier q = head.querier(mint, maxt)) {
      SeriesSet set = q.select(false, Matcher.equal("__name__", "m"));
      while (set.next()) {
        List<S> want = expect.get(set.at().labels());
        SeriesCursor c = set.at().cursor();
        int pos = -1;
        for (int k = 0; k < 10; k++) {
          long target = want.get(r.nextInt(want.size())).t() + r.nextLong(-20_000, 20_000);
          int at = Math.max(pos, 0);
          while (at < want.size() && want.get(at).t() < target) {
            at++;
          }
          boolean ok = c.seek(target);
          assertThat(ok).as(what + " seek " + target).isEqualTo(at < want.size());
          if (!ok) {
            break;
          }
          assertThat(new S(c.atT(), Double.doubleToRawLongBits(c.atV())))
              .as(what + " seek " + target)
              .isEqualTo(want.get(at));
          pos = at;
        }
      }
    }
  }

  /**
   * A writer commits one sample to each of a few series per transaction (value = k × series number
   * at t = T0 + k s), a truncator keeps dropping all but the last ~300 s, and readers check that
   * every series they see holds a gap-free run of samples with the right values, ending at the same
   * commit for all series and no earlier than the last commit before the querier opened, and that a
   * series is missing only if truncation has passed that commit. Runs across many chunk cuts and
   * compactions of the packed closed chunks. Bounded by wall time (~1.5 s); correctness does not
   * depend on timing.
   */
  @ParameterizedTest(name = "chunks on disk: {0}")
  @ValueSource(booleans = {false, true})
  @Timeout(value = 30, unit = TimeUnit.SECONDS)
  void readersSeeWholeGapFreeRunsWhileAppendsAndTruncationsGoOn(boolean onDisk) throws Exception {
    Head head = newHead(Duration.ofDays(1), onDisk);
    int seriesCount = 4;
    Labels[] labels = new Labels[seriesCount];
    for (int i = 0; i < seriesCount; i++) {
      labels[i] = Labels.of("__name__", "run", "i", Integer.toString(i + 1));
    }
    long deadline = System.nanoTime() + TimeUnit.MILLISECONDS.toNanos(1_500);
    AtomicLong committed = new AtomicLong();
    AtomicReference<Throwable> failure = new AtomicReference<>();
    AtomicLong checks = new AtomicLong();
    List<Thread> threads = new ArrayList<>();
    threads.add(
        worker(
            failure,
            () -> {
              long[] refs = new long[seriesCount];
              Appender app = head.appender();
              for (long k = 1; System.nanoTime() < deadline && failure.get() == null; k++) {
                for (int i = 0; i < seriesCount; i++) {
                  refs[i] = app.append(refs[i], labels[i], T0 + k * 1_000, k * (i + 1.0));
                }
                app.commit();
                committed.set(k);
              }
            }));
    threads.add(
        worker(
            failure,
            () -> {
              while (System.nanoTime() < deadline && failure.get() == null) {
                long k = committed.get();
                if (k > 300) {
                  head.truncate(T0 + (k - 300) * 1_000);
                }
                Thread.sleep(1);
              }
            }));
    for (int rd = 0; rd < 2; rd++) {
      threads.add(
          worker(
              failure,
              () -> {
                while (System.nanoTime() < deadline && failure.get() == null) {
                  long before = committed.get();
                  try (Querier q = head.querier(Long.MIN_VALUE, Long.MAX_VALUE)) {
                    SeriesSet set = q.select(true, Matcher.equal("__name__", "run"));
                    long lastK = -1;
                    int seen = 0;
                    while (set.next()) {
                      seen++;
                      int mult = Integer.parseInt(set.at().labels().get("i"));
                      SeriesCursor c = set.at().cursor();
                      long prevK = -1;
                      while (c.next()) {
                        long k = (c.atT() - T0) / 1_000;
                        assertThat(c.atT()).isEqualTo(T0 + k * 1_000);
                        assertThat(c.atV()).as("value at k=%d", k).isEqualTo(k * (double) mult);
                        if (prevK >= 0) {
                          assertThat(k).as("gap-free").isEqualTo(prevK + 1);
                        }
                        prevK = k;
                      }
                      assertThat(prevK)
                          .as("last commit before the querier")
                          .isGreaterThanOrEqualTo(before);
                      if (lastK >= 0) {
                        assertThat(prevK).as("one commit for all series").isEqualTo(lastK);
                      }
                      lastK = prevK;
                    }
                    if (before > 0 && seen < seriesCount) {
                      // A querier does not hold truncation back: a series may vanish from it only
                      // once truncation dropped the chunk holding its last visible sample, which
                      // ends no earlier than the commit seen before the querier opened.
                      assertThat(head.truncatedBeforeMs())
                          .as("series missing without truncation past the querier's data")
                          .isGreaterThan(T0 + before * 1_000);
                    }
                  }
                  checks.incrementAndGet();
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
    assertThat(committed.get()).isGreaterThan(2 * XorChunk.TARGET_SAMPLES);
    assertThat(head.chunksRemoved()).isPositive();
    assertThat(checks.get()).isGreaterThan(10);
    if (onDisk) {
      assertThat(head.chunksMovedToDisk()).isPositive();
    }
  }

  /**
   * Samples of commits still open when their chunk is cut must stay hidden once the chunk is
   * packed, whichever chunk a read's range starts in (the ordinals of a view that skips the oldest
   * chunks are counted from the packed headers) and after truncation dropped older chunks.
   */
  @ParameterizedTest(name = "chunks on disk: {0}")
  @ValueSource(booleans = {false, true})
  void samplesOfOpenCommitsStayHiddenAfterTheirChunksArePacked(boolean onDisk) throws Exception {
    Head head = newHead(Duration.ofDays(1), onDisk);
    Labels l = Labels.of("__name__", "hidden");
    Appender app = head.appender();
    long ref = app.append(0, l, T0, 0);
    app.commit();
    MemSeries s = head.seriesByRef(ref);
    long[] x = head.isolation.beginAppend();
    long[] z = null;
    List<S> visible = new ArrayList<>(List.of(S.of(T0, 0)));
    List<S> all = new ArrayList<>(visible);
    for (int i = 1; i < 4 * XorChunk.TARGET_SAMPLES + 10; i++) {
      long[] tx;
      if (i == 1 || i == 2) {
        tx = x; // ordinals 1, 2: chunk 0
      } else if (i == 200) {
        z = head.isolation.beginAppend(); // ordinal 200: chunk 1
        tx = z;
      } else {
        tx = head.isolation.beginAppend();
      }
      synchronized (s) {
        s.write(T0 + i * 1_000L, Double.doubleToRawLongBits(i), tx[0], tx[1]);
      }
      if (tx != x && tx != z) {
        head.isolation.endAppend(tx[0]);
        visible.add(S.of(T0 + i * 1_000L, i));
      }
      all.add(S.of(T0 + i * 1_000L, i));
    }
    assertThat(s.numChunks()).isEqualTo(5); // four packed + the head chunk
    if (onDisk) {
      head.truncate(T0); // drops nothing, moves the four closed chunks to disk
      assertThat(s.numChunksOnDisk()).isEqualTo(4);
    }
    long from = T0 + 150_000;
    assertThat(HeadTest.readAll(head).get(l)).isEqualTo(visible);
    assertThat(HeadTest.read(head, from, Long.MAX_VALUE, Matcher.equal("__name__", "hidden")))
        .containsExactly(Map.entry(l, visible.stream().filter(v -> v.t() >= from).toList()));

    head.truncate(T0 + 130_000); // drops chunk 0 and with it X's samples
    List<S> left = visible.stream().filter(v -> v.t() >= T0 + 120_000).toList();
    assertThat(HeadTest.readAll(head).get(l)).isEqualTo(left);
    assertThat(HeadTest.read(head, from, Long.MAX_VALUE, Matcher.equal("__name__", "hidden")))
        .containsExactly(Map.entry(l, left.stream().filter(v -> v.t() >= from).toList()));

    head.isolation.endAppend(x[0]);
    head.isolation.endAppend(z[0]);
    assertThat(HeadTest.readAll(head).get(l))
        .isEqualTo(all.stream().filter(v -> v.t() >= T0 + 120_000).toList());
  }

  /**
   * When the chunk files cannot be written (here: a directory where the first segment goes), the
   * closed chunks stay in memory and readable, the failure is counted, and the next truncation
   * moves them once the files can be written again.
   */
  @Test
  void closedChunksStayInMemoryWhileTheChunkFilesCannotBeWritten() throws Exception {
    Path chunks = tmp.resolve("chunks");
    Head head = new Head(() -> T0, Duration.ofDays(1));
    head.mapChunksTo(ChunkFiles.open(chunks, 4096));
    Files.createDirectory(chunks.resolve("00000001"));
    Labels l = Labels.of("__name__", "m");
    List<S> all = new ArrayList<>();
    long ref = 0;
    for (int i = 0; i < 3 * XorChunk.TARGET_SAMPLES + 5; i++) {
      Appender app = head.appender();
      ref = app.append(ref, l, T0 + i * 15_000L, i);
      app.commit();
      all.add(S.of(T0 + i * 15_000L, i));
    }
    MemSeries s = head.seriesByRef(ref);

    head.truncate(T0);
    assertThat(head.chunkWriteFailures()).isEqualTo(1);
    assertThat(head.chunksMovedToDisk()).isZero();
    assertThat(s.numChunksOnDisk()).isZero();
    assertThat(HeadTest.readAll(head).get(l)).isEqualTo(all);

    Files.delete(chunks.resolve("00000001"));
    head.truncate(T0);
    assertThat(head.chunksMovedToDisk()).isEqualTo(3);
    assertThat(s.numChunksOnDisk()).isEqualTo(3);
    assertThat(HeadTest.readAll(head).get(l)).isEqualTo(all);
  }

  /** The size the truncation reports no longer counts the chunks it moved out of the heap. */
  @Test
  void statsOfATruncationThatMovedChunksOutCountThemAsGone() throws Exception {
    Head head = newHead(Duration.ofDays(1), true);
    for (int i = 0; i < 3 * XorChunk.TARGET_SAMPLES + 5; i++) {
      Appender app = head.appender();
      for (int k = 0; k < 5; k++) {
        app.append(0, Labels.of("__name__", "m", "k", Integer.toString(k)), T0 + i * 15_000L, i * k);
      }
      app.commit();
    }
    long before = head.stats().ramBytes(); // measured now; asks the next truncation to measure
    head.truncate(T0);
    assertThat(head.chunksMovedToDisk()).isEqualTo(15);
    assertThat(head.stats().ramBytes()).isLessThan(before).isEqualTo(head.ramBytesUsed());
  }

  private static Thread worker(
      AtomicReference<Throwable> failure, HeadIsolationTest.ThrowingRunnable body) {
    return new Thread(
        () -> {
          try {
            body.run();
          } catch (Throwable t) {
            failure.compareAndSet(null, t);
          }
        });
  }
}
