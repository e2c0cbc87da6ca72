package io.promfed.storage.remote;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.nio.charset.StandardCharsets;
import java.util.Arrays;
import java.util.SplittableRandom;
import org.junit.jupiter.api.Test;

class SnappyBlockTest {

  private static final int LIMIT = SnappyBlock.DEFAULT_MAX_DECODED_BYTES;

  private static long seed() {
    return Long.getLong("remote.seed", new SplittableRandom().nextLong());
  }

  private static String why(long seed) {
    return "seed=" + seed + " (rerun with -Dremote.seed=" + seed + ")";
  }

  private static byte[] bytes(int... v) {
    byte[] b = new byte[v.length];
    for (int i = 0; i < v.length; i++) {
      b[i] = (byte) v[i];
    }
    return b;
  }

  private static byte[] concat(byte[] a, byte[] b) {
    byte[] out = Arrays.copyOf(a, a.length + b.length);
    System.arraycopy(b, 0, out, a.length, b.length);
    return out;
  }

  private static byte[] decompress(byte[] block) throws DecodeException {
    return SnappyBlock.decompress(block, 0, block.length, LIMIT);
  }

  /**
   * An independent block-format decoder written from the format description (google/snappy
   * format_description.txt), used to check that what we send is standard Snappy and not merely
   * something our own decoder accepts.
   */
  static byte[] referenceDecode(byte[] in) {
    int pos = 0;
    long n = 0;
    for (int shift = 0; ; shift += 7) {
      int b = in[pos++] & 0xff;
      n |= (long) (b & 0x7f) << shift;
      if (b < 0x80) {
        break;
      }
    }
    byte[] out = new byte[(int) n];
    int o = 0;
    while (pos < in.length) {
      int tag = in[pos++] & 0xff;
      switch (tag & 3) {
        case 0 -> {
          int len = tag >>> 2;
          if (len >= 60) {
            int extra = len - 59;
            len = 0;
            for (int i = 0; i < extra; i++) {
              len |= (in[pos++] & 0xff) << (8 * i);
            }
          }
          len++;
          System.arraycopy(in, pos, out, o, len);
          pos += len;
          o += len;
        }
        default -> {
          int len;
          int off;
          if ((tag & 3) == 1) {
            len = ((tag >>> 2) & 7) + 4;
            off = (tag >>> 5) << 8 | (in[pos++] & 0xff);
          } else if ((tag & 3) == 2) {
            len = (tag >>> 2) + 1;
            off = (in[pos] & 0xff) | (in[pos + 1] & 0xff) << 8;
            pos += 2;
          } else {
            len = (tag >>> 2) + 1;
            off = 0;
            for (int i = 0; i < 4; i++) {
              off |= (in[pos++] & 0xff) << (8 * i);
            }
          }
          if (off <= 0 || off > o) {
            throw new IllegalStateException("bad offset " + off + " at output " + o);
          }
          for (int i = 0; i < len; i++) {
            out[o] = out[o - off];
            o++;
          }
        }
      }
    }
    if (o != out.length) {
      throw new IllegalStateException("decoded " + o + " of " + out.length);
    }
    return out;
  }

  @Test
  void decodesHandBuiltBlocks() throws Exception {
    // Empty input encodes as a lone zero length.
    assertThat(decompress(bytes(0x00))).isEmpty();
    // A 5-byte literal: tag (5-1)<<2.
    assertThat(decompress(concat(bytes(0x05, 0x10), "hello".getBytes(StandardCharsets.US_ASCII))))
        .asString(StandardCharsets.US_ASCII)
        .isEqualTo("hello");
    // "abcd" then a 1-byte-offset copy of length 8 at offset 4: overlapping copy.
    byte[] abcd =
        concat(
            concat(bytes(0x0c, 0x0c), "abcd".getBytes(StandardCharsets.US_ASCII)),
            bytes(0x11, 0x04));
    assertThat(decompress(abcd)).asString(StandardCharsets.US_ASCII).isEqualTo("abcdabcdabcd");
    // The same with a 2-byte-offset copy (tag (8-1)<<2 | 2).
    byte[] abcd2 =
        concat(
            concat(bytes(0x0c, 0x0c), "abcd".getBytes(StandardCharsets.US_ASCII)),
            bytes(0x1e, 0x04, 0x00));
    assertThat(decompress(abcd2)).asString(StandardCharsets.US_ASCII).isEqualTo("abcdabcdabcd");
  }

