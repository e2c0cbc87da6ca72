package io.promfed.tsdb.wal;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.ArrayList;
import java.util.List;
import java.util.stream.Stream;
import java.util.zip.CRC32C;

/**
 * A write-ahead log in numbered segment files ({@code 00000001}, {@code 00000002} ...), as
 * Prometheus's tsdb/wlog keeps it: each record is framed as {@code length (4 bytes), CRC32C
 * (4 bytes), payload}. A commit's records are written to the file before the head makes them
 * visible, so a killed process loses nothing it acknowledged: the bytes are in the kernel's page
 * cache. Segments are fsynced when they are closed (rotation, checkpoint, shutdown), so a machine
 * crash loses at most the open segment's unsynced tail, as with Prometheus.
 *
 * <p>On open, {@link #replay} reads every segment; a torn or corrupt record at the end (a write
 * cut short by a crash) is cut off with a log line naming segment and offset, and a corrupt record
 * in the middle stops replay there, moving the damaged rest aside (Prometheus's {@code Repair}).
 * Thread-safe: writers serialise on this object.
 */
public final class Wal implements AutoCloseable {

  /** A record as replay hands it over: the payload is valid until the consumer returns. */
  @FunctionalInterface
  public interface RecordConsumer {
    void accept(byte[] payload, int length);
  }

  static final long DEFAULT_SEGMENT_BYTES = 128L << 20;
  private static final int HEADER_BYTES = 8;
  private static final int MAX_RECORD_BYTES = 64 << 20;
  private static final int IO_BUFFER_BYTES = 256 << 10;
  private static final System.Logger LOG = System.getLogger(Wal.class.getName());

  private final Path dir;
  private final long segmentBytes;

  /**
   * Records reach the file through this one direct buffer, in pieces. Writing a heap buffer to a
   * FileChannel would copy it into a temporary direct buffer the JDK caches per thread, at the
   * size of the largest write: every scrape thread would keep one as large as its target's
   * sample records (megabytes at 50,000 series), outside the heap and its limits.
   */
  private final ByteBuffer io = ByteBuffer.allocateDirect(IO_BUFFER_BYTES);
  private final CRC32C crc = new CRC32C();
  private FileChannel segment;
  private int segmentIndex;
  private long segmentSize;

  private Wal(Path dir, long segmentBytes) {
    this.dir = dir;
    this.segmentBytes = segmentBytes;
  }

  /**
   * Opens the log in {@code dir}, creating it if needed, after passing every intact record in it
   * to {@code replay} in order. New records go to a new segment after the last one.
   */
  public static Wal open(Path dir, long segmentBytes, RecordConsumer replay) throws IOException {
    Files.createDirectories(dir);
    Wal wal = new Wal(dir, segmentBytes);
    List<Integer> segments = segments(dir);
    for (int i = 0; i < segments.size(); i++) {
      int index = segments.get(i);
      if (!read(dir.resolve(name(index)), replay, i == segments.size() - 1)) {
        // Damage in the middle: what follows cannot be trusted to be complete or in order.
        for (int j = i + 1; j < segments.size(); j++) {
          Path bad = dir.resolve(name(segments.get(j)));
          Files.move(bad, dir.resolve(name(segments.get(j)) + ".corrupt"));
          LOG.log(System.Logger.Level.WARNING, "WAL: moved {0} aside after a corrupt record", bad);
        }
        break;
      }
    }
    int last = segments.isEmpty() ? 0 : segments.get(segments.size() - 1);
    wal.openSegment(last + 1);
    return wal;
  }

  /** The segment indexes in {@code dir}, ascending. */
  static List<Integer> segments(Path dir) throws IOException {
    List<Integer> out = new ArrayList<>();
    try (Stream<Path> files = Files.list(dir)) {
      files.map(p -> p.getFileName().toString())
          .filter(n -> n.matches("\\d{8}"))
          .forEach(n -> out.add(Integer.parseInt(n)));
    }
    out.sort(null);
    return out;
  }

  static String name(int index) {
    return String.format("%08d", index);
  }

