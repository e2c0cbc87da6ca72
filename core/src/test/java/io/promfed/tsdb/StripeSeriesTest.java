package io.promfed.tsdb;

import static org.assertj.core.api.Assertions.assertThat;

import io.promfed.model.labels.Labels;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.SplittableRandom;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/** The stripes' open-addressing series tables against a model, collisions and removals included. */
class StripeSeriesTest {

  /** Two different label sets whose {@link Labels#hashCode} is the same, found by brute force. */
  private static Labels[] collidingPair() {
    Map<Integer, Labels> seen = new HashMap<>();
    for (int k = 0; ; k++) {
      Labels l = Labels.of("__name__", "collide", "k", Integer.toString(k));
      Labels other = seen.putIfAbsent(l.hashCode(), l);
      if (other != null) {
        return new Labels[] {other, l};
      }
    }
  }

  @Test
  void seriesWhoseHashesCollideAreBothFoundAndRemovedApart() {
    Labels[] pair = collidingPair();
    assertThat(pair[0]).isNotEqualTo(pair[1]);
    assertThat(pair[0].hashCode()).isEqualTo(pair[1].hashCode());
    StripeSeries.HashStripe hs = new StripeSeries.HashStripe();
    MemSeries a = new MemSeries(1, pair[0]);
    MemSeries b = new MemSeries(2, pair[1]);
    hs.put(pair[0].hash64(), a);
    hs.put(pair[1].hash64(), b);

    assertThat(hs.get(pair[0].hash64(), pair[0])).isSameAs(a);
    assertThat(hs.get(pair[1].hash64(), pair[1])).isSameAs(b);
    hs.remove(a);
    assertThat(hs.get(pair[0].hash64(), pair[0])).isNull();
    assertThat(hs.get(pair[1].hash64(), pair[1])).isSameAs(b);
    assertThat(hs.size()).isEqualTo(1);
  }

  /**
   * Small pools keep the table small, so probe runs often wrap around its end; each round draws
   * new label sets, so their home slots differ from round to round.
   */
  @ParameterizedTest
  @ValueSource(ints = {4, 11, 40, 400})
  void randomPutsAndRemovesMatchAMap(int poolSize) {
    long seed = new SplittableRandom().nextLong();
    SplittableRandom r = new SplittableRandom(seed);
    Labels[] pair = collidingPair();
    for (int round = 0; round < 50; round++) {
      List<Labels> pool = new ArrayList<>(List.of(pair));
      for (int i = 0; i < poolSize; i++) {
        pool.add(Labels.of("__name__", "m" + (i % 7), "instance", "host-" + r.nextInt()));
      }
      StripeSeries.HashStripe hs = new StripeSeries.HashStripe();
      Map<Labels, MemSeries> model = new HashMap<>();
      long ref = 0;
      for (int op = 0; op < 2_000; op++) {
        Labels l = pool.get(r.nextInt(pool.size()));
        MemSeries present = model.get(l);
        if (present == null) {
          MemSeries s = new MemSeries(++ref, l);
          hs.put(l.hash64(), s);
          model.put(l, s);
        } else if (r.nextInt(3) > 0) { // removes a little more often than it adds, and back
          hs.remove(present);
          model.remove(l);
        }
        if (pool.size() > 50 && op % 50 != 0) {
          continue;
        }
        for (Labels q : pool) {
          assertThat(hs.get(q.hash64(), q))
              .as("seed %d, round %d, op %d, %s", seed, round, op, q)
              .isSameAs(model.get(q));
        }
      }
      Set<MemSeries> walked = new HashSet<>();
      hs.forEach(walked::add);
      assertThat(walked).as("seed %d", seed).containsExactlyInAnyOrderElementsOf(model.values());
      assertThat(hs.size()).isEqualTo(model.size());
    }
  }

  @Test
  void removingASeriesThatIsNotThereChangesNothing() {
    StripeSeries.HashStripe hs = new StripeSeries.HashStripe();
    Labels l = Labels.of("__name__", "up");
    MemSeries s = new MemSeries(1, l);
    hs.put(l.hash64(), s);
    hs.remove(new MemSeries(2, l)); // same labels, another series object
    assertThat(hs.get(l.hash64(), l)).isSameAs(s);
    assertThat(hs.size()).isEqualTo(1);
  }

  @Test
  void aStripeTakesFourBytesASlotAndGrowsAtThreeQuartersFull() {
    StripeSeries.HashStripe hs = new StripeSeries.HashStripe();
    assertThat(hs.ramBytesUsed()).isEqualTo(24 + 16 + 4 * 8);
    for (int i = 0; i < 6; i++) {
      Labels l = Labels.of("__name__", "m", "i", Integer.toString(i));
      hs.put(l.hash64(), new MemSeries(i + 1, l));
    }
    assertThat(hs.ramBytesUsed()).isEqualTo(24 + 16 + 4 * 8); // 6 of 8: three quarters
    Labels l = Labels.of("__name__", "m", "i", "6");
    hs.put(l.hash64(), new MemSeries(7, l));
    assertThat(hs.ramBytesUsed()).isEqualTo(24 + 16 + 4 * 16);
  }
}
