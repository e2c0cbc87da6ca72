package io.promfed.tsdb.chunkenc;

import java.util.Arrays;

/**
 * The closed chunks of one series, packed back to back in one growable {@code byte[]} with a
 * primitive index: the head's in-memory counterpart of Prometheus's m-mapped head chunks; with
 * {@link ChunkFiles}, the older ones are only indexed here and their bytes are on disk.
 *
 * <p><b>Why.</b> A closed 120-sample XOR chunk of a regular 15 s series encodes in about 140 bytes,
 * 1.2 bytes per sample. Kept as its own {@link XorChunk} it also costs a 40-byte object, a 16-byte
 * array header and alignment padding, about 57 bytes more, which took the heap cost to 1.68 bytes
 * per sample (issue #3 wants at most 1.5). Packed, a chunk costs its encoded bytes plus one {@code
 * long} of index, and the series pays for one small object and two array headers in all.
 *
 * <p><b>Layout.</b> {@code bytes} holds the live chunks in time order, each in Prometheus's chunk
 * encoding (tsdb/chunkenc/xor.go): a 2-byte big-endian sample count, then the XOR bit stream
 * rounded up to whole bytes. {@code index[i]} describes chunk {@code i} as {@code startByte << 32 |
 * spanMs}, where {@code spanMs = maxTime - minTime} as an unsigned 32-bit number; the minimum time
 * is not stored because it is the stream's first value (a zig-zag varint), and the end of a chunk
 * is the start of the next one (or {@code endByte}). Chunks {@code first .. end-1} of the index are
 * live; retention truncation drops chunks from the front by advancing {@code first}, leaving dead
 * bytes in front of the live ones until the next compaction.
 *
 * <p><b>Growth and compaction.</b> An appended chunk goes into spare capacity if there is some;
 * otherwise the live chunks are copied into new arrays (dropping the dead prefix, rebasing the
 * offsets) with the room for it. Up to {@value #EXACT_FIT_MAX_BYTES} bytes (about 14 h of a 15 s
 * series) the new arrays fit exactly: a copy of a few KiB per chunk cut (every 30 min at 15 s) is
 * cheap, and spare capacity would cost a tenth of the density. Beyond that they get 1/8 spare so
 * long retentions copy each byte a bounded number of times. Truncation compacts at once when more
 * than 1/8 of the array is dead, so a series that stopped receiving samples shrinks too.
 *
 * <p><b>On disk.</b> With {@link ChunkFiles} (the head has a storage path), the head's periodic
 * truncation moves the closed chunks to disk ({@link #gatherForDisk}, then {@link #movedToDisk}
 * once written), and only a 24-byte entry per chunk stays here: {@code disk[3i]} the min time,
 * {@code disk[3i+1]} the chunk's reference in the files, {@code disk[3i+2]} {@code spanMs << 32
 * | numSamples << 16 | length}. Chunks {@code dFirst .. dEnd-1} are live; they are all older than
 * the chunks in {@code bytes}, so the series' closed chunks are those on disk, then the packed
 * ones. Views read the chunks on disk through the {@link ChunkFiles.Segments} taken with them.
 *
 * <p><b>Concurrency.</b> Not thread-safe for writers: the head calls {@link #append} and {@link
 * #truncateBefore} under the series lock. Readers take a {@link View} under the same lock and read
 * it afterwards without locking, while the series goes on. This is safe because the bytes and index
 * entries a view covers are never written again: appends write only beyond {@code endByte} and
 * {@code end}, truncation writes nothing, and compaction copies into new arrays, leaving the old
 * ones to the views that pin them. The lock's happens-before edge publishes what the view covers.
 */
public final class PackedChunks {

  /** Prometheus's chunk header: the sample count as a big-endian uint16. */
  public static final int HEADER_BYTES = 2;

  /** The longest span a chunk may cover so that {@code maxTime - minTime} fits the index. */
  public static final long MAX_SPAN_MS = 0xffffffffL;

  /** Arrays up to this size are reallocated to fit exactly; see the class comment. */
  static final int EXACT_FIT_MAX_BYTES = 16 * 1024;

  /** Bit positions in a cursor are ints: keep byte offsets below 2^28. */
  static final int MAX_BYTES = 1 << 28;

  /** Shallow size with compressed oops: 12-byte header, three references, five ints = 44, aligned. */
  static final long SHALLOW_BYTES = 48;

  private static final int DISK_STRIDE = 3;

  private static final byte[] NO_BYTES = new byte[0];
  private static final long[] NO_INDEX = new long[0];

