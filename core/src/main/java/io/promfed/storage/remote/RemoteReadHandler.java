package io.promfed.storage.remote;

import io.promfed.model.labels.Labels;
import io.promfed.model.labels.LabelsBuilder;
import io.promfed.model.labels.Matcher;
import io.promfed.storage.Querier;
import io.promfed.storage.Queryable;
import io.promfed.storage.Series;
import io.promfed.storage.SeriesCursor;
import io.promfed.storage.SeriesSet;
import java.io.IOException;
import java.io.InputStream;
import java.util.ArrayList;
import java.util.List;
import java.util.Objects;
import java.util.concurrent.Semaphore;
import java.util.concurrent.atomic.LongAdder;
import java.util.function.Supplier;

/**
 * The server end of remote read 1.0, free of any HTTP framework: Prometheus's {@code readHandler}
 * (prometheus/prometheus storage/remote/read_handler.go) for the SAMPLES response type. A
 * controller passes the raw body and writes back {@link Response}: its status, and either the
 * Snappy-compressed protobuf {@code ReadResponse} ({@code Content-Type: application/x-protobuf},
 * {@code Content-Encoding: snappy}) or a plain-text error.
 *
 * <p>Per query, as read_handler.go does: equality matchers that equal one of our external labels
 * are dropped (the client added them to address us; our stored series do not carry them), a
 * querier is opened over {@code [start_timestamp_ms, end_timestamp_ms]}, and every series read
 * gets the external labels added, its own labels winning a name clash. Other matchers on external
 * label names are passed on unchanged, as in Prometheus. Hints with {@code func: "series"} are
 * answered with labels only (what Prometheus's storage returns for such a select). Series are
 * returned sorted by labels.
 *
 * <p>Answers: 200 with the response; 400 for a body that is not Snappy or not a {@code
 * ReadRequest}, a matcher that does not compile, response types we cannot serve (only SAMPLES is
 * implemented; a client that also accepts SAMPLES gets it), more samples than {@code
 * maxSamplesPerResponse} ({@code exceeded sample limit (N)}, Prometheus's message and status) or an
 * encoded response larger than {@code maxResponseBytes}; 500 when the storage fails. At most
 * {@code maxConcurrentReads} requests are served at once, the others wait (Prometheus's {@code
 * --storage.remote.read-concurrent-limit}), since each holds its whole response in memory.
 *
 * <p>Thread-safe.
 */
public final class RemoteReadHandler {

  /** Prometheus's {@code --storage.remote.read-sample-limit} default. */
  public static final long DEFAULT_MAX_SAMPLES_PER_RESPONSE = 50_000_000L;

  /** Uncompressed response size limit; about 10 million samples of a few series. */
  public static final int DEFAULT_MAX_RESPONSE_BYTES = 128 << 20;

  /** Prometheus's {@code --storage.remote.read-concurrent-limit} default. */
  public static final int DEFAULT_MAX_CONCURRENT_READS = 10;

  static final String PROTOBUF_MEDIA_TYPE = "application/x-protobuf";

  /**
   * What to answer.
   *
   * @param status the HTTP status code
   * @param contentType the {@code Content-Type} to send
   * @param contentEncoding the {@code Content-Encoding} to send, or null
   * @param body the body: the compressed response, or the UTF-8 error message
   */
  public record Response(int status, String contentType, String contentEncoding, byte[] body) {

    static Response error(int status, String message) {
      return new Response(
          status,
          "text/plain; charset=utf-8",
          null,
          (message + "\n").getBytes(java.nio.charset.StandardCharsets.UTF_8));
    }

    public boolean isSuccess() {
      return status == 200;
    }
  }

  private final Queryable queryable;
  private final Supplier<Labels> externalLabels;
  private final long maxSamplesPerResponse;
  private final int maxResponseBytes;
  private final Semaphore concurrentReads;

  private final LongAdder requests = new LongAdder();
  private final LongAdder failedRequests = new LongAdder();
  private final LongAdder samplesSent = new LongAdder();

  /** A handler with Prometheus's default limits. */
  public RemoteReadHandler(Queryable queryable, Supplier<Labels> externalLabels) {
    this(
        queryable,
        externalLabels,
        DEFAULT_MAX_SAMPLES_PER_RESPONSE,
        DEFAULT_MAX_RESPONSE_BYTES,
        DEFAULT_MAX_CONCURRENT_READS);
  }

  /**
   * @param queryable the store read
   * @param externalLabels the current external labels (they change on config reload)
   * @param maxSamplesPerResponse the most samples one response may hold; positive
   * @param maxResponseBytes the largest uncompressed response; positive
   * @param maxConcurrentReads requests served at once; positive
   */
  public RemoteReadHandler(
      Queryable queryable,
      Supplier<Labels> externalLabels,
      long maxSamplesPerResponse,
      int maxResponseBytes,
      int maxConcurrentReads) {
    this.queryable = Objects.requireNonNull(queryable, "queryable");
    this.externalLabels = Objects.requireNonNull(externalLabels, "externalLabels");
    if (maxSamplesPerResponse <= 0 || maxResponseBytes <= 0 || maxConcurrentReads <= 0) {
      throw new IllegalArgumentException(
          "limits must be positive: maxSamplesPerResponse="
              + maxSamplesPerResponse
              + ", maxResponseBytes="
              + maxResponseBytes
              + ", maxConcurrentReads="
              + maxConcurrentReads);
    }
    this.maxSamplesPerResponse = maxSamplesPerResponse;
    this.maxResponseBytes = maxResponseBytes;
    this.concurrentReads = new Semaphore(maxConcurrentReads, true);
  }

  /** A read request is queries of a few matchers each; 1 MiB compressed is far beyond that. */
  public static final int MAX_COMPRESSED_BYTES = 1 << 20;

