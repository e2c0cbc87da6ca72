package io.promfed.tsdb.chunkenc;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.promfed.tsdb.chunkenc.XorChunkTest.Sample;
import java.util.ArrayList;
import java.util.List;
import java.util.SplittableRandom;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.atomic.AtomicReference;
import org.junit.jupiter.api.RepeatedTest;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/**
 * {@link PackedChunks} against a model (a list of chunks, each a list of samples): appends,
 * truncations, range views and reads, single-threaded and with readers racing a writer. Seeds are
 * printed in every assertion message; rerun one with {@code -Dtsdb.seed=<seed>}.
 */
class PackedChunksTest {

  private static long seed() {
    return Long.getLong("tsdb.seed", new SplittableRandom().nextLong());
  }

  /**
   * Chunk {@code j} of a stream: its content is a function of {@code (seed, j)} only, so a reader
   * can rebuild what a view should hold without sharing the writer's model. Chunks are in time
   * order ({@code j} picks a disjoint time window), hold 1..300 samples in mixed time and value
   * regimes, and span at most {@link PackedChunks#MAX_SPAN_MS}.
   */
  static List<Sample> chunkSamples(long seed, long j) {
    SplittableRandom r = new SplittableRandom(seed ^ (j * 0x9E3779B97F4A7C15L));
    int n = 1 + r.nextInt(r.nextInt(4) == 0 ? 300 : 130);
    long window = 1L << 33; // > MAX_SPAN_MS so windows never overlap
    long t = -(1L << 50) + j * window + r.nextInt(1000);
    List<Sample> raw = XorChunkTest.randomSamples(r, n);
    List<Sample> out = new ArrayList<>(raw.size());
    long first = raw.get(0).t();
    for (Sample s : raw) {
      long rel = s.t() - first; // >= 0, increasing
      if (Long.compareUnsigned(rel, PackedChunks.MAX_SPAN_MS) > 0) {
        break;
      }
      out.add(new Sample(t + rel, s.vBits()));
    }
    return out;
  }

  static XorChunk encode(List<Sample> samples) {
    XorChunk c = new XorChunk();
    XorAppender a = c.appender();
    for (Sample s : samples) {
      a.appendBits(s.t(), s.vBits());
    }
    return c;
  }

  /** Every sample of every chunk of {@code v}, decoded with one reused cursor. */
  static List<List<Sample>> decode(PackedChunks.View v) {
    List<List<Sample>> out = new ArrayList<>();
    if (v == null) {
      return out;
    }
    XorCursor cur = new XorCursor();
    for (int k = 0; k < v.numChunks(); k++) {
      List<Sample> chunk = new ArrayList<>();
      v.reset(cur, k);
      while (cur.next()) {
        chunk.add(new Sample(cur.atT(), cur.atVBits()));
      }
      assertThat(v.numSamples(k)).isEqualTo(chunk.size());
      assertThat(v.minTimeMs(k)).isEqualTo(chunk.get(0).t());
      assertThat(v.maxTimeMs(k)).isEqualTo(chunk.get(chunk.size() - 1).t());
      out.add(chunk);
    }
    return out;
  }

  /** The model's answer to a view over [mint, maxt]: the chunks overlapping it. */
  static List<List<Sample>> overlapping(List<List<Sample>> model, long mint, long maxt) {
    List<List<Sample>> out = new ArrayList<>();
    for (List<Sample> c : model) {
      if (c.get(c.size() - 1).t() >= mint && c.get(0).t() <= maxt) {
        out.add(c);
      }
    }
    return out;
  }

  private static long randomTime(SplittableRandom r, List<List<Sample>> model) {
    if (model.isEmpty() || r.nextInt(10) == 0) {
      return r.nextBoolean() ? Long.MIN_VALUE : Long.MAX_VALUE;
    }
    List<Sample> c = model.get(r.nextInt(model.size()));
    return c.get(r.nextInt(c.size())).t() + r.nextLong(-2, 3);
  }

