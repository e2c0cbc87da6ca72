package io.promfed.demo.accesslog;

import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.Gauge;
import io.micrometer.core.instrument.MeterRegistry;
import java.io.BufferedOutputStream;
import java.io.IOException;
import java.io.OutputStream;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.time.Clock;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.ArrayBlockingQueue;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ThreadFactory;
import java.util.concurrent.TimeUnit;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.springframework.boot.web.server.context.WebServerApplicationContext;
import org.springframework.context.SmartLifecycle;

/**
 * Appends access log lines to one file from one dedicated writer thread.
 *
 * <p>The Go original opens, appends to and closes {@code access_log} inside every request. Here
 * request threads only put an {@link AccessLogEntry} on a bounded queue; the writer thread drains
 * it in batches, encodes the lines into a buffered stream over a file opened once in append mode,
 * and flushes whenever the queue runs empty. Under load one {@code write(2)} carries hundreds of
 * lines; when idle every line reaches the file within one wake-up of the writer. Like Go, lines go
 * to the operating system, not to disk: there is no fsync.
 *
 * <p><b>Queue full:</b> back-pressure, not loss. {@link #append} waits until the writer has made
 * room, so a stalled disk slows requests down as it does in Go (whose handler blocks in {@code
 * write(2)}); every append that had to wait is counted in {@code
 * demo_access_log_queue_full_total}.
 *
 * <p><b>Shutdown:</b> the lifecycle phase is below the web server's, so Spring stops this writer
 * only after graceful shutdown has let in-flight requests finish. {@link #stop(Runnable)} then
 * queues an end marker; the writer writes every line queued before it, flushes, closes the file
 * and only then reports itself stopped. Lines appended after that (a request that outlived the
 * graceful shutdown timeout) are counted in {@code demo_access_log_dropped_total}.
 *
 * <p>The writer thread is never interrupted: an interrupt during a write would close the file
 * channel. Thread-safe.
 */
public final class AccessLogWriter implements SmartLifecycle {

  /** Starts before and stops after the web server (its start/stop phase minus 1024). */
  public static final int PHASE = WebServerApplicationContext.START_STOP_LIFECYCLE_PHASE - 1024;

  private static final Logger log = LoggerFactory.getLogger(AccessLogWriter.class);
  private static final int MAX_BATCH_LINES = 4096;
  private static final int OUTPUT_BUFFER_BYTES = 64 * 1024;
  private static final long BACK_PRESSURE_RECHECK_MILLIS = 100;
  // Identity-compared marker; immutable, so sharing it between instances is harmless.
  private static final AccessLogEntry END = new AccessLogEntry(0, "", 0, Outcome.SUCCESS, null);

  private final Path path;
  private final BlockingQueue<AccessLogEntry> queue;
  private final Clock clock;
  private final ThreadFactory threadFactory;
  private final Counter queueFull;
  private final Counter droppedStopped;
  private final Counter droppedInterrupted;
  private final Counter linesWritten;
  private final Counter writeErrors;
  private final Object lifecycleLock = new Object();

  // Checked on every append; false before start, after stop and if the writer thread died.
  private volatile boolean accepting;
  private boolean running; // guarded by lifecycleLock
  // Completed by the writer thread when it has closed the file; one per start().
  private CompletableFuture<Void> drained = CompletableFuture.completedFuture(null);

  /**
   * @param path the file lines are appended to, created if missing
   * @param queueCapacity lines that may wait for the writer before appends wait too
   * @param clock source of each line's time stamp and time zone
   * @param registry where the {@code demo_access_log_*} meters are registered
   * @param threadFactory makes the single writer thread, once per {@link #start()}
   */
  public AccessLogWriter(
      Path path,
      int queueCapacity,
      Clock clock,
      MeterRegistry registry,
      ThreadFactory threadFactory) {
    this.path = path;
    this.queue = new ArrayBlockingQueue<>(queueCapacity);
    this.clock = clock;
    this.threadFactory = threadFactory;
    this.queueFull =
        Counter.builder("demo.access.log.queue.full")
            .description("Access log appends that found the queue full and waited for the writer")
            .register(registry);
    this.droppedStopped = dropped(registry, "stopped");
    this.droppedInterrupted = dropped(registry, "interrupted");
    this.linesWritten =
        Counter.builder("demo.access.log.lines.written")
            .description("Access log lines handed to the operating system")
            .register(registry);
    this.writeErrors =
        Counter.builder("demo.access.log.write.errors")
            .description("Failed writes or flushes of the access log; the batch in hand is lost")
            .register(registry);
    Gauge.builder("demo.access.log.queue.lines", queue, BlockingQueue::size)
        .description("Access log lines waiting for the writer thread")
        .register(registry);
  }

  private static Counter dropped(MeterRegistry registry, String reason) {
    return Counter.builder("demo.access.log.dropped")
        .description(
            "Access log lines not queued: the writer was stopped (reason=stopped), or a request "
                + "thread waiting for room was interrupted (reason=interrupted)")
        .tag("reason", reason)
        .register(registry);
  }

