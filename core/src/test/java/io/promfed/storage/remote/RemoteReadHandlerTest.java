package io.promfed.storage.remote;

import static org.assertj.core.api.Assertions.assertThat;

import io.promfed.model.labels.Labels;
import io.promfed.model.labels.Matcher;
import io.promfed.storage.Appender;
import io.promfed.storage.Series;
import io.promfed.storage.SeriesCursor;
import io.promfed.tsdb.Head;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

class RemoteReadHandlerTest {

  static final Labels EXTERNAL = Labels.of("cluster", "kind-1", "replica", "a");

  Head head = new Head(() -> 100_000, Duration.ofDays(1));
  RemoteReadHandler handler = new RemoteReadHandler(head, () -> EXTERNAL);

  @BeforeEach
  void load() throws Exception {
    Appender app = head.appender();
    for (int t = 1000; t <= 5000; t += 1000) {
      app.append(0, Labels.of("__name__", "up", "job", "a"), t, 1);
      app.append(0, Labels.of("__name__", "up", "job", "b"), t, 0);
      // Its own replica label wins over the external one.
      app.append(0, Labels.of("__name__", "other", "replica", "own"), t, t);
    }
    app.commit();
  }

  static byte[] request(long start, long end, ReadRequest.ReadHints hints, Matcher... ms) {
    return request(List.of(), new ReadRequest.Query(start, end, List.of(ms), hints));
  }

  static byte[] request(List<Integer> types, ReadRequest.Query... queries) {
    return SnappyBlock.compress(new ReadRequest(List.of(queries), types).encode());
  }

  static List<List<Series>> results(RemoteReadHandler.Response r) throws DecodeException {
    assertThat(r.status()).as(new String(r.body(), StandardCharsets.UTF_8)).isEqualTo(200);
    assertThat(r.contentType()).isEqualTo("application/x-protobuf");
    assertThat(r.contentEncoding()).isEqualTo("snappy");
    byte[] raw = SnappyBlock.decompress(r.body(), 0, r.body().length, 1 << 20);
    List<List<Series>> out = new ArrayList<>();
    new ReadResponseDecoder()
        .decode(
            raw,
            0,
            raw.length,
            new ReadResponseDecoder.Visitor() {
              List<Series> current;
              Labels labels;
              List<long[]> samples;

              @Override
              public void result(int index) {
                current = new ArrayList<>();
                out.add(current);
              }

              @Override
              public void series(String[] pairs, int count) {
                String[] copy = new String[2 * count];
                System.arraycopy(pairs, 0, copy, 0, copy.length);
                labels = Labels.of(copy);
                samples = new ArrayList<>();
              }

              @Override
              public void sample(long t, double v) {
                samples.add(new long[] {t, Double.doubleToRawLongBits(v)});
              }

              @Override
              public void endSeries() {
                long[] ts = samples.stream().mapToLong(s -> s[0]).toArray();
                double[] vs =
                    samples.stream().mapToDouble(s -> Double.longBitsToDouble(s[1])).toArray();
                current.add(new RemoteReadClient.SampleArraySeries(labels, ts, vs));
              }
            });
    return out;
  }

  static List<String> describe(List<Series> series) {
    List<String> out = new ArrayList<>();
    for (Series s : series) {
      StringBuilder sb = new StringBuilder(s.labels().toString());
      SeriesCursor c = s.cursor();
      while (c.next()) {
        sb.append(' ').append(c.atT()).append('=').append(c.atV());
      }
      out.add(sb.toString());
    }
    return out;
  }

  @Test
  void anOversizedBodyIsRefusedBeforeItIsReadWhole() throws Exception {
    byte[] big = new byte[RemoteReadHandler.MAX_COMPRESSED_BYTES + 1];
    RemoteReadHandler.Response declared =
        handler.handle(big.length, new java.io.ByteArrayInputStream(new byte[0]));
    assertThat(declared.status()).isEqualTo(413);
    assertThat(new String(declared.body(), java.nio.charset.StandardCharsets.UTF_8))
        .isEqualTo("request body too large: " + big.length + " bytes\n");
    RemoteReadHandler.Response streamed =
        handler.handle(-1, new java.io.ByteArrayInputStream(big));
    assertThat(streamed.status()).isEqualTo(413);
    assertThat(new String(streamed.body(), java.nio.charset.StandardCharsets.UTF_8))
        .isEqualTo("request body too large: more than " + RemoteReadHandler.MAX_COMPRESSED_BYTES + " bytes\n");
  }

  @Test
  void selectsTheRangeSortedWithExternalLabelsAdded() throws Exception {
    var r = handler.handle(request(2000, 3000, null, Matcher.equal("__name__", "up")));
    assertThat(describe(results(r).get(0)))
        .containsExactly(
            "{__name__=\"up\", cluster=\"kind-1\", job=\"a\", replica=\"a\"} 2000=1.0 3000=1.0",
            "{__name__=\"up\", cluster=\"kind-1\", job=\"b\", replica=\"a\"} 2000=0.0 3000=0.0");
  }