  /**
   * Handles one request read from {@code body}, refusing with 413 a body over {@link
   * #MAX_COMPRESSED_BYTES} before reading it whole (by its declared length, or while reading).
   *
   * @param declaredLength the {@code Content-Length}, or -1 when unknown
   */
  public Response handle(long declaredLength, InputStream body)
      throws IOException, InterruptedException {
    if (declaredLength > MAX_COMPRESSED_BYTES) {
      return tooLarge(declaredLength + " bytes");
    }
    byte[] bytes = body.readNBytes(MAX_COMPRESSED_BYTES + 1);
    if (bytes.length > MAX_COMPRESSED_BYTES) {
      return tooLarge("more than " + MAX_COMPRESSED_BYTES + " bytes");
    }
    return handle(bytes);
  }

  private Response tooLarge(String size) {
    requests.increment();
    failedRequests.increment();
    return Response.error(413, "request body too large: " + size);
  }

  /**
   * Handles one request. Prometheus does not look at the request's content headers, so neither do
   * we: the body must be a Snappy block of a {@code ReadRequest}.
   *
   * @param body the raw (compressed) request body; null is taken as empty
   * @throws InterruptedException when interrupted while waiting for a free read slot
   */
  public Response handle(byte[] body) throws InterruptedException {
    requests.increment();
    concurrentReads.acquire();
    Response r;
    try {
      r = serve(body == null ? new byte[0] : body);
    } finally {
      concurrentReads.release();
    }
    if (!r.isSuccess()) {
      failedRequests.increment();
    }
    return r;
  }

  private Response serve(byte[] body) {
    ReadRequest request;
    try {
      byte[] raw =
          SnappyBlock.decompress(body, 0, body.length, SnappyBlock.DEFAULT_MAX_DECODED_BYTES);
      request = ReadRequest.decode(raw, 0, raw.length);
    } catch (DecodeException e) {
      return Response.error(400, e.getMessage());
    }
    String unsupported = negotiate(request.acceptedResponseTypes());
    if (unsupported != null) {
      return Response.error(400, unsupported);
    }
    Labels external = externalLabels.get();
    ReadResponseEncoder response = new ReadResponseEncoder();
    LabelsBuilder builder = new LabelsBuilder();
    long samples = 0;
    for (ReadRequest.Query query : request.queries()) {
      Matcher[] matchers = withoutExternalLabels(query.matchers(), external);
      boolean labelsOnly =
          query.hints() != null && "series".equals(query.hints().func());
      WriteRequestEncoder result = response.result();
      try (Querier querier =
          queryable.querier(query.startTimestampMs(), query.endTimestampMs())) {
        SeriesSet set = querier.select(true, matchers);
        while (set.next()) {
          Series s = set.at();
          result.startSeries(withExternalLabels(s.labels(), external, builder));
          if (!labelsOnly) {
            SeriesCursor c = s.cursor();
            while (c.next()) {
              if (++samples > maxSamplesPerResponse) {
                return Response.error(
                    400, "exceeded sample limit (" + maxSamplesPerResponse + ")");
              }
              result.addSample(c.atT(), c.atV());
            }
          }
          result.endSeries();
          if (response.size() > maxResponseBytes) {
            return Response.error(
                400,
                "exceeded response size limit ("
                    + maxResponseBytes
                    + " bytes); select fewer series or a shorter time range");
          }
        }
      } catch (RuntimeException e) {
        return Response.error(500, "reading storage: " + e.getMessage());
      }
      response.endResult();
    }
    samplesSent.add(samples);
    byte[] raw = response.toByteArray();
    return new Response(
        200, PROTOBUF_MEDIA_TYPE, "snappy", new SnappyBlock().encode(raw, 0, raw.length));
  }

  /**
   * {@code NegotiateResponseType}: the first accepted type we serve wins; none means SAMPLES.
   * Returns null when SAMPLES can be served, else the 400 message.
   */
  static String negotiate(List<Integer> accepted) {
    if (accepted.isEmpty() || accepted.contains(ReadRequest.SAMPLES)) {
      return null;
    }
    List<String> names = new ArrayList<>();
    for (int t : accepted) {
      names.add(
          t == ReadRequest.STREAMED_XOR_CHUNKS ? "STREAMED_XOR_CHUNKS" : Integer.toString(t));
    }
    return "server does not support any of the requested response types: "
        + names
        + "; supported: [SAMPLES]";
  }

  /**
   * {@code filterExtLabelsFromMatchers}: drops {@code name="v"} when our external label is v. Unlike
   * Prometheus, {@code name=""} for a name that is not an external label is kept (Prometheus
   * compares with the map's zero value and drops it, widening the selection).
   */
  static Matcher[] withoutExternalLabels(List<Matcher> matchers, Labels external) {
    List<Matcher> out = new ArrayList<>(matchers.size());
    for (Matcher m : matchers) {
      if (m.type() == Matcher.Type.EQUAL && m.value().equals(external.get(m.name()))) {
        continue;
      }
      out.add(m);
    }
    return out.toArray(new Matcher[0]);
  }

  /** {@code MergeLabels}: the series' labels plus the external ones it lacks. */
  static Labels withExternalLabels(Labels series, Labels external, LabelsBuilder builder) {
    if (external.isEmpty()) {
      return series;
    }
    builder.reset(external);
    series.forEach(builder::set);
    return builder.build();
  }

  /** Requests received. */
  public long requests() {
    return requests.sum();
  }

  /** Requests answered with an error status. */
  public long failedRequests() {
    return failedRequests.sum();
  }

  /** Samples sent in successful responses. */
  public long samplesSent() {
    return samplesSent.sum();
  }
}
