package io.promfed.storage.remote;

/**
 * The result of one HTTP attempt, classified as Prometheus's {@code Client.Store} does
 * (storage/remote/client.go): success, a recoverable error (retry after a delay) or a final one.
 *
 * @param kind what happened
 * @param retryAfterMs the delay the server asked for with {@code Retry-After}, 0 when none or
 *     unparseable (use the backoff), negative when it named a time in the past
 * @param message the status line and up to 1 KiB of the response body, or the I/O error; "" on
 *     success
 */
record SendOutcome(Kind kind, long retryAfterMs, String message) {

  enum Kind {
    SUCCESS,
    RECOVERABLE,
    FAILED
  }

  static final SendOutcome SUCCESS = new SendOutcome(Kind.SUCCESS, 0, "");
}
