package io.promfed.scrape;

import java.util.Arrays;

/**
 * A growable byte buffer for one scrape body, backed by arrays from the shared {@link
 * ScrapeBufferPool}: it takes an array when first written, sized from the previous body, and hands
 * it back on {@link #release()}, so a steady target allocates no new body buffer and an idle loop
 * holds none. Not thread-safe: one writer, then one reader.
 */
final class ScrapeBuffer {

  private final ScrapeBufferPool pool;
  private final int sizeHint;
  private byte[] bytes; // null while released
  private int length;

  /**
   * @param sizeHint the expected size (the previous body's), so most bodies need no regrowth
   */
  ScrapeBuffer(ScrapeBufferPool pool, int sizeHint) {
    this.pool = pool;
    this.sizeHint = sizeHint;
  }

  /** The current array (taken from the pool if none is held); valid until it grows or is released. */
  byte[] bytes() {
    if (bytes == null) {
      bytes = pool.take(sizeHint + (sizeHint >>> 3));
    }
    return bytes;
  }

  int length() {
    return length;
  }

  void clear() {
    length = 0;
  }

  void append(byte[] src, int off, int len) {
    ensureFree(len);
    System.arraycopy(src, off, bytes, length, len);
    length += len;
  }

  /** Makes room for at least {@code n} more bytes. */
  void ensureFree(int n) {
    byte[] b = bytes();
    if ((long) length + n > b.length) {
      long want = Math.max((long) length + n, (long) b.length * 2);
      if (want > Integer.MAX_VALUE - 16) {
        throw new IllegalStateException("scrape body over 2 GB");
      }
      byte[] grown = pool.take((int) want);
      System.arraycopy(b, 0, grown, 0, length);
      bytes = grown;
      pool.give(b);
    }
  }

  /** Free space at the end, for direct writes followed by {@link #advance}. */
  int free() {
    return bytes().length - length;
  }

  void advance(int n) {
    length += n;
  }

  /** Hands the array back to the pool; the bytes must no longer be read. */
  void release() {
    if (bytes != null) {
      pool.give(bytes);
      bytes = null;
    }
    length = 0;
  }
}
