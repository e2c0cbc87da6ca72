package io.promfed.storage.remote;

import static org.assertj.core.api.Assertions.assertThat;

import io.promfed.model.labels.Labels;
import io.promfed.model.labels.Matcher;
import io.promfed.model.value.StaleNaN;
import io.promfed.storage.Appendable;
import io.promfed.storage.Appender;
import io.promfed.storage.MetricMetadata;
import io.promfed.storage.Querier;
import io.promfed.storage.SeriesCursor;
import io.promfed.storage.SeriesSet;
import io.promfed.storage.StorageException;
import io.promfed.storage.remote.RemoteWriteHandler.Result;
import io.promfed.storage.remote.WriteRequestCodecTest.Pb;
import io.promfed.tsdb.Head;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.atomic.AtomicLong;
import org.junit.jupiter.api.Test;

class RemoteWriteHandlerTest {

  static final long NOW = 1_700_000_000_000L;
  static final Labels UP = Labels.of("__name__", "up", "instance", "a:1", "job", "api");
  static final Labels REQS = Labels.of("__name__", "http_requests_total", "code", "200");

  private final AtomicLong now = new AtomicLong(NOW);
  private final Head head = new Head(now::get, Duration.ofHours(2));
  private final RemoteWriteHandler handler = new RemoteWriteHandler(head, now::get);

  /** Everything in {@code head}: labels → list of (t, raw value bits). */
  static Map<Labels, List<List<Long>>> read(Head head) {
    Map<Labels, List<List<Long>>> out = new LinkedHashMap<>();
    try (Querier q = head.querier(Long.MIN_VALUE, Long.MAX_VALUE)) {
      SeriesSet set = q.select(true, Matcher.regex("__name__", ".+"));
      while (set.next()) {
        List<List<Long>> samples = new ArrayList<>();
        SeriesCursor c = set.at().cursor();
        while (c.next()) {
          samples.add(List.of(c.atT(), Double.doubleToRawLongBits(c.atV())));
        }
        out.put(set.at().labels(), samples);
      }
    }
    return out;
  }

  static List<Long> s(long t, double v) {
    return List.of(t, Double.doubleToRawLongBits(v));
  }

  private Result post(byte[] pb) {
    return handler.handle("snappy", "application/x-protobuf", SnappyBlock.compress(pb));
  }

  private static byte[] request(Labels l, long[] t, double[] v) {
    return new WriteRequestEncoder().addSeries(l, t, v).toByteArray();
  }

  /** A series whose labels go on the wire exactly as given (the encoder only takes Labels). */
  private static Pb rawSeries(String[] pairs, long t, double v) {
    Pb ts = new Pb();
    for (int i = 0; i < pairs.length; i += 2) {
      ts.msg(1, Pb.label(pairs[i], pairs[i + 1]));
    }
    return ts.msg(2, Pb.sample(v, t));
  }

  @Test
  void appendsEverySampleAndAnswers204() {
    byte[] pb =
        new WriteRequestEncoder()
            .addSeries(UP, new long[] {NOW - 2000, NOW - 1000}, new double[] {1, StaleNaN.VALUE})
            .addSeries(REQS, new long[] {NOW}, new double[] {42})
            .toByteArray();
    Result r = post(pb);
    assertThat(r).isEqualTo(new Result(204, ""));
    assertThat(r.isSuccess()).isTrue();
    assertThat(read(head))
        .containsExactly(
            Map.entry(REQS, List.of(s(NOW, 42))),
            Map.entry(UP, List.of(s(NOW - 2000, 1), s(NOW - 1000, StaleNaN.VALUE))));
    assertThat(read(head).get(UP).get(1).get(1)).isEqualTo(StaleNaN.BITS);
    assertThat(handler.requests()).isEqualTo(1);
    assertThat(handler.seriesReceived()).isEqualTo(2);
    assertThat(handler.samplesReceived()).isEqualTo(3);
    assertThat(handler.samplesAppended()).isEqualTo(3);
    assertThat(handler.samplesRejected()).isZero();
    assertThat(handler.badRequests()).isZero();
  }

  @Test
  void missingHeadersAreTakenAsTheOnePointZeroDefaults() {
    byte[] body = SnappyBlock.compress(request(UP, new long[] {NOW}, new double[] {1}));
    assertThat(handler.handle(null, null, body).status()).isEqualTo(204);
    assertThat(handler.handle("", " ", body).status()).isEqualTo(204); // exact repeat: no-op
    assertThat(
            handler
                .handle("SNAPPY", "application/x-protobuf;proto=prometheus.WriteRequest", body)
                .status())
        .isEqualTo(204);
  }

