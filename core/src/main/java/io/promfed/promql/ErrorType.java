package io.promfed.promql;

/** Why a query failed, with the {@code errorType} string of Prometheus's HTTP API. */
public enum ErrorType {
  /** The query does not parse or type-check, or its parameters are invalid. */
  BAD_DATA("bad_data"),
  /** Evaluation failed (too many samples, duplicate series, invalid function arguments). */
  EXECUTION("execution"),
  /** The query ran longer than {@link EngineOptions#timeout()}. */
  TIMEOUT("timeout"),
  /** The query was canceled by its caller. */
  CANCELED("canceled"),
  /** Reading from storage failed. */
  INTERNAL("internal");

  private final String apiName;

  ErrorType(String apiName) {
    this.apiName = apiName;
  }

  /** The {@code errorType} field of Prometheus's API response. */
  public String apiName() {
    return apiName;
  }
}
