package io.promfed.storage.remote;

import io.promfed.model.labels.Labels;
import io.promfed.model.labels.LabelsBuilder;
import io.promfed.model.gostrconv.GoQuote;
import io.promfed.model.relabel.Names;
import io.promfed.storage.Appendable;
import io.promfed.storage.Appender;
import io.promfed.storage.StorageException;
import java.io.IOException;
import java.io.InputStream;
import java.util.Locale;
import java.util.Objects;
import java.util.concurrent.atomic.LongAdder;
import java.util.function.LongSupplier;

/**
 * The receiving end of remote write 1.0, free of any HTTP framework: a controller passes the {@code
 * Content-Encoding} and {@code Content-Type} headers and the raw body, and writes back {@link
 * Result#status()} with {@link Result#message()} as a {@code text/plain} body (empty for 204).
 * Prometheus's {@code writeHandler} (prometheus/prometheus storage/remote/write_handler.go).
 *
 * <p>Each request is decompressed (Snappy block, decoded size limited before allocation), decoded
 * as a stream and appended through <b>one</b> {@link Appender}: committed once at the end, or
 * rolled back whole on a decode error or a server-side failure, so readers never see half a
 * request.
 *
 * <p>Status codes, following write_handler.go and the spec (prometheus/docs
 * docs/specs/prw/remote_write_spec.md):
 *
 * <ul>
 *   <li>204: every sample was appended.
 *   <li>400: the body is not Snappy or not a {@code WriteRequest} (nothing is appended); or some
 *       samples were invalid: out of order, duplicate timestamp with another value, out of bounds
 *       (older than the store accepts, or more than 10 minutes in the future: write_handler.go's
 *       {@code maxAheadTime}), or a series with invalid labels. The valid samples of the request
 *       are still committed, which the spec allows ("Receivers MAY ingest valid samples within a
 *       write request that otherwise contains invalid samples"). Prometheus's own 1.0 path stops at
 *       the first such sample and rolls the whole request back; partial ingestion is kinder to a
 *       sender that never retries a 400 and equally safe, since exact repeats are no-ops. Invalid
 *       labels are a 400 where Prometheus skips the series and answers 204 (a comment in its code
 *       says it should be a 400, as the spec requires).
 *   <li>415: a {@code Content-Encoding} other than {@code snappy}, or a {@code Content-Type} other
 *       than {@code application/x-protobuf} (optionally {@code ;proto=prometheus.WriteRequest}),
 *       exactly as write_handler.go answers them. A missing header is taken as the 1.0 default, as
 *       Prometheus does so as not to break old senders.
 *   <li>500: any other storage failure (for example the series limit): the request is rolled back
 *       and the sender retries it.
 * </ul>
 *
 * <p>Labels are checked as the 1.0 spec requires: {@code __name__} present (Prometheus rejects a
 * series without it), names sorted and unique, no empty names or values, legacy name syntax for
 * label and metric names ({@code [a-zA-Z_][a-zA-Z0-9_]*}, {@code [a-zA-Z_:][a-zA-Z0-9_:]*}).
 *
 * <p>Thread-safe: any number of requests may be handled concurrently; each uses its own appender.
 * The counters are cumulative since construction.
 */
public final class RemoteWriteHandler {

  /** How far ahead of now a sample may be: write_handler.go's {@code maxAheadTime}. */
  static final long MAX_AHEAD_TIME_MS = 10 * 60 * 1000L;

  static final String PROTOBUF_MEDIA_TYPE = "application/x-protobuf";
  static final String PROTO_MSG_V1 = "prometheus.WriteRequest";
  static final String PROTO_MSG_V2 = "io.prometheus.write.v2.Request";

  /** The longest message returned: one detailed error plus counts, not one line per sample. */
  private static final int MAX_MESSAGE_CHARS = 1024;

  /**
   * What to answer.
   *
   * @param status the HTTP status code
   * @param message the response body for errors (plain text naming the problem), "" for 204
   */
  public record Result(int status, String message) {

    public Result {
      Objects.requireNonNull(message, "message");
    }

    /** 204 No Content. */
    public static final Result NO_CONTENT = new Result(204, "");

    public boolean isSuccess() {
      return status / 100 == 2;
    }
  }

  private final Appendable appendable;
  private final LongSupplier nowMs;
  private final int maxDecodedBytes;

