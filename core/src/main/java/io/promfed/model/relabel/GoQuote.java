package io.promfed.model.relabel;

/**
 * Forwards to {@link io.promfed.model.gostrconv.GoQuote}, where Go's quoting now lives so that
 * config, relabel and PromQL share one implementation. Kept only for the callers outside {@code
 * config}/{@code model}/{@code promql} (discovery's {@code TargetLabels}, storage.remote's {@code
 * RemoteWriteHandler}); delete it once they import the gostrconv class.
 *
 * @deprecated use {@link io.promfed.model.gostrconv.GoQuote}
 */
@Deprecated
public final class GoQuote {

  private GoQuote() {}

  /** See {@link io.promfed.model.gostrconv.GoQuote#quote}. */
  public static String quote(String s) {
    return io.promfed.model.gostrconv.GoQuote.quote(s);
  }
}
