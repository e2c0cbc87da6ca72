package io.promfed.tsdb.chunkenc;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.promfed.model.value.StaleNaN;
import java.util.ArrayList;
import java.util.List;
import java.util.SplittableRandom;
import org.junit.jupiter.api.RepeatedTest;
import org.junit.jupiter.api.Test;

class XorChunkTest {

  /** Reference model: a plain list of (t, raw value bits). */
  record Sample(long t, long vBits) {}

  private static final double[] SPECIALS = {
    Double.NaN,
    StaleNaN.VALUE,
    Double.longBitsToDouble(StaleNaN.NORMAL_NAN_BITS),
    Double.longBitsToDouble(0xfff8000000000123L), // negative NaN with payload
    Double.POSITIVE_INFINITY,
    Double.NEGATIVE_INFINITY,
    -0.0,
    0.0,
    Double.MIN_VALUE,
    Double.MAX_VALUE,
    -Double.MAX_VALUE,
    1.0,
  };

  private static long seed() {
    return Long.getLong("tsdb.seed", new SplittableRandom().nextLong());
  }

  @RepeatedTest(50)
  void randomRoundTripMatchesReferenceModel() {
    long seed = seed();
    SplittableRandom r = new SplittableRandom(seed);
    List<Sample> ref = randomSamples(r, 1 + r.nextInt(600));
    XorChunk c = new XorChunk();
    XorAppender a = c.appender();
    for (Sample s : ref) {
      a.appendBits(s.t, s.vBits);
    }
    String why = "seed=" + seed + " (rerun with -Dtsdb.seed=" + seed + ")";
    assertThat(c.numSamples()).as(why).isEqualTo(ref.size());
    assertThat(c.minTimeMs()).as(why).isEqualTo(ref.get(0).t);
    assertThat(c.maxTimeMs()).as(why).isEqualTo(ref.get(ref.size() - 1).t);
    assertThat(decode(c)).as(why).isEqualTo(ref);
    assertThat(decode(c.snapshot())).as(why).isEqualTo(ref);
    c.compact();
    assertThat(decode(c)).as(why).isEqualTo(ref);

    // seek against the model: first sample with t >= target, never moving backwards
    XorCursor cur = c.cursor();
    int pos = -1;
    for (int k = 0; k < 20; k++) {
      long target = ref.get(r.nextInt(ref.size())).t + r.nextLong(-3, 4);
      int expect = pos < 0 ? 0 : pos;
      while (expect < ref.size() && ref.get(expect).t < target) {
        expect++;
      }
      boolean ok = cur.seek(target);
      if (expect == ref.size()) {
        assertThat(ok).as(why + " seek " + target).isFalse();
        break;
      }
      assertThat(ok).as(why + " seek " + target).isTrue();
      assertThat(cur.atT()).as(why).isEqualTo(ref.get(expect).t);
      assertThat(cur.atVBits()).as(why).isEqualTo(ref.get(expect).vBits);
      pos = expect;
    }
  }

  @RepeatedTest(20)
  void appenderReopenedOnAChunkOrItsSnapshotContinuesTheSameBitStream() {
    long seed = seed();
    SplittableRandom r = new SplittableRandom(seed);
    List<Sample> ref = randomSamples(r, 2 + r.nextInt(300));
    if (ref.size() < 2) {
      return; // the huge-delta regime can run out of timestamps early
    }
    int split = 1 + r.nextInt(ref.size() - 1);
    XorChunk once = new XorChunk();
    XorAppender a = once.appender();
    ref.forEach(s -> a.appendBits(s.t, s.vBits));

    XorChunk twice = new XorChunk();
    XorAppender first = twice.appender();
    ref.subList(0, split).forEach(s -> first.appendBits(s.t, s.vBits));
    XorChunk copy = twice.snapshot(); // carries the encoder state with the bytes
    XorAppender second = twice.appender();
    ref.subList(split, ref.size()).forEach(s -> second.appendBits(s.t, s.vBits));
    ref.subList(split, ref.size()).forEach(s -> copy.appendBits(s.t, s.vBits));

    assertThat(twice.bytes()).as("seed=" + seed).isEqualTo(once.bytes());
    assertThat(copy.bytes()).as("continued snapshot, seed=" + seed).isEqualTo(once.bytes());
  }