  private final LongAdder requests = new LongAdder();
  private final LongAdder badRequests = new LongAdder();
  private final LongAdder serverErrors = new LongAdder();
  private final LongAdder seriesReceived = new LongAdder();
  private final LongAdder samplesReceived = new LongAdder();
  private final LongAdder samplesAppended = new LongAdder();
  private final LongAdder samplesRejected = new LongAdder();
  private final LongAdder samplesWithInvalidLabels = new LongAdder();

  /**
   * A handler with the default decoded-size limit, {@link SnappyBlock#DEFAULT_MAX_DECODED_BYTES}.
   */
  public RemoteWriteHandler(Appendable appendable, LongSupplier nowMs) {
    this(appendable, nowMs, SnappyBlock.DEFAULT_MAX_DECODED_BYTES);
  }

  /**
   * @param appendable where samples go; one appender per request
   * @param nowMs the current time in epoch milliseconds, for the 10-minute future limit
   * @param maxDecodedBytes the largest decompressed body accepted; larger ones get 400 before any
   *     allocation
   */
  public RemoteWriteHandler(Appendable appendable, LongSupplier nowMs, int maxDecodedBytes) {
    this.appendable = Objects.requireNonNull(appendable, "appendable");
    this.nowMs = Objects.requireNonNull(nowMs, "nowMs");
    if (maxDecodedBytes <= 0) {
      throw new IllegalArgumentException(
          "maxDecodedBytes must be positive, got " + maxDecodedBytes);
    }
    this.maxDecodedBytes = maxDecodedBytes;
  }

  /** Snappy rarely compresses metrics below 1/10; 8 MiB compressed is far above real batches. */
  public static final int MAX_COMPRESSED_BYTES = 8 << 20;

  /**
   * Handles one request read from {@code body}, refusing with 413 a body over {@link
   * #MAX_COMPRESSED_BYTES} before reading it whole (by its declared length, or while reading).
   *
   * @param declaredLength the {@code Content-Length}, or -1 when unknown
   */
  public Result handle(
      String contentEncoding, String contentType, long declaredLength, InputStream body)
      throws IOException {
    if (declaredLength > MAX_COMPRESSED_BYTES) {
      return tooLarge(declaredLength + " bytes");
    }
    byte[] bytes = body.readNBytes(MAX_COMPRESSED_BYTES + 1);
    if (bytes.length > MAX_COMPRESSED_BYTES) {
      return tooLarge("more than " + MAX_COMPRESSED_BYTES + " bytes");
    }
    return handle(contentEncoding, contentType, bytes);
  }

  private Result tooLarge(String size) {
    requests.increment();
    badRequests.increment();
    return new Result(413, "request body too large: " + size);
  }

  /**
   * Handles one request.
   *
   * @param contentEncoding the {@code Content-Encoding} header, or null when absent
   * @param contentType the {@code Content-Type} header, or null when absent
   * @param body the raw (compressed) request body; null is taken as empty
   */
  public Result handle(String contentEncoding, String contentType, byte[] body) {
    requests.increment();
    Result result = handleCounted(contentEncoding, contentType, body == null ? new byte[0] : body);
    if (result.status() / 100 == 4) {
      badRequests.increment();
    } else if (result.status() / 100 == 5) {
      serverErrors.increment();
    }
    return result;
  }

  private Result handleCounted(String contentEncoding, String contentType, byte[] body) {
    String unsupported = checkContentType(contentType);
    if (unsupported == null) {
      unsupported = checkContentEncoding(contentEncoding);
    }
    if (unsupported != null) {
      return new Result(415, unsupported);
    }
    byte[] decoded;
    try {
      decoded = SnappyBlock.decompress(body, 0, body.length, maxDecodedBytes);
    } catch (DecodeException e) {
      return new Result(400, e.getMessage());
    }
    Appender app = appendable.appender();
    Ingest ingest = new Ingest(app, nowMs.getAsLong() + MAX_AHEAD_TIME_MS);
    try {
      new WriteRequestDecoder().decode(decoded, 0, decoded.length, ingest);
    } catch (DecodeException e) {
      ingest.addCounts();
      app.rollback();
      return new Result(400, e.getMessage());
    } catch (FatalAppend e) {
      ingest.addCounts();
      app.rollback();
      return new Result(500, e.getMessage());
    } catch (RuntimeException e) {
      ingest.addCounts();
      app.rollback();
      return new Result(500, "storage error: " + e);
    }
    ingest.addCounts();
    try {
      app.commit();
    } catch (RuntimeException e) {
      return new Result(500, "commit failed: " + e);
    }
    samplesAppended.add(ingest.appended);
    if (ingest.firstError == null) {
      return Result.NO_CONTENT;
    }
    return new Result(400, ingest.summary());
  }

