package io.promfed.util;

import java.time.Duration;
import java.util.Arrays;
import java.util.function.LongSupplier;
import java.util.function.ToLongFunction;

/**
 * A bounded pool of reusable objects that lets go of the ones left idle: the reuse without the
 * hoarding. Objects come back out last in, first out, so a steady load keeps cycling the few on
 * top, and each object given back more than {@code maxIdle} ago is dropped at the next {@link
 * #poll}, {@link #offer} or {@link #dropIdle}.
 *
 * <p><b>Why.</b> The Prometheus code we port pools its large per-scrape buffers in Go's {@code
 * sync.Pool}, which the garbage collector empties every cycle or two. A pool that only caps its
 * count instead keeps, for good, as many buffers as were ever in use at once: on a leaf scraping 20
 * targets of 50,000 series, the overlapping first scrapes left 20 sets of write-ahead-log buffers
 * pooled, and bodies growing through the size classes 24 arrays, 126 MiB in all, about 16 % of its
 * live heap, while only a few scrapes are in flight at a time (docs/benchmarks.md, eighth round).
 * Dropping what sat unused for a minute keeps about as many as were in use within that minute.
 *
 * <p>Thread-safe; every operation takes the pool's lock briefly (a handful of objects at most).
 */
public final class IdlePool<T> {

  /** How long a pooled object may sit unused before it is dropped: a few scrape intervals. */
  public static final Duration DEFAULT_MAX_IDLE = Duration.ofMinutes(1);

  private final Object[] items;
  private final long[] givenAt; // System.nanoTime() at offer; ascending from the bottom
  private final long maxIdleNanos;
  private final LongSupplier nanoClock;
  private int size;

  /** A pool of at most {@code maxPooled} objects, each kept at most {@link #DEFAULT_MAX_IDLE}. */
  public IdlePool(int maxPooled) {
    this(maxPooled, DEFAULT_MAX_IDLE, System::nanoTime);
  }

  /**
   * @param nanoClock a monotonic clock in nanoseconds ({@link System#nanoTime} but in tests)
   */
  public IdlePool(int maxPooled, Duration maxIdle, LongSupplier nanoClock) {
    if (maxPooled < 1) {
      throw new IllegalArgumentException("maxPooled must be >= 1, got " + maxPooled);
    }
    this.items = new Object[maxPooled];
    this.givenAt = new long[maxPooled];
    this.maxIdleNanos = maxIdle.toNanos();
    this.nanoClock = nanoClock;
  }

  /** The object given back last, or null when the pool is empty. */
  @SuppressWarnings("unchecked")
  public synchronized T poll() {
    dropIdle(nanoClock.getAsLong());
    if (size == 0) {
      return null;
    }
    T t = (T) items[--size];
    items[size] = null;
    return t;
  }

  /** Gives {@code t} back for reuse; returns false (and keeps nothing) when the pool is full. */
  public synchronized boolean offer(T t) {
    long now = nanoClock.getAsLong();
    dropIdle(now);
    if (size == items.length) {
      return false;
    }
    items[size] = t;
    givenAt[size++] = now;
    return true;
  }

  /** Drops the objects idle too long now, for an owner of several pools that uses only some. */
  public synchronized void dropIdle() {
    dropIdle(nanoClock.getAsLong());
  }

  public synchronized int size() {
    return size;
  }

  /** The sum of {@code f} over the pooled objects (for diagnostics and tests). */
  @SuppressWarnings("unchecked")
  public synchronized long sum(ToLongFunction<? super T> f) {
    long n = 0;
    for (int i = 0; i < size; i++) {
      n += f.applyAsLong((T) items[i]);
    }
    return n;
  }

  /** Drops the objects at the bottom that have been idle too long (the oldest are at the bottom). */
  private void dropIdle(long now) {
    int idle = 0;
    while (idle < size && now - givenAt[idle] > maxIdleNanos) {
      idle++;
    }
    if (idle == 0) {
      return;
    }
    System.arraycopy(items, idle, items, 0, size - idle);
    System.arraycopy(givenAt, idle, givenAt, 0, size - idle);
    Arrays.fill(items, size - idle, size, null);
    size -= idle;
  }
}
