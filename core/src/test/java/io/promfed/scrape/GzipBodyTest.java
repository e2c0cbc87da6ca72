package io.promfed.scrape;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.util.Arrays;
import java.util.Random;
import java.util.zip.CRC32;
import java.util.zip.Deflater;
import java.util.zip.GZIPOutputStream;
import org.junit.jupiter.api.Test;

class GzipBodyTest {

  private final ScrapeBufferPool pool = new ScrapeBufferPool();

  private static byte[] gzip(byte[] data) throws IOException {
    ByteArrayOutputStream bos = new ByteArrayOutputStream();
    try (GZIPOutputStream out = new GZIPOutputStream(bos)) {
      out.write(data);
    }
    return bos.toByteArray();
  }

  private static byte[] body(int lines) {
    StringBuilder sb = new StringBuilder();
    Random r = new Random(42);
    for (int i = 0; i < lines; i++) {
      sb.append("http_requests_total{code=\"200\",handler=\"/api/").append(i)
          .append("\"} ").append(r.nextInt(1_000_000)).append('\n');
    }
    return sb.toString().getBytes(StandardCharsets.UTF_8);
  }

  private byte[] decompress(byte[] gz, long limit) throws Exception {
    ScrapeBuffer out = new ScrapeBuffer(pool, 100);
    GzipBody.decompress(gz, gz.length, out, limit);
    return Arrays.copyOf(out.bytes(), out.length());
  }

  @Test
  void decompressesABodyLargerThanItsFirstBufferAndReusesInflaters() throws Exception {
    byte[] plain = body(20_000); // ~1 MB: the output buffer grows many times
    byte[] gz = gzip(plain);
    for (int i = 0; i < 3; i++) {
      assertThat(decompress(gz, Long.MAX_VALUE)).isEqualTo(plain);
    }
  }

  @Test
  void readsConcatenatedMembersAsOneBody() throws Exception {
    byte[] a = body(10);
    byte[] b = "up 1\n".getBytes(StandardCharsets.UTF_8);
    byte[] gz = concat(gzip(a), gzip(b));
    assertThat(decompress(gz, Long.MAX_VALUE)).isEqualTo(concat(a, b));
  }

  @Test
  void skipsOptionalHeaderFields() throws Exception {
    byte[] plain = body(5);
    Deflater d = new Deflater(Deflater.DEFAULT_COMPRESSION, true);
    d.setInput(plain);
    d.finish();
    byte[] deflated = new byte[plain.length + 64];
    int n = d.deflate(deflated);
    d.end();
    ByteArrayOutputStream bos = new ByteArrayOutputStream();
    // FHCRC | FEXTRA | FNAME | FCOMMENT
    bos.write(new byte[] {0x1f, (byte) 0x8b, 8, 0x1E, 0, 0, 0, 0, 0, 3});
    bos.write(new byte[] {3, 0, 'a', 'b', 'c'});
    bos.write("metrics.txt\0".getBytes(StandardCharsets.ISO_8859_1));
    bos.write("a comment\0".getBytes(StandardCharsets.ISO_8859_1));
    bos.write(new byte[] {0x12, 0x34}); // header CRC16, not checked (Go does not either by default)
    bos.write(deflated, 0, n);
    writeTrailer(bos, plain);
    assertThat(decompress(bos.toByteArray(), Long.MAX_VALUE)).isEqualTo(plain);
  }

  @Test
  void aWrongChecksumOrLengthIsAnError() throws Exception {
    byte[] gz = gzip(body(100));
    byte[] badCrc = gz.clone();
    badCrc[gz.length - 8] ^= 1;
    assertThatThrownBy(() -> decompress(badCrc, Long.MAX_VALUE))
        .isInstanceOf(GzipBody.GzipException.class)
        .hasMessage("gzip: invalid checksum");
    byte[] badSize = gz.clone();
    badSize[gz.length - 4] ^= 1;
    assertThatThrownBy(() -> decompress(badSize, Long.MAX_VALUE))
        .hasMessage("gzip: invalid checksum");
  }

  @Test
  void truncatedCorruptOrForeignBodiesAreErrors() throws Exception {
    byte[] gz = gzip(body(1000));
    assertThatThrownBy(() -> decompress(Arrays.copyOf(gz, gz.length / 2), Long.MAX_VALUE))
        .isInstanceOf(GzipBody.GzipException.class)
        .hasMessage("unexpected EOF");
    assertThatThrownBy(() -> decompress(Arrays.copyOf(gz, gz.length - 3), Long.MAX_VALUE))
        .hasMessage("unexpected EOF");
    assertThatThrownBy(() -> decompress("up 1\n".getBytes(StandardCharsets.UTF_8), 1000))
        .hasMessage("unexpected EOF");
    assertThatThrownBy(() -> decompress("# HELP up is up\nup 1\n".getBytes(StandardCharsets.UTF_8), 1000))
        .hasMessage("gzip: invalid header");
    assertThatThrownBy(() -> decompress(new byte[0], 1000)).hasMessage("EOF");
    byte[] corrupt = gz.clone();
    for (int i = 10; i < 40; i++) {
      corrupt[i] = (byte) 0xFF;
    }
    assertThatThrownBy(() -> decompress(corrupt, Long.MAX_VALUE))
        .isInstanceOf(GzipBody.GzipException.class)
        .hasMessageStartingWith("flate: corrupt input");
    // Go's reader reads on after a member and fails on anything that is not another member.
    assertThatThrownBy(() -> decompress(concat(gz, "garbage!!!!!".getBytes(StandardCharsets.UTF_8)), Long.MAX_VALUE))
        .hasMessage("gzip: invalid header");
  }

  @Test
  void stopsAtTheLimitWithoutInflatingTheRest() throws Exception {
    byte[] zeros = new byte[50 << 20]; // a 50 MB bomb, ~50 KB on the wire
    byte[] gz = gzip(zeros);
    assertThat(gz.length).isLessThan(100_000);
    ScrapeBuffer out = new ScrapeBuffer(pool, 100);
    assertThatThrownBy(() -> GzipBody.decompress(gz, gz.length, out, 1 << 20))
        .isInstanceOf(BodyTooLarge.class);
    assertThat(out.length()).isLessThan(2 << 20);
    // The pooled inflater was reset: the next body decompresses cleanly.
    byte[] plain = body(10);
    assertThat(decompress(gzip(plain), Long.MAX_VALUE)).isEqualTo(plain);
  }

  private static void writeTrailer(ByteArrayOutputStream bos, byte[] plain) {
    CRC32 crc = new CRC32();
    crc.update(plain);
    long c = crc.getValue();
    long n = plain.length;
    for (long v : new long[] {c, n}) {
      for (int i = 0; i < 4; i++) {
        bos.write((int) (v >>> (8 * i)));
      }
    }
  }

  private static byte[] concat(byte[] a, byte[] b) {
    byte[] r = Arrays.copyOf(a, a.length + b.length);
    System.arraycopy(b, 0, r, a.length, b.length);
    return r;
  }
}