  private byte[] bytes = NO_BYTES;
  private long[] index = NO_INDEX;
  private int first;
  private int end;
  private int endByte;

  private long[] disk = NO_INDEX;
  private int dFirst;
  private int dEnd;

  /** An empty store; it allocates nothing until the first chunk arrives. */
  public PackedChunks() {}

  /**
   * Appends a copy of {@code chunk}, which must be non-empty, start after the last live chunk ends,
   * hold at most {@link XorChunk#MAX_SAMPLES} samples and span at most {@link #MAX_SPAN_MS}. The
   * chunk itself is left as it is (the head restarts its stream).
   */
  public void append(XorStream chunk) {
    int n = chunk.numSamples;
    if (n == 0 || n > XorChunk.MAX_SAMPLES) {
      throw new IllegalArgumentException("chunk must hold 1.." + XorChunk.MAX_SAMPLES + " samples");
    }
    long span = chunk.maxTimeMs - chunk.minTimeMs;
    if (Long.compareUnsigned(span, MAX_SPAN_MS) > 0) {
      throw new IllegalArgumentException("chunk spans more than " + MAX_SPAN_MS + " ms: " + span);
    }
    if (!isEmpty() && chunk.minTimeMs <= newestMaxTimeMs()) {
      throw new IllegalArgumentException("chunk does not start after the last one");
    }
    int streamBytes = chunk.streamByteLength();
    int len = HEADER_BYTES + streamBytes;
    ensureRoom(len);
    byte[] b = bytes;
    b[endByte] = (byte) (n >>> 8);
    b[endByte + 1] = (byte) n;
    System.arraycopy(chunk.bytes, 0, b, endByte + HEADER_BYTES, streamBytes);
    index[end++] = ((long) endByte << 32) | span;
    endByte += len;
  }

  /**
   * Makes room for {@code len} more bytes and one more index entry: in place if both arrays have
   * spare capacity (views never read past their own end, so writing there is safe), otherwise by
   * copying into new arrays.
   */
  private void ensureRoom(int len) {
    boolean bytesFit = endByte + len <= bytes.length;
    if (bytesFit && end < index.length) {
      return;
    }
    int liveStart = startByte(first);
    int liveBytes = endByte - liveStart;
    if (liveBytes + (long) len > MAX_BYTES) {
      throw new IllegalStateException("series holds more than " + MAX_BYTES + " bytes of chunks");
    }
    int chunks = end - first;
    if (bytesFit) {
      // Only the index is full (it had no spare while the bytes had some): grow it alone.
      index = Arrays.copyOfRange(index, first, first + capacity(chunks + 1, endByte));
      first = 0;
      end = chunks;
      return;
    }
    relocate(liveStart, liveBytes, len, chunks + 1);
  }

  /**
   * Copies the live chunks to the front of new arrays with room for {@code extraBytes} more bytes
   * and {@code indexNeed} entries in all, and rebases their offsets. The old arrays are left intact
   * for views that still read them.
   */
  private void relocate(int liveStart, int liveBytes, int extraBytes, int indexNeed) {
    int need = liveBytes + extraBytes;
    byte[] nb = new byte[capacity(need, need)];
    System.arraycopy(bytes, liveStart, nb, 0, liveBytes);
    long[] ni = new long[capacity(indexNeed, need)];
    int chunks = end - first;
    long rebase = (long) liveStart << 32;
    for (int i = 0; i < chunks; i++) {
      ni[i] = index[first + i] - rebase;
    }
    bytes = nb;
    index = ni;
    first = 0;
    end = chunks;
    endByte = liveBytes;
  }

  /**
   * Capacity for {@code need} elements of an array that sits beside {@code bytesNeed} bytes of
   * chunks: exact while the chunks are small, 1/8 spare beyond.
   */
  private static int capacity(int need, int bytesNeed) {
    if (bytesNeed <= EXACT_FIT_MAX_BYTES) {
      return need;
    }
    return (int) Math.min(Integer.MAX_VALUE - 16, need + (long) (need >>> 3) + 1);
  }

  /**
   * Drops the chunks whose last sample is before {@code mintMs} (whole chunks only, from the front,
   * as Prometheus's {@code truncateChunksBefore}). Returns how many were dropped.
   */
  public int truncateBefore(long mintMs) {
    int droppedOnDisk = truncateOnDiskBefore(mintMs);
    if (dEnd > dFirst) {
      return droppedOnDisk; // the packed chunks are all newer than a live disk one
    }
    int keep = firstEndingAtOrAfter(mintMs);
    int dropped = keep - first;
    if (dropped > 0) {
      dropPacked(keep);
    }
    return droppedOnDisk + dropped;
  }

