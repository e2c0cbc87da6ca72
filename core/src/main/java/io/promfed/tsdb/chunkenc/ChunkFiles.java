package io.promfed.tsdb.chunkenc;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.ByteBuffer;
import java.nio.MappedByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.file.DirectoryStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.Arrays;

/**
 * Closed head chunks on disk: Prometheus's m-mapped head chunks ({@code chunks_head/}, written by
 * tsdb/chunks/head_chunks.go {@code ChunkDiskMapper}). A series keeps only a 24-byte index entry
 * per chunk here instead of its bytes (see {@link PackedChunks}), so the head's heap no longer grows
 * with retention: at a 15 s interval a day of samples is about 7 KB of chunk bytes per series,
 * more than everything else a series costs.
 *
 * <p><b>Files.</b> Numbered segments of at most {@link #DEFAULT_SEGMENT_BYTES} ({@code 00000001},
 * ...), each an 8-byte header ({@code PFCH}, format version, 3 zero bytes) followed by chunks back
 * to back in Prometheus's chunk encoding (2-byte sample count, XOR bit stream). Chunks are written
 * in batches with plain positional writes, never through a writable mapping: written pages then sit
 * in the page cache, which the kernel may reclaim, and count towards the process's resident memory
 * only once a query reads them through the read-only mapping of the segment.
 *
 * <p><b>Lifetime.</b> The files are a cache of the head, not a second log: the write-ahead log
 * holds every sample again, so {@link #open} deletes what a previous process left and the replay
 * rebuilds the head (no checksums are needed for a file never read after a restart). A segment is
 * deleted once every chunk in it ended before the retention ({@link #removeBefore}); the head drops
 * its index entries first, in the same truncation.
 *
 * <p><b>Readers.</b> {@link #segments()} is an immutable snapshot of the mappings. A reader takes it
 * together with the index entries it reads (under the series lock) and keeps the mappings alive as
 * long as it holds them, even after their files are deleted: the JVM unmaps a buffer only when it
 * is unreachable, never under a reader.
 *
 * <p>Thread-safe: writes and removals are serialised; snapshots are read without locks.
 */
public final class ChunkFiles implements AutoCloseable {

  /** Prometheus's {@code MaxHeadChunkFileSize}. */
  public static final int DEFAULT_SEGMENT_BYTES = 128 << 20;

  /** Batches are written when they reach this size, so one truncation does a few large writes. */
  public static final int BATCH_BYTES = 4 << 20;

  /** The longest chunk kept on disk: its length must fit the 16 bits of a series' index entry. */
  public static final int MAX_CHUNK_BYTES = 0xffff;

  /**
   * Tests use segments this small to cut many; a chunk that does not fit a segment stays in memory
   * (see {@link #maxChunkBytes()}).
   */
  static final int MIN_SEGMENT_BYTES = 1024;

  static final int HEADER_BYTES = 8;
  private static final byte[] HEADER = {'P', 'F', 'C', 'H', 1, 0, 0, 0};

  private final Path dir;
  private final int segmentBytes;

  // ---- guarded by this
  private FileChannel current;
  private int currentSeq;
  private long writePos;
  private long[] maxTimes = new long[0]; // by seq - segments.base, the newest sample in the segment
  private long liveBytes;
  private long writeFailures;
  private boolean closed;

  private volatile Segments segments = new Segments(1, new ByteBuffer[0]);

  private ChunkFiles(Path dir, int segmentBytes) {
    this.dir = dir;
    this.segmentBytes = segmentBytes;
  }

  /**
   * Opens {@code dir} for a new head, creating it if needed and deleting the segments a previous
   * process left (the replay of the write-ahead log writes them again).
   */
  public static ChunkFiles open(Path dir) throws IOException {
    return open(dir, DEFAULT_SEGMENT_BYTES);
  }

  /** {@link #open(Path)} with a chosen segment size (tests). */
  public static ChunkFiles open(Path dir, int segmentBytes) throws IOException {
    if (segmentBytes < MIN_SEGMENT_BYTES) {
      throw new IllegalArgumentException(
          "segment size " + segmentBytes + " is below " + MIN_SEGMENT_BYTES + " bytes");
    }
    Files.createDirectories(dir);
    try (DirectoryStream<Path> old = Files.newDirectoryStream(dir, "[0-9]*")) {
      for (Path p : old) {
        Files.deleteIfExists(p);
      }
    }
    return new ChunkFiles(dir, segmentBytes);
  }