  @Test
  void anEqualityMatcherOnOurExternalLabelIsDroppedAndAnotherValueSelectsNothing()
      throws Exception {
    var ours =
        handler.handle(
            request(
                0,
                10_000,
                null,
                Matcher.equal("__name__", "up"),
                Matcher.equal("cluster", "kind-1"),
                Matcher.equal("job", "a")));
    assertThat(results(ours).get(0)).hasSize(1);
    var theirs =
        handler.handle(
            request(
                0, 10_000, null, Matcher.equal("__name__", "up"), Matcher.equal("cluster", "x")));
    assertThat(results(theirs).get(0)).isEmpty();
  }

  @Test
  void aSeriesOwnLabelWinsOverAnExternalLabel() throws Exception {
    var r = handler.handle(request(5000, 5000, null, Matcher.equal("__name__", "other")));
    assertThat(describe(results(r).get(0)))
        .containsExactly("{__name__=\"other\", cluster=\"kind-1\", replica=\"own\"} 5000=5000.0");
  }

  @Test
  void severalQueriesGetOneResultEachInOrder() throws Exception {
    var r =
        handler.handle(
            request(
                List.of(ReadRequest.STREAMED_XOR_CHUNKS, ReadRequest.SAMPLES),
                new ReadRequest.Query(1000, 1000, List.of(Matcher.equal("job", "b")), null),
                new ReadRequest.Query(0, 0, List.of(Matcher.equal("job", "a")), null)));
    List<List<Series>> res = results(r);
    assertThat(res).hasSize(2);
    assertThat(describe(res.get(0))).singleElement().asString().endsWith("1000=0.0");
    assertThat(res.get(1)).isEmpty();
  }

  @Test
  void seriesHintsGetLabelsWithoutSamples() throws Exception {
    var r =
        handler.handle(
            request(
                0,
                10_000,
                ReadRequest.ReadHints.seriesOnly(0, 10_000),
                Matcher.regex("__name__", ".+")));
    assertThat(describe(results(r).get(0)))
        .containsExactly(
            "{__name__=\"other\", cluster=\"kind-1\", replica=\"own\"}",
            "{__name__=\"up\", cluster=\"kind-1\", job=\"a\", replica=\"a\"}",
            "{__name__=\"up\", cluster=\"kind-1\", job=\"b\", replica=\"a\"}");
  }

  @Test
  void theSampleLimitFailsTheRequestWithPrometheusMessage() throws Exception {
    RemoteReadHandler limited = new RemoteReadHandler(head, () -> EXTERNAL, 9, 1 << 20, 1);
    var ok = limited.handle(request(0, 10_000, null, Matcher.equal("job", "a"))); // 5 samples
    assertThat(ok.status()).isEqualTo(200);
    var r = limited.handle(request(0, 10_000, null, Matcher.equal("__name__", "up"))); // 10
    assertThat(r.status()).isEqualTo(400);
    assertThat(new String(r.body(), StandardCharsets.UTF_8))
        .isEqualTo("exceeded sample limit (9)\n");
    assertThat(limited.failedRequests()).isEqualTo(1);
  }

  @Test
  void theResponseSizeLimitFailsTheRequest() throws Exception {
    RemoteReadHandler limited = new RemoteReadHandler(head, () -> EXTERNAL, 1000, 100, 1);
    var r = limited.handle(request(0, 10_000, null, Matcher.regex("__name__", ".+")));
    assertThat(r.status()).isEqualTo(400);
    assertThat(new String(r.body(), StandardCharsets.UTF_8))
        .startsWith("exceeded response size limit (100 bytes)");
  }

  @Test
  void badRequestsAre400WithTheReason() throws Exception {
    var notSnappy = handler.handle(new byte[] {(byte) 0xff, (byte) 0xff, (byte) 0xff});
    assertThat(notSnappy.status()).isEqualTo(400);
    assertThat(new String(notSnappy.body(), StandardCharsets.UTF_8)).startsWith("snappy: ");
    var notProto = handler.handle(SnappyBlock.compress(new byte[] {0x0a, 0x05}));
    assertThat(notProto.status()).isEqualTo(400);
    assertThat(new String(notProto.body(), StandardCharsets.UTF_8)).startsWith("protobuf: ");
    var streamedOnly =
        handler.handle(
            request(
                List.of(ReadRequest.STREAMED_XOR_CHUNKS),
                new ReadRequest.Query(0, 1, List.of(Matcher.equal("job", "a")), null)));
    assertThat(streamedOnly.status()).isEqualTo(400);
    assertThat(new String(streamedOnly.body(), StandardCharsets.UTF_8))
        .isEqualTo(
            "server does not support any of the requested response types:"
                + " [STREAMED_XOR_CHUNKS]; supported: [SAMPLES]\n");
  }

  @Test
  void aFailingStoreIs500() throws Exception {
    RemoteReadHandler broken =
        new RemoteReadHandler(
            (mint, maxt) -> {
              throw new IllegalStateException("head closed");
            },
            () -> EXTERNAL);
    var r = broken.handle(request(0, 1, null, Matcher.equal("job", "a")));
    assertThat(r.status()).isEqualTo(500);
    assertThat(new String(r.body(), StandardCharsets.UTF_8))
        .isEqualTo("reading storage: head closed\n");
  }
}
