package io.promfed.discovery.kubernetes;

import static org.assertj.core.api.Assertions.fail;

import io.promfed.discovery.TargetGroup;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.function.Consumer;
import java.util.function.Predicate;

/**
 * A discoverer's consumer for tests: keeps every update in order and the latest group per source,
 * and waits for them with a bound (no fixed sleeps).
 */
final class GroupCollector implements Consumer<List<TargetGroup>> {

  // Generous: fabric8 relists with backoff, and a loaded 2-core CI box once needed more than 10 s.
  static final Duration TIMEOUT = Duration.ofSeconds(30);

  private final BlockingQueue<List<TargetGroup>> updates = new LinkedBlockingQueue<>();
  private final Map<String, TargetGroup> groups = new TreeMap<>();
  private final AtomicInteger concurrent = new AtomicInteger();
  private volatile boolean overlapped;

  @Override
  public void accept(List<TargetGroup> update) {
    if (concurrent.incrementAndGet() > 1) {
      overlapped = true; // the Discoverer contract forbids concurrent deliveries
    }
    try {
      synchronized (groups) {
        for (TargetGroup g : update) {
          groups.put(g.source(), g);
        }
        groups.notifyAll();
      }
      updates.add(List.copyOf(update));
    } finally {
      concurrent.decrementAndGet();
    }
  }

  /** The next update, failing after {@link #TIMEOUT}. */
  List<TargetGroup> next() throws InterruptedException {
    List<TargetGroup> u = updates.poll(TIMEOUT.toMillis(), TimeUnit.MILLISECONDS);
    if (u == null) {
      fail("no target group update within " + TIMEOUT);
    }
    return u;
  }

  /** The next update if one arrives within {@code wait}, else {@code null}. */
  List<TargetGroup> poll(Duration wait) throws InterruptedException {
    return updates.poll(wait.toMillis(), TimeUnit.MILLISECONDS);
  }

  /** A copy of the latest group per source. */
  Map<String, TargetGroup> groups() {
    synchronized (groups) {
      return new TreeMap<>(groups);
    }
  }

  /** Waits until the latest groups satisfy {@code p}. */
  Map<String, TargetGroup> await(Predicate<Map<String, TargetGroup>> p, String what)
      throws InterruptedException {
    long deadline = System.nanoTime() + TIMEOUT.toNanos();
    synchronized (groups) {
      while (true) {
        Map<String, TargetGroup> g = new TreeMap<>(groups);
        if (p.test(g)) {
          return g;
        }
        long left = deadline - System.nanoTime();
        if (left <= 0) {
          break;
        }
        groups.wait(Math.max(1, TimeUnit.NANOSECONDS.toMillis(left))); // woken by accept()
      }
    }
    fail("timed out after " + TIMEOUT + " waiting for " + what + "; groups: " + groups());
    return null;
  }

  boolean overlapped() {
    return overlapped;
  }
}
