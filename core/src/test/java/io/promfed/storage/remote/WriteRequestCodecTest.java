package io.promfed.storage.remote;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.promfed.model.labels.Labels;
import io.promfed.model.value.StaleNaN;
import java.io.ByteArrayOutputStream;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HexFormat;
import java.util.List;
import java.util.SplittableRandom;
import org.junit.jupiter.api.Test;

class WriteRequestCodecTest {

  /** A decoded series: labels in wire order, samples as (t, raw value bits). */
  record Series(List<String> labels, List<long[]> samples) {
    @Override
    public String toString() {
      StringBuilder sb = new StringBuilder(labels.toString());
      for (long[] s : samples) {
        sb.append(' ').append(s[0]).append('=').append(Long.toHexString(s[1]));
      }
      return sb.toString();
    }

    @Override
    public boolean equals(Object o) {
      return o instanceof Series s && s.toString().equals(toString());
    }

    @Override
    public int hashCode() {
      return toString().hashCode();
    }
  }

  /** Decodes into plain objects; test-only, the production visitors never build these. */
  static List<Series> decode(byte[] pb) throws DecodeException {
    List<Series> out = new ArrayList<>();
    new WriteRequestDecoder()
        .decode(
            pb,
            0,
            pb.length,
            new WriteRequestDecoder.Visitor() {
              Series current;

              @Override
              public void series(String[] pairs, int count) {
                current =
                    new Series(
                        new ArrayList<>(Arrays.asList(pairs).subList(0, 2 * count)),
                        new ArrayList<>());
                out.add(current);
              }

              @Override
              public void sample(long t, double v) {
                current.samples().add(new long[] {t, Double.doubleToRawLongBits(v)});
              }
            });
    return out;
  }

  static Series series(Labels labels, long[] t, double[] v) {
    List<String> l = new ArrayList<>();
    labels.forEach(
        (n, val) -> {
          l.add(n);
          l.add(val);
        });
    List<long[]> s = new ArrayList<>();
    for (int i = 0; i < t.length; i++) {
      s.add(new long[] {t[i], Double.doubleToRawLongBits(v[i])});
    }
    return new Series(l, s);
  }

  /** Hand-rolled protobuf writer for crafting inputs the encoder would never produce. */
  static final class Pb {
    final ByteArrayOutputStream out = new ByteArrayOutputStream();

    Pb varint(long v) {
      while ((v & ~0x7fL) != 0) {
        out.write((int) (v & 0x7f | 0x80));
        v >>>= 7;
      }
      out.write((int) v);
      return this;
    }

    Pb tag(int field, int wire) {
      return varint((long) field << 3 | wire);
    }

    Pb bytes(int field, byte[] b) {
      tag(field, 2).varint(b.length);
      out.writeBytes(b);
      return this;
    }

    Pb msg(int field, Pb m) {
      return bytes(field, m.toByteArray());
    }

    Pb str(int field, String s) {
      return bytes(field, s.getBytes(StandardCharsets.UTF_8));
    }

    Pb fixed64(int field, long v) {
      tag(field, 1);
      for (int i = 0; i < 8; i++) {
        out.write((int) (v >>> (8 * i)));
      }
      return this;
    }

    Pb fixed32(int field, int v) {
      tag(field, 5);
      for (int i = 0; i < 4; i++) {
        out.write(v >>> (8 * i));
      }
      return this;
    }

    Pb raw(int... b) {
      for (int x : b) {
        out.write(x);
      }
      return this;
    }

    byte[] toByteArray() {
      return out.toByteArray();
    }

    static Pb label(String name, String value) {
      return new Pb().str(1, name).str(2, value);
    }

    static Pb sample(double v, long t) {
      return new Pb().fixed64(1, Double.doubleToRawLongBits(v)).tag(2, 0).varint(t);
    }
  }

  @Test
  void encodesTheWireFormatByteForByte() {
    // Hand-computed from prompb/types.proto: TimeSeries{Label{"__name__","up"}, Sample{1, 1000}}.
    byte[] pb =
        new WriteRequestEncoder()
            .addSeries(Labels.of("__name__", "up"), new long[] {1000}, new double[] {1})
            .toByteArray();
    assertThat(HexFormat.of().formatHex(pb))
        .isEqualTo(
            "0a1e" // WriteRequest.timeseries, 30 bytes
                + "0a0e" // TimeSeries.labels, 14 bytes
                + "0a085f5f6e616d655f5f" // Label.name "__name__"
                + "12027570" // Label.value "up"
                + "120c" // TimeSeries.samples, 12 bytes
                + "09000000000000f03f" // Sample.value 1.0 (fixed64, little-endian)
                + "10e807"); // Sample.timestamp 1000 (varint)
  }