  @Test
  void unsupportedEncodingOrContentTypeIs415() {
    byte[] body = SnappyBlock.compress(request(UP, new long[] {NOW}, new double[] {1}));
    assertThat(handler.handle("gzip", "application/x-protobuf", body))
        .isEqualTo(
            new Result(
                415,
                "gzip encoding (compression) is not accepted by this server; only snappy is"
                    + " acceptable"));
    assertThat(handler.handle("snappy", "application/json", body))
        .isEqualTo(
            new Result(
                415,
                "expected application/x-protobuf as the first (media) part, got application/json"
                    + " content-type"));
    assertThat(
            handler.handle(
                "snappy", "application/x-protobuf;proto=io.prometheus.write.v2.Request", body))
        .isEqualTo(
            new Result(
                415,
                "io.prometheus.write.v2.Request protobuf message is not accepted by this server;"
                    + " accepted [prometheus.WriteRequest]"));
    assertThat(handler.handle("snappy", "application/x-protobuf;proto=foo", body).message())
        .contains("unknown remote write protobuf message foo");
    assertThat(handler.handle("snappy", "application/x-protobuf;charset", body).message())
        .contains("expected parameters to be key-values, got charset");
    assertThat(read(head)).isEmpty();
    assertThat(handler.badRequests()).isEqualTo(5);
  }

  @Test
  void undecodableBodiesAre400AndAppendNothing() {
    assertThat(handler.handle("snappy", "application/x-protobuf", new byte[0]))
        .isEqualTo(new Result(400, "snappy: offset 0: empty input"));
    assertThat(handler.handle("snappy", "application/x-protobuf", null).status()).isEqualTo(400);
    // Raw protobuf sent without compression.
    byte[] pb = request(UP, new long[] {NOW}, new double[] {1});
    assertThat(handler.handle("snappy", "application/x-protobuf", pb))
        .extracting(Result::status)
        .isEqualTo(400);
    // A 1 GiB length bomb.
    assertThat(
            handler.handle(
                "snappy",
                "application/x-protobuf",
                new byte[] {(byte) 0x80, (byte) 0x80, (byte) 0x80, (byte) 0x80, 0x04, 0}))
        .isEqualTo(
            new Result(
                400,
                "snappy: decoded length 1073741824 bytes exceeds the limit of 33554432 bytes"));
    // A valid first series, then garbage: the whole request is rolled back.
    byte[] truncated = new byte[pb.length * 2 - 3];
    System.arraycopy(pb, 0, truncated, 0, pb.length);
    System.arraycopy(pb, 0, truncated, pb.length, pb.length - 3);
    Result r = post(truncated);
    assertThat(r.status()).isEqualTo(400);
    assertThat(r.message()).startsWith("protobuf: offset ");
    assertThat(read(head)).isEmpty();
  }

  @Test
  void theDecodedSizeLimitIsConfigurable() {
    RemoteWriteHandler small = new RemoteWriteHandler(head, now::get, 10);
    Result r =
        small.handle(
            "snappy",
            "application/x-protobuf",
            SnappyBlock.compress(request(UP, new long[] {NOW}, new double[] {1})));
    assertThat(r.status()).isEqualTo(400);
    assertThat(r.message()).contains("exceeds the limit of 10 bytes");
  }

  @Test
  void invalidLabelsReject400ButValidSeriesAreIngested() {
    String[][] invalid = {
      {"job", "a", "__name__", "x"}, // unsorted
      {"__name__", "x", "job", "a", "job", "b"}, // duplicate
      {"__name__", "x", "job", ""}, // empty value
      {"", "v", "__name__", "x"}, // empty name
      {"job", "a"}, // no __name__
      {"__name__", "1x"}, // invalid metric name
      {"__name__", "x", "bad-name", "v"}, // invalid label name
      {}, // no labels at all
    };
    String[] problems = {
      "labels not sorted: __name__ after job",
      "duplicate label name job",
      "empty value for label job",
      "empty label name",
      "missing __name__",
      "invalid metric name \"1x\"",
      "invalid label name \"bad-name\"",
      "missing __name__",
    };
    for (int i = 0; i < invalid.length; i++) {
      Pb req =
          new Pb()
              .msg(1, rawSeries(new String[] {"__name__", "ok", "case", "c" + i}, NOW, i))
              .msg(1, rawSeries(invalid[i], NOW, 1));
      Result r = post(req.toByteArray());
      assertThat(r.status()).as(problems[i]).isEqualTo(400);
      assertThat(r.message())
          .as(problems[i])
          .contains(": " + problems[i])
          .endsWith(
              "(1 sample rejected: out of order 0, duplicate timestamp 0, out of bounds 0,"
                  + " invalid labels 1; 1 appended)");
    }
    assertThat(read(head)).hasSize(invalid.length);
    assertThat(read(head).keySet()).allMatch(l -> l.metricName().equals("ok"));
    assertThat(handler.samplesWithInvalidLabels()).isEqualTo(invalid.length);
    assertThat(handler.samplesAppended()).isEqualTo(invalid.length);
    assertThat(handler.badRequests()).isEqualTo(invalid.length);
  }

  @Test
  void invalidLabelMessageQuotesTheSeries() {
    Result r = post(new Pb().msg(1, rawSeries(new String[] {"job", "a\"b"}, NOW, 1)).toByteArray());
    assertThat(r.message())
        .startsWith("invalid labels {job=\"a\\\"b\"}: missing __name__ (1 sample rejected");
  }