  /** Index of the first live disk chunk with max time {@code >= t}, or {@code dEnd}. */
  private int firstOnDiskEndingAtOrAfter(long t) {
    int lo = dFirst;
    int hi = dEnd;
    while (lo < hi) {
      int mid = (lo + hi) >>> 1;
      if (diskMaxTimeMs(disk, mid) < t) {
        lo = mid + 1;
      } else {
        hi = mid;
      }
    }
    return lo;
  }

  /** Index of the first live chunk on disk at or after {@code from} with min time {@code > t}. */
  private int firstOnDiskStartingAfter(int from, long t) {
    int lo = from;
    int hi = dEnd;
    while (lo < hi) {
      int mid = (lo + hi) >>> 1;
      if (disk[mid * DISK_STRIDE] <= t) {
        lo = mid + 1;
      } else {
        hi = mid;
      }
    }
    return lo;
  }

  private int truncateOnDiskBefore(long mintMs) {
    int lo = firstOnDiskEndingAtOrAfter(mintMs);
    int dropped = lo - dFirst;
    dFirst = lo;
    if (dFirst == dEnd) {
      disk = NO_INDEX;
      dFirst = 0;
      dEnd = 0;
    } else if (dropped > 0 && dFirst * DISK_STRIDE > disk.length >>> 3) {
      disk = Arrays.copyOfRange(disk, dFirst * DISK_STRIDE, dEnd * DISK_STRIDE);
      dEnd -= dFirst;
      dFirst = 0;
    }
    return dropped;
  }

  /** Drops the packed chunks before {@code keep}: the shared tail of truncation and moving out. */
  private void dropPacked(int keep) {
    first = keep;
    if (first == end) {
      bytes = NO_BYTES;
      index = NO_INDEX;
      first = 0;
      end = 0;
      endByte = 0;
    } else {
      int liveStart = startByte(first);
      if (liveStart > bytes.length >>> 3) {
        relocate(liveStart, endByte - liveStart, 0, end - first);
      }
    }
  }

  /**
   * Adds the packed chunks, oldest first, to {@code batch}, up to the first longer than {@code
   * maxChunkBytes} (which stays here, and the chunks after it too); returns how many. Nothing
   * changes here until the batch is written and {@link #movedToDisk} is called with the same count.
   */
  public int gatherForDisk(ChunkFiles.Batch batch, int maxChunkBytes) {
    int n = 0;
    for (int i = first; i < end; i++) {
      int start = startByte(i);
      int len = startByte(i + 1) - start;
      if (len > maxChunkBytes) {
        break;
      }
      batch.add(bytes, start, len, maxTimeMs(i));
      n++;
    }
    return n;
  }

  /**
   * Replaces the {@code n} oldest packed chunks, gathered by {@link #gatherForDisk} into {@code
   * batch} from index {@code firstInBatch} and written since, by their entries on disk. Only
   * truncation drops chunks from the front, and the head runs both in its truncation, so these are
   * still the chunks gathered (appends only add newer ones). Returns the heap bytes this store takes
   * less now (as {@link #ramBytesUsed()}).
   */
  public long movedToDisk(int n, ChunkFiles.Batch batch, int firstInBatch) {
    if (n <= 0) {
      return 0;
    }
    long before = ramBytesUsed();
    if (n > end - first) {
      throw new IllegalStateException("moved " + n + " chunks, " + (end - first) + " are packed");
    }
    int live = dEnd - dFirst;
    if ((dEnd + n) * DISK_STRIDE > disk.length) {
      int need = live + n;
      long[] nm = new long[(need + (need >>> 3) + 1) * DISK_STRIDE];
      System.arraycopy(disk, dFirst * DISK_STRIDE, nm, 0, live * DISK_STRIDE);
      disk = nm;
      dFirst = 0;
      dEnd = live;
    }
    for (int k = 0; k < n; k++) {
      int i = first + k;
      int start = startByte(i);
      int len = startByte(i + 1) - start;
      int at = (dEnd + k) * DISK_STRIDE;
      disk[at] = minTimeMs(i);
      disk[at + 1] = batch.ref(firstInBatch + k);
      disk[at + 2] =
          (index[i] & MAX_SPAN_MS) << 32 | (long) numSamples(bytes, index, i) << 16 | len;
    }
    dEnd += n;
    dropPacked(first + n);
    return before - ramBytesUsed();
  }