  @Test
  void omitsProto3DefaultsLikeGogo() {
    byte[] pb =
        new WriteRequestEncoder()
            .addSeries(Labels.of("__name__", "z"), new long[] {0}, new double[] {0})
            .toByteArray();
    // The sample is an empty message: value 0 and timestamp 0 are defaults.
    assertThat(HexFormat.of().formatHex(pb)).isEqualTo("0a110a0d0a085f5f6e616d655f5f12017a1200");
  }

  @Test
  void roundTripsEdgeValuesAndStaleMarkerBits() throws Exception {
    Labels a = Labels.of("__name__", "a_total", "job", "api", "path", "/é/日本/\uD83D\uDE00");
    long[] t = {0, 1, -1, Long.MIN_VALUE, Long.MAX_VALUE, 1_700_000_000_000L, 1_700_000_015_000L};
    double[] v = {
      0.0,
      -0.0,
      StaleNaN.VALUE,
      Double.longBitsToDouble(StaleNaN.NORMAL_NAN_BITS),
      Double.POSITIVE_INFINITY,
      Double.NEGATIVE_INFINITY,
      Double.MIN_VALUE
    };
    Labels b = Labels.of("__name__", "b");
    WriteRequestEncoder enc =
        new WriteRequestEncoder()
            .addSeries(a, t, v)
            .addSeries(b, new long[0], new double[0])
            .addSeries(b, new long[] {5}, new double[] {StaleNaN.VALUE});
    assertThat(enc.seriesCount()).isEqualTo(3);
    assertThat(enc.sampleCount()).isEqualTo(8);
    List<Series> got = decode(enc.toByteArray());
    assertThat(got)
        .containsExactly(
            series(a, t, v),
            series(b, new long[0], new double[0]),
            series(b, new long[] {5}, new double[] {StaleNaN.VALUE}));
    assertThat(got.get(0).samples().get(2)[1]).isEqualTo(StaleNaN.BITS);
    assertThat(got.get(2).samples().get(0)[1]).isEqualTo(0x7ff0000000000002L);
  }

  @Test
  void snappyHelperProducesACompleteBody() throws Exception {
    Labels l = Labels.of("__name__", "up", "instance", "a:1");
    long[] t = {1000, 2000, 3000};
    double[] v = {1, 0, StaleNaN.VALUE};
    byte[] body = WriteRequestEncoder.encodeSnappy(l, t, v);
    byte[] pb = SnappyBlock.decompress(body, 0, body.length, 1 << 20);
    assertThat(decode(pb)).containsExactly(series(l, t, v));
  }

  @Test
  void randomizedRoundTrips() throws Exception {
    long seed = Long.getLong("remote.seed", new SplittableRandom().nextLong());
    SplittableRandom r = new SplittableRandom(seed);
    WriteRequestEncoder enc = new WriteRequestEncoder();
    for (int iter = 0; iter < 200; iter++) {
      enc.reset();
      List<Series> want = new ArrayList<>();
      int nSeries = r.nextInt(20);
      for (int s = 0; s < nSeries; s++) {
        String[] kv = new String[2 * (1 + r.nextInt(6))];
        for (int i = 0; i < kv.length; i += 2) {
          kv[i] = "l" + i;
          kv[i + 1] = randomValue(r);
        }
        Labels labels = Labels.of(kv);
        int n = r.nextInt(300);
        long[] t = new long[n];
        double[] v = new double[n];
        for (int i = 0; i < n; i++) {
          t[i] = r.nextInt(3) == 0 ? r.nextLong() : r.nextLong(1L << 42);
          v[i] = Double.longBitsToDouble(r.nextInt(4) == 0 ? StaleNaN.BITS : r.nextLong());
        }
        enc.addSeries(labels, t, v);
        want.add(series(labels, t, v));
      }
      assertThat(decode(enc.toByteArray())).as("seed=%d", seed).isEqualTo(want);
    }
  }

  private static String randomValue(SplittableRandom r) {
    StringBuilder sb = new StringBuilder();
    int n = 1 + r.nextInt(20);
    for (int i = 0; i < n; i++) {
      switch (r.nextInt(4)) {
        case 0 -> sb.append((char) ('a' + r.nextInt(26)));
        case 1 -> sb.append((char) (0x80 + r.nextInt(0x780))); // 2-byte UTF-8
        case 2 -> sb.append((char) (0x800 + r.nextInt(0xd000 - 0x800))); // 3-byte UTF-8
        default -> sb.appendCodePoint(0x10000 + r.nextInt(0x10000)); // 4-byte UTF-8
      }
    }
    return sb.toString();
  }

