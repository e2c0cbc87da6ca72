package io.promfed.scrape;

import java.util.concurrent.ArrayBlockingQueue;
import java.util.zip.CRC32;
import java.util.zip.DataFormatException;
import java.util.zip.Inflater;

/**
 * Decompresses a gzip scrape body (RFC 1952) from the wire bytes straight into a {@link
 * ScrapeBuffer}: no stream wrappers, no intermediate copy, and the {@link Inflater}s are shared
 * across scrapes instead of created (with their native state and cleaner) for every one. As Go's
 * {@code gzip.Reader}, which Prometheus uses, it reads concatenated members, checks each member's
 * CRC-32 and length, and rejects anything after a member that is not another member.
 */
final class GzipBody {

  /** Idle inflaters kept: about one per scrape in flight; more are ended (their native memory freed). */
  private static final int MAX_POOLED = 64;

  private static final ArrayBlockingQueue<Inflater> POOL = new ArrayBlockingQueue<>(MAX_POOLED);

  private static final int FTEXT_MASK_RESERVED = 0xE0;
  private static final int FHCRC = 0x02;
  private static final int FEXTRA = 0x04;
  private static final int FNAME = 0x08;
  private static final int FCOMMENT = 0x10;

  private GzipBody() {}

  /** A malformed or truncated gzip body; the message is Go's wording where it has one. */
  static final class GzipException extends Exception {
    GzipException(String message) {
      super(message, null, false, false);
    }
  }

  /**
   * Decompresses {@code src[0, length)} and appends the result to {@code out}.
   *
   * @param limit stop with {@link BodyTooLarge} once the output reaches this many bytes
   * @throws BodyTooLarge when the output reaches {@code limit}
   */
  static void decompress(byte[] src, int length, ScrapeBuffer out, long limit)
      throws GzipException, BodyTooLarge {
    Inflater inf = POOL.poll();
    if (inf == null) {
      inf = new Inflater(true); // raw deflate: the gzip header and trailer are read here
    }
    try {
      int pos = 0;
      do {
        pos = member(src, pos, length, inf, out, limit);
        inf.reset();
      } while (pos < length);
    } finally {
      inf.reset();
      if (!POOL.offer(inf)) {
        inf.end();
      }
    }
  }

  /** Reads one member starting at {@code pos}; returns the position after its trailer. */
  private static int member(byte[] src, int pos, int end, Inflater inf, ScrapeBuffer out, long limit)
      throws GzipException, BodyTooLarge {
    pos = header(src, pos, end);
    int start = out.length();
    inf.setInput(src, pos, end - pos);
    try {
      while (!inf.finished()) {
        out.ensureFree(8192);
        int n = inf.inflate(out.bytes(), out.length(), out.free());
        out.advance(n);
        if (out.length() >= limit) {
          throw new BodyTooLarge();
        }
        if (n == 0 && (inf.needsInput() || inf.needsDictionary())) {
          throw new GzipException("unexpected EOF");
        }
      }
    } catch (DataFormatException e) {
      throw new GzipException("flate: corrupt input: " + e.getMessage());
    }
    pos = end - inf.getRemaining();
    if (end - pos < 8) {
      throw new GzipException("unexpected EOF");
    }
    CRC32 crc = new CRC32();
    crc.update(out.bytes(), start, out.length() - start);
    int size = out.length() - start;
    if ((int) crc.getValue() != le32(src, pos) || size != le32(src, pos + 4)) {
      throw new GzipException("gzip: invalid checksum");
    }
    return pos + 8;
  }

  /** Skips a member header at {@code pos}; returns where the deflate data starts. */
  private static int header(byte[] src, int pos, int end) throws GzipException {
    if (end - pos < 10) {
      throw new GzipException(end - pos == 0 ? "EOF" : "unexpected EOF");
    }
    if ((src[pos] & 0xFF) != 0x1f || (src[pos + 1] & 0xFF) != 0x8b || src[pos + 2] != 8) {
      throw new GzipException("gzip: invalid header");
    }
    int flags = src[pos + 3] & 0xFF;
    if ((flags & FTEXT_MASK_RESERVED) != 0) {
      throw new GzipException("gzip: invalid header");
    }
    int p = pos + 10;
    if ((flags & FEXTRA) != 0) {
      if (end - p < 2) {
        throw new GzipException("unexpected EOF");
      }
      p += 2 + ((src[p] & 0xFF) | (src[p + 1] & 0xFF) << 8);
    }
    if ((flags & FNAME) != 0) {
      p = skipZeroTerminated(src, p, end);
    }
    if ((flags & FCOMMENT) != 0) {
      p = skipZeroTerminated(src, p, end);
    }
    if ((flags & FHCRC) != 0) {
      p += 2;
    }
    if (p > end) {
      throw new GzipException("unexpected EOF");
    }
    return p;
  }

  private static int skipZeroTerminated(byte[] src, int p, int end) throws GzipException {
    while (p < end && src[p] != 0) {
      p++;
    }
    if (p >= end) {
      throw new GzipException("unexpected EOF");
    }
    return p + 1;
  }

  private static int le32(byte[] b, int p) {
    return (b[p] & 0xFF) | (b[p + 1] & 0xFF) << 8 | (b[p + 2] & 0xFF) << 16 | (b[p + 3] & 0xFF) << 24;
  }
}