  /** {@code parseProtoMsg} of write_handler.go; null when acceptable, else the 415 message. */
  static String checkContentType(String contentType) {
    if (contentType == null || contentType.isBlank()) {
      return null; // "Don't break yolo 1.0 clients": assume the 1.0 message
    }
    String[] parts = contentType.trim().split(";", -1);
    if (!parts[0].trim().equalsIgnoreCase(PROTOBUF_MEDIA_TYPE)) {
      return "expected "
          + PROTOBUF_MEDIA_TYPE
          + " as the first (media) part, got "
          + contentType
          + " content-type";
    }
    for (int i = 1; i < parts.length; i++) {
      String[] kv = parts[i].split("=", -1);
      if (kv.length != 2) {
        return "as per https://www.rfc-editor.org/rfc/rfc9110#parameter expected parameters to be"
            + " key-values, got "
            + parts[i]
            + " in "
            + contentType
            + " content-type";
      }
      if (kv[0].trim().equalsIgnoreCase("proto")) {
        String msg = kv[1].trim();
        if (msg.equals(PROTO_MSG_V1)) {
          return null;
        }
        if (msg.equals(PROTO_MSG_V2)) {
          return msg
              + " protobuf message is not accepted by this server; accepted ["
              + PROTO_MSG_V1
              + "]";
        }
        return "got "
            + contentType
            + " content type; unknown remote write protobuf message "
            + msg
            + ", supported: "
            + PROTO_MSG_V1
            + ", "
            + PROTO_MSG_V2;
      }
    }
    return null;
  }

  static String checkContentEncoding(String contentEncoding) {
    if (contentEncoding == null
        || contentEncoding.isBlank()
        || contentEncoding.trim().equalsIgnoreCase("snappy")) {
      return null;
    }
    return contentEncoding
        + " encoding (compression) is not accepted by this server; only snappy is acceptable";
  }

  /** Requests handled. */
  public long requests() {
    return requests.sum();
  }

  /** Requests answered with a 4xx status. */
  public long badRequests() {
    return badRequests.sum();
  }

  /** Requests answered with a 5xx status. */
  public long serverErrors() {
    return serverErrors.sum();
  }

  /** Series decoded from requests that got past decompression, valid or not. */
  public long seriesReceived() {
    return seriesReceived.sum();
  }

  /** Samples decoded, valid or not. */
  public long samplesReceived() {
    return samplesReceived.sum();
  }

  /** Samples appended and committed (exact repeats included: the store treats them as no-ops). */
  public long samplesAppended() {
    return samplesAppended.sum();
  }

  /** Samples the store rejected: out of order, duplicate timestamp, out of bounds. */
  public long samplesRejected() {
    return samplesRejected.sum();
  }

  /**
   * Samples of series with invalid labels ({@code
   * prometheus_api_remote_write_invalid_labels_samples_total}).
   */
  public long samplesWithInvalidLabels() {
    return samplesWithInvalidLabels.sum();
  }

  /** A failure that must fail the whole request with 500 (and a retry). */
  private static final class FatalAppend extends RuntimeException {
    FatalAppend(String message) {
      super(message, null, false, false);
    }
  }

  /** Appends one request's samples; remembers the first problem and counts the rest. */
  private final class Ingest implements WriteRequestDecoder.Visitor {

    private final Appender app;
    private final long maxTimeMs;
    private final LabelsBuilder builder = new LabelsBuilder();

    private Labels labels; // null while the current series is invalid
    private long ref;
    long appended;
    private long outOfOrder;
    private long duplicate;
    private long outOfBounds;
    private long invalidLabels;
    private long series;
    private long received;
    String firstError;

    Ingest(Appender app, long maxTimeMs) {
      this.app = app;
      this.maxTimeMs = maxTimeMs;
    }