  /**
   * Queues one line, stamped now. Waits while the queue is full (back-pressure). Cheap otherwise:
   * one small allocation and one queue insert; formatting happens on the writer thread.
   *
   * @param site the caller's own {@link CallSite}, named in the line
   */
  public void append(CallSite site, String remoteAddr, int remotePort, Outcome outcome) {
    AccessLogEntry entry =
        new AccessLogEntry(clock.millis(), remoteAddr, remotePort, outcome, site);
    site.fileAndLine(); // resolves on this thread, whose stack holds the caller
    if (!accepting) {
      droppedStopped.increment();
      return;
    }
    if (queue.offer(entry)) {
      return;
    }
    queueFull.increment();
    try {
      while (!queue.offer(entry, BACK_PRESSURE_RECHECK_MILLIS, TimeUnit.MILLISECONDS)) {
        if (!accepting) {
          droppedStopped.increment();
          return;
        }
      }
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      droppedInterrupted.increment();
    }
  }

  @Override
  public void start() {
    synchronized (lifecycleLock) {
      if (running) {
        return;
      }
      OutputStream out = open(path);
      CompletableFuture<Void> done = new CompletableFuture<>();
      drained = done;
      accepting = true;
      running = true;
      threadFactory.newThread(() -> drainUntilEnd(out, done)).start();
    }
  }

  private static OutputStream open(Path path) {
    try {
      return new BufferedOutputStream(
          Files.newOutputStream(
              path,
              StandardOpenOption.CREATE,
              StandardOpenOption.APPEND,
              StandardOpenOption.WRITE),
          OUTPUT_BUFFER_BYTES);
    } catch (IOException e) {
      throw new UncheckedIOException(
          "cannot open access log " + path.toAbsolutePath() + " for appending", e);
    }
  }

  /** Returns once every line queued so far is written, flushed and the file closed. */
  @Override
  public void stop() {
    stopAccepting().join();
  }

  /** Runs {@code callback} once every queued line is written, flushed and the file closed. */
  @Override
  public void stop(Runnable callback) {
    stopAccepting().whenComplete((ignored, failure) -> callback.run());
  }

  private CompletableFuture<Void> stopAccepting() {
    CompletableFuture<Void> done;
    synchronized (lifecycleLock) {
      done = drained;
      if (!running) {
        return done;
      }
      running = false;
      accepting = false;
    }
    putEndMarker(done);
    return done;
  }

  // The writer is draining, so room appears soon, unless the writer has died.
  private void putEndMarker(CompletableFuture<Void> done) {
    boolean interrupted = false;
    while (!done.isDone()) {
      try {
        if (queue.offer(END, BACK_PRESSURE_RECHECK_MILLIS, TimeUnit.MILLISECONDS)) {
          break;
        }
      } catch (InterruptedException e) {
        interrupted = true;
      }
    }
    if (interrupted) {
      Thread.currentThread().interrupt();
    }
  }

  @Override
  public boolean isRunning() {
    synchronized (lifecycleLock) {
      return running;
    }
  }

  @Override
  public int getPhase() {
    return PHASE;
  }

  private void drainUntilEnd(OutputStream out, CompletableFuture<Void> done) {
    GoLogLineEncoder encoder = new GoLogLineEncoder(clock.getZone());
    List<AccessLogEntry> batch = new ArrayList<>(MAX_BATCH_LINES);
    boolean end = false;
    try {
      while (!end) {
        batch.add(takeUninterruptibly());
        queue.drainTo(batch, MAX_BATCH_LINES - 1);
        end = writeBatch(batch, encoder, out);
        batch.clear();
      }
      // Lines of appends that passed the accepting check just before stop() queued the marker.
      queue.drainTo(batch);
      writeBatch(batch, encoder, out);
    } catch (RuntimeException | Error e) {
      accepting = false; // nobody drains any more: appends must not wait forever
      log.error("access log writer for {} died; further lines are dropped", path, e);
      throw e;
    } finally {
      close(out);
      done.complete(null);
    }
  }

  /** Writes the batch, flushing when the queue has run empty; true if it held the end marker. */
  private boolean writeBatch(List<AccessLogEntry> batch, GoLogLineEncoder encoder, OutputStream out) {
    boolean end = false;
    int written = 0;
    try {
      for (AccessLogEntry entry : batch) {
        if (entry == END) {
          end = true;
          continue;
        }
        int length = encoder.encode(entry);
        out.write(encoder.bytes(), 0, length);
        written++;
      }
      if (end || queue.isEmpty()) {
        out.flush();
      }
    } catch (IOException e) {
      countWriteError(e);
    }
    linesWritten.increment(written);
    return end;
  }

  private AccessLogEntry takeUninterruptibly() {
    while (true) {
      try {
        return queue.take();
      } catch (InterruptedException e) {
        // Not ours to honour: stopping goes through the end marker.
      }
    }
  }

  private void countWriteError(IOException e) {
    // Logged once: a full disk would otherwise log on every batch.
    if (writeErrors.count() == 0) {
      log.error("cannot write access log {}; counting further errors in "
          + "demo_access_log_write_errors_total", path, e);
    }
    writeErrors.increment();
  }

  private void close(OutputStream out) {
    try {
      out.close();
    } catch (IOException e) {
      countWriteError(e);
    }
  }
}