  @Test
  void specialValuesRoundTripBitExactly() {
    XorChunk c = new XorChunk();
    XorAppender a = c.appender();
    List<Sample> ref = new ArrayList<>();
    long t = 1_000;
    for (int round = 0; round < 3; round++) {
      for (double v : SPECIALS) {
        a.append(t, v);
        ref.add(new Sample(t, Double.doubleToRawLongBits(v)));
        t += 15_000;
      }
    }
    List<Sample> got = decode(c);
    assertThat(got).isEqualTo(ref);
    XorCursor cur = c.cursor();
    cur.seek(1_000 + 15_000);
    assertThat(StaleNaN.is(cur.atV())).isTrue();
    assertThat(Double.doubleToRawLongBits(cur.atV())).isEqualTo(StaleNaN.BITS);
  }

  @Test
  void deltaOfDeltaUsesPrometheusBucketWidths() {
    // dod bucket: {prefix bits + payload bits} for values at and just outside each boundary.
    assertDodBits(0, 1);
    assertDodBits(1, 2 + 14);
    assertDodBits(-1, 2 + 14);
    assertDodBits(1 << 13, 2 + 14); // +2^(n-1) still fits (asymmetric range)
    assertDodBits(-(1 << 13) + 1, 2 + 14);
    assertDodBits(-(1 << 13), 3 + 17);
    assertDodBits((1 << 13) + 1, 3 + 17);
    assertDodBits(1 << 16, 3 + 17);
    assertDodBits(-(1 << 16), 4 + 20);
    assertDodBits((1 << 16) + 1, 4 + 20);
    assertDodBits(1 << 19, 4 + 20);
    assertDodBits((1 << 19) + 1, 4 + 64);
    assertDodBits(-(1 << 19), 4 + 64);
    assertDodBits(Long.MAX_VALUE / 4, 4 + 64);
  }

  private static void assertDodBits(long dod, int expectedBits) {
    XorChunk c = new XorChunk();
    XorAppender a = c.appender();
    long t0 = 1_000_000_000_000L;
    long delta = 15_000_000L; // large enough that t0 + 2*delta + dod stays increasing
    a.append(t0, 1.0);
    a.append(t0 + delta, 1.0);
    int before = c.bitLength;
    a.append(t0 + 2 * delta + dod, 1.0);
    // +1 for the value's "unchanged" bit
    assertThat(c.bitLength - before).as("dod=%d", dod).isEqualTo(expectedBits + 1);
    assertThat(decode(c))
        .extracting(Sample::t)
        .containsExactly(t0, t0 + delta, t0 + 2 * delta + dod);
  }

  @Test
  void regularSamplesCostOneBitForTheTimestamp() {
    XorChunk c = new XorChunk();
    XorAppender a = c.appender();
    for (int i = 0; i < 120; i++) {
      a.append(1_700_000_000_000L + i * 15_000L, 42.0);
    }
    // sample 0: varint(6 bytes for ~1.7e12 zig-zagged) + 64 bits; sample 1: uvarint(15000) = 2
    // bytes + 1 bit; samples 2..119: 1 bit (dod 0) + 1 bit (same value).
    assertThat(c.bitLength).isEqualTo(6 * 8 + 64 + 2 * 8 + 1 + 118 * 2);
  }

  @Test
  void hugeAndExtremeTimestampsRoundTrip() {
    long[] ts = {
      Long.MIN_VALUE,
      Long.MIN_VALUE + 1,
      -1,
      0,
      1,
      Long.MAX_VALUE / 2,
      Long.MAX_VALUE - 1,
      Long.MAX_VALUE
    };
    XorChunk c = new XorChunk();
    XorAppender a = c.appender();
    List<Sample> ref = new ArrayList<>();
    for (long t : ts) {
      a.append(t, t);
      ref.add(new Sample(t, Double.doubleToRawLongBits((double) t)));
    }
    assertThat(decode(c)).isEqualTo(ref);
  }

