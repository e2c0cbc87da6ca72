package io.promfed.storage;

/**
 * A sample rejected by storage. The shared instances carry no stack trace because rejections are
 * expected data conditions on the hot path (every federation round repeats samples), not bugs.
 */
public final class StorageException extends Exception {

  /** Why a sample was rejected; the names follow Prometheus's storage errors. */
  public enum Reason {
    OUT_OF_ORDER_SAMPLE("out of order sample"),
    DUPLICATE_SAMPLE_FOR_TIMESTAMP("duplicate sample for timestamp"),
    OUT_OF_BOUNDS("out of bounds"),
    TOO_MANY_SERIES("series limit exceeded"),
    /**
     * An append that carried only a series reference ({@code labels == null}) whose series the
     * store no longer has (removed by retention): the caller retries with the labels.
     */
    UNKNOWN_SERIES_REF("series reference not found");

    private final String message;

    Reason(String message) {
      this.message = message;
    }

    public String message() {
      return message;
    }
  }

  public static final StorageException OUT_OF_ORDER_SAMPLE =
      new StorageException(Reason.OUT_OF_ORDER_SAMPLE);
  public static final StorageException DUPLICATE_SAMPLE_FOR_TIMESTAMP =
      new StorageException(Reason.DUPLICATE_SAMPLE_FOR_TIMESTAMP);
  public static final StorageException OUT_OF_BOUNDS = new StorageException(Reason.OUT_OF_BOUNDS);
  public static final StorageException TOO_MANY_SERIES =
      new StorageException(Reason.TOO_MANY_SERIES);
  public static final StorageException UNKNOWN_SERIES_REF =
      new StorageException(Reason.UNKNOWN_SERIES_REF);

  private final Reason reason;

  private StorageException(Reason reason) {
    super(reason.message(), null, false, false);
    this.reason = reason;
  }

  public Reason reason() {
    return reason;
  }
}
