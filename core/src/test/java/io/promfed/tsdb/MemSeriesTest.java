package io.promfed.tsdb;

import static org.assertj.core.api.Assertions.assertThat;

import io.promfed.model.labels.Labels;
import io.promfed.tsdb.chunkenc.XorChunk;
import io.promfed.tsdb.chunkenc.XorCursor;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;

/**
 * A series holds its open chunk inline ({@link io.promfed.tsdb.chunkenc.XorStream}), and its last
 * committed sample is that stream's last one: these check that the last sample outlives the chunk
 * it was written to, when the chunk is cut and when truncation drops it.
 */
class MemSeriesTest {

  private static final long T0 = 1_700_000_000_000L;
  private static final Isolation.ReadState ALL_VISIBLE =
      new Isolation.ReadState(Long.MAX_VALUE, new long[0], 0);

  private static long bits(double v) {
    return Double.doubleToRawLongBits(v);
  }

  private static MemSeries series() {
    return new MemSeries(1, Labels.of("__name__", "up"));
  }

  @Test
  void aNewSeriesAcceptsAnythingAndHasNoLastSample() {
    MemSeries s = series();
    assertThat(s.appendable(Long.MIN_VALUE, 0)).isEqualTo(MemSeries.OK);
    assertThat(s.lastTimestamp()).isEqualTo(Long.MIN_VALUE);
    assertThat(s.numChunks()).isZero();
    assertThat(s.isEmpty()).isTrue();
  }

  @Test
  void theLastSampleIsValidatedAgainstAcrossAChunkCut() {
    MemSeries s = series();
    for (int i = 0; i < XorChunk.TARGET_SAMPLES; i++) {
      s.write(T0 + i * 1_000L, bits(i), i + 1, 0);
    }
    long cutAt = T0 + XorChunk.TARGET_SAMPLES * 1_000L;
    s.write(cutAt, bits(-1), 1_000, 0); // the first sample of the second chunk

    assertThat(s.numChunks()).isEqualTo(2);
    assertThat(s.lastTimestamp()).isEqualTo(cutAt);
    assertThat(s.appendable(cutAt, bits(-1))).isEqualTo(MemSeries.NOOP);
    assertThat(s.appendable(cutAt, bits(-2))).isEqualTo(MemSeries.DUPLICATE);
    assertThat(s.appendable(cutAt - 1, bits(-1))).isEqualTo(MemSeries.OUT_OF_ORDER);
    assertThat(s.appendable(cutAt + 1, bits(-1))).isEqualTo(MemSeries.OK);
    List<Number> read = samples(s, T0, cutAt);
    assertThat(read).hasSize(2 * (XorChunk.TARGET_SAMPLES + 1));
    assertThat(read.subList(2 * XorChunk.TARGET_SAMPLES - 2, read.size()))
        .containsExactly(cutAt - 1_000, (double) XorChunk.TARGET_SAMPLES - 1, cutAt, -1.0);
  }

  @Test
  void truncationDropsTheOpenChunksBufferButNotTheLastSample() {
    MemSeries s = series();
    s.write(T0, bits(1), 1, 0);
    s.write(T0 + 1_000, bits(2), 2, 0);
    long withChunk = s.ramBytesUsed();

    assertThat(s.truncateBefore(T0 + 2_000)).isEqualTo(1);

    assertThat(s.isEmpty()).isTrue();
    assertThat(s.numChunks()).isZero();
    assertThat(s.ramBytesUsed()).isEqualTo(withChunk - 48); // the 32-byte buffer and its header
    assertThat(s.lastTimestamp()).isEqualTo(T0 + 1_000);
    assertThat(s.appendable(T0 + 1_000, bits(2))).isEqualTo(MemSeries.NOOP);
    assertThat(s.appendable(T0 + 1_000, bits(3))).isEqualTo(MemSeries.DUPLICATE);
    assertThat(s.snapshot(ALL_VISIBLE, Long.MIN_VALUE, Long.MAX_VALUE, null)).isNull();

    s.write(T0 + 5_000, bits(5), 3, 0); // opens a new stream from scratch

    assertThat(s.numChunks()).isEqualTo(1);
    assertThat(samples(s, Long.MIN_VALUE, Long.MAX_VALUE)).containsExactly(T0 + 5_000, 5.0);
  }

  /** The samples a full read sees, as alternating timestamps and values. */
  private static List<Number> samples(MemSeries s, long mint, long maxt) {
    HeadSeries snap = s.snapshot(ALL_VISIBLE, mint, maxt, null);
    List<Number> out = new ArrayList<>();
    if (snap == null) {
      return out;
    }
    if (snap.closed != null) {
      for (int k = 0; k < snap.closed.numChunks(); k++) {
        XorCursor c = snap.closed.reset(new XorCursor(), k);
        while (c.next()) {
          out.add(c.atT());
          out.add(c.atV());
        }
      }
    }
    XorCursor c = snap.head.cursor();
    while (c.next()) {
      out.add(c.atT());
      out.add(c.atV());
    }
    return out;
  }
}