  @Test
  void nonIncreasingTimestampsAreRejectedBeforeEncoding() {
    XorChunk c = new XorChunk();
    XorAppender a = c.appender();
    a.append(10, 1);
    a.append(20, 1);
    int bits = c.bitLength;
    assertThatThrownBy(() -> a.append(19, 1)).isInstanceOf(IllegalArgumentException.class);
    assertThatThrownBy(() -> a.append(20, 2)).isInstanceOf(IllegalArgumentException.class);
    assertThat(c.bitLength).isEqualTo(bits);
    assertThat(c.numSamples()).isEqualTo(2);
    a.append(30, 1);
    assertThat(decode(c)).extracting(Sample::t).containsExactly(10L, 20L, 30L);
  }

  @Test
  void snapshotIsUnaffectedByLaterAppends() {
    XorChunk c = new XorChunk();
    XorAppender a = c.appender();
    for (int i = 0; i < 50; i++) {
      a.append(i * 1000L, i * 0.5);
    }
    XorChunk snap = c.snapshot();
    List<Sample> before = decode(snap);
    for (int i = 50; i < 120; i++) {
      a.append(i * 1000L, i * 0.5);
    }
    assertThat(decode(snap)).isEqualTo(before).hasSize(50);
    assertThat(c.numSamples()).isEqualTo(120);
  }

  @Test
  void compactTrimsSpareCapacity() {
    XorChunk c = new XorChunk();
    XorAppender a = c.appender();
    SplittableRandom r = new SplittableRandom(7);
    for (int i = 0; i < 120; i++) {
      a.append(i * 15_000L, r.nextDouble());
    }
    long before = c.ramBytesUsed();
    c.compact();
    assertThat(c.ramBytesUsed()).isLessThanOrEqualTo(before);
    assertThat(c.ramBytesUsed()).isEqualTo(56 + ((16 + c.byteLength() + 7) & ~7L));
  }

  @Test
  void emptyChunkHasNoSamples() {
    XorChunk c = new XorChunk();
    XorCursor cur = c.cursor();
    assertThat(cur.next()).isFalse();
    assertThat(cur.seek(0)).isFalse();
  }

  static List<Sample> decode(XorChunk c) {
    List<Sample> out = new ArrayList<>();
    XorCursor cur = c.cursor();
    while (cur.next()) {
      out.add(new Sample(cur.atT(), cur.atVBits()));
    }
    assertThat(cur.next()).isFalse();
    return out;
  }

  /** Mixed timestamp regimes (regular, jittered, bucket edges, huge jumps) and value regimes. */
  static List<Sample> randomSamples(SplittableRandom r, int n) {
    List<Sample> out = new ArrayList<>(n);
    long t = r.nextBoolean() ? r.nextLong(-1L << 50, 1L << 50) : 1_700_000_000_000L;
    long step = 1 + r.nextInt(60_000);
    double v = r.nextDouble() * 1000;
    int tMode = r.nextInt(5);
    int vMode = r.nextInt(6);
    for (int i = 0; i < n; i++) {
      out.add(new Sample(t, Double.doubleToRawLongBits(v)));
      long d =
          switch (tMode) {
            case 0 -> step;
            case 1 -> Math.max(1, step + r.nextInt(-5, 6));
            case 2 ->
                Math.max(
                    1,
                    step
                        + pick(
                                r,
                                1 << 13,
                                (1 << 13) + 1,
                                1 << 16,
                                (1 << 16) + 1,
                                1 << 19,
                                (1 << 19) + 1)
                            * (r.nextBoolean() ? 1 : -1));
            case 3 -> 1 + r.nextLong(1L << 40);
            default -> r.nextInt(10) == 0 ? 1 + r.nextLong(1L << 35) : step;
          };
      if (Long.MAX_VALUE - t <= d) {
        break;
      }
      t += d;
      v =
          switch (vMode) {
            case 0 -> v;
            case 1 -> v + r.nextInt(4); // counter
            case 2 -> r.nextDouble() * 1e6; // noisy gauge
            case 3 -> SPECIALS[r.nextInt(SPECIALS.length)];
            case 4 -> Double.longBitsToDouble(r.nextLong()); // arbitrary bits, any NaN payload
            default ->
                r.nextInt(3) == 0 ? SPECIALS[r.nextInt(SPECIALS.length)] : v + r.nextDouble();
          };
    }
    return out;
  }

  private static long pick(SplittableRandom r, long... options) {
    return options[r.nextInt(options.length)];
  }
}
