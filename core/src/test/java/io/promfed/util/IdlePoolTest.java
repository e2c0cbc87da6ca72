package io.promfed.util;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.time.Duration;
import java.util.concurrent.atomic.AtomicLong;
import org.junit.jupiter.api.Test;

class IdlePoolTest {

  private final AtomicLong nanos = new AtomicLong(1_000);
  private final IdlePool<String> pool = new IdlePool<>(3, Duration.ofSeconds(60), nanos::get);

  private void advanceSeconds(long s) {
    nanos.addAndGet(Duration.ofSeconds(s).toNanos());
  }

  @Test
  void givesBackTheLastOneGivenFirst() {
    assertThat(pool.poll()).isNull();
    pool.offer("a");
    pool.offer("b");
    assertThat(pool.poll()).isEqualTo("b");
    assertThat(pool.poll()).isEqualTo("a");
    assertThat(pool.poll()).isNull();
  }

  @Test
  void keepsAtMostItsBound() {
    assertThat(pool.offer("a")).isTrue();
    assertThat(pool.offer("b")).isTrue();
    assertThat(pool.offer("c")).isTrue();
    assertThat(pool.offer("d")).isFalse();
    assertThat(pool.size()).isEqualTo(3);
    assertThat(pool.sum(String::length)).isEqualTo(3);
  }

  @Test
  void dropsWhatWasLeftIdleLongerThanTheLimit() {
    pool.offer("old");
    advanceSeconds(30);
    pool.offer("newer");
    advanceSeconds(30);
    assertThat(pool.size()).isEqualTo(2); // "old" idle exactly 60 s: still kept
    advanceSeconds(1);
    pool.offer("newest"); // any call drops "old", idle 61 s
    assertThat(pool.size()).isEqualTo(2);
    assertThat(pool.poll()).isEqualTo("newest");
    assertThat(pool.poll()).isEqualTo("newer");
    assertThat(pool.poll()).isNull();
  }

  @Test
  void dropIdleSweepsAPoolNobodyAsksAnyMore() {
    pool.offer("a");
    advanceSeconds(61);
    assertThat(pool.size()).isEqualTo(1);
    pool.dropIdle();
    assertThat(pool.size()).isZero();
  }

  @Test
  void aSteadyLoadKeepsAsManyAsItUsesAtOnce() {
    // A burst of three at once, then one at a time every 5 s for two minutes.
    pool.offer("x");
    pool.offer("y");
    pool.offer("z");
    for (int i = 0; i < 24; i++) {
      advanceSeconds(5);
      String s = pool.poll();
      assertThat(s).isNotNull();
      pool.offer(s);
    }
    assertThat(pool.size()).isEqualTo(1);
    assertThat(pool.poll()).isEqualTo("z");
  }

  @Test
  void aBoundBelowOneIsRefused() {
    assertThatThrownBy(() -> new IdlePool<String>(0))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessageContaining("maxPooled must be >= 1, got 0");
  }
}
