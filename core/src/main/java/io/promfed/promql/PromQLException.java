package io.promfed.promql;

/**
 * A failed query, with Prometheus's message ({@code query timed out in expression evaluation},
 * {@code query processing would load too many samples into memory in query execution}, {@code 1:5:
 * parse error: …}) and the {@link ErrorType} the API reports.
 */
public final class PromQLException extends RuntimeException {

  private final ErrorType errorType;

  public PromQLException(ErrorType errorType, String message) {
    super(message, null, false, false);
    this.errorType = errorType;
  }

  public PromQLException(ErrorType errorType, String message, Throwable cause) {
    super(message, cause, false, false);
    this.errorType = errorType;
  }

  public ErrorType errorType() {
    return errorType;
  }

  static PromQLException execution(String message) {
    return new PromQLException(ErrorType.EXECUTION, message);
  }
}
