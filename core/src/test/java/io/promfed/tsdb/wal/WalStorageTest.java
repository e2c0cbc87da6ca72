package io.promfed.tsdb.wal;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.promfed.model.labels.Labels;
import io.promfed.model.labels.Matcher;
import io.promfed.model.value.StaleNaN;
import io.promfed.storage.Appender;
import io.promfed.storage.MetricMetadata;
import io.promfed.storage.Querier;
import io.promfed.storage.SeriesCursor;
import io.promfed.storage.SeriesSet;
import io.promfed.tsdb.Head;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.stream.Stream;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class WalStorageTest {

  static final long T0 = 1_700_000_000_000L;

  @TempDir Path dir;

  static Head head() {
    return new Head(() -> T0 + 3_600_000, Duration.ofDays(1));
  }

  /** Every sample of every series, as "labels t=v" lines, for comparing heads. */
  static List<String> dump(Head head) {
    List<String> out = new ArrayList<>();
    try (Querier q = head.querier(Long.MIN_VALUE, Long.MAX_VALUE)) {
      SeriesSet set = q.select(true, Matcher.regex("__name__", ".+"));
      while (set.next()) {
        SeriesCursor c = set.at().cursor();
        while (c.next()) {
          out.add(set.at().labels() + " " + c.atT() + "=" + Long.toHexString(Double.doubleToRawLongBits(c.atV())));
        }
      }
    }
    return out;
  }

  static void write(WalStorage s, int series, long from, int samples) throws Exception {
    for (int i = 0; i < samples; i++) {
      Appender app = s.appender();
      for (int k = 0; k < series; k++) {
        app.append(0, Labels.of("__name__", "m", "k", Integer.toString(k)), from + i * 15_000L, i * k);
      }
      app.commit();
    }
  }

  @Test
  void pooledTransactionBuffersCarryNothingIntoTheNextTransaction() throws Exception {
    // Transactions of 2,000 samples leave their buffers in the pool; the small ones after them,
    // and one rolled back in between, must log exactly their own samples.
    Head first = head();
    WalStorage s = WalStorage.open(dir, first);
    write(s, 2_000, T0, 3);
    Appender rolledBack = s.appender();
    for (int k = 0; k < 2_000; k++) {
      rolledBack.append(0, Labels.of("__name__", "m", "k", Integer.toString(k)), T0 + 45_000, -1);
    }
    rolledBack.rollback();
    write(s, 3, T0 + 60_000, 2);
    Appender other = s.appender();
    other.append(0, Labels.of("__name__", "other"), T0, 7);
    other.commit();

    Head second = head();
    WalStorage.open(dir, second).close();
    assertThat(dump(second)).hasSize(2_000 * 3 + 3 * 2 + 1).isEqualTo(dump(first));
  }

  @Test
  void aRestartReplaysEveryCommittedSample() throws Exception {
    Head first = head();
    WalStorage s = WalStorage.open(dir, first);
    write(s, 50, T0, 20);
    Appender app = s.appender();
    long ref = app.append(0, Labels.of("__name__", "gone"), T0, 1);
    app.append(ref, Labels.of("__name__", "gone"), T0 + 15_000, StaleNaN.VALUE);
    app.updateMetadata("m", new MetricMetadata("counter", "help text", ""));
    app.commit();
    Appender rolledBack = s.appender();
    rolledBack.append(0, Labels.of("__name__", "never"), T0, 1);
    rolledBack.rollback();
    // No close(): as after kill -9, only what reached the file counts.

    Head second = head();
    WalStorage.open(dir, second).close();
    assertThat(dump(second)).hasSize(50 * 20 + 2).isEqualTo(dump(first));
    assertThat(dump(second)).noneMatch(l -> l.contains("never"));
    try (Querier q = second.querier(Long.MIN_VALUE, Long.MAX_VALUE)) {
      assertThat(q.metadata("m")).containsKey("m");
    }
  }

  @Test
  void aTornTailIsCutAndTheRestKept() throws Exception {
    Head first = head();
    WalStorage s = WalStorage.open(dir, first);
    write(s, 10, T0, 5);
    List<String> expected = dump(first);
    Path segment = lastSegment();
    // Half a record: a length that promises more than is there, as a crash mid-write leaves.
    Files.write(segment, new byte[] {0, 0, 1, 0, 1, 2, 3, 4, 9, 9}, StandardOpenOption.APPEND);
    long damagedSize = Files.size(segment);

    Head second = head();
    WalStorage again = WalStorage.open(dir, second);
    assertThat(dump(second)).isEqualTo(expected);
    assertThat(Files.size(segment)).isEqualTo(damagedSize - 10);
    write(again, 10, T0 + 5 * 15_000L, 1); // and it keeps going
    Head third = head();
    WalStorage.open(dir, third);
    assertThat(dump(third)).hasSize(expected.size() + 10);
  }

  @Test
  void aCorruptRecordInAnOlderSegmentStopsReplayThereAndMovesTheRestAside() throws Exception {
    WalStorage s = WalStorage.open(dir, head());
    write(s, 5, T0, 3);
    s.close();
    WalStorage s2 = WalStorage.open(dir, head()); // starts segment 2
    write(s2, 5, T0 + 3 * 15_000L, 3);
    Path first = dir.resolve("wal").resolve(Wal.name(1));
    byte[] bytes = Files.readAllBytes(first);
    bytes[bytes.length - 1] ^= 0x55; // the checksum of the last record no longer matches
    Files.write(first, bytes);

    Head h = head();
    WalStorage.open(dir, h);
    assertThat(dump(h)).hasSize(5 * 2); // the first two commits; the damaged third and after: not
    assertThat(dir.resolve("wal").resolve(Wal.name(2) + ".corrupt")).exists();
  }

  /**
   * Closed chunks go to {@code chunks_head} at each truncation and are read from there; a restart
   * empties the directory and the replay (with its own truncations) fills it again, and a
   * checkpoint taken while chunks are on disk reads them back.
   */
  @Test
  void closedChunksLiveOnDiskAndARestartRebuildsThemFromTheLog() throws Exception {
    Head first = head();
    WalStorage s = WalStorage.open(dir, first);
    write(s, 20, T0, 400); // 100 minutes at 15 s: 3 closed chunks and a head chunk per series
    long heapBefore = first.ramBytesUsed();
    first.gc();
    assertThat(first.chunksMovedToDisk()).isEqualTo(20 * 3);
    assertThat(first.chunkFilesBytes()).isGreaterThan(20 * 3 * 50);
    assertThat(first.ramBytesUsed()).isLessThan(heapBefore - first.chunkFilesBytes() / 2);
    assertThat(dump(first)).hasSize(20 * 400);
    s.checkpoint(Long.MIN_VALUE);
    write(s, 20, T0 + 400 * 15_000L, 5);
    // No close(): as after kill -9.

    Head second = head();
    WalStorage reopened = WalStorage.open(dir, second);
    assertThat(dump(second)).hasSize(20 * 405).isEqualTo(dump(first));
    second.gc();
    assertThat(second.chunksMovedToDisk()).isEqualTo(20 * 3);
    assertThat(second.chunkFilesBytes()).isEqualTo(first.chunkFilesBytes());
    assertThat(dump(second)).isEqualTo(dump(first));
    reopened.close();
    try (Stream<Path> files = Files.list(dir.resolve("chunks_head"))) {
      assertThat(files.map(p -> p.getFileName().toString())).containsExactly("00000001");
    }

    // The replay truncates as it goes (here every 2,000 samples), so a long log's closed chunks
    // reach the files while it runs instead of all passing through the heap first.
    Head third = head();
    WalStorage.open(dir, third, Wal.DEFAULT_SEGMENT_BYTES, 1_000, 2_000).close();
    assertThat(third.chunksMovedToDisk()).isPositive();
    assertThat(dump(third)).isEqualTo(dump(first));
  }

  @Test
  void aCheckpointBoundsTheLogAndKeepsTheData() throws Exception {
    Head first = head();
    WalStorage s = WalStorage.open(dir, first, 1024);
    write(s, 20, T0, 30);
    assertThat(segments().size()).isGreaterThan(3);
    s.checkpoint(Long.MIN_VALUE);
    assertThat(segments()).hasSize(1);
    assertThat(s.checkpointSamples()).isEqualTo(20 * 30);
    write(s, 20, T0 + 30 * 15_000L, 3); // after the checkpoint, cached head refs again
    Appender app = s.appender();
    long ref = app.append(0, Labels.of("__name__", "m", "k", "0"), T0 + 33 * 15_000L, StaleNaN.VALUE);
    app.commit();
    s.checkpoint(Long.MIN_VALUE);
    // A ref-only append (no labels), the first mention of the series since the checkpoint.
    app = s.appender();
    app.append(ref, null, T0 + 34 * 15_000L, 7);
    app.commit();

    Head second = head();
    WalStorage.open(dir, second);
    assertThat(dump(second)).hasSize(20 * 33 + 2).isEqualTo(dump(first));
    try (Stream<Path> files = Files.list(dir)) {
      assertThat(files.map(p -> p.getFileName().toString()).filter(n -> n.startsWith("checkpoint.")))
          .hasSize(1);
    }
  }

  @Test
  void aFailedLogWriteIngestsNothingAndSaysWhy() throws Exception {
    Head h = head();
    WalStorage s = WalStorage.open(dir, h);
    s.close(); // the segment is closed: every write now fails, as on a full or lost disk
    Appender app = s.appender();
    app.append(0, Labels.of("__name__", "x"), T0, 1);
    assertThatThrownBy(app::commit)
        .isInstanceOf(UncheckedIOException.class)
        .hasMessageContaining("WAL write to " + dir.resolve("wal") + " failed, 1 samples not ingested");
    assertThat(s.writeFailures()).isEqualTo(1);
    assertThat(dump(h)).isEmpty();
  }

  @Test
  void aFullDiskStopsIngestionWithAnErrorAndAMetric() throws Exception {
    Path full = Path.of("/dev/full"); // Linux: every write fails with ENOSPC, a disk that is full
    Assumptions.assumeTrue(Files.isWritable(full), "needs Linux's /dev/full");
    Head h = head();
    WalStorage s = WalStorage.open(dir, h);
    write(s, 3, T0, 2);
    // The next segment lands on the full disk.
    Files.createSymbolicLink(dir.resolve("wal").resolve(Wal.name(2)), full);
    s.checkpoint(Long.MIN_VALUE);
    List<String> before = dump(h);
    Appender app = s.appender();
    app.append(0, Labels.of("__name__", "m", "k", "0"), T0 + 2 * 15_000L, 9);
    assertThatThrownBy(app::commit)
        .isInstanceOf(UncheckedIOException.class)
        .hasMessageContaining("1 samples not ingested")
        .hasMessageContaining("No space left on device");
    assertThat(s.writeFailures()).isEqualTo(1);
    assertThat(dump(h)).isEqualTo(before); // nothing visible that the log does not hold
    // The process keeps running: the next transaction fails the same way, no crash, no loss.
    Appender again = s.appender();
    again.append(0, Labels.of("__name__", "m", "k", "1"), T0 + 2 * 15_000L, 9);
    assertThatThrownBy(again::commit).isInstanceOf(UncheckedIOException.class);
    assertThat(s.writeFailures()).isEqualTo(2);
  }

  Path lastSegment() throws Exception {
    List<Integer> s = Wal.segments(dir.resolve("wal"));
    return dir.resolve("wal").resolve(Wal.name(s.get(s.size() - 1)));
  }

  List<Integer> segments() throws Exception {
    return Wal.segments(dir.resolve("wal"));
  }
}
