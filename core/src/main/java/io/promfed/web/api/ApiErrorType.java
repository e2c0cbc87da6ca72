package io.promfed.web.api;

import io.promfed.promql.ErrorType;

/**
 * The {@code errorType} values of Prometheus's HTTP API and the HTTP status each one answers with.
 * This enum is the only place that maps one to the other (prometheus web/api/v1/api.go {@code
 * getDefaultErrorCode}); controllers take the status from {@link ApiResponse#status()}.
 */
public enum ApiErrorType {
  /** Invalid parameters or a query that does not parse: 400. */
  BAD_DATA("bad_data", 400),
  /** The query failed while being evaluated: 422. */
  EXECUTION("execution", 422),
  /**
   * The query was canceled: 499, the non-standard "client closed request" code Prometheus borrows
   * from nginx.
   */
  CANCELED("canceled", 499),
  /** The query ran out of time: 503. */
  TIMEOUT("timeout", 503),
  /** Reading storage or encoding failed: 500. */
  INTERNAL("internal", 500),
  /**
   * Storage is not ready yet (Prometheus's TSDB {@code ErrNotReady}): 500, because {@code
   * getDefaultErrorCode} has no case for it and falls through to its default.
   */
  UNAVAILABLE("unavailable", 500),
  /** The requested thing does not exist: 404. */
  NOT_FOUND("not_found", 404),
  /** No codec can encode the response as the {@code Accept} header asks: 406. */
  NOT_ACCEPTABLE("not_acceptable", 406);

  private final String apiName;
  private final int httpStatus;

  ApiErrorType(String apiName, int httpStatus) {
    this.apiName = apiName;
    this.httpStatus = httpStatus;
  }

  /** The {@code errorType} string of the response body. */
  public String apiName() {
    return apiName;
  }

  /** The HTTP status code of a response with this error. */
  public int httpStatus() {
    return httpStatus;
  }

  /**
   * The API error type of a failed query, as {@code returnAPIError} classifies the engine's errors
   * (timeout, canceled, storage → internal, anything else → execution).
   */
  public static ApiErrorType of(ErrorType engineError) {
    return switch (engineError) {
      case BAD_DATA -> BAD_DATA;
      case EXECUTION -> EXECUTION;
      case TIMEOUT -> TIMEOUT;
      case CANCELED -> CANCELED;
      case INTERNAL -> INTERNAL;
    };
  }
}