    @Override
    public void series(String[] pairs, int count) {
      series++;
      ref = 0;
      String problem = validate(pairs, count);
      if (problem != null) {
        labels = null;
        error("invalid labels " + format(pairs, count) + ": " + problem);
        return;
      }
      builder.reset();
      for (int i = 0; i < count; i++) {
        builder.set(pairs[2 * i], pairs[2 * i + 1]);
      }
      labels = builder.build();
    }

    @Override
    public void sample(long timestampMs, double value) {
      received++;
      if (labels == null) {
        invalidLabels++;
        return;
      }
      if (timestampMs > maxTimeMs) {
        outOfBounds++;
        reject(
            StorageException.Reason.OUT_OF_BOUNDS.message()
                + ": timestamp is too far in the future",
            timestampMs);
        return;
      }
      try {
        ref = app.append(ref, labels, timestampMs, value);
        appended++;
      } catch (StorageException e) {
        switch (e.reason()) {
          case OUT_OF_ORDER_SAMPLE -> outOfOrder++;
          case DUPLICATE_SAMPLE_FOR_TIMESTAMP -> duplicate++;
          case OUT_OF_BOUNDS -> outOfBounds++;
          default -> throw new FatalAppend(e.getMessage() + " for series " + labels);
        }
        reject(e.getMessage(), timestampMs);
      }
    }

    private void reject(String what, long timestampMs) {
      error(what + " for series " + labels + " at timestamp " + timestampMs);
    }

    private void error(String message) {
      if (firstError == null) {
        firstError =
            message.length() > MAX_MESSAGE_CHARS / 2
                ? message.substring(0, MAX_MESSAGE_CHARS / 2) + "…"
                : message;
      }
    }

    /** Adds this request's counts to the handler's; per request rather than per sample. */
    void addCounts() {
      seriesReceived.add(series);
      samplesReceived.add(received);
      samplesRejected.add(outOfOrder + duplicate + outOfBounds);
      samplesWithInvalidLabels.add(invalidLabels);
    }

    String summary() {
      long rejected = outOfOrder + duplicate + outOfBounds + invalidLabels;
      StringBuilder sb = new StringBuilder(firstError);
      sb.append(" (")
          .append(rejected)
          .append(rejected == 1 ? " sample" : " samples")
          .append(" rejected: out of order ")
          .append(outOfOrder)
          .append(", duplicate timestamp ")
          .append(duplicate)
          .append(", out of bounds ")
          .append(outOfBounds)
          .append(", invalid labels ")
          .append(invalidLabels)
          .append("; ")
          .append(appended)
          .append(" appended)");
      return sb.toString();
    }
  }

  /** The spec's label rules, in wire order; null when valid, else the problem. */
  static String validate(String[] pairs, int count) {
    String metricName = null;
    for (int i = 0; i < count; i++) {
      String name = pairs[2 * i];
      String value = pairs[2 * i + 1];
      if (name.isEmpty()) {
        return "empty label name";
      }
      if (i > 0) {
        int c = name.compareTo(pairs[2 * i - 2]);
        if (c == 0) {
          return "duplicate label name " + name;
        }
        if (c < 0) {
          return "labels not sorted: " + name + " after " + pairs[2 * i - 2];
        }
      }
      if (!Names.isValidLabelName(name)) {
        return "invalid label name " + GoQuote.quote(name);
      }
      if (value.isEmpty()) {
        return "empty value for label " + name;
      }
      if (name.equals(Labels.METRIC_NAME)) {
        metricName = value;
      }
    }
    if (metricName == null) {
      return "missing " + Labels.METRIC_NAME;
    }
    if (!Names.isValidMetricName(metricName)) {
      return "invalid metric name " + GoQuote.quote(metricName);
    }
    return null;
  }

  private static String format(String[] pairs, int count) {
    StringBuilder sb = new StringBuilder().append('{');
    for (int i = 0; i < count && sb.length() < MAX_MESSAGE_CHARS / 2; i++) {
      if (i > 0) {
        sb.append(", ");
      }
      sb.append(pairs[2 * i]).append('=').append(GoQuote.quote(pairs[2 * i + 1]));
    }
    return sb.append('}').toString();
  }

  @Override
  public String toString() {
    return String.format(
        Locale.ROOT,
        "RemoteWriteHandler[requests=%d, appended=%d, rejected=%d]",
        requests(),
        samplesAppended(),
        samplesRejected());
  }
}