  @Test
  void compressesToStandardSnappy() throws Exception {
    byte[] text = "up{job=\"api\"} 1\n".repeat(500).getBytes(StandardCharsets.US_ASCII);
    byte[] block = SnappyBlock.compress(text);
    assertThat(block.length).isLessThan(text.length / 10);
    assertThat(SnappyBlock.decodedLength(block, 0, block.length)).isEqualTo(text.length);
    assertThat(referenceDecode(block)).isEqualTo(text);
    assertThat(decompress(block)).isEqualTo(text);
  }

  @Test
  void randomizedRoundTrips() throws Exception {
    long seed = seed();
    SplittableRandom r = new SplittableRandom(seed);
    SnappyBlock snappy = new SnappyBlock();
    for (int iter = 0; iter < 300; iter++) {
      int len = iter < 20 ? iter : r.nextInt(iter % 10 == 0 ? 200_000 : 5_000);
      byte[] data = new byte[len];
      int alphabet = 1 + r.nextInt(256);
      for (int i = 0; i < len; i++) {
        // Mix runs, repeats of earlier bytes and noise so every element kind is exercised.
        int mode = r.nextInt(10);
        if (mode < 3 && i > 70_000) {
          data[i] = data[i - 65_600]; // copies with 4-byte offsets
        } else if (mode < 6 && i > 8) {
          data[i] = data[i - 1 - r.nextInt(8)];
        } else {
          data[i] = (byte) r.nextInt(alphabet);
        }
      }
      int off = r.nextInt(4);
      byte[] padded = new byte[off + len + 3];
      System.arraycopy(data, 0, padded, off, len);
      byte[] block = snappy.encode(padded, off, len);
      assertThat(decompress(block)).as(why(seed)).isEqualTo(data);
      assertThat(referenceDecode(block)).as(why(seed)).isEqualTo(data);
    }
  }

  @Test
  void refusesLengthBombsBeforeAllocating() {
    // 5-byte uvarint for 1 GiB followed by almost nothing.
    byte[] bomb = bytes(0x80, 0x80, 0x80, 0x80, 0x04, 0x00);
    assertThatThrownBy(() -> decompress(bomb))
        .isInstanceOf(DecodeException.class)
        .hasMessage("snappy: decoded length 1073741824 bytes exceeds the limit of 33554432 bytes");
    byte[] small = SnappyBlock.compress(new byte[1001]);
    assertThatThrownBy(() -> SnappyBlock.decompress(small, 0, small.length, 1000))
        .isInstanceOf(DecodeException.class)
        .hasMessageContaining("decoded length 1001 bytes exceeds the limit of 1000 bytes");
    assertThat(catchDecode(() -> SnappyBlock.decompress(small, 0, small.length, 1001))).isNull();
  }

  @Test
  void rejectsBadPrefixes() {
    assertThatThrownBy(() -> decompress(new byte[0]))
        .isInstanceOf(DecodeException.class)
        .hasMessage("snappy: offset 0: empty input");
    assertThatThrownBy(() -> decompress(bytes(0x80, 0x80)))
        .hasMessage("snappy: offset 2: truncated decoded-length prefix");
    assertThatThrownBy(() -> decompress(bytes(0xff, 0xff, 0xff, 0xff, 0x1f)))
        .hasMessage("snappy: offset 0: decoded-length prefix does not fit 32 bits");
    assertThatThrownBy(() -> decompress(bytes(0xff, 0xff, 0xff, 0xff, 0xff, 0x01)))
        .hasMessage("snappy: offset 0: decoded-length prefix does not fit 32 bits");
  }

