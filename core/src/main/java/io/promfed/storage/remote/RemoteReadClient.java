package io.promfed.storage.remote;

import io.promfed.config.BasicAuth;
import io.promfed.config.RemoteReadConfig;
import io.promfed.model.labels.LabelsBuilder;
import io.promfed.storage.Series;
import io.promfed.storage.SeriesCursor;
import java.io.IOException;
import java.io.InputStream;
import java.io.InterruptedIOException;
import java.io.UncheckedIOException;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Base64;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutionException;

/**
 * Sends remote-read requests for one endpoint: Prometheus's remote read {@code Client.Read}
 * (prometheus/prometheus storage/remote/client.go) for the SAMPLES response type.
 *
 * <p>A request carries Prometheus's headers ({@code Content-Encoding: snappy}, {@code
 * Accept-Encoding: snappy}, {@code Content-Type: application/x-protobuf}, {@code
 * X-Prometheus-Remote-Read-Version: 0.1.0}, {@code User-Agent}), the configured ones and the
 * credentials (files read per request, so rotated secrets are picked up). {@link #send} starts the
 * request asynchronously and returns at once, so the reads of a fan-out overlap; {@link
 * Pending#await} waits for it and decodes the response. Every failure (I/O, timeout, non-200
 * status, undecodable or oversized body) surfaces from {@code await} as an {@link
 * UncheckedIOException} whose message starts with {@code remote read from <url> failed:}, the form
 * a merging querier turns into a query warning.
 *
 * <p>Thread-safe (immutable; {@link HttpClient} is thread-safe).
 */
final class RemoteReadClient {

  static final String READ_VERSION_HEADER = "X-Prometheus-Remote-Read-Version";
  static final String READ_VERSION = "0.1.0";

  /** How much of an error body is kept for the message (client.go's {@code maxErrMsgLen}). */
  static final int MAX_ERROR_MESSAGE_BYTES = 1024;

  private final RemoteReadConfig config;
  private final HttpClient http;
  private final String userAgent;
  private final int maxResponseBytes;

  /**
   * @param maxResponseBytes the largest response accepted, compressed and decompressed
   */
  RemoteReadClient(
      RemoteReadConfig config, HttpClient http, String userAgent, int maxResponseBytes) {
    this.config = config;
    this.http = http;
    this.userAgent = userAgent;
    this.maxResponseBytes = maxResponseBytes;
  }

  RemoteReadConfig config() {
    return config;
  }

  /** A request in flight. */
  interface Pending {

    /**
     * The series of the query's result, sorted by labels.
     *
     * @throws UncheckedIOException when the read failed
     */
    List<Series> await();
  }

  /** Starts reading one query. */
  Pending send(ReadRequest.Query query) {
    byte[] body =
        SnappyBlock.compress(
            new ReadRequest(List.of(query), List.of(ReadRequest.SAMPLES)).encode());
    HttpRequest.Builder request =
        HttpRequest.newBuilder(config.url())
            .POST(HttpRequest.BodyPublishers.ofByteArray(body))
            .header("Content-Encoding", "snappy")
            .header("Accept-Encoding", "snappy")
            .header("Content-Type", RemoteReadHandler.PROTOBUF_MEDIA_TYPE)
            .header("User-Agent", userAgent)
            .header(READ_VERSION_HEADER, READ_VERSION);
    if (RemoteWriteClient.isPositive(config.remoteTimeout())) {
      request.timeout(config.remoteTimeout());
    }
    for (Map.Entry<String, String> h : config.headers().entrySet()) {
      request.header(h.getKey(), h.getValue());
    }
    try {
      String authorization = authorization();
      if (authorization != null) {
        request.header("Authorization", authorization);
      }
    } catch (IOException e) {
      UncheckedIOException failure = failure("reading credentials: " + e.getMessage(), e);
      return () -> {
        throw failure;
      };
    }
    CompletableFuture<HttpResponse<InputStream>> response =
        http.sendAsync(request.build(), HttpResponse.BodyHandlers.ofInputStream());
    return () -> receive(response);
  }

  private List<Series> receive(CompletableFuture<HttpResponse<InputStream>> future) {
    HttpResponse<InputStream> response;
    try {
      response = future.get();
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      future.cancel(true);
      throw failure("interrupted", new InterruptedIOException());
    } catch (ExecutionException e) {
      throw failure(describe(e.getCause()), e.getCause());
    }
    byte[] compressed;
    try (InputStream in = response.body()) {
      if (response.statusCode() != 200) {
        String text =
            new String(in.readNBytes(MAX_ERROR_MESSAGE_BYTES), StandardCharsets.UTF_8).trim();
        throw failure("server returned HTTP status " + response.statusCode() + ": " + text, null);
      }
      compressed = in.readNBytes(maxResponseBytes + 1);
    } catch (IOException e) {
      throw failure("reading response: " + describe(e), e);
    }
    if (compressed.length > maxResponseBytes) {
      throw failure("response larger than " + maxResponseBytes + " bytes", null);
    }
    try {
      byte[] raw = SnappyBlock.decompress(compressed, 0, compressed.length, maxResponseBytes);
      return decode(raw);
    } catch (DecodeException e) {
      throw failure("decoding response: " + e.getMessage(), e);
    }
  }

