package io.promfed.promql.parser;

/**
 * Parser switches ({@code parser.Options}).
 *
 * @param enableExperimentalFunctions allow functions and aggregators that Prometheus hides behind
 *     {@code --enable-feature=promql-experimental-functions} ({@code sort_by_label}, {@code
 *     mad_over_time}, {@code limitk}, …)
 */
public record ParserOptions(boolean enableExperimentalFunctions) {

  /** Prometheus's defaults: experimental functions off. */
  public static final ParserOptions DEFAULT = new ParserOptions(false);
}