  @Test
  void rejectsBadCopyOffsets() {
    // Copy of 4 bytes at offset 0 (never valid), and at offset 5 with only 4 bytes produced.
    byte[] zero =
        concat(
            concat(bytes(0x08, 0x0c), "abcd".getBytes(StandardCharsets.US_ASCII)),
            bytes(0x01, 0x00));
    byte[] far =
        concat(
            concat(bytes(0x08, 0x0c), "abcd".getBytes(StandardCharsets.US_ASCII)),
            bytes(0x01, 0x05));
    // A copy as the first element: nothing to copy from.
    byte[] first = bytes(0x04, 0x01, 0x01);
    for (byte[] bad : new byte[][] {zero, far, first}) {
      assertThatThrownBy(() -> decompress(bad))
          .as(Arrays.toString(bad))
          .isInstanceOf(DecodeException.class)
          .hasMessageStartingWith("snappy:");
    }
  }

  @Test
  void rejectsLengthMismatches() throws Exception {
    byte[] text = "hello, remote write".getBytes(StandardCharsets.US_ASCII);
    byte[] block = SnappyBlock.compress(text);
    // Announce one byte more than the elements produce.
    byte[] shortBody = block.clone();
    shortBody[0]++;
    assertThatThrownBy(() -> decompress(shortBody)).isInstanceOf(DecodeException.class);
    // Announce one byte less: the last literal overruns the output.
    byte[] longBody = block.clone();
    longBody[0]--;
    assertThatThrownBy(() -> decompress(longBody)).isInstanceOf(DecodeException.class);
    // Trailing garbage after a complete block.
    assertThatThrownBy(() -> decompress(concat(block, bytes(0x00, 'x'))))
        .isInstanceOf(DecodeException.class);
  }

  @Test
  void everyTruncationFails() {
    byte[] text = "series{a=\"b\"} 1 2\n".repeat(300).getBytes(StandardCharsets.US_ASCII);
    byte[] block = SnappyBlock.compress(text);
    for (int len = 0; len < block.length; len++) {
      int l = len;
      assertThatThrownBy(() -> SnappyBlock.decompress(block, 0, l, LIMIT))
          .as("prefix of %d bytes", len)
          .isInstanceOf(DecodeException.class);
    }
  }

  @Test
  void corruptInputOnlyEverFailsWithDecodeException() {
    long seed = seed();
    SplittableRandom r = new SplittableRandom(seed);
    SnappyBlock snappy = new SnappyBlock();
    for (int iter = 0; iter < 3000; iter++) {
      byte[] data = new byte[1 + r.nextInt(3000)];
      for (int i = 0; i < data.length; i++) {
        data[i] = (byte) (i > 4 && r.nextInt(4) > 0 ? data[i - 1 - r.nextInt(4)] : r.nextInt(64));
      }
      byte[] block = snappy.encode(data, 0, data.length);
      int flips = 1 + r.nextInt(4);
      for (int f = 0; f < flips; f++) {
        block[r.nextInt(block.length)] = (byte) r.nextInt(256);
      }
      int len = r.nextInt(5) == 0 ? r.nextInt(block.length + 1) : block.length;
      Throwable t = catchDecode(() -> SnappyBlock.decompress(block, 0, len, 1 << 20));
      assertOnlyDecodeException(t, why(seed));
    }
  }

  @Test
  void decodedLengthReadsTheUvarint() throws Exception {
    assertThat(SnappyBlock.decodedLength(bytes(0x00), 0, 1)).isZero();
    assertThat(SnappyBlock.decodedLength(bytes(0xac, 0x02), 0, 2)).isEqualTo(300);
    assertThat(SnappyBlock.decodedLength(bytes(0xff, 0xff, 0xff, 0xff, 0x0f), 0, 5))
        .isEqualTo(0xffff_ffffL);
  }

  /**
   * Passes when {@code t} is null or a {@link DecodeException}. Plain code rather than AssertJ's
   * {@code satisfiesAnyOf}, whose failed branches build errors: thousands of iterations stay fast.
   */
  static void assertOnlyDecodeException(Throwable t, String why) {
    if (t != null && !(t instanceof DecodeException)) {
      throw new AssertionError("expected success or DecodeException (" + why + "), got " + t, t);
    }
  }

  interface Decode {
    Object run() throws Exception;
  }

  static Throwable catchDecode(Decode d) {
    try {
      d.run();
      return null;
    } catch (Throwable t) {
      return t;
    }
  }
}