  @RepeatedTest(40)
  void randomAppendsTruncationsAndViewsMatchTheModel() {
    long seed = seed();
    String why = "seed=" + seed + " (rerun with -Dtsdb.seed=" + seed + ")";
    SplittableRandom r = new SplittableRandom(seed);
    PackedChunks p = new PackedChunks();
    List<List<Sample>> model = new ArrayList<>();
    // Views taken earlier with what they held then: later appends, truncations and compactions
    // must not change what they read.
    List<PackedChunks.View> pinned = new ArrayList<>();
    List<List<List<Sample>>> pinnedExpect = new ArrayList<>();
    long next = 0;
    int ops = 50 + r.nextInt(400);
    for (int op = 0; op < ops; op++) {
      int kind = r.nextInt(10);
      if (kind < 6) {
        List<Sample> c = chunkSamples(seed, next++);
        p.append(encode(c));
        model.add(c);
      } else if (kind < 8) {
        long mint = randomTime(r, model);
        int dropped = p.truncateBefore(mint);
        int expect = 0;
        while (!model.isEmpty() && model.get(0).get(model.get(0).size() - 1).t() < mint) {
          model.remove(0);
          expect++;
        }
        assertThat(dropped).as(why).isEqualTo(expect);
      } else {
        long a = randomTime(r, model);
        long b = r.nextInt(4) == 0 ? a : randomTime(r, model);
        long mint = Math.min(a, b);
        long maxt = Math.max(a, b);
        PackedChunks.View v = p.view(mint, maxt);
        List<List<Sample>> expect = overlapping(model, mint, maxt);
        assertThat(v == null).as(why).isEqualTo(expect.isEmpty());
        assertThat(decode(v)).as(why).isEqualTo(expect);
        if (v != null && pinned.size() < 20) {
          pinned.add(v);
          pinnedExpect.add(expect);
        }
      }
      assertThat(p.numChunks()).as(why).isEqualTo(model.size());
      assertThat(p.isEmpty()).as(why).isEqualTo(model.isEmpty());
      long encoded = 0;
      for (int k = 0; k < model.size(); k++) {
        List<Sample> c = model.get(k);
        assertThat(p.chunkNumSamples(k)).as(why).isEqualTo(c.size());
        assertThat(p.chunkMinTimeMs(k)).as(why).isEqualTo(c.get(0).t());
        assertThat(p.chunkMaxTimeMs(k)).as(why).isEqualTo(c.get(c.size() - 1).t());
        encoded += PackedChunks.HEADER_BYTES + encode(c).byteLength();
      }
      assertThat(p.encodedBytes()).as(why).isEqualTo(encoded);
      assertThat(p.ramBytesUsed())
          .as(why)
          .isGreaterThanOrEqualTo(PackedChunks.SHALLOW_BYTES + encoded + 8L * model.size());
    }
    assertThat(decode(p.view(Long.MIN_VALUE, Long.MAX_VALUE))).as(why).isEqualTo(model);
    for (int i = 0; i < pinned.size(); i++) {
      assertThat(decode(pinned.get(i)))
          .as(why + " pinned view " + i)
          .isEqualTo(pinnedExpect.get(i));
    }
  }

  @Test
  void smallStoresFitExactlyAndTruncationReleasesOrCompacts() {
    PackedChunks p = new PackedChunks();
    assertThat(p.ramBytesUsed()).isEqualTo(PackedChunks.SHALLOW_BYTES);
    List<List<Sample>> chunks = new ArrayList<>();
    long payload = 0;
    for (int j = 0; j < 4; j++) {
      List<Sample> c = new ArrayList<>();
      for (int i = 0; i < 120; i++) {
        long t = 1_700_000_000_000L + (j * 120 + i) * 15_000L;
        c.add(new Sample(t, Double.doubleToRawLongBits(j * 120 + i)));
      }
      chunks.add(c);
      p.append(encode(c));
      payload += PackedChunks.HEADER_BYTES + encode(c).byteLength();
      // Exact fit: the object, the bytes array and the index array, each aligned, nothing spare.
      long expected = PackedChunks.SHALLOW_BYTES + align(16 + payload) + align(16 + 8L * (j + 1));
      assertThat(p.ramBytesUsed()).isEqualTo(expected);
    }
    // Dropping one of four chunks leaves 1/4 of the array dead: compacted at once.
    long ramBefore = p.ramBytesUsed();
    assertThat(p.truncateBefore(chunks.get(1).get(0).t())).isEqualTo(1);
    assertThat(p.ramBytesUsed()).isLessThan(ramBefore);
    assertThat(p.numChunks()).isEqualTo(3);
    assertThat(p.truncateBefore(Long.MAX_VALUE)).isEqualTo(3);
    assertThat(p.isEmpty()).isTrue();
    assertThat(p.ramBytesUsed()).isEqualTo(PackedChunks.SHALLOW_BYTES);
    assertThat(p.view(Long.MIN_VALUE, Long.MAX_VALUE)).isNull();
  }

  @Test
  void largeStoresGrowWithBoundedSpare() {
    PackedChunks p = new PackedChunks();
    long t = 0;
    for (int j = 0; j < 2_000; j++) {
      List<Sample> c = new ArrayList<>();
      for (int i = 0; i < 120; i++) {
        c.add(new Sample(t, Double.doubleToRawLongBits(Math.sin(t))));
        t += 15_000;
      }
      p.append(encode(c));
      long arrays = p.ramBytesUsed() - PackedChunks.SHALLOW_BYTES - 32;
      long minimal = p.encodedBytes() + 8L * p.numChunks();
      assertThat(arrays).isLessThanOrEqualTo(minimal + minimal / 8 + 64);
    }
  }

