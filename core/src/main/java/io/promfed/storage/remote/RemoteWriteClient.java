package io.promfed.storage.remote;

import io.promfed.config.BasicAuth;
import io.promfed.config.RemoteWriteConfig;
import java.io.IOException;
import java.io.InputStream;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Clock;
import java.time.Duration;
import java.time.ZonedDateTime;
import java.time.format.DateTimeFormatter;
import java.time.format.DateTimeParseException;
import java.util.Base64;
import java.util.Map;

/**
 * Posts one compressed {@code WriteRequest} and classifies the answer: Prometheus's remote-write
 * {@code Client.Store} (prometheus/prometheus storage/remote/client.go).
 *
 * <ul>
 *   <li>The spec's reserved headers are always set and cannot be configured away: {@code
 *       Content-Encoding: snappy}, {@code Content-Type: application/x-protobuf}, {@code
 *       User-Agent}, {@code X-Prometheus-Remote-Write-Version: 0.1.0}; retries also carry {@code
 *       Retry-Attempt} as client.go does.
 *   <li>2xx is success. 5xx, and 429 when {@code retry_on_http_429} is set, are recoverable with
 *       the {@code Retry-After} delay (seconds or an HTTP date). An I/O error or timeout is
 *       recoverable with the normal backoff. Any other status is final.
 *   <li>Configured {@code headers} (X-Scope-OrgID for Mimir/Cortex/Thanos tenants, say) are sent
 *       with every request.
 *   <li>Credentials: {@code basic_auth} (password or {@code password_file}) or a bearer token
 *       ({@code bearer_token} or {@code bearer_token_file}); files are read on every request, as
 *       prometheus/common's round trippers do, so rotated secrets are picked up, and trimmed.
 * </ul>
 *
 * <p>Thread-safe (immutable; {@link HttpClient} is thread-safe).
 */
final class RemoteWriteClient {

  static final String REMOTE_WRITE_VERSION_HEADER = "X-Prometheus-Remote-Write-Version";
  static final String REMOTE_WRITE_VERSION_1 = "0.1.0";

  /** client.go's {@code maxErrMsgLen}: how much of an error body is kept for the message. */
  static final int MAX_ERROR_MESSAGE_BYTES = 1024;

  private final RemoteWriteConfig config;
  private final HttpClient http;
  private final Clock clock;
  private final String userAgent;

  /**
   * @throws IllegalArgumentException when a configured header is one Java's HTTP client refuses to
   *     send ({@code Expect}, {@code Upgrade}), so the problem shows at config load, not per batch
   */
  RemoteWriteClient(RemoteWriteConfig config, HttpClient http, Clock clock, String userAgent) {
    this.config = config;
    this.http = http;
    this.clock = clock;
    this.userAgent = userAgent;
    HttpRequest.Builder probe = HttpRequest.newBuilder(config.url());
    for (Map.Entry<String, String> h : config.headers().entrySet()) {
      try {
        probe.header(h.getKey(), h.getValue());
      } catch (IllegalArgumentException e) {
        throw new IllegalArgumentException(
            "remote_write " + config.url() + ": header " + h.getKey() + " cannot be set: "
                + e.getMessage(),
            e);
      }
    }
  }

  /**
   * Sends {@code body} once.
   *
   * @param attempt 0 for the first try, then the retry number
   * @throws InterruptedException when the sending thread is interrupted (hard shutdown)
   */
  SendOutcome store(byte[] body, int attempt) throws InterruptedException {
    HttpRequest.Builder request =
        HttpRequest.newBuilder(config.url()).POST(HttpRequest.BodyPublishers.ofByteArray(body));
    // Configured headers first: the config forbids the reserved ones, so nothing below is replaced.
    config.headers().forEach(request::header);
    request
            .header("Content-Encoding", "snappy")
            .header("Content-Type", RemoteWriteHandler.PROTOBUF_MEDIA_TYPE)
            .header("User-Agent", userAgent)
            .header(REMOTE_WRITE_VERSION_HEADER, REMOTE_WRITE_VERSION_1);
    if (attempt > 0) {
      request.header("Retry-Attempt", Integer.toString(attempt));
    }
    if (isPositive(config.remoteTimeout())) {
      request.timeout(config.remoteTimeout()); // 0 means none, as for Go's http.Client.Timeout
    }
    try {
      String authorization = authorization();
      if (authorization != null) {
        request.header("Authorization", authorization);
      }
    } catch (IOException e) {
      // client.go: errors before the response (here: an unreadable secret file) are recoverable.
      return new SendOutcome(SendOutcome.Kind.RECOVERABLE, 0, "reading credentials: " + e);
    }
    HttpResponse<InputStream> response;
    try {
      response = http.send(request.build(), HttpResponse.BodyHandlers.ofInputStream());
    } catch (IOException e) {
      return new SendOutcome(SendOutcome.Kind.RECOVERABLE, 0, e.toString());
    }
    int status = response.statusCode();
    String errorBody = "";
    try (InputStream in = response.body()) {
      if (status / 100 != 2) {
        errorBody =
            new String(in.readNBytes(MAX_ERROR_MESSAGE_BYTES), StandardCharsets.UTF_8).trim();
      }
    } catch (IOException e) {
      errorBody = "(reading body: " + e + ")";
    }
    if (status / 100 == 2) {
      return SendOutcome.SUCCESS;
    }
    String message = "server returned HTTP status " + status + ": " + errorBody;
    if (status / 100 == 5 || (status == 429 && config.queueConfig().retryOnRateLimit())) {
      long retryAfterMs =
          retryAfterMs(response.headers().firstValue("Retry-After").orElse(null), clock);
      return new SendOutcome(SendOutcome.Kind.RECOVERABLE, retryAfterMs, message);
    }
    return new SendOutcome(SendOutcome.Kind.FAILED, 0, message);
  }

  /**
   * client.go's {@code retryAfterDuration}: an HTTP date gives the time until then (negative when
   * past), an integer gives seconds, anything else (or nothing) gives 0, the "use the backoff"
   * value.
   */
  static long retryAfterMs(String header, Clock clock) {
    if (header == null || header.isBlank()) {
      return 0;
    }
    String h = header.trim();
    try {
      ZonedDateTime at = ZonedDateTime.parse(h, DateTimeFormatter.RFC_1123_DATE_TIME);
      return Duration.between(clock.instant(), at.toInstant()).toMillis();
    } catch (DateTimeParseException | ArithmeticException e) {
      // not a date: try seconds
    }
    try {
      long seconds = Long.parseLong(h);
      return seconds > Long.MAX_VALUE / 1000 ? Long.MAX_VALUE : seconds * 1000;
    } catch (NumberFormatException e) {
      return 0;
    }
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

  static boolean isPositive(Duration d) {
    return !d.isNegative() && !d.isZero();
  }

  private static String readSecret(String file) throws IOException {
    return Files.readString(Path.of(file), StandardCharsets.UTF_8).trim();
  }
}