  public Path dir() {
    return dir;
  }

  /** The size at which the head writes a {@link Batch}: large writes, a bounded buffer. */
  public int batchBytes() {
    return BATCH_BYTES;
  }

  /** The longest chunk these files take: {@link #MAX_CHUNK_BYTES}, or what fits a segment. */
  public int maxChunkBytes() {
    return Math.min(MAX_CHUNK_BYTES, segmentBytes - HEADER_BYTES);
  }

  /** The mappings as of now; see the class comment. */
  public Segments segments() {
    return segments;
  }

  /**
   * Writes every chunk of {@code batch}, starting new segments as they fill, and assigns each chunk
   * its reference ({@link Batch#ref}). On an I/O error the caller must not use any reference of the
   * batch and keeps the chunks in memory; what was written is left to the segments' deletion.
   *
   * @throws IOException if a segment could not be created or written (disk full, ...)
   */
  public synchronized void write(Batch batch) throws IOException {
    if (closed) {
      throw new IOException("chunk files in " + dir + " are closed");
    }
    try {
      int i = 0;
      while (i < batch.chunks) {
        if (current == null || writePos + batch.length(i) > segmentBytes) {
          cutSegment();
        }
        // The longest run of chunks that fits the segment, in one write.
        int j = i;
        long end = writePos;
        long maxT = Long.MIN_VALUE;
        while (j < batch.chunks && end + batch.length(j) <= segmentBytes) {
          batch.refs[j] = ((long) currentSeq << 32) | end;
          end += batch.length(j);
          maxT = Math.max(maxT, batch.maxTimes[j]);
          j++;
        }
        ByteBuffer src = ByteBuffer.wrap(batch.buf, batch.offsets[i], (int) (end - writePos));
        long pos = writePos;
        while (src.hasRemaining()) {
          pos += current.write(src, pos);
        }
        liveBytes += end - writePos;
        writePos = end;
        int slot = currentSeq - segments.base;
        maxTimes[slot] = Math.max(maxTimes[slot], maxT);
        i = j;
      }
    } catch (IOException e) {
      writeFailures++;
      throw e;
    }
  }

  /** Starts the next segment: a sparse file of the full size, mapped read-only at once. */
  private void cutSegment() throws IOException {
    int seq = current == null && segments.buffers.length == 0 ? segments.base : currentSeq + 1;
    Path file = dir.resolve(String.format("%08d", seq));
    FileChannel ch =
        FileChannel.open(
            file,
            StandardOpenOption.CREATE_NEW,
            StandardOpenOption.READ,
            StandardOpenOption.WRITE);
    MappedByteBuffer map;
    try {
      ch.write(ByteBuffer.wrap(HEADER), 0);
      // Sized up front so the read-only mapping covers every chunk the segment will hold; the
      // file stays sparse, and is cut back to what it holds when the next segment starts.
      ch.write(ByteBuffer.wrap(new byte[1]), segmentBytes - 1L);
      map = ch.map(FileChannel.MapMode.READ_ONLY, 0, segmentBytes);
    } catch (IOException | RuntimeException e) {
      ch.close();
      Files.deleteIfExists(file);
      throw e;
    }
    if (current != null) {
      finishCurrent();
    }
    Segments old = segments;
    int n = seq - old.base + 1;
    ByteBuffer[] buffers = Arrays.copyOf(old.buffers, n);
    buffers[n - 1] = map;
    maxTimes = Arrays.copyOf(maxTimes, n);
    maxTimes[n - 1] = Long.MIN_VALUE;
    current = ch;
    currentSeq = seq;
    writePos = HEADER_BYTES;
    liveBytes += HEADER_BYTES;
    segments = new Segments(old.base, buffers);
  }

  /** Cuts the finished segment's file back to what it holds (no reader looks past that). */
  private void finishCurrent() {
    try {
      current.truncate(writePos);
    } catch (IOException e) {
      // Only apparent size: the tail was never written, so it takes no disk space.
    }
    closeQuietly(current);
    current = null;
  }

