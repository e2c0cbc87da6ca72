package io.promfed.tsdb.chunkenc;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.ByteBuffer;
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
 * in batches and read back with positional reads ({@code pwrite}/{@code pread}), not through a
 * memory mapping as Prometheus does: the pages stay in the page cache, which the kernel reclaims
 * as it needs, and never count towards the process's resident memory. With a mapping, every chunk
 * the periodic WAL checkpoint reads back would stay mapped, and the resident memory would climb
 * back to what the chunks take, the very memory this class takes out of the heap. A read costs a
 * system call per chunk, about a microsecond; queries over recent data read the head chunk, which
 * is in memory.
 *
 * <p><b>Lifetime.</b> The files are a cache of the head, not a second log: the write-ahead log
 * holds every sample again, so {@link #open} deletes what a previous process left and the replay
 * rebuilds the head (no checksums are needed for a file never read after a restart). A segment is
 * deleted once every chunk in it ended before the retention ({@link #removeBefore}); the head drops
 * its index entries first, in the same truncation.
 *
 * <p><b>Readers.</b> {@link #segments()} is an immutable snapshot of the segments' open files. A
 * reader takes it together with the index entries it reads (under the series lock) and can read
 * them as long as it holds it, even after their files are deleted: a deleted segment's channel is
 * not closed but dropped, and the JVM closes a channel's descriptor once it is unreachable, never
 * under a reader. (Segments are deleted once per segment's worth of chunks, so few descriptors wait
 * for a collection.)
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
  private long[] sizes = new long[0]; // by seq - segments.base, the bytes written to the segment
  private long liveBytes;
  private long writeFailures;
  private boolean closed;

  private volatile Segments segments = new Segments(1, new FileChannel[0]);

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

  /** The longest chunk these files take: {@link #MAX_CHUNK_BYTES}, or what fits a segment. */
  public int maxChunkBytes() {
    return Math.min(MAX_CHUNK_BYTES, segmentBytes - HEADER_BYTES);
  }

  /** The segments as of now; see the class comment. */
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
        if (batch.length(i) > maxChunkBytes()) {
          throw new IllegalArgumentException(
              "chunk of " + batch.length(i) + " bytes does not fit a segment of " + segmentBytes);
        }
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
        int slot = currentSeq - segments.base;
        sizes[slot] += end - writePos;
        liveBytes += end - writePos;
        writePos = end;
        maxTimes[slot] = Math.max(maxTimes[slot], maxT);
        i = j;
      }
    } catch (IOException e) {
      writeFailures++;
      throw e;
    }
  }

  /** Starts the next segment. */
  private void cutSegment() throws IOException {
    int seq = current == null && segments.files.length == 0 ? segments.base : currentSeq + 1;
    Path file = dir.resolve(String.format("%08d", seq));
    FileChannel ch =
        FileChannel.open(
            file, StandardOpenOption.CREATE_NEW, StandardOpenOption.READ, StandardOpenOption.WRITE);
    try {
      ch.write(ByteBuffer.wrap(HEADER), 0);
    } catch (IOException e) {
      ch.close();
      Files.deleteIfExists(file);
      throw e;
    }
    Segments old = segments;
    int n = seq - old.base + 1;
    FileChannel[] files = Arrays.copyOf(old.files, n);
    files[n - 1] = ch;
    maxTimes = Arrays.copyOf(maxTimes, n);
    maxTimes[n - 1] = Long.MIN_VALUE;
    sizes = Arrays.copyOf(sizes, n);
    sizes[n - 1] = HEADER_BYTES;
    current = ch; // the finished segment's channel stays open for readers
    currentSeq = seq;
    writePos = HEADER_BYTES;
    liveBytes += HEADER_BYTES;
    segments = new Segments(old.base, files);
  }

  /**
   * Deletes the segments, except the one being written, whose chunks all end before {@code mintMs}.
   * The head must have dropped its entries for those chunks first (readers holding a snapshot keep
   * reading them). Returns how many segments were deleted.
   */
  public synchronized int removeBefore(long mintMs) {
    Segments old = segments;
    int drop = 0;
    while (drop < old.files.length
        && old.base + drop != currentSeq
        && maxTimes[drop] < mintMs) {
      drop++;
    }
    // Forgets each segment as soon as its file is gone, so a failure part way leaves a consistent
    // state for the next try.
    int deleted = 0;
    UncheckedIOException failure = null;
    for (; deleted < drop; deleted++) {
      Path file = dir.resolve(String.format("%08d", old.base + deleted));
      try {
        Files.deleteIfExists(file);
        liveBytes -= sizes[deleted];
      } catch (IOException e) {
        failure = new UncheckedIOException("deleting " + file, e);
        break;
      }
    }
    if (deleted > 0) {
      maxTimes = Arrays.copyOfRange(maxTimes, deleted, maxTimes.length);
      sizes = Arrays.copyOfRange(sizes, deleted, sizes.length);
      segments =
          new Segments(old.base + deleted, Arrays.copyOfRange(old.files, deleted, old.files.length));
    }
    if (failure != null) {
      throw failure;
    }
    return deleted;
  }

  /** Bytes in the live segments (headers included). */
  public synchronized long sizeBytes() {
    return liveBytes;
  }

  /** Live segment files. */
  public synchronized int numSegments() {
    return segments.files.length;
  }

  /** Batches that could not be written (their chunks stayed in memory). */
  public synchronized long writeFailures() {
    return writeFailures;
  }

  /**
   * Refuses further writes. The segments stay readable for readers that hold them: the head is
   * closed with the process, and a channel is closed once unreachable.
   */
  @Override
  public synchronized void close() {
    closed = true;
    current = null;
  }

  /**
   * The segments' files at one moment: segment {@code seq} is {@code files[seq - base]}. Immutable;
   * holding it keeps the files readable.
   */
  public static final class Segments {
    final int base;
    final FileChannel[] files;

    Segments(int base, FileChannel[] files) {
      this.base = base;
      this.files = files;
    }

    /**
     * Copies {@code len} bytes of the chunk at {@code ref} into {@code dst} from index 0.
     *
     * @throws UncheckedIOException if the file cannot be read (a disk error)
     */
    void read(long ref, byte[] dst, int len) {
      int slot = (int) (ref >>> 32) - base;
      if (slot < 0 || slot >= files.length) {
        throw new IllegalStateException("chunk segment " + (ref >>> 32) + " is not open");
      }
      ByteBuffer b = ByteBuffer.wrap(dst, 0, len);
      long pos = ref & 0xffffffffL;
      try {
        while (b.hasRemaining()) {
          int n = files[slot].read(b, pos + b.position());
          if (n < 0) {
            throw new IOException(
                "chunk at " + pos + " runs past the end of segment " + (ref >>> 32));
          }
        }
      } catch (IOException e) {
        throw new UncheckedIOException("reading a chunk of segment " + (ref >>> 32), e);
      }
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