  /** Chunks kept on disk (their entries here). */
  public int numChunksOnDisk() {
    return dEnd - dFirst;
  }

  /** Index of the first live chunk with max time {@code >= t}, or {@code end}. */
  private int firstEndingAtOrAfter(long t) {
    int lo = first;
    int hi = end;
    while (lo < hi) {
      int mid = (lo + hi) >>> 1;
      if (maxTimeMs(mid) < t) {
        lo = mid + 1;
      } else {
        hi = mid;
      }
    }
    return lo;
  }

  /** Index of the first live chunk at or after {@code from} with min time {@code > t}, or end. */
  private int firstStartingAfter(int from, long t) {
    int lo = from;
    int hi = end;
    while (lo < hi) {
      int mid = (lo + hi) >>> 1;
      if (minTimeMs(mid) <= t) {
        lo = mid + 1;
      } else {
        hi = mid;
      }
    }
    return lo;
  }

  /**
   * The live chunks overlapping {@code [mintMs, maxtMs]} as an immutable view, or null if none
   * does. Take it under the lock that guards the writes; read it anywhere afterwards.
   */
  public View view(long mintMs, long maxtMs) {
    return view(mintMs, maxtMs, null);
  }

  /**
   * {@link #view(long, long)} of a store whose older chunks may be on disk in {@code files}
   * (required when any is); the view holds the files' current segments.
   */
  public View view(long mintMs, long maxtMs, ChunkFiles files) {
    int dFrom = dFirst;
    int dTo = dEnd;
    if (dEnd > dFirst) {
      dFrom = firstOnDiskEndingAtOrAfter(mintMs);
      dTo = firstOnDiskStartingAfter(dFrom, maxtMs);
    }
    int from = firstEndingAtOrAfter(mintMs);
    int to = firstStartingAfter(from, maxtMs);
    if (dFrom >= dTo) {
      return from < to ? new View(bytes, index, from, to, NO_INDEX, 0, 0, null) : null;
    }
    if (files == null) {
      throw new IllegalStateException("chunks on disk, but no chunk files given");
    }
    return new View(bytes, index, from, to, disk, dFrom, dTo, files.segments());
  }

  /** Total samples in the live chunks from the first chunk of {@code v} to the last live chunk. */
  public long numSamplesFrom(View v) {
    long n = 0;
    if (v.dTo > v.dFrom) {
      for (int i = v.dFrom; i < dEnd; i++) {
        n += diskNumSamples(disk, i);
      }
      for (int i = first; i < end; i++) {
        n += numSamples(bytes, index, i);
      }
      return n;
    }
    for (int i = v.from; i < end; i++) {
      n += numSamples(bytes, index, i);
    }
    return n;
  }

  public boolean isEmpty() {
    return first == end && dFirst == dEnd;
  }

  /** Max time of the newest live chunk: the last packed one, else the last on disk. */
  private long newestMaxTimeMs() {
    return end > first ? maxTimeMs(end - 1) : diskMaxTimeMs(disk, dEnd - 1);
  }

  public int numChunks() {
    return (dEnd - dFirst) + (end - first);
  }

  /** Min time of the {@code k}-th live chunk (0 is the oldest). */
  public long chunkMinTimeMs(int k) {
    int m = dEnd - dFirst;
    return k < m ? disk[(dFirst + k) * DISK_STRIDE] : minTimeMs(first + k - m);
  }

  /** Max time of the {@code k}-th live chunk (0 is the oldest). */
  public long chunkMaxTimeMs(int k) {
    int m = dEnd - dFirst;
    return k < m ? diskMaxTimeMs(disk, dFirst + k) : maxTimeMs(first + k - m);
  }

  /** Samples of the {@code k}-th live chunk (0 is the oldest). */
  public int chunkNumSamples(int k) {
    int m = dEnd - dFirst;
    return k < m ? diskNumSamples(disk, dFirst + k) : numSamples(bytes, index, first + k - m);
  }

  /**
   * Encoded bytes of the live chunks in Prometheus's format, 2-byte headers included, those on disk
   * too.
   */
  public long encodedBytes() {
    long n = endByte - startByte(first);
    for (int i = dFirst; i < dEnd; i++) {
      n += disk[i * DISK_STRIDE + 2] & 0xffff;
    }
    return n;
  }

