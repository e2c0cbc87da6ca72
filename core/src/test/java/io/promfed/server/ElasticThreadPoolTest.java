package io.promfed.server;

import static org.assertj.core.api.Assertions.assertThat;

import java.time.Duration;
import java.util.Queue;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.LinkedTransferQueue;
import java.util.concurrent.ThreadPoolExecutor;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

class ElasticThreadPoolTest {

  private ExecutorService pool;

  @AfterEach
  void shutdown() {
    pool.shutdownNow();
  }

  @Test
  void tasksOneAfterTheOtherShareOneThread() throws Exception {
    pool = ElasticThreadPool.create(64, DaemonThreads.named("t-"));
    Set<String> names = ConcurrentHashMap.newKeySet();
    for (int i = 0; i < 50; i++) {
      pool.submit(() -> names.add(Thread.currentThread().getName())).get();
      waitIdle();
    }
    assertThat(names).hasSize(1);
    assertThat(((ThreadPoolExecutor) pool).getPoolSize()).isEqualTo(1);
  }

  @Test
  void busyThreadsMakeItGrowUpToTheBoundThenTasksWaitInTheQueue() throws Exception {
    pool = ElasticThreadPool.create(3, DaemonThreads.named("t-"));
    CountDownLatch release = new CountDownLatch(1);
    CountDownLatch started = new CountDownLatch(3);
    for (int i = 0; i < 3; i++) {
      pool.execute(
          () -> {
            started.countDown();
            await(release);
          });
    }
    assertThat(started.await(5, TimeUnit.SECONDS)).isTrue();
    Queue<Integer> ran = new ConcurrentLinkedQueue<>();
    for (int i = 0; i < 10; i++) {
      int n = i;
      pool.execute(() -> ran.add(n));
    }
    assertThat(((ThreadPoolExecutor) pool).getPoolSize()).isEqualTo(3);
    assertThat(ran).isEmpty(); // queued, not rejected, not run on a fourth thread
    release.countDown();
    pool.shutdown();
    assertThat(pool.awaitTermination(5, TimeUnit.SECONDS)).isTrue();
    // Three threads take them off the queue, so they finish in any order, but all of them run.
    assertThat(ran).containsExactlyInAnyOrder(0, 1, 2, 3, 4, 5, 6, 7, 8, 9);
  }

  @Test
  void idleThreadsExitAfterTheKeepAlive() throws Exception {
    pool = ElasticThreadPool.create(4, Duration.ofMillis(50), DaemonThreads.named("t-"));
    CountDownLatch release = new CountDownLatch(1);
    AtomicInteger ran = new AtomicInteger();
    for (int i = 0; i < 4; i++) {
      pool.execute(
          () -> {
            ran.incrementAndGet();
            await(release);
          });
    }
    release.countDown();
    long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(5);
    while (((ThreadPoolExecutor) pool).getPoolSize() > 0 && System.nanoTime() < deadline) {
      Thread.sleep(10);
    }
    assertThat(ran).hasValue(4);
    assertThat(((ThreadPoolExecutor) pool).getPoolSize()).isZero();
    pool.submit(() -> ran.incrementAndGet()).get(5, TimeUnit.SECONDS); // and it starts again
    assertThat(ran).hasValue(5);
  }

  /** Until the finished task's thread waits for the next one (it can be handed a task). */
  private void waitIdle() throws InterruptedException {
    var queue = (LinkedTransferQueue<Runnable>) ((ThreadPoolExecutor) pool).getQueue();
    long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(5);
    while (!queue.hasWaitingConsumer() && System.nanoTime() < deadline) {
      Thread.sleep(1);
    }
  }

  private static void await(CountDownLatch l) {
    try {
      l.await();
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
    }
  }
}