  /** The one result of a one-query response, sorted. */
  static List<Series> decode(byte[] raw) throws DecodeException {
    SeriesCollector collector = new SeriesCollector();
    int results = new ReadResponseDecoder().decode(raw, 0, raw.length, collector);
    if (results != 1) {
      throw new DecodeException("protobuf", -1, "responses: want 1, got " + results);
    }
    collector.series.sort((a, b) -> a.labels().compareTo(b.labels()));
    return collector.series;
  }

  private UncheckedIOException failure(String reason, Throwable cause) {
    String message = "remote read from " + config.url() + " failed: " + reason;
    return new UncheckedIOException(message, new IOException(message, cause));
  }

  /**
   * The most telling message of an exception chain. java.net.http reports a refused connection as
   * a {@link java.net.ConnectException} without a message (caused by a closed channel), so that
   * case is named explicitly.
   */
  static String describe(Throwable t) {
    for (Throwable c = t; c != null; c = c.getCause()) {
      String m = c.getMessage();
      if (c instanceof java.net.ConnectException) {
        return m == null || m.isBlank() ? "connection refused" : m.toLowerCase(Locale.ROOT);
      }
      if (c instanceof java.net.http.HttpTimeoutException) {
        return "timeout: " + m;
      }
      if (m != null && !m.isBlank()) {
        return m;
      }
    }
    return t == null ? "unknown error" : t.getClass().getSimpleName();
  }

  private String authorization() throws IOException {
    BasicAuth basic = config.basicAuth();
    if (basic != null) {
      String password =
          basic.passwordFile().isEmpty() ? basic.password() : readSecret(basic.passwordFile());
      String pair = basic.username() + ":" + password;
      return "Basic " + Base64.getEncoder().encodeToString(pair.getBytes(StandardCharsets.UTF_8));
    }
    if (!config.bearerToken().isEmpty()) {
      return "Bearer " + config.bearerToken();
    }
    if (!config.bearerTokenFile().isEmpty()) {
      return "Bearer " + readSecret(config.bearerTokenFile());
    }
    return null;
  }

  private static String readSecret(String file) throws IOException {
    return Files.readString(Path.of(file), StandardCharsets.UTF_8).trim();
  }

  /** Builds the series of a response: labels once per series, samples into primitive arrays. */
  private static final class SeriesCollector implements ReadResponseDecoder.Visitor {

    final List<Series> series = new ArrayList<>();
    private final LabelsBuilder builder = new LabelsBuilder();
    private io.promfed.model.labels.Labels labels;
    private long[] t = new long[16];
    private double[] v = new double[16];
    private int n;

    @Override
    public void result(int index) {}

    @Override
    public void series(String[] pairs, int count) throws DecodeException {
      builder.reset();
      for (int i = 0; i < count; i++) {
        if (pairs[2 * i].isEmpty() || pairs[2 * i + 1].isEmpty()) {
          throw new DecodeException(
              "protobuf", -1, "series with an empty label name or value: " + pairs[2 * i]);
        }
        builder.set(pairs[2 * i], pairs[2 * i + 1]);
      }
      labels = builder.build();
      n = 0;
    }

    @Override
    public void sample(long timestampMs, double value) throws DecodeException {
      if (n > 0 && timestampMs <= t[n - 1]) {
        throw new DecodeException(
            "protobuf",
            -1,
            "samples of " + labels + " out of order at timestamp " + timestampMs);
      }
      if (n == t.length) {
        t = Arrays.copyOf(t, n * 2);
        v = Arrays.copyOf(v, n * 2);
      }
      t[n] = timestampMs;
      v[n] = value;
      n++;
    }

    @Override
    public void endSeries() {
      series.add(new SampleArraySeries(labels, Arrays.copyOf(t, n), Arrays.copyOf(v, n)));
    }
  }

  /** A series read from a remote: immutable arrays, any number of cursors. */
  record SampleArraySeries(io.promfed.model.labels.Labels labels, long[] t, double[] v)
      implements Series {

    @Override
    public SeriesCursor cursor() {
      return new SeriesCursor() {
        private int i = -1;

        @Override
        public boolean next() {
          if (i < t.length) {
            i++;
          }
          return i < t.length;
        }

        @Override
        public boolean seek(long target) {
          if (i < 0) {
            i = 0;
          }
          while (i < t.length && t[i] < target) {
            i++;
          }
          return i < t.length;
        }

        @Override
        public long atT() {
          return t[i];
        }

        @Override
        public double atV() {
          return v[i];
        }
      };
    }
  }
}
