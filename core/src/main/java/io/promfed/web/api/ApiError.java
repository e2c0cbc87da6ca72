package io.promfed.web.api;

import io.promfed.model.gostrconv.GoQuote;

/**
 * A request the API refuses or could not serve: an {@link ApiErrorType} and Prometheus's message.
 * Thrown inside {@link QueryApi} and turned into an error envelope there; it never escapes a {@code
 * QueryApi} method. Carries no stack trace: bad parameters are expected input, not bugs.
 */
public final class ApiError extends RuntimeException {

  private final ApiErrorType type;

  public ApiError(ApiErrorType type, String message) {
    super(message, null, false, false);
    this.type = type;
  }

  public ApiErrorType type() {
    return type;
  }

  /** A {@code bad_data} error with exactly this message. */
  static ApiError badData(String message) {
    return new ApiError(ApiErrorType.BAD_DATA, message);
  }

  /**
   * Prometheus's {@code invalidParamError}: {@code bad_data} with {@code invalid parameter "<p>":
   * <cause>}.
   */
  static ApiError invalidParam(String parameter, String cause) {
    return badData("invalid parameter " + GoQuote.quote(parameter) + ": " + cause);
  }
}
