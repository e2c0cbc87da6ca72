package io.promfed.storage.remote;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.promfed.model.labels.Labels;
import io.promfed.model.labels.Matcher;
import io.promfed.model.value.StaleNaN;
import io.promfed.storage.Series;
import io.promfed.storage.SeriesCursor;
import java.util.HexFormat;
import java.util.List;
import org.junit.jupiter.api.Test;

/** Remote read 1.0 messages: ReadRequest and ReadResponse, both directions, bytes checked. */
class ReadCodecTest {

  static final HexFormat HEX = HexFormat.of();

  static final ReadRequest UP_REQUEST =
      new ReadRequest(
          List.of(
              new ReadRequest.Query(1000, 2000, List.of(Matcher.equal("__name__", "up")), null)),
          List.of(ReadRequest.SAMPLES));

  /**
   * Derived by hand from the proto3 wire rules, as gogo-protobuf encodes {@code prompb}: zero
   * scalars omitted, the repeated enum packed.
   */
  static final String UP_REQUEST_HEX =
      "0a16" // queries, 22 bytes
          + "08e807" // start_timestamp_ms 1000
          + "10d00f" // end_timestamp_ms 2000
          + "1a0e" // matchers, 14 bytes (type EQ = 0 omitted)
          + "1208" + HEX.formatHex("__name__".getBytes()) // name
          + "1a02" + HEX.formatHex("up".getBytes()) // value
          + "120100"; // accepted_response_types [SAMPLES], packed

  @Test
  void requestEncodesToTheGoldenBytes() {
    assertThat(HEX.formatHex(UP_REQUEST.encode())).isEqualTo(UP_REQUEST_HEX);
  }

  @Test
  void requestDecodesFromTheGoldenBytes() throws DecodeException {
    byte[] b = HEX.parseHex(UP_REQUEST_HEX);
    ReadRequest r = ReadRequest.decode(b, 0, b.length);
    assertThat(r.acceptedResponseTypes()).containsExactly(ReadRequest.SAMPLES);
    assertThat(r.queries()).hasSize(1);
    ReadRequest.Query q = r.queries().get(0);
    assertThat(q.startTimestampMs()).isEqualTo(1000);
    assertThat(q.endTimestampMs()).isEqualTo(2000);
    assertThat(q.matchers()).containsExactly(Matcher.equal("__name__", "up"));
    assertThat(q.hints()).isNull();
  }

  @Test
  void everyFieldRoundTrips() throws DecodeException {
    ReadRequest in =
        new ReadRequest(
            List.of(
                new ReadRequest.Query(
                    -5,
                    Long.MAX_VALUE,
                    List.of(
                        Matcher.of(Matcher.Type.NOT_EQUAL, "job", "a"),
                        Matcher.of(Matcher.Type.REGEX, "instance", "h.*|ü"),
                        Matcher.of(Matcher.Type.NOT_REGEX, "env", "")),
                    new ReadRequest.ReadHints(
                        15_000, "rate", 1, 2, List.of("job", "le"), true, 300_000)),
                new ReadRequest.Query(
                    0, 0, List.of(), ReadRequest.ReadHints.seriesOnly(7, 8))),
            List.of(ReadRequest.STREAMED_XOR_CHUNKS, ReadRequest.SAMPLES, 9));
    byte[] b = in.encode();
    ReadRequest out = ReadRequest.decode(b, 0, b.length);
    assertThat(out).isEqualTo(in);
  }

  @Test
  void unpackedResponseTypesAreAcceptedToo() throws DecodeException {
    // Two unpacked entries (tag 0x10): STREAMED_XOR_CHUNKS, SAMPLES.
    byte[] b = HEX.parseHex("10011000");
    assertThat(ReadRequest.decode(b, 0, b.length).acceptedResponseTypes()).containsExactly(1, 0);
  }

  @Test
  void unknownFieldsAreSkipped() throws DecodeException {
    // field 9 varint, field 10 fixed64, field 11 length-delimited, then the golden request.
    byte[] b = HEX.parseHex("4801" + "510102030405060708" + "5a03616263" + UP_REQUEST_HEX);
    assertThat(ReadRequest.decode(b, 0, b.length)).isEqualTo(UP_REQUEST);
  }

