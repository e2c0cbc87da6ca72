package io.promfed.scrape;

import io.promfed.util.IdlePool;
import java.time.Duration;
import java.util.function.LongSupplier;

/**
 * Byte arrays for scrape bodies, shared by every scrape loop of a process and handed back after
 * each scrape, as Prometheus's scrape manager shares one bucketed {@code pool.Pool} of body
 * buffers (scrape/scrape.go, {@code buffers}).
 *
 * <p>Why not one buffer per loop: a loop holds its buffers between scrapes, idle most of the
 * interval, so memory would grow with targets x body size (20 targets of 50,000 series keep ~160
 * MB of body buffers doing nothing), while only the few scrapes in flight at once need them.
 *
 * <p>Arrays come in power-of-two sizes so that any returned array can serve a later request of its
 * size class. Each class keeps at most {@link #PER_CLASS} arrays and none larger than {@link
 * #MAX_POOLED_BYTES}: the pool never retains more than a handful of bodies, and a one-off huge
 * scrape does not pin its buffer. An array left unused for {@link IdlePool#DEFAULT_MAX_IDLE} is
 * dropped ({@link IdlePool}), as Go's {@code sync.Pool} empties on garbage collection: a body that
 * grew through the smaller classes on its first scrape otherwise left four arrays in each of them
 * for good, 56 MiB on a leaf of 20 targets of 50,000 series. Thread-safe.
 */
public final class ScrapeBufferPool {

  /** Arrays kept per size class: about the number of scrapes of one size in flight at once. */
  static final int PER_CLASS = 4;

  static final int MIN_BYTES = 8 << 10;

  /** Larger arrays are left to the garbage collector when handed back. */
  static final int MAX_POOLED_BYTES = 64 << 20;

  private static final ScrapeBufferPool SHARED = new ScrapeBufferPool();

  @SuppressWarnings("unchecked")
  private final IdlePool<byte[]>[] classes = new IdlePool[32];

  private final Duration maxIdle;
  private final LongSupplier nanoClock;

  /** A pool whose arrays are dropped after {@link IdlePool#DEFAULT_MAX_IDLE} unused. */
  public ScrapeBufferPool() {
    this(IdlePool.DEFAULT_MAX_IDLE, System::nanoTime);
  }

  ScrapeBufferPool(Duration maxIdle, LongSupplier nanoClock) {
    this.maxIdle = maxIdle;
    this.nanoClock = nanoClock;
  }

  /** The process-wide pool the scrape loops use. */
  public static ScrapeBufferPool shared() {
    return SHARED;
  }

  /** An array of at least {@code minBytes} (rounded up to its size class); contents undefined. */
  byte[] take(int minBytes) {
    int cls = sizeClass(minBytes);
    IdlePool<byte[]> q;
    synchronized (this) {
      q = classes[cls];
    }
    byte[] b = q == null ? null : q.poll();
    return b != null ? b : new byte[classBytes(cls)];
  }

  /** Hands an array back; the caller must not touch it afterwards. */
  void give(byte[] b) {
    int len = b.length;
    if (len < MIN_BYTES || len > MAX_POOLED_BYTES || Integer.bitCount(len) != 1) {
      return; // not one of ours, or too large to keep
    }
    int cls = Integer.numberOfTrailingZeros(len);
    IdlePool<byte[]> q;
    synchronized (this) {
      q = classes[cls];
      if (q == null) {
        q = classes[cls] = new IdlePool<>(PER_CLASS, maxIdle, nanoClock);
      }
      // The classes a body grew through are never asked for again by its target: sweep them all
      // here, once per scrape, as their own calls would never drop what they hold.
      for (IdlePool<byte[]> c : classes) {
        if (c != null && c != q) {
          c.dropIdle();
        }
      }
    }
    q.offer(b);
  }

  /** Bytes currently held by the pool (for tests and diagnostics). */
  synchronized long pooledBytes() {
    long n = 0;
    for (IdlePool<byte[]> q : classes) {
      if (q != null) {
        n += q.sum(b -> b.length);
      }
    }
    return n;
  }

  private static int sizeClass(int minBytes) {
    int n = Math.max(MIN_BYTES, minBytes);
    if (n > (1 << 30)) {
      throw new IllegalArgumentException("scrape buffer too large: " + minBytes + " bytes");
    }
    return 32 - Integer.numberOfLeadingZeros(n - 1);
  }

  private static int classBytes(int cls) {
    return 1 << cls;
  }
}
