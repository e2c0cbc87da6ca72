package io.promfed.demo.accesslog;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.awaitility.Awaitility.await;

import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Clock;
import java.time.Instant;
import java.time.ZoneOffset;
import java.util.List;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ThreadFactory;
import java.util.concurrent.atomic.AtomicBoolean;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The writer thread is started through a gate the test opens, so "queued but not yet written" is a
 * state the test controls rather than a race it hopes to win.
 */
class AccessLogWriterTest {

  private static final Clock CLOCK =
      Clock.fixed(Instant.parse("2026-11-25T18:04:05.500Z"), ZoneOffset.UTC);

  @TempDir Path directory;

  private final SimpleMeterRegistry registry = new SimpleMeterRegistry();
  private final CountDownLatch gate = new CountDownLatch(1);
  private final CallSite site = new CallSite();
  private AccessLogWriter writer;

  @AfterEach
  void stopWriter() {
    gate.countDown();
    if (writer != null) {
      writer.stop();
    }
  }

  @Test
  void writesOneGoShapedLinePerAppend() throws IOException {
    writer = newWriter(16, this::gatedThread);
    writer.start();
    gate.countDown();
    int line = new Throwable().getStackTrace()[0].getLineNumber() + 1;
    writer.append(site, "127.0.0.1", 54321, Outcome.SUCCESS);
    writer.append(site, "127.0.0.1", 54322, Outcome.FAILED);
    writer.stop();

    assertThat(lines())
        .containsExactly(
            "INFO2026/11/25 18:04:05 AccessLogWriterTest.java:" + line
                + ": connect from  127.0.0.1:54321  Success!!!",
            // One CallSite per call site: sharing one names the first call's line for both.
            "INFO2026/11/25 18:04:05 AccessLogWriterTest.java:" + line
                + ": connect from  127.0.0.1:54322  Failed!!!");
    assertThat(count("demo.access.log.lines.written")).isEqualTo(2);
  }

  @Test
  void linesReachTheFileWithoutStopping() {
    writer = newWriter(16, this::gatedThread);
    writer.start();
    gate.countDown();

    writer.append(site, "127.0.0.1", 1, Outcome.SUCCESS);

    // Flushed as soon as the queue runs empty, not only at shutdown.
    await().untilAsserted(() -> assertThat(lines()).hasSize(1));
  }

  /** Everything queued before stop() is written before stop() returns. */
  @Test
  void stopDrainsTheQueueFirst() {
    writer = newWriter(2_000, this::gatedThread); // room for the end marker too
    writer.start();
    for (int i = 0; i < 1_000; i++) {
      writer.append(site, "127.0.0.1", i, Outcome.SUCCESS);
    }
    AtomicBoolean stopped = new AtomicBoolean();
    writer.stop(() -> stopped.set(true));
    assertThat(stopped).as("stopped before the writer ran").isFalse();
    assertThat(writer.isRunning()).isFalse();

    gate.countDown();

    await().untilTrue(stopped);
    assertThat(lines()).hasSize(1_000);
    assertThat(lines().get(999)).contains("127.0.0.1:999 ");
  }

  /** A full queue makes the request thread wait, counted; nothing is lost. */
  @Test
  void fullQueueMeansBackPressureNotLoss() throws InterruptedException {
    writer = newWriter(2, this::gatedThread);
    writer.start();
    writer.append(site, "127.0.0.1", 1, Outcome.SUCCESS);
    writer.append(site, "127.0.0.1", 2, Outcome.SUCCESS);
    Thread request = new Thread(() -> writer.append(site, "127.0.0.1", 3, Outcome.SUCCESS));
    request.start();

    await().until(() -> count("demo.access.log.queue.full") == 1);
    assertThat(request.isAlive()).as("request thread waits for room").isTrue();

    gate.countDown();
    request.join();
    writer.stop();

    assertThat(lines()).hasSize(3);
    assertThat(count("demo.access.log.dropped")).isZero();
  }

  @Test
  void appendsAfterStopAreCountedAsDropped() {
    writer = newWriter(16, this::gatedThread);
    writer.start();
    gate.countDown();
    writer.stop();

    writer.append(site, "127.0.0.1", 1, Outcome.SUCCESS);

    assertThat(registry.get("demo.access.log.dropped").tag("reason", "stopped").counter().count())
        .isEqualTo(1);
    assertThat(lines()).isEmpty();
  }

  /** O_APPEND, like the Go server: a restart continues the file. */
  @Test
  void appendsToAnExistingFile() throws IOException {
    Files.writeString(directory.resolve("access_log"), "earlier line\n");
    writer = newWriter(16, Thread::new);
    writer.start();
    writer.append(site, "127.0.0.1", 1, Outcome.SUCCESS);
    writer.stop();

    assertThat(lines()).hasSize(2).first().isEqualTo("earlier line");
  }

  @Test
  void canBeRestarted() {
    writer = newWriter(16, Thread::new);
    writer.start();
    writer.append(site, "127.0.0.1", 1, Outcome.SUCCESS);
    writer.stop();
    writer.start();
    writer.append(site, "127.0.0.1", 2, Outcome.SUCCESS);
    writer.stop();

    assertThat(lines()).hasSize(2);
  }

  @Test
  void startFailsNamingTheFileWhenItCannotBeOpened() {
    AccessLogWriter broken =
        new AccessLogWriter(
            directory.resolve("missing-dir/access_log"), 16, CLOCK, registry, Thread::new);

    assertThatThrownBy(broken::start)
        .isInstanceOf(UncheckedIOException.class)
        .hasMessageContaining("missing-dir/access_log");
    assertThat(broken.isRunning()).isFalse();
  }

  @Test
  void stopsAfterTheWebServer() {
    assertThat(newWriter(1, Thread::new).getPhase())
        .isLessThan(
            org.springframework.boot.web.server.context.WebServerApplicationContext
                .START_STOP_LIFECYCLE_PHASE);
  }

  private AccessLogWriter newWriter(int capacity, ThreadFactory threads) {
    return new AccessLogWriter(directory.resolve("access_log"), capacity, CLOCK, registry, threads);
  }

  private Thread gatedThread(Runnable writerLoop) {
    return new Thread(
        () -> {
          try {
            gate.await();
          } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            return;
          }
          writerLoop.run();
        },
        "gated-access-log-writer");
  }

  private double count(String name) {
    return registry.get(name).counters().stream().mapToDouble(c -> c.count()).sum();
  }

  private List<String> lines() {
    try {
      Path file = directory.resolve("access_log");
      return Files.exists(file) ? Files.readAllLines(file) : List.of();
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }
}