  @Test
  void acceptsAnyFieldOrderAndSkipsUnknownFields() throws Exception {
    Pb ts =
        new Pb()
            .fixed32(9, 7) // unknown fixed32
            .msg(2, new Pb().tag(2, 0).varint(42).fixed64(1, StaleNaN.BITS)) // timestamp first
            .msg(3, new Pb().msg(1, Pb.label("trace_id", "x")).fixed64(2, 1)) // exemplar
            .msg(1, new Pb().str(2, "up").str(1, "__name__")) // value before name
            .msg(4, new Pb().tag(1, 0).varint(5)) // native histogram
            .tag(10, 3) // unknown group with nested content
            .tag(1, 0)
            .varint(1)
            .tag(11, 3)
            .tag(11, 4)
            .tag(10, 4)
            .msg(1, Pb.label("job", "api").tag(15, 0).varint(99)) // unknown field in a Label
            .msg(2, Pb.sample(2.5, 43).tag(7, 1).raw(1, 2, 3, 4, 5, 6, 7, 8)); // ... in a Sample
    byte[] pb =
        new Pb()
            .msg(3, new Pb().tag(1, 0).varint(1).str(2, "up").str(4, "help")) // metadata
            .tag(2, 0)
            .varint(12345) // reserved field 2 (Cortex)
            .msg(1, ts)
            .toByteArray();
    assertThat(decode(pb))
        .containsExactly(
            new Series(
                List.of("__name__", "up", "job", "api"),
                List.of(
                    new long[] {42, StaleNaN.BITS},
                    new long[] {43, Double.doubleToRawLongBits(2.5)})));
  }

  @Test
  void lastScalarWinsAndMissingFieldsAreZero() throws Exception {
    byte[] pb =
        new Pb()
            .msg(
                1,
                new Pb()
                    .msg(1, new Pb().str(1, "__name__").str(1, "__name__").str(2, "x").str(2, "y"))
                    .msg(1, new Pb().str(1, "empty_value"))
                    .msg(2, new Pb().tag(2, 0).varint(1).tag(2, 0).varint(2))
                    .msg(2, new Pb()))
            .toByteArray();
    assertThat(decode(pb))
        .containsExactly(
            new Series(
                List.of("__name__", "y", "empty_value", ""),
                List.of(new long[] {2, 0}, new long[] {0, 0})));
  }

  @Test
  void emptyRequestHasNoSeries() throws Exception {
    assertThat(decode(new byte[0])).isEmpty();
  }

  @Test
  void malformedInputNamesOffsetAndProblem() {
    byte[] valid =
        new WriteRequestEncoder()
            .addSeries(Labels.of("__name__", "up"), new long[] {1000}, new double[] {1})
            .toByteArray();
    assertMalformed(Arrays.copyOf(valid, 1), "protobuf: offset 1: truncated varint");
    assertMalformed(
        new Pb().tag(1, 2).varint(100).raw(0).toByteArray(),
        "protobuf: offset 1: length 100 exceeds the 1 bytes left in the enclosing message");
    assertMalformed(
        new Pb().tag(1, 0).varint(1).toByteArray(),
        "protobuf: offset 0: WriteRequest.timeseries has wire type 0, want 2");
    assertMalformed(new Pb().raw(0x00).toByteArray(), "protobuf: offset 0: invalid field number 0");
    assertMalformed(
        new Pb().tag(5, 6).toByteArray(), "protobuf: offset 0: invalid wire type 6 for field 5");
    assertMalformed(
        new Pb().tag(5, 4).toByteArray(),
        "protobuf: offset 0: unexpected end-group tag for field 5");
    assertMalformed(
        new Pb().tag(5, 3).tag(6, 4).toByteArray(),
        "protobuf: offset 1: end of group 6 inside group 5");
    assertMalformed(
        new Pb().tag(5, 3).tag(1, 0).varint(1).toByteArray(),
        "protobuf: offset 3: unterminated group 5");
    assertMalformed(
        new Pb()
            .tag(5, 0)
            .raw(0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0x02)
            .toByteArray(),
        "protobuf: offset 1: varint overflows 64 bits");
    assertMalformed(
        new Pb().msg(1, new Pb().msg(2, new Pb().tag(1, 1).raw(1, 2, 3))).toByteArray(),
        "protobuf: offset 5: truncated fixed64 for Sample.value");
    assertMalformed(
        new Pb().msg(1, new Pb().msg(2, new Pb().tag(1, 0).varint(1))).toByteArray(),
        "protobuf: offset 4: Sample.value has wire type 0, want 1");
    assertMalformed(
        new Pb()
            .msg(1, new Pb().msg(1, new Pb().bytes(1, new byte[] {(byte) 0xc3, 0x28})))
            .toByteArray(),
        "protobuf: offset 6: Label.name is not valid UTF-8");
    assertMalformed(
        new Pb().msg(1, new Pb().msg(1, new Pb().tag(2, 5).raw(1))).toByteArray(),
        "protobuf: offset 4: Label.value has wire type 5, want 2");
    assertMalformed(
        new Pb().msg(1, new Pb().tag(2, 0).varint(1)).toByteArray(),
        "protobuf: offset 2: TimeSeries.samples has wire type 0, want 2");
  }

