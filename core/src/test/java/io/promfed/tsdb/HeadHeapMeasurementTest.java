package io.promfed.tsdb;

import static io.promfed.tsdb.HeadTest.T0;
import static org.assertj.core.api.Assertions.assertThat;

import io.promfed.model.labels.Labels;
import io.promfed.storage.Appender;
import java.lang.management.ManagementFactory;
import java.lang.ref.Reference;
import java.time.Duration;
import java.util.SplittableRandom;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.condition.EnabledIfSystemProperty;

/**
 * Cross-checks {@link Head#ramBytesUsed()} against the real heap: the used heap after full
 * collections grows by what the head reports, within ±15%. The deterministic size tests ({@link
 * HeadMemoryTest}, the density tests in {@link HeadTest}) trust {@code ramBytesUsed()}; this keeps
 * that trust honest if someone adds a field or an object and forgets to count it.
 *
 * <p>Slow (about 10 s: 24 million samples, several full GCs) and sensitive to the collector, so it
 * only runs when asked: {@code ./mvnw -pl core test -Dtest=HeadHeapMeasurementTest
 * -Dtsdb.heapCheck=true}.
 */
@Tag("slow")
@EnabledIfSystemProperty(named = "tsdb.heapCheck", matches = "true")
class HeadHeapMeasurementTest {

  private static final int SERIES = 20_000;
  private static final int SAMPLES = 1_200; // 9 closed chunks + a full head chunk at 15 s

  @Test
  void ramBytesUsedMatchesTheHeapWithin15Percent() throws Exception {
    long before = usedHeapAfterGc();
    Head head = new Head(() -> T0, Duration.ofDays(2));
    SplittableRandom r = new SplittableRandom(3);
    long[] refs = new long[SERIES];
    double[] values = new double[SERIES];
    for (int k = 0; k < SAMPLES; k++) {
      Appender app = head.appender();
      long t = T0 - Duration.ofDays(1).toMillis() + k * 15_000L;
      for (int i = 0; i < SERIES; i++) {
        Labels l = k == 0 ? HeadMemoryTest.labels(i * 5) : null;
        refs[i] = app.append(refs[i], l, t, values[i]);
        // Half counters (+0..3), half integer gauges (random walk).
        values[i] =
            i % 2 == 0 ? values[i] + r.nextInt(4) : Math.max(0, values[i] + r.nextInt(5) - 2);
      }
      app.commit();
    }
    long after = usedHeapAfterGc();
    long reported = head.ramBytesUsed();
    long measured = after - before - 8L * SERIES - 8L * SERIES; // minus refs and values
    long[] stats = head.closedChunkStats();
    System.out.printf(
        "heap check: %d series x %d samples: measured %d bytes, ramBytesUsed %d bytes (%+.1f%%);"
            + " %.1f measured bytes/series, closed chunks %.3f heap bytes/sample%n",
        SERIES,
        SAMPLES,
        measured,
        reported,
        100.0 * (reported - measured) / measured,
        (double) measured / SERIES,
        (double) stats[0] / stats[2]);
    Reference.reachabilityFence(head);
    Reference.reachabilityFence(refs);
    Reference.reachabilityFence(values);
    assertThat((double) reported).isBetween(0.85 * measured, 1.15 * measured);
  }

  /** Used heap after full collections, once it stops shrinking. */
  private static long usedHeapAfterGc() throws InterruptedException {
    long used = Long.MAX_VALUE;
    for (int i = 0; i < 10; i++) {
      System.gc();
      Thread.sleep(50);
      long now = ManagementFactory.getMemoryMXBean().getHeapMemoryUsage().getUsed();
      if (Math.abs(used - now) < 64 * 1024) {
        return Math.min(used, now);
      }
      used = now;
    }
    return used;
  }
}