  @Test
  void malformedRequestsNameTheProblemAndOffset() {
    assertProblem("0a", "protobuf: offset 1: truncated varint");
    assertProblem("0a05", "protobuf: offset 1: length 5 exceeds the 0 bytes left");
    assertProblem("0802", "protobuf: offset 0: ReadRequest.queries has wire type 0, want 2");
    assertProblem("0a04" + "1a02" + "0807", "protobuf: offset 2: invalid matcher type 7");
    // A matcher {type: RE, name: "a", value: "("}.
    assertProblem(
        "0a0a" + "1a08" + "0802" + "120161" + "1a0128",
        "protobuf: offset 2: matcher on a: invalid regular expression");
    assertProblem("0a06" + "1a04" + "1202c328", "LabelMatcher.name is not valid UTF-8");
    assertProblem("00", "invalid field number 0");
  }

  private static void assertProblem(String hex, String message) {
    byte[] b = HEX.parseHex(hex);
    assertThatThrownBy(() -> ReadRequest.decode(b, 0, b.length))
        .isInstanceOf(DecodeException.class)
        .hasMessageContaining(message);
  }

  @Test
  void responseEncodesToTheGoldenBytes() {
    ReadResponseEncoder enc = new ReadResponseEncoder();
    enc.result().addSeries(Labels.of("__name__", "up"), new long[] {1000}, new double[] {1});
    enc.endResult();
    enc.endResult(); // an empty second result
    // Label {name = 1, value = 2}; Sample {value = 1 (fixed64), timestamp = 2}.
    String label = "0a" + "0e" + "0a08" + HEX.formatHex("__name__".getBytes()) + "1202" + "7570";
    String sample = "12" + "0c" + "09" + "000000000000f03f" + "10" + "e807";
    String timeseries = "0a" + "1e" + label + sample;
    assertThat(HEX.formatHex(enc.toByteArray()))
        .isEqualTo("0a" + "20" + timeseries + "0a00"); // results[0], then the empty results[1]
  }

  @Test
  void responseRoundTripsWithStaleMarkersAndEmptyResults() throws DecodeException {
    ReadResponseEncoder enc = new ReadResponseEncoder();
    enc.result()
        .addSeries(
            Labels.of("__name__", "a", "job", "x"),
            new long[] {1, 2, 3},
            new double[] {0.5, StaleNaN.VALUE, Double.NEGATIVE_INFINITY});
    enc.result().addSeries(Labels.of("__name__", "b"), new long[] {}, new double[] {});
    enc.endResult();
    byte[] raw = enc.toByteArray();
    List<Series> series = RemoteReadClient.decode(raw);
    assertThat(series).extracting(Series::labels)
        .containsExactly(Labels.of("__name__", "a", "job", "x"), Labels.of("__name__", "b"));
    SeriesCursor c = series.get(0).cursor();
    assertThat(c.next()).isTrue();
    assertThat(c.atV()).isEqualTo(0.5);
    assertThat(c.next()).isTrue();
    assertThat(Double.doubleToRawLongBits(c.atV())).isEqualTo(StaleNaN.BITS);
    assertThat(c.seek(3)).isTrue();
    assertThat(c.atV()).isEqualTo(Double.NEGATIVE_INFINITY);
    assertThat(c.next()).isFalse();
    assertThat(series.get(1).cursor().next()).isFalse();
  }

  @Test
  void aResponseWithTheWrongNumberOfResultsIsRefused() {
    ReadResponseEncoder enc = new ReadResponseEncoder();
    enc.endResult().endResult();
    byte[] raw = enc.toByteArray();
    assertThatThrownBy(() -> RemoteReadClient.decode(raw))
        .hasMessageContaining("responses: want 1, got 2");
  }

  @Test
  void samplesOutOfOrderAreRefused() {
    ReadResponseEncoder enc = new ReadResponseEncoder();
    enc.result().addSeries(Labels.of("__name__", "a"), new long[] {5, 5}, new double[] {1, 2});
    enc.endResult();
    byte[] raw = enc.toByteArray();
    assertThatThrownBy(() -> RemoteReadClient.decode(raw))
        .hasMessageContaining("out of order at timestamp 5");
  }
}
