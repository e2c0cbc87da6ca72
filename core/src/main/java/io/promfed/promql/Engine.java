package io.promfed.promql;

import io.promfed.promql.parser.Expr;
import io.promfed.promql.parser.Parser;
import io.promfed.promql.parser.ParserOptions;
import io.promfed.promql.parser.PromQLParseException;
import io.promfed.promql.parser.ValueType;
import io.promfed.storage.Queryable;

/**
 * The PromQL engine ({@code promql.Engine}): parses queries and evaluates them against any {@link
 * Queryable}, with Prometheus 3 semantics.
 *
 * <ul>
 *   <li>An instant selector takes the latest sample in {@code (t - lookbackDelta, t]}; a stale
 *       marker ends a series. A range selector {@code x[5m]} takes the samples in {@code (t - 5m,
 *       t]}. Prometheus 2.x used closed windows, {@code [t - 5m, t]}, for both.
 *   <li>{@code offset} and {@code @} (including {@code @ start()}/{@code @ end()}) move the window;
 *       subqueries evaluate on a grid aligned to multiples of their step.
 *   <li>{@code __name__} is dropped by functions and operators that change a metric's meaning, as
 *       without Prometheus's {@code promql-delayed-name-removal} feature flag.
 *   <li>Only float samples exist here; native histograms are not supported.
 * </ul>
 *
 * <p>Thread-safe: one engine serves concurrent queries; each query has its own state.
 */
public final class Engine {

  private final EngineOptions options;
  private final Parser parser;

  public Engine(EngineOptions options) {
    this.options = options;
    this.parser = new Parser(new ParserOptions(options.enableExperimentalFunctions()));
  }

  public EngineOptions options() {
    return options;
  }

  /**
   * Prepares an instant query at {@code timeMs}.
   *
   * @throws PromQLException of type {@link ErrorType#BAD_DATA} when the query does not parse
   */
  public Query newInstantQuery(Queryable queryable, String query, long timeMs) {
    return new Query(options, queryable, query, parse(query), timeMs, timeMs, 0);
  }

  /**
   * Prepares a range query evaluated at {@code startMs}, {@code startMs + stepMs}, … up to {@code
   * endMs}.
   *
   * @throws PromQLException of type {@link ErrorType#BAD_DATA} when the query does not parse, is
   *     not of scalar or instant-vector type, or the range is invalid
   */
  public Query newRangeQuery(
      Queryable queryable, String query, long startMs, long endMs, long stepMs) {
    if (stepMs <= 0) {
      throw new PromQLException(
          ErrorType.BAD_DATA,
          "zero or negative query resolution step widths are not accepted. Try a positive integer");
    }
    if (endMs < startMs) {
      throw new PromQLException(ErrorType.BAD_DATA, "end timestamp must not be before start time");
    }
    Expr expr = parse(query);
    if (expr.type() != ValueType.VECTOR && expr.type() != ValueType.SCALAR) {
      throw new PromQLException(
          ErrorType.BAD_DATA,
          "invalid expression type \""
              + expr.type().documentedName()
              + "\" for range query, must be Scalar or instant Vector");
    }
    return new Query(options, queryable, query, expr, startMs, endMs, stepMs);
  }

  /** Runs an instant query; see {@link #newInstantQuery}. */
  public Result instantQuery(Queryable queryable, String query, long timeMs) {
    return newInstantQuery(queryable, query, timeMs).exec();
  }

  /** Runs a range query; see {@link #newRangeQuery}. */
  public Result rangeQuery(
      Queryable queryable, String query, long startMs, long endMs, long stepMs) {
    return newRangeQuery(queryable, query, startMs, endMs, stepMs).exec();
  }

  private Expr parse(String query) {
    try {
      return parser.parse(query);
    } catch (PromQLParseException e) {
      throw new PromQLException(ErrorType.BAD_DATA, e.getMessage(), e);
    }
  }
}