  /**
   * Passes every intact record of {@code file} to {@code replay}. At the first bad record the file
   * is truncated there (it cannot be trusted past it) and the result says whether that was
   * acceptable: a torn tail is what a crash leaves in the {@code last} segment; anywhere else it is
   * damage, and false tells the caller to stop.
   */
  static boolean read(Path file, RecordConsumer replay, boolean last) throws IOException {
    byte[] data = Files.readAllBytes(file);
    ByteBuffer in = ByteBuffer.wrap(data);
    CRC32C check = new CRC32C();
    while (in.remaining() > 0) {
      int start = in.position();
      String problem = null;
      if (in.remaining() < HEADER_BYTES) {
        problem = "torn record header";
      } else {
        int length = in.getInt();
        int expected = in.getInt();
        if (length < 1 || length > MAX_RECORD_BYTES) {
          problem = "record length " + length + " out of range";
        } else if (length > in.remaining()) {
          problem = "torn record (" + length + " bytes announced, " + in.remaining() + " present)";
        } else {
          check.reset();
          check.update(data, in.position(), length);
          if ((int) check.getValue() != expected) {
            problem = "checksum mismatch";
          } else {
            byte[] payload = new byte[length];
            in.get(payload);
            replay.accept(payload, length);
          }
        }
      }
      if (problem != null) {
        LOG.log(
            System.Logger.Level.WARNING,
            "WAL: {0} in segment {1} at offset {2}; truncating the segment there ({3} bytes dropped)",
            problem,
            file,
            start,
            data.length - start);
        try (FileChannel ch = FileChannel.open(file, StandardOpenOption.WRITE)) {
          ch.truncate(start);
          ch.force(true);
        }
        return last;
      }
    }
    return true;
  }

  private void openSegment(int index) throws IOException {
    segment =
        FileChannel.open(
            dir.resolve(name(index)),
            StandardOpenOption.CREATE,
            StandardOpenOption.WRITE,
            StandardOpenOption.APPEND);
    segmentIndex = index;
    segmentSize = segment.size();
  }

  /**
   * Appends records (each a complete payload), framed and written through the I/O buffer; rotates
   * first when they would overflow the segment, so a batch never spans two segments.
   */
  public synchronized void log(List<byte[]> payloads, List<Integer> lengths) throws IOException {
    int total = 0;
    for (int len : lengths) {
      total += HEADER_BYTES + len;
    }
    if (segmentSize > 0 && segmentSize + total > segmentBytes) {
      rotate();
    }
    io.clear();
    for (int i = 0; i < payloads.size(); i++) {
      byte[] payload = payloads.get(i);
      int len = lengths.get(i);
      crc.reset();
      crc.update(payload, 0, len);
      if (io.remaining() < HEADER_BYTES) {
        flushIo();
      }
      io.putInt(len).putInt((int) crc.getValue());
      for (int off = 0; off < len; ) {
        if (!io.hasRemaining()) {
          flushIo();
        }
        int n = Math.min(io.remaining(), len - off);
        io.put(payload, off, n);
        off += n;
      }
    }
    flushIo();
    segmentSize += total;
  }

  private void flushIo() throws IOException {
    io.flip();
    while (io.hasRemaining()) {
      segment.write(io);
    }
    io.clear();
  }

  /**
   * Closes the current segment (fsynced) and starts the next one; returns the index of the first
   * segment that may hold records written after this call.
   */
  public synchronized int rotate() throws IOException {
    segment.force(true);
    segment.close();
    openSegment(segmentIndex + 1);
    return segmentIndex;
  }

  /** Deletes the segments before {@code index}: their records are in a checkpoint now. */
  public synchronized void truncateBefore(int index) throws IOException {
    for (int s : segments(dir)) {
      if (s < index) {
        Files.deleteIfExists(dir.resolve(name(s)));
      }
    }
  }

  public Path dir() {
    return dir;
  }

  @Override
  public synchronized void close() {
    try {
      segment.force(true);
      segment.close();
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }
}