  /**
   * Heap bytes: this object and both arrays, with their headers, spare capacity, dead prefix and
   * alignment padding (compressed oops: 16-byte array headers, 8-byte alignment). The shared empty
   * arrays of an empty store cost nothing.
   */
  public long ramBytesUsed() {
    long r = SHALLOW_BYTES;
    if (bytes.length > 0) {
      r += align(16L + bytes.length);
    }
    if (index.length > 0) {
      r += align(16L + 8L * index.length);
    }
    if (disk.length > 0) {
      r += align(16L + 8L * disk.length);
    }
    return r;
  }

  private int startByte(int i) {
    return i < end ? (int) (index[i] >>> 32) : endByte;
  }

  private long minTimeMs(int i) {
    return minTimeMs(bytes, index, i);
  }

  private long maxTimeMs(int i) {
    return maxTimeMs(bytes, index, i);
  }

  static int numSamples(byte[] bytes, long[] index, int i) {
    int s = (int) (index[i] >>> 32);
    return ((bytes[s] & 0xff) << 8) | (bytes[s + 1] & 0xff);
  }

  /** The first timestamp, a zig-zag varint at the (byte-aligned) start of the stream. */
  static long minTimeMs(byte[] bytes, long[] index, int i) {
    int p = (int) (index[i] >>> 32) + HEADER_BYTES;
    long x = 0;
    for (int shift = 0; ; shift += 7) {
      int by = bytes[p++] & 0xff;
      x |= (long) (by & 0x7f) << shift;
      if (by < 0x80) {
        break;
      }
    }
    return (x >>> 1) ^ -(x & 1);
  }

  static long maxTimeMs(byte[] bytes, long[] index, int i) {
    return minTimeMs(bytes, index, i) + (index[i] & MAX_SPAN_MS);
  }

  static long diskMaxTimeMs(long[] disk, int i) {
    return disk[i * DISK_STRIDE] + (disk[i * DISK_STRIDE + 2] >>> 32);
  }

  static int diskNumSamples(long[] disk, int i) {
    return (int) (disk[i * DISK_STRIDE + 2] >>> 16) & 0xffff;
  }

  private static long align(long n) {
    return (n + 7) & ~7L;
  }

  /**
   * An immutable range of packed chunks, pinned by a reader: the arrays as they were when the view
   * was taken and the chunks {@code from .. to-1} of them. Chunk {@code k} of the view is chunk
   * {@code from + k} of the index. Thread-safe once published.
   */
  public static final class View {

    private final byte[] bytes;
    private final long[] index;
    private final int from;
    private final int to;
    private final long[] disk;
    private final int dFrom;
    private final int dTo;
    private final ChunkFiles.Segments segments;

    View(
        byte[] bytes,
        long[] index,
        int from,
        int to,
        long[] disk,
        int dFrom,
        int dTo,
        ChunkFiles.Segments segments) {
      this.bytes = bytes;
      this.index = index;
      this.from = from;
      this.to = to;
      this.disk = disk;
      this.dFrom = dFrom;
      this.dTo = dTo;
      this.segments = segments;
    }

    public int numChunks() {
      return (dTo - dFrom) + (to - from);
    }

    public long minTimeMs(int k) {
      int m = dTo - dFrom;
      return k < m
          ? disk[(dFrom + k) * DISK_STRIDE]
          : PackedChunks.minTimeMs(bytes, index, from + k - m);
    }

    public long maxTimeMs(int k) {
      int m = dTo - dFrom;
      return k < m
          ? diskMaxTimeMs(disk, dFrom + k)
          : PackedChunks.maxTimeMs(bytes, index, from + k - m);
    }

    public int numSamples(int k) {
      int m = dTo - dFrom;
      return k < m
          ? diskNumSamples(disk, dFrom + k)
          : PackedChunks.numSamples(bytes, index, from + k - m);
    }

    /**
     * Positions {@code cursor} before the first sample of chunk {@code k}; returns it. A chunk on
     * disk is copied into the cursor's own buffer first.
     */
    public XorCursor reset(XorCursor cursor, int k) {
      int m = dTo - dFrom;
      if (k < m) {
        int at = (dFrom + k) * DISK_STRIDE;
        int len = (int) disk[at + 2] & 0xffff;
        byte[] buf = cursor.scratch(len);
        segments.read(disk[at + 1], buf, len);
        return cursor.reset(buf, HEADER_BYTES, numSamples(k));
      }
      int i = from + k - m;
      int s = (int) (index[i] >>> 32);
      return cursor.reset(bytes, s + HEADER_BYTES, numSamples(k));
    }
  }
}
