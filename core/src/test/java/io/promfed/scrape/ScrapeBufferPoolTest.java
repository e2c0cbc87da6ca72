package io.promfed.scrape;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.time.Duration;
import java.util.concurrent.atomic.AtomicLong;
import org.junit.jupiter.api.Test;

class ScrapeBufferPoolTest {

  private final ScrapeBufferPool pool = new ScrapeBufferPool();

  @Test
  void arraysComeInPowerOfTwoSizeClassesAndAreReused() {
    assertThat(pool.take(1).length).isEqualTo(ScrapeBufferPool.MIN_BYTES);
    assertThat(pool.take(8193).length).isEqualTo(16384);
    byte[] b = pool.take(400_000);
    assertThat(b.length).isEqualTo(524_288);
    pool.give(b);
    assertThat(pool.pooledBytes()).isEqualTo(524_288);
    assertThat(pool.take(300_000)).isSameAs(b);
    assertThat(pool.pooledBytes()).isZero();
  }

  @Test
  void eachClassKeepsAFewArraysAndHugeOnesAreNotKept() {
    for (int i = 0; i < 10; i++) {
      pool.give(new byte[65536]);
    }
    assertThat(pool.pooledBytes()).isEqualTo(ScrapeBufferPool.PER_CLASS * 65536L);
    pool.give(new byte[ScrapeBufferPool.MAX_POOLED_BYTES * 2]);
    pool.give(new byte[1000]); // not a pool size: ignored
    assertThat(pool.pooledBytes()).isEqualTo(ScrapeBufferPool.PER_CLASS * 65536L);
  }

  @Test
  void aBufferGrowsThroughThePoolAndReleasesItsArray() {
    ScrapeBuffer buf = new ScrapeBuffer(pool, 100);
    byte[] chunk = new byte[5000];
    for (int i = 0; i < 10; i++) {
      chunk[0] = (byte) i;
      buf.append(chunk, 0, chunk.length);
    }
    assertThat(buf.length()).isEqualTo(50_000);
    for (int i = 0; i < 10; i++) {
      assertThat(buf.bytes()[i * 5000]).isEqualTo((byte) i);
    }
    // The smaller arrays it outgrew went back to the pool; release returns the last one.
    long beforeRelease = pool.pooledBytes();
    buf.release();
    assertThat(pool.pooledBytes()).isEqualTo(beforeRelease + 65536);
    assertThat(buf.length()).isZero();
  }

  @Test
  void theArraysABodyGrewThroughAreDroppedOnceLeftIdle() {
    AtomicLong nanos = new AtomicLong();
    ScrapeBufferPool idling = new ScrapeBufferPool(Duration.ofSeconds(60), nanos::get);
    ScrapeBuffer first = new ScrapeBuffer(idling, 100);
    byte[] read = new byte[10_000]; // a body arrives a socket read at a time
    for (int i = 0; i < 30; i++) {
      first.append(read, 0, read.length); // grows 8 KiB -> 16 -> ... -> 512 KiB
    }
    first.release();
    assertThat(idling.pooledBytes()).isEqualTo(1_048_576 - 8192); // 8 KiB + ... + 512 KiB

    // Later scrapes of that target take the 512 KiB class at once; the smaller classes idle.
    for (int scrape = 1; scrape <= 30; scrape++) {
      nanos.addAndGet(Duration.ofSeconds(5).toNanos());
      ScrapeBuffer next = new ScrapeBuffer(idling, 300_000);
      next.append(new byte[300_000], 0, 300_000);
      next.release();
    }
    assertThat(idling.pooledBytes()).isEqualTo(524_288);
  }

  @Test
  void absurdSizesAreRefused() {
    assertThatThrownBy(() -> pool.take(Integer.MAX_VALUE))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessageContaining("too large");
  }
}
