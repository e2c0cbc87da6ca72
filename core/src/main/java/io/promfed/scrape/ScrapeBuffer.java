package io.promfed.scrape;

import java.util.Arrays;

/**
 * A growable byte buffer owned by one scrape loop and reused scrape after scrape, so a steady
 * target costs no new body allocation (STYLE: buffers belong to the loop that uses them). Not
 * thread-safe; at most one scrape of a target is in flight at a time.
 */
final class ScrapeBuffer {

  private byte[] bytes;
  private int length;

  ScrapeBuffer(int initialCapacity) {
    this.bytes = new byte[Math.max(256, initialCapacity)];
  }

  byte[] bytes() {
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
    if (length + n > bytes.length) {
      long want = Math.max((long) bytes.length * 2, (long) length + n);
      bytes = Arrays.copyOf(bytes, (int) Math.min(want, Integer.MAX_VALUE - 16));
    }
  }

  /** Free space at the end, for direct writes followed by {@link #advance}. */
  int free() {
    return bytes.length - length;
  }

  void advance(int n) {
    length += n;
  }

  /**
   * Shrinks a buffer that a single huge scrape blew up, once the target is back to normal size,
   * so one spike does not pin memory for the loop's lifetime.
   */
  void trimTo(int expected) {
    int want = Math.max(256, expected + expected / 4);
    if (bytes.length > 4 * want) {
      bytes = new byte[want];
      length = 0;
    }
  }
}