  @Test
  void rejectsChunksThePackedIndexCannotDescribe() {
    PackedChunks p = new PackedChunks();
    assertThatThrownBy(() -> p.append(new XorChunk())).isInstanceOf(IllegalArgumentException.class);
    XorChunk wide = new XorChunk();
    wide.appender().append(0, 1);
    wide.appender().append(PackedChunks.MAX_SPAN_MS + 1, 1);
    assertThatThrownBy(() -> p.append(wide)).isInstanceOf(IllegalArgumentException.class);
    XorChunk ok = new XorChunk();
    ok.appender().append(10, 1);
    p.append(ok);
    XorChunk older = new XorChunk();
    older.appender().append(10, 1);
    assertThatThrownBy(() -> p.append(older)).isInstanceOf(IllegalArgumentException.class);
    assertThat(p.numChunks()).isEqualTo(1);
  }

  /**
   * One writer appends chunks and truncates under a lock, as the head does under the series lock;
   * readers take a view under the lock and decode it outside while the writer goes on, and check it
   * against the chunks the view must hold (rebuilt from their sequence numbers). Bounded by wall
   * time (~1 s); correctness does not depend on timing.
   */
  @Test
  @Timeout(value = 30, unit = TimeUnit.SECONDS)
  void readersDecodingOutsideTheLockSeeExactlyTheirSnapshot() throws Exception {
    long seed = seed();
    String why = "seed=" + seed + " (rerun with -Dtsdb.seed=" + seed + ")";
    Object lock = new Object();
    PackedChunks p = new PackedChunks();
    long[] live = new long[2]; // [first seq, end seq), guarded by lock
    long deadline = System.nanoTime() + TimeUnit.MILLISECONDS.toNanos(1_000);
    AtomicReference<Throwable> failure = new AtomicReference<>();
    AtomicLong checked = new AtomicLong();
    List<Thread> threads = new ArrayList<>();
    threads.add(
        new Thread(
            () -> {
              SplittableRandom r = new SplittableRandom(seed);
              try {
                while (System.nanoTime() < deadline && failure.get() == null) {
                  if (live[1] - live[0] < 3 || r.nextInt(3) > 0) {
                    XorChunk c = encode(chunkSamples(seed, live[1]));
                    synchronized (lock) {
                      p.append(c);
                      live[1]++;
                    }
                  } else {
                    long keepFrom = live[0] + 1 + r.nextInt((int) (live[1] - live[0]));
                    long mint = chunkSamples(seed, keepFrom).get(0).t();
                    synchronized (lock) {
                      p.truncateBefore(mint);
                      live[0] = keepFrom;
                      if (live[0] == live[1]) {
                        live[0] = live[1] = 0; // restart the stream: times may start over
                        p.truncateBefore(Long.MAX_VALUE);
                      }
                    }
                  }
                  if (live[1] > 200) {
                    synchronized (lock) {
                      p.truncateBefore(Long.MAX_VALUE);
                      live[0] = live[1] = 0;
                    }
                  }
                }
              } catch (Throwable t) {
                failure.compareAndSet(null, t);
              }
            }));
    for (int i = 0; i < 3; i++) {
      threads.add(
          new Thread(
              () -> {
                try {
                  while (System.nanoTime() < deadline && failure.get() == null) {
                    PackedChunks.View v;
                    long from;
                    long to;
                    synchronized (lock) {
                      v = p.view(Long.MIN_VALUE, Long.MAX_VALUE);
                      from = live[0];
                      to = live[1];
                    }
                    List<List<Sample>> expect = new ArrayList<>();
                    for (long j = from; j < to; j++) {
                      expect.add(chunkSamples(seed, j));
                    }
                    Thread.yield(); // let the writer move on before we read
                    assertThat(decode(v)).as(why + " chunks " + from + ".." + to).isEqualTo(expect);
                    checked.incrementAndGet();
                  }
                } catch (Throwable t) {
                  failure.compareAndSet(null, t);
                }
              }));
    }
    threads.forEach(Thread::start);
    for (Thread t : threads) {
      t.join();
    }
    if (failure.get() != null) {
      throw new AssertionError("concurrent check failed, " + why, failure.get());
    }
    assertThat(checked.get()).isGreaterThan(10);
  }

  private static long align(long n) {
    return (n + 7) & ~7L;
  }
}