  private static void assertMalformed(byte[] pb, String message) {
    assertThatThrownBy(() -> decode(pb)).isInstanceOf(DecodeException.class).hasMessage(message);
  }

  @Test
  void truncationsAndMutationsOnlyEverFailWithDecodeException() {
    long seed = Long.getLong("remote.seed", new SplittableRandom().nextLong());
    SplittableRandom r = new SplittableRandom(seed);
    WriteRequestEncoder enc = new WriteRequestEncoder();
    for (int s = 0; s < 5; s++) {
      enc.addSeries(
          Labels.of("__name__", "m" + s, "job", "j\u00e9"),
          new long[] {1, 2, 3},
          new double[] {1.5, StaleNaN.VALUE, -2});
    }
    byte[] valid = enc.toByteArray();
    for (int len = 0; len < valid.length; len++) {
      byte[] prefix = Arrays.copyOf(valid, len);
      Throwable t = SnappyBlockTest.catchDecode(() -> decode(prefix));
      SnappyBlockTest.assertOnlyDecodeException(t, "prefix " + len);
    }
    for (int iter = 0; iter < 5000; iter++) {
      byte[] mutated = valid.clone();
      for (int f = 1 + r.nextInt(3); f > 0; f--) {
        mutated[r.nextInt(mutated.length)] = (byte) r.nextInt(256);
      }
      Throwable t = SnappyBlockTest.catchDecode(() -> decode(mutated));
      SnappyBlockTest.assertOnlyDecodeException(t, "seed=" + seed);
    }
  }

  @Test
  void decodesAtAnOffsetAndReportsRelativeOffsets() {
    byte[] pb = new Pb().raw(0xde, 0xad).tag(1, 0).varint(1).toByteArray();
    assertThatThrownBy(
            () ->
                new WriteRequestDecoder()
                    .decode(
                        pb,
                        2,
                        pb.length - 2,
                        new WriteRequestDecoder.Visitor() {
                          @Override
                          public void series(String[] namesAndValues, int labelCount) {}

                          @Override
                          public void sample(long timestampMs, double value) {}
                        }))
        .hasMessage("protobuf: offset 0: WriteRequest.timeseries has wire type 0, want 2");
  }

  @Test
  void encoderRejectsMisuse() {
    WriteRequestEncoder enc = new WriteRequestEncoder();
    assertThatThrownBy(() -> enc.addSample(1, 1)).isInstanceOf(IllegalStateException.class);
    assertThatThrownBy(enc::endSeries).isInstanceOf(IllegalStateException.class);
    enc.startSeries(Labels.of("__name__", "x"));
    assertThatThrownBy(() -> enc.startSeries(Labels.EMPTY))
        .isInstanceOf(IllegalStateException.class);
    assertThatThrownBy(() -> enc.encodeSnappy(new SnappyBlock()))
        .isInstanceOf(IllegalStateException.class);
    assertThatThrownBy(
            () -> new WriteRequestEncoder().addSeries(Labels.EMPTY, new long[1], new double[2]))
        .isInstanceOf(IllegalArgumentException.class);
  }

  @Test
  void varintAndUtf8Sizes() {
    assertThat(WriteRequestEncoder.varintSize(0)).isEqualTo(1);
    assertThat(WriteRequestEncoder.varintSize(127)).isEqualTo(1);
    assertThat(WriteRequestEncoder.varintSize(128)).isEqualTo(2);
    assertThat(WriteRequestEncoder.varintSize(Long.MAX_VALUE)).isEqualTo(9);
    assertThat(WriteRequestEncoder.varintSize(-1)).isEqualTo(10);
    for (String s : List.of("", "abc", "é", "日本", "\uD83D\uDE00", "a\uD800b", "\uDC00")) {
      assertThat(WriteRequestEncoder.utf8Length(s))
          .as(s)
          .isEqualTo(s.getBytes(StandardCharsets.UTF_8).length);
    }
  }
}