  /**
   * Deletes the segments, except the one being written, whose chunks all end before {@code mintMs}.
   * The head must have dropped its entries for those chunks first (readers holding a snapshot keep
   * their mappings). Returns how many segments were deleted.
   */
  public synchronized int removeBefore(long mintMs) {
    Segments old = segments;
    int drop = 0;
    while (drop < old.buffers.length
        && old.base + drop != currentSeq
        && maxTimes[drop] < mintMs) {
      drop++;
    }
    if (drop == 0) {
      return 0;
    }
    for (int i = 0; i < drop; i++) {
      int seq = old.base + i;
      Path file = dir.resolve(String.format("%08d", seq));
      try {
        liveBytes -= Files.size(file);
        Files.deleteIfExists(file);
      } catch (IOException e) {
        throw new UncheckedIOException("deleting " + file, e);
      }
    }
    maxTimes = Arrays.copyOfRange(maxTimes, drop, maxTimes.length);
    segments = new Segments(old.base + drop, Arrays.copyOfRange(old.buffers, drop, old.buffers.length));
    return drop;
  }

  /** Bytes in the live segments (headers included). */
  public synchronized long sizeBytes() {
    return liveBytes;
  }

  /** Live segment files. */
  public synchronized int numSegments() {
    return segments.buffers.length;
  }

  /** Batches that could not be written (their chunks stayed in memory). */
  public synchronized long writeFailures() {
    return writeFailures;
  }

  /** Closes the segment being written; the mappings stay readable until unreachable. */
  @Override
  public synchronized void close() {
    closed = true;
    if (current != null) {
      finishCurrent();
    }
  }

  private static void closeQuietly(FileChannel ch) {
    try {
      ch.close();
    } catch (IOException ignored) {
      // nothing left to release
    }
  }

  /**
   * The segments' read-only mappings at one moment: segment {@code seq} is {@code buffers[seq -
   * base]}. Immutable; holding it keeps the mappings alive.
   */
  public static final class Segments {
    final int base;
    final ByteBuffer[] buffers;

    Segments(int base, ByteBuffer[] buffers) {
      this.base = base;
      this.buffers = buffers;
    }

    /** Copies {@code len} bytes of the chunk at {@code ref} into {@code dst} from index 0. */
    void read(long ref, byte[] dst, int len) {
      int slot = (int) (ref >>> 32) - base;
      if (slot < 0 || slot >= buffers.length) {
        throw new IllegalStateException("chunk segment " + (ref >>> 32) + " is not mapped");
      }
      buffers[slot].get((int) ref, dst, 0, len);
    }
  }

  /**
   * Chunks gathered for one {@link #write}: their bytes back to back, their times, and after the
   * write their references. Not thread-safe; reusable after {@link #clear()}.
   */
  public static final class Batch {
    byte[] buf = new byte[64 << 10];
    int size;
    int chunks;
    int[] offsets = new int[256];
    long[] maxTimes = new long[256];
    long[] refs = new long[256];

    /** Adds a chunk's bytes (at most {@link #MAX_CHUNK_BYTES}); returns its index in the batch. */
    int add(byte[] src, int off, int len, long maxTimeMs) {
      if (len > MAX_CHUNK_BYTES) {
        throw new IllegalArgumentException("chunk of " + len + " bytes is too long for the files");
      }
      if (size + len > buf.length) {
        buf = Arrays.copyOf(buf, Math.max(size + len, buf.length * 2));
      }
      if (chunks == offsets.length) {
        int n = chunks * 2;
        offsets = Arrays.copyOf(offsets, n);
        maxTimes = Arrays.copyOf(maxTimes, n);
        refs = Arrays.copyOf(refs, n);
      }
      System.arraycopy(src, off, buf, size, len);
      offsets[chunks] = size;
      maxTimes[chunks] = maxTimeMs;
      size += len;
      return chunks++;
    }

    int length(int i) {
      return (i + 1 < chunks ? offsets[i + 1] : size) - offsets[i];
    }

    /** The reference of chunk {@code i} after a successful {@link ChunkFiles#write}. */
    long ref(int i) {
      return refs[i];
    }

    /** Bytes gathered so far. */
    public int size() {
      return size;
    }

    public int chunks() {
      return chunks;
    }

    public void clear() {
      size = 0;
      chunks = 0;
      if (buf.length > BATCH_BYTES * 2) {
        buf = new byte[64 << 10]; // a rare huge batch does not stay pinned
      }
    }
  }
}
