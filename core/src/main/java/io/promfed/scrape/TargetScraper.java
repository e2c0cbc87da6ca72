package io.promfed.scrape;

import java.io.ByteArrayInputStream;
import java.io.IOException;
import java.io.InputStream;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.net.http.HttpTimeoutException;
import java.nio.ByteBuffer;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionException;
import java.util.concurrent.Flow;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.function.Supplier;
import java.util.zip.GZIPInputStream;

/**
 * Fetches one target's exposition over HTTP the way Prometheus does (scrape/scrape.go
 * {@code targetScraper}): Accept with the formats we parse, gzip, the {@code
 * X-Prometheus-Scrape-Timeout-Seconds} header, one deadline covering connect, headers and the
 * whole body, non-200 as an error, and {@code body_size_limit} on the decompressed bytes.
 *
 * <p>The body is streamed into the loop's reused {@link ScrapeBuffer}; nothing larger than the
 * limit is ever held. Not thread-safe: one scraper per loop, one scrape in flight.
 */
final class TargetScraper {

  /**
   * The Accept header of Prometheus 2.42 (scrape/scrape.go): OpenMetrics preferred, then text.
   */
  static final String ACCEPT_HEADER =
      "application/openmetrics-text;version=1.0.0,application/openmetrics-text;version=0.0.1;q=0.75,"
          + "text/plain;version=0.0.4;q=0.5,*/*;q=0.1";

  static final String USER_AGENT = "promfed/0.1";

  private final HttpClient client;
  private final URI url;
  private final Duration timeout;
  private final long bodySizeLimitBytes;
  private final Supplier<Map<String, String>> authHeaders;
  private final boolean compression;

  private final ScrapeBufferPool pool;

  /** The last completed exchange's wire bytes; a new buffer per exchange (see {@link #scrape}). */
  private ScrapeBuffer wire;

  /** The decompressed body: only this loop's thread writes it. */
  private ScrapeBuffer body;

  private int lastWireLength = 8192;
  private int lastBodyLength = 8192;

  /**
   * @param bodySizeLimitBytes 0 for no limit; otherwise a decompressed body of this size or more
   *     fails the scrape ({@code >=}, as in Prometheus)
   * @param authHeaders evaluated per scrape, so a rotated bearer_token_file is picked up
   */
  TargetScraper(
      HttpClient client,
      URI url,
      Duration timeout,
      long bodySizeLimitBytes,
      boolean compression,
      Supplier<Map<String, String>> authHeaders) {
    this(
        client,
        url,
        timeout,
        bodySizeLimitBytes,
        compression,
        authHeaders,
        ScrapeBufferPool.shared());
  }

  TargetScraper(
      HttpClient client,
      URI url,
      Duration timeout,
      long bodySizeLimitBytes,
      boolean compression,
      Supplier<Map<String, String>> authHeaders,
      ScrapeBufferPool pool) {
    this.pool = pool;
    this.client = client;
    this.url = url;
    this.timeout = timeout;
    this.bodySizeLimitBytes = bodySizeLimitBytes;
    this.compression = compression;
    this.authHeaders = authHeaders;
  }

  /** The result of a successful fetch; the bytes stay valid until {@link #release()}. */
  record Body(byte[] bytes, int length, String contentType) {}

  /**
   * Fetches the body, blocking the calling thread for at most the scrape timeout.
   *
   * @throws ScrapeException with Prometheus's wording for timeouts, statuses and limits
   */
  Body scrape() throws ScrapeException {
    HttpRequest.Builder rb =
        HttpRequest.newBuilder(url)
            .GET()
            .timeout(timeout)
            .header("Accept", ACCEPT_HEADER)
            .header("Accept-Encoding", compression ? "gzip" : "identity")
            .header("User-Agent", USER_AGENT)
            .header(
                "X-Prometheus-Scrape-Timeout-Seconds",
                Double.toString(timeout.toMillis() / 1000.0));
    authHeaders.get().forEach(rb::header);
    release();
    // A buffer of this exchange only: after a timeout or cancel the HTTP client may still deliver
    // a chunk; it lands in this abandoned buffer, never in a pooled array another scrape reuses.
    ScrapeBuffer exchange = new ScrapeBuffer(pool, lastWireLength);
    long limit = bodySizeLimitBytes > 0 ? bodySizeLimitBytes : Long.MAX_VALUE;
    long deadlineNanos = System.nanoTime() + timeout.toNanos();
    CompletableFuture<HttpResponse<Void>> future =
        client.sendAsync(rb.build(), info -> new BufferingSubscriber(exchange, info, limit));
    HttpResponse<Void> response;
    try {
      response = future.get(Math.max(1, deadlineNanos - System.nanoTime()), TimeUnit.NANOSECONDS);
    } catch (TimeoutException e) {
      future.cancel(true);
      throw new ScrapeException("context deadline exceeded");
    } catch (InterruptedException e) {
      future.cancel(true);
      Thread.currentThread().interrupt();
      throw new ScrapeException("scrape interrupted");
    } catch (java.util.concurrent.ExecutionException e) {
      throw translate(e.getCause());
    }
    // The exchange completed: nothing writes to its buffer any more.
    wire = exchange;
    lastWireLength = wire.length();
    if (response.statusCode() != 200) {
      throw new ScrapeException("server returned HTTP status " + statusText(response.statusCode()));
    }
    String contentType = response.headers().firstValue("Content-Type").orElse("");
    String encoding = response.headers().firstValue("Content-Encoding").orElse("");
    if (!encoding.equalsIgnoreCase("gzip")) {
      if (wire.length() >= limit) {
        throw bodySizeExceeded();
      }
      // Hand the wire buffer out directly: no copy for uncompressed bodies.
      return new Body(wire.bytes(), wire.length(), contentType);
    }
    gunzip(limit);
    wire.release(); // the compressed bytes are no longer needed while the body is appended
    wire = null;
    lastBodyLength = body.length();
    return new Body(body.bytes(), body.length(), contentType);
  }

