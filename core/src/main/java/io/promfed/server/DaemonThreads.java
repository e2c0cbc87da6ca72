package io.promfed.server;

import java.util.concurrent.ThreadFactory;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * Names the server's worker threads ({@code scrape-1}, {@code rule-eval-2}, ...) so thread dumps
 * and per-thread CPU figures say what each one does; daemon, so a pool never holds the JVM up.
 */
public final class DaemonThreads {

  private DaemonThreads() {}

  public static ThreadFactory named(String prefix) {
    AtomicInteger n = new AtomicInteger();
    return r -> {
      Thread t = new Thread(r, prefix + n.incrementAndGet());
      t.setDaemon(true);
      return t;
    };
  }
}
