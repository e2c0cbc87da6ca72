package io.promfed.tsdb.chunkenc;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.List;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class ChunkFilesTest {

  @TempDir Path dir;

  private static byte[] chunk(int len, int seed) {
    byte[] b = new byte[len];
    for (int i = 0; i < len; i++) {
      b[i] = (byte) (seed * 31 + i);
    }
    return b;
  }

  private static byte[] read(ChunkFiles.Segments segments, long ref, int len) {
    byte[] out = new byte[len];
    segments.read(ref, out, len);
    return out;
  }

  private List<String> files() throws IOException {
    try (Stream<Path> s = Files.list(dir)) {
      return s.map(p -> p.getFileName().toString()).sorted().toList();
    }
  }

  @Test
  void chunksWrittenInOneBatchAreReadBackAcrossSegmentsTheBatchFilled() throws IOException {
    ChunkFiles files = ChunkFiles.open(dir, 1024);
    ChunkFiles.Batch batch = new ChunkFiles.Batch();
    byte[][] chunks = new byte[10][];
    for (int i = 0; i < chunks.length; i++) {
      chunks[i] = chunk(300 + i, i);
      assertThat(batch.add(chunks[i], 0, chunks[i].length, 1_000L * i)).isEqualTo(i);
    }
    files.write(batch);

    ChunkFiles.Segments segments = files.segments();
    for (int i = 0; i < chunks.length; i++) {
      assertThat(read(segments, batch.ref(i), chunks[i].length)).as("chunk %d", i).isEqualTo(chunks[i]);
      assertThat(batch.ref(i) & 0xffffffffL).as("offset of chunk %d", i).isGreaterThanOrEqualTo(8);
    }
    // 3 chunks of ~300 bytes fit a 1024-byte segment after its 8-byte header.
    assertThat(files.numSegments()).isEqualTo(4);
    assertThat(files()).containsExactly("00000001", "00000002", "00000003", "00000004");
    long written = Arrays.stream(chunks).mapToLong(c -> c.length).sum();
    assertThat(files.sizeBytes()).isEqualTo(written + 4 * 8);
    assertThat(Files.size(dir.resolve("00000001"))).isEqualTo(8 + 300 + 301 + 302);
    assertThat(Files.readAllBytes(dir.resolve("00000001"))).startsWith('P', 'F', 'C', 'H', 1);
  }

  @Test
  void removeBeforeDeletesOnlyOlderSegmentsAndNeverTheCurrentOne() throws IOException {
    ChunkFiles files = ChunkFiles.open(dir, 1024);
    ChunkFiles.Batch batch = new ChunkFiles.Batch();
    for (int i = 0; i < 9; i++) { // segments 1..3 of 3 chunks each, max times 2000, 5000, 8000
      byte[] c = chunk(300, i);
      batch.add(c, 0, c.length, 1_000L * i);
    }
    files.write(batch);
    ChunkFiles.Segments before = files.segments();

    assertThat(files.removeBefore(2_000)).isZero(); // segment 1 still ends at 2000
    assertThat(files.removeBefore(5_001)).isEqualTo(2);
    assertThat(files()).containsExactly("00000003");
    assertThat(files.removeBefore(Long.MAX_VALUE)).as("the current segment stays").isZero();
    assertThat(files.sizeBytes()).isEqualTo(8 + 3 * 300);

    // A snapshot taken before still reads the deleted files.
    assertThat(read(before, batch.ref(0), 300)).isEqualTo(chunk(300, 0));
    assertThatThrownBy(() -> read(files.segments(), batch.ref(0), 300))
        .isInstanceOf(IllegalStateException.class)
        .hasMessageContaining("segment 1 is not open");

    batch.clear();
    byte[] c = chunk(300, 42);
    batch.add(c, 0, c.length, 9_000);
    files.write(batch);
    assertThat(batch.ref(0) >>> 32).as("next segment").isEqualTo(4);
    assertThat(read(files.segments(), batch.ref(0), 300)).isEqualTo(c);
  }

  @Test
  void aSegmentThatCannotBeDeletedStopsTheDeletionThereAndIsRetried() throws IOException {
    ChunkFiles files = ChunkFiles.open(dir, 1024);
    ChunkFiles.Batch batch = new ChunkFiles.Batch();
    for (int i = 0; i < 9; i++) { // segments 1..3
      byte[] c = chunk(300, i);
      batch.add(c, 0, c.length, 1_000L * i);
    }
    files.write(batch);
    Files.delete(dir.resolve("00000002"));
    Files.createDirectories(dir.resolve("00000002").resolve("in-the-way"));

    assertThatThrownBy(() -> files.removeBefore(Long.MAX_VALUE))
        .isInstanceOf(UncheckedIOException.class)
        .hasMessageContaining("00000002");
    assertThat(files()).containsExactly("00000002", "00000003"); // segment 1 went, and is forgotten
    assertThat(files.numSegments()).isEqualTo(2);

    Files.delete(dir.resolve("00000002").resolve("in-the-way"));
    assertThat(files.removeBefore(Long.MAX_VALUE)).isEqualTo(1);
    assertThat(files()).containsExactly("00000003");
    assertThat(files.sizeBytes()).isEqualTo(8 + 3 * 300);
  }

  @Test
  void openDeletesWhatAPreviousProcessLeft() throws IOException {
    ChunkFiles first = ChunkFiles.open(dir, 1024);
    ChunkFiles.Batch batch = new ChunkFiles.Batch();
    batch.add(chunk(100, 1), 0, 100, 1);
    first.write(batch);
    first.close();
    Files.writeString(dir.resolve("notes.txt"), "not ours");

    ChunkFiles second = ChunkFiles.open(dir, 1024);
    assertThat(files()).containsExactly("notes.txt");
    assertThat(second.sizeBytes()).isZero();
    assertThatThrownBy(() -> first.write(batch)).isInstanceOf(IOException.class).hasMessageContaining("closed");
  }

  @Test
  void aSegmentThatCannotBeCreatedFailsTheWriteAndIsRetriedNextTime() throws IOException {
    ChunkFiles files = ChunkFiles.open(dir, 1024);
    Files.createDirectory(dir.resolve("00000001")); // in the way of the first segment
    ChunkFiles.Batch batch = new ChunkFiles.Batch();
    batch.add(chunk(100, 1), 0, 100, 1);

    assertThatThrownBy(() -> files.write(batch)).isInstanceOf(IOException.class).hasMessageContaining("00000001");
    assertThat(files.writeFailures()).isEqualTo(1);
    assertThat(files.numSegments()).isZero();

    Files.delete(dir.resolve("00000001"));
    files.write(batch);
    assertThat(read(files.segments(), batch.ref(0), 100)).isEqualTo(chunk(100, 1));
  }

  @Test
  void rejectsSegmentsTooSmallAndChunksTooLong() {
    assertThatThrownBy(() -> ChunkFiles.open(dir, 100))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessageContaining("below 1024");
    ChunkFiles.Batch batch = new ChunkFiles.Batch();
    byte[] big = new byte[ChunkFiles.MAX_CHUNK_BYTES + 1];
    assertThatThrownBy(() -> batch.add(big, 0, big.length, 0))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessageContaining("too long");
  }
}