  private ScrapeException bodySizeExceeded() {
    return new ScrapeException(
        "body size limit exceeded (limit: " + bodySizeLimitBytes + " bytes)");
  }

  private void gunzip(long limit) throws ScrapeException {
    body = new ScrapeBuffer(pool, lastBodyLength);
    try (InputStream in =
        new GZIPInputStream(new ByteArrayInputStream(wire.bytes(), 0, wire.length()), 8192)) {
      while (true) {
        body.ensureFree(8192);
        int n = in.read(body.bytes(), body.length(), body.free());
        if (n < 0) {
          break;
        }
        body.advance(n);
        if (body.length() >= limit) {
          throw bodySizeExceeded();
        }
      }
    } catch (IOException e) {
      throw new ScrapeException("error decompressing gzip body: " + e.getMessage(), e);
    }
  }

  /**
   * Hands the last body's buffers back to the shared pool, once its samples are appended: an idle
   * loop holds no body buffer. The last {@link Body} must not be read afterwards.
   */
  void release() {
    if (wire != null) {
      wire.release();
      wire = null;
    }
    if (body != null) {
      body.release();
      body = null;
    }
  }

  private ScrapeException translate(Throwable t) {
    if (t instanceof CompletionException && t.getCause() != null) {
      t = t.getCause();
    }
    if (t instanceof BodyTooLarge) {
      return bodySizeExceeded();
    }
    if (t instanceof HttpTimeoutException) {
      return new ScrapeException("context deadline exceeded");
    }
    String msg = t.getMessage() == null ? t.getClass().getSimpleName() : t.getMessage();
    if (t instanceof java.net.ConnectException) {
      msg = "connection refused";
    }
    return new ScrapeException("Get \"" + url + "\": " + msg, t);
  }

  private static String statusText(int code) {
    String reason =
        switch (code) {
          case 301 -> "Moved Permanently";
          case 400 -> "Bad Request";
          case 401 -> "Unauthorized";
          case 403 -> "Forbidden";
          case 404 -> "Not Found";
          case 500 -> "Internal Server Error";
          case 502 -> "Bad Gateway";
          case 503 -> "Service Unavailable";
          case 504 -> "Gateway Timeout";
          default -> "";
        };
    return reason.isEmpty() ? Integer.toString(code) : code + " " + reason;
  }

  /** Signals that the wire body crossed the size limit; no stack trace needed. */
  private static final class BodyTooLarge extends IOException {
    BodyTooLarge() {
      super("body size limit exceeded", null);
    }

    @Override
    public synchronized Throwable fillInStackTrace() {
      return this;
    }
  }

  /**
   * Streams response chunks straight into the loop's buffer and cancels the exchange as soon as
   * the (compressed) wire size alone reaches the limit: a hostile 50 MB body is never held.
   */
  private static final class BufferingSubscriber implements HttpResponse.BodySubscriber<Void> {
    private final ScrapeBuffer buf;
    private final long wireLimit;
    private final boolean enforceOnWire;
    private final CompletableFuture<Void> done = new CompletableFuture<>();
    private Flow.Subscription subscription;

    BufferingSubscriber(ScrapeBuffer buf, HttpResponse.ResponseInfo info, long limit) {
      this.buf = buf;
      // Error statuses are reported by status, not by body size: read them normally.
      this.enforceOnWire = info.statusCode() == 200;
      boolean gzip =
          info.headers().firstValue("Content-Encoding").orElse("").equalsIgnoreCase("gzip");
      // The limit is on decompressed bytes; gzip can inflate incompressible data by a little
      // (stored blocks), so the wire may exceed it slightly before the body must.
      this.wireLimit = gzip && limit != Long.MAX_VALUE ? limit + limit / 100 + 1024 : limit;
    }

    @Override
    public CompletableFuture<Void> getBody() {
      return done;
    }

    @Override
    public void onSubscribe(Flow.Subscription s) {
      this.subscription = s;
      s.request(Long.MAX_VALUE);
    }

    @Override
    public void onNext(List<ByteBuffer> items) {
      for (ByteBuffer bb : items) {
        int n = bb.remaining();
        buf.ensureFree(n);
        bb.get(buf.bytes(), buf.length(), n);
        buf.advance(n);
      }
      if (enforceOnWire && buf.length() >= wireLimit) {
        subscription.cancel();
        done.completeExceptionally(new BodyTooLarge());
      }
    }

    @Override
    public void onError(Throwable t) {
      done.completeExceptionally(t);
    }

    @Override
    public void onComplete() {
      done.complete(null);
    }
  }
}
