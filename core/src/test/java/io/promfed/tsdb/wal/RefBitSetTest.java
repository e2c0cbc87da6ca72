package io.promfed.tsdb.wal;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.util.HashSet;
import java.util.Random;
import java.util.Set;
import org.junit.jupiter.api.Test;

class RefBitSetTest {

  @Test
  void behavesLikeASetOfLongs() {
    RefBitSet bits = new RefBitSet();
    Set<Long> expected = new HashSet<>();
    Random r = new Random(7);
    for (int i = 0; i < 50_000; i++) {
      long ref = r.nextInt(3) == 0 ? r.nextInt(200) : (long) r.nextInt(5_000_000);
      assertThat(bits.add(ref)).isEqualTo(expected.add(ref));
    }
    for (long ref = 0; ref < 5_000_000; ref += 997) {
      assertThat(bits.contains(ref)).as("ref %d", ref).isEqualTo(expected.contains(ref));
    }
    for (long ref : expected) {
      assertThat(bits.contains(ref)).isTrue();
    }
    assertThat(bits.contains(-1)).isFalse();
    assertThat(bits.contains(1L << 45)).isFalse();
    bits.clear();
    assertThat(bits.contains(expected.iterator().next())).isFalse();
    assertThatThrownBy(() -> bits.add(-3)).isInstanceOf(IllegalArgumentException.class);
  }
}
