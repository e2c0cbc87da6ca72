package io.promfed.scrape;

import java.io.IOException;
import java.net.URI;
import java.time.Duration;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.function.Supplier;

/**
 * Fetches one target's exposition over HTTP the way Prometheus does (scrape/scrape.go
 * {@code targetScraper}): Accept with the formats we parse, gzip, the {@code
 * X-Prometheus-Scrape-Timeout-Seconds} header, one deadline covering connect, headers and the
 * whole body, non-200 as an error, and {@code body_size_limit} on the decompressed bytes.
 *
 * <p>The body is read into a {@link ScrapeBuffer} from the shared pool over the target's kept-alive
 * {@link ScrapeHttpClient.Connection}; nothing larger than the limit is ever held. Not thread-safe:
 * one scraper per loop, one scrape in flight.
 */
final class TargetScraper {

  /**
   * The Accept header of Prometheus 2.42 (scrape/scrape.go): OpenMetrics preferred, then text.
   */
  static final String ACCEPT_HEADER =
      "application/openmetrics-text;version=1.0.0,application/openmetrics-text;version=0.0.1;q=0.75,"
          + "text/plain;version=0.0.4;q=0.5,*/*;q=0.1";

  static final String USER_AGENT = "promfed/0.1";

  private final ScrapeHttpClient.Connection connection;
  private final URI url;
  private final Duration timeout;
  private final long bodySizeLimitBytes;
  private final Supplier<Map<String, String>> authHeaders;
  private final boolean compression;

  private final ScrapeBufferPool pool;

  /** The last response's bytes as received. */
  private ScrapeBuffer wire;

  /** The decompressed body. */
  private ScrapeBuffer body;

  private int lastWireLength = 8192;
  private int lastBodyLength = 8192;

  /**
   * @param bodySizeLimitBytes 0 for no limit; otherwise a decompressed body of this size or more
   *     fails the scrape ({@code >=}, as in Prometheus)
   * @param authHeaders evaluated per scrape, so a rotated bearer_token_file is picked up
   */
  TargetScraper(
      ScrapeHttpClient client,
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
      ScrapeHttpClient client,
      URI url,
      Duration timeout,
      long bodySizeLimitBytes,
      boolean compression,
      Supplier<Map<String, String>> authHeaders,
      ScrapeBufferPool pool) {
    this.pool = pool;
    this.connection = client.connection(url);
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
    Map<String, String> headers = new LinkedHashMap<>();
    headers.put("Accept", ACCEPT_HEADER);
    headers.put("Accept-Encoding", compression ? "gzip" : "identity");
    headers.put("User-Agent", USER_AGENT);
    headers.put(
        "X-Prometheus-Scrape-Timeout-Seconds", Double.toString(timeout.toMillis() / 1000.0));
    headers.putAll(authHeaders.get());
    release();
    wire = new ScrapeBuffer(pool, lastWireLength);
    long limit = bodySizeLimitBytes > 0 ? bodySizeLimitBytes : Long.MAX_VALUE;
    // The limit is on decompressed bytes; gzip can inflate incompressible data by a little
    // (stored blocks), so the wire may exceed it slightly before the body must. A hostile body is
    // cut off there, never held whole.
    long wireLimit = compression && limit != Long.MAX_VALUE ? limit + limit / 100 + 1024 : limit;
    long deadlineNanos = System.nanoTime() + timeout.toNanos();
    ScrapeHttpClient.Response response;
    try {
      response = connection.get(headers, deadlineNanos, wire, wireLimit);
    } catch (ScrapeHttpClient.DeadlineExceeded e) {
      throw new ScrapeException("context deadline exceeded");
    } catch (BodyTooLarge e) {
      throw bodySizeExceeded();
    } catch (IOException | RuntimeException e) {
      throw translate(e);
    }
    lastWireLength = Math.max(1024, wire.length());
    if (response.status() != 200) {
      throw new ScrapeException("server returned HTTP status " + statusText(response.status()));
    }
    if (!response.contentEncoding().equalsIgnoreCase("gzip")) {
      if (wire.length() >= limit) {
        throw bodySizeExceeded();
      }
      // Hand the wire buffer out directly: no copy for uncompressed bodies.
      return new Body(wire.bytes(), wire.length(), response.contentType());
    }
    gunzip(limit);
    wire.release(); // the compressed bytes are no longer needed while the body is appended
    wire = null;
    lastBodyLength = body.length();
    return new Body(body.bytes(), body.length(), response.contentType());
  }

  /** Closes the target's connection; the next scrape, if any, opens a new one. */
  void close() {
    connection.close();
  }

  private ScrapeException bodySizeExceeded() {
    return new ScrapeException(
        "body size limit exceeded (limit: " + bodySizeLimitBytes + " bytes)");
  }

  private void gunzip(long limit) throws ScrapeException {
    body = new ScrapeBuffer(pool, lastBodyLength);
    try {
      GzipBody.decompress(wire.bytes(), wire.length(), body, limit);
    } catch (BodyTooLarge e) {
      throw bodySizeExceeded();
    } catch (GzipBody.GzipException e) {
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

  private ScrapeException translate(Exception e) {
    String msg = e.getMessage() == null ? e.getClass().getSimpleName() : e.getMessage();
    if (e instanceof java.net.ConnectException) {
      msg = "connection refused";
    } else if (e instanceof java.net.UnknownHostException) {
      msg = "no such host " + e.getMessage();
    }
    return new ScrapeException("Get \"" + url + "\": " + msg, e);
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
}
