package io.promfed.server;

import java.time.Duration;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.LinkedTransferQueue;
import java.util.concurrent.ThreadFactory;
import java.util.concurrent.ThreadPoolExecutor;
import java.util.concurrent.TimeUnit;

/**
 * A bounded pool that hands a task to an idle thread first and starts a new thread only when all
 * are busy, and whose idle threads exit after a while. {@code Executors.newFixedThreadPool(64)}
 * instead starts a thread for each of its first 64 tasks, busy or not: 20 targets scraped one
 * after the other ended up with 64 scrape threads, each with a stack and an allocation buffer,
 * where two at a time were ever running. Tasks beyond the bound wait in the queue, in order.
 */
public final class ElasticThreadPool {

  /** How long an idle thread stays: longer than common scrape intervals, so steady loads keep theirs. */
  public static final Duration DEFAULT_KEEP_ALIVE = Duration.ofMinutes(2);

  private ElasticThreadPool() {}

  public static ExecutorService create(int maxThreads, ThreadFactory threads) {
    return create(maxThreads, DEFAULT_KEEP_ALIVE, threads);
  }

  public static ExecutorService create(int maxThreads, Duration keepAlive, ThreadFactory threads) {
    if (maxThreads < 1) {
      throw new IllegalArgumentException("maxThreads must be >= 1, got " + maxThreads);
    }
    HandOffQueue queue = new HandOffQueue();
    ThreadPoolExecutor pool =
        new ThreadPoolExecutor(
            0,
            maxThreads,
            keepAlive.toNanos(),
            TimeUnit.NANOSECONDS,
            queue,
            threads,
            (task, executor) -> {
              // Lost the race for the last thread slot: wait in line like any task past the bound.
              if (executor.isShutdown()) {
                throw new java.util.concurrent.RejectedExecutionException("pool is shut down");
              }
              queue.enqueue(task);
            });
    queue.pool = pool;
    return pool;
  }

  /**
   * The executor's work queue. {@link ThreadPoolExecutor} starts a thread above its core size only
   * when the queue refuses a task, so this queue refuses while there is no idle thread to take it
   * and the pool may still grow.
   */
  private static final class HandOffQueue extends LinkedTransferQueue<Runnable> {
    private static final long serialVersionUID = 1L;

    private transient ThreadPoolExecutor pool;

    @Override
    public boolean offer(Runnable task) {
      if (tryTransfer(task)) {
        return true; // an idle thread waiting in poll() took it
      }
      if (pool.getPoolSize() < pool.getMaximumPoolSize()) {
        return false; // the executor starts a thread for it
      }
      return super.offer(task);
    }

    void enqueue(Runnable task) {
      super.offer(task);
    }
  }
}