  @Test
  void outOfOrderAndDuplicateSamplesAre400WhileValidOnesAreCommitted() {
    assertThat(post(request(UP, new long[] {NOW - 1000}, new double[] {1})).status())
        .isEqualTo(204);
    byte[] pb =
        new WriteRequestEncoder()
            .addSeries(UP, new long[] {NOW - 2000, NOW - 1000, NOW}, new double[] {0, 2, 3})
            .addSeries(REQS, new long[] {NOW}, new double[] {7})
            .toByteArray();
    Result r = post(pb);
    assertThat(r.status()).isEqualTo(400);
    assertThat(r.message())
        .isEqualTo(
            "out of order sample for series "
                + UP
                + " at timestamp "
                + (NOW - 2000)
                + " (2 samples rejected: out of order 1, duplicate timestamp 1, out of bounds 0,"
                + " invalid labels 0; 2 appended)");
    assertThat(read(head))
        .containsExactly(
            Map.entry(REQS, List.of(s(NOW, 7))),
            Map.entry(UP, List.of(s(NOW - 1000, 1), s(NOW, 3))));
    assertThat(handler.samplesRejected()).isEqualTo(2);
    // An exact repeat of what is stored is not an error (federation and retries resend).
    assertThat(post(pb).status()).isEqualTo(400); // still holds the two bad samples
    assertThat(post(request(UP, new long[] {NOW}, new double[] {3})).status()).isEqualTo(204);
  }

  @Test
  void outOfBoundsSamplesAre400() {
    long tooOld = NOW - Duration.ofHours(3).toMillis();
    long tooNew = NOW + RemoteWriteHandler.MAX_AHEAD_TIME_MS + 1;
    long newest = NOW + RemoteWriteHandler.MAX_AHEAD_TIME_MS;
    byte[] pb =
        new WriteRequestEncoder()
            .addSeries(UP, new long[] {tooOld, NOW, newest, tooNew}, new double[] {1, 2, 3, 4})
            .toByteArray();
    Result r = post(pb);
    assertThat(r.status()).isEqualTo(400);
    assertThat(r.message())
        .startsWith("out of bounds for series " + UP + " at timestamp " + tooOld)
        .contains("out of bounds 2");
    assertThat(read(head).get(UP)).containsExactly(s(NOW, 2), s(newest, 3));

    Result future = post(request(REQS, new long[] {tooNew}, new double[] {1}));
    assertThat(future.message())
        .startsWith("out of bounds: timestamp is too far in the future for series " + REQS);
  }

  @Test
  void storageFailuresAre500AndRollBackTheWholeRequest() {
    Head limited = new Head(now::get, Duration.ofHours(2), 1);
    RemoteWriteHandler h = new RemoteWriteHandler(limited, now::get);
    byte[] pb =
        new WriteRequestEncoder()
            .addSeries(UP, new long[] {NOW}, new double[] {1})
            .addSeries(REQS, new long[] {NOW}, new double[] {2})
            .toByteArray();
    Result r = h.handle("snappy", "application/x-protobuf", SnappyBlock.compress(pb));
    assertThat(r).isEqualTo(new Result(500, "series limit exceeded for series " + REQS));
    assertThat(read(limited)).isEmpty();
    assertThat(h.serverErrors()).isEqualTo(1);
  }

  @Test
  void appenderAndCommitExceptionsAre500() {
    List<String> calls = new ArrayList<>();
    Appendable failing =
        () ->
            new Appender() {
              @Override
              public long append(long ref, Labels labels, long t, double v) {
                if (labels.metricName().equals("boom")) {
                  throw new IllegalStateException("disk on fire");
                }
                return 1;
              }

              @Override
              public void updateMetadata(String name, MetricMetadata md) {}

              @Override
              public void commit() {
                calls.add("commit");
                throw new IllegalStateException("commit on fire");
              }

              @Override
              public void rollback() {
                calls.add("rollback");
              }
            };
    RemoteWriteHandler h = new RemoteWriteHandler(failing, now::get);
    byte[] boom =
        SnappyBlock.compress(
            request(Labels.of("__name__", "boom"), new long[] {NOW}, new double[] {1}));
    assertThat(h.handle("snappy", null, boom))
        .isEqualTo(new Result(500, "storage error: java.lang.IllegalStateException: disk on fire"));
    assertThat(calls).containsExactly("rollback");
    byte[] ok = SnappyBlock.compress(request(UP, new long[] {NOW}, new double[] {1}));
    assertThat(h.handle("snappy", null, ok))
        .isEqualTo(
            new Result(500, "commit failed: java.lang.IllegalStateException: commit on fire"));
    assertThat(h.serverErrors()).isEqualTo(2);
  }

  @Test
  void rejectionsOfTheStoreAreNamedAfterPrometheusErrors() {
    assertThat(StorageException.OUT_OF_ORDER_SAMPLE.getMessage()).isEqualTo("out of order sample");
    assertThat(RemoteWriteHandler.validate(new String[] {"__name__", "a:b_c"}, 1)).isNull();
  }
}
