package io.promfed.storage.remote;

import io.airlift.compress.MalformedInputException;
import io.airlift.compress.snappy.SnappyCompressor;
import io.airlift.compress.snappy.SnappyDecompressor;
import java.util.Arrays;

/**
 * Snappy <em>block</em> format (not the framed stream format), as remote write requires: "The block
 * format MUST be used - the framed format MUST NOT be used" (prometheus/docs {@code
 * docs/specs/prw/remote_write_spec.md}); Prometheus uses {@code snappy.Encode}/{@code
 * snappy.Decode} of github.com/golang/snappy (storage/remote/codec.go, write_handler.go).
 *
 * <p>A block is the decoded length as a little-endian base-128 varint followed by literal and copy
 * elements. The codec itself is aircompressor's; this class owns the part that matters for an
 * untrusted body: the length prefix is read and checked against a limit <em>before</em> anything is
 * allocated, so a 20-byte body claiming 4 GiB costs nothing, and the decoder must produce exactly
 * the announced length.
 *
 * <p>The static methods are thread-safe. An instance holds a reusable compression hash table and is
 * not thread-safe: one per sending shard.
 */
public final class SnappyBlock {

  /**
   * The default limit of a decoded body, 32 MiB: Prometheus's {@code decodeReadLimit}
   * (storage/remote/codec.go), which bounds remote-read bodies with the same prefix check.
   */
  public static final int DEFAULT_MAX_DECODED_BYTES = 32 << 20;

  /** The decoded length of a block is a uvarint of at most 5 bytes (it must fit 32 bits). */
  private static final int MAX_LENGTH_PREFIX_BYTES = 5;

  private final SnappyCompressor compressor = new SnappyCompressor();

  /** A compressor with its own hash table; not thread-safe. */
  public SnappyBlock() {}

  /**
   * Compresses {@code src[off, off + len)} into a new array of exactly the compressed size. The
   * result is never reused by this object, so it may be handed to an asynchronous HTTP client.
   */
  public byte[] encode(byte[] src, int off, int len) {
    byte[] out = new byte[compressor.maxCompressedLength(len)];
    int n = compressor.compress(src, off, len, out, 0, out.length);
    return n == out.length ? out : Arrays.copyOf(out, n);
  }

  /** {@link #encode} with a throwaway compressor; for tests and one-off bodies. */
  public static byte[] compress(byte[] src) {
    return new SnappyBlock().encode(src, 0, src.length);
  }

  /**
   * The decoded length announced by the block's uvarint prefix.
   *
   * @throws DecodeException when the prefix is missing, truncated or larger than 2^32 - 1 (Go's
   *     {@code snappy.ErrCorrupt} / {@code ErrTooLarge})
   */
  public static long decodedLength(byte[] src, int off, int len) throws DecodeException {
    long value = 0;
    for (int i = 0; i < MAX_LENGTH_PREFIX_BYTES; i++) {
      if (i >= len) {
        throw new DecodeException(
            "snappy", i, len == 0 ? "empty input" : "truncated decoded-length prefix");
      }
      int b = src[off + i] & 0xff;
      value |= (long) (b & 0x7f) << (7 * i);
      if (b < 0x80) {
        if (value > 0xffff_ffffL) {
          break;
        }
        return value;
      }
    }
    throw new DecodeException("snappy", 0, "decoded-length prefix does not fit 32 bits");
  }

  /**
   * Decompresses a whole block.
   *
   * @param maxDecodedBytes the largest decoded length accepted; checked against the prefix before
   *     the output is allocated
   * @return a new array holding exactly the announced decoded length
   * @throws DecodeException on a bad prefix, a decoded length over the limit, or corrupt elements
   *     (bad copy offsets, truncated literals, output shorter or longer than announced)
   */
  public static byte[] decompress(byte[] src, int off, int len, int maxDecodedBytes)
      throws DecodeException {
    if (off < 0 || len < 0 || off > src.length - len) {
      throw new IndexOutOfBoundsException(
          "range [" + off + ", " + off + len + ") of " + src.length);
    }
    long decodedLength = decodedLength(src, off, len);
    if (decodedLength > maxDecodedBytes) {
      throw new DecodeException(
          "snappy",
          -1,
          "decoded length "
              + decodedLength
              + " bytes exceeds the limit of "
              + maxDecodedBytes
              + " bytes");
    }
    byte[] out = new byte[(int) decodedLength];
    int n;
    try {
      n = new SnappyDecompressor().decompress(src, off, len, out, 0, out.length);
    } catch (MalformedInputException e) {
      throw new DecodeException("snappy", e.getOffset(), "corrupt input: " + e.getMessage());
    } catch (IndexOutOfBoundsException | IllegalArgumentException e) {
      // aircompressor validates ranges itself; anything it lets escape is still corrupt input,
      // never a reason to fail the caller with an unchecked exception.
      throw new DecodeException("snappy", -1, "corrupt input: " + e);
    }
    if (n != decodedLength) {
      throw new DecodeException(
          "snappy", -1, "decoded " + n + " bytes but the prefix announced " + decodedLength);
    }
    return out;
  }
}
