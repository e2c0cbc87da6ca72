package io.promfed.promql;

import io.promfed.promql.parser.Expr;
import io.promfed.promql.parser.ValueType;
import io.promfed.storage.Querier;
import io.promfed.storage.Queryable;
import java.util.ArrayList;
import java.util.List;

/**
 * A prepared instant or range query ({@code promql.Query}): parsed and validated, run with {@link
 * #exec()}. {@link #cancel()} may be called from another thread while it runs; the evaluation then
 * stops at its next check with {@link ErrorType#CANCELED}. Otherwise not thread-safe; execute once.
 */
public final class Query {

  private final EngineOptions options;
  private final Queryable queryable;
  private final String text;
  private final Expr expr;
  private final long startMs;
  private final long endMs;
  private final long stepMs;
  private volatile boolean canceled;

  Query(
      EngineOptions options,
      Queryable queryable,
      String text,
      Expr expr,
      long startMs,
      long endMs,
      long stepMs) {
    this.options = options;
    this.queryable = queryable;
    this.text = text;
    this.expr = expr;
    this.startMs = startMs;
    this.endMs = endMs;
    this.stepMs = stepMs;
  }

  /** The parsed expression. */
  public Expr expr() {
    return expr;
  }

  /** Asks a running (or not yet started) query to stop. */
  public void cancel() {
    canceled = true;
  }

  boolean isCanceled() {
    return canceled;
  }

  /**
   * Evaluates the query.
   *
   * @throws PromQLException when evaluation fails, times out or is canceled
   */
  public Result exec() {
    long deadline = System.nanoTime() + options.timeout().toNanos();
    boolean instant = stepMs == 0;
    QueryContext ctx = new QueryContext(text, startMs, endMs, stepMs, options, deadline, this);
    ctx.checkCanceled("query execution");
    ctx.preprocess(expr);
    long[] minMax = ctx.minMaxTime(expr);
    Querier querier = null;
    try {
      if (minMax != null) {
        querier = queryable.querier(minMax[0], minMax[1]);
        ctx.querier = querier;
      }
      ctx.setOffsetsForAtModifier(startMs, expr);
      Evaluator ev = new Evaluator(ctx, startMs, endMs, instant ? 1 : stepMs, 0);
      Object v = ev.eval(expr);
      Value value = instant ? instantValue(v) : rangeValue(v, ctx);
      List<String> warnings = ctx.annotations.warnings();
      if (querier != null) {
        // Storage warnings (a remote source that failed) come first, as Prometheus merges them.
        List<String> storage = querier.warnings();
        if (!storage.isEmpty()) {
          List<String> all = new ArrayList<>(storage);
          all.addAll(warnings);
          warnings = all;
        }
      }
      return new Result(value, warnings, ctx.annotations.infos());
    } catch (PromQLException e) {
      throw e;
    } catch (StackOverflowError e) {
      throw new PromQLException(ErrorType.EXECUTION, "query is too deeply nested", e);
    } catch (java.io.UncheckedIOException e) {
      // A storage read failed (Prometheus's ErrStorage).
      throw new PromQLException(ErrorType.INTERNAL, e.getMessage(), e);
    } catch (RuntimeException e) {
      // Like a runtime panic in Prometheus's evaluator: reported, not propagated.
      throw new PromQLException(ErrorType.EXECUTION, "unexpected error: " + e, e);
    } finally {
      if (querier != null) {
        querier.close();
      }
    }
  }

  private Value instantValue(Object v) {
    if (v instanceof StringValue s) {
      return s;
    }
    List<Series> mat = Evaluator.matrix(v);
    ValueType type = expr.type();
    if (type == ValueType.SCALAR) {
      return new Scalar(startMs, mat.get(0).value(0));
    }
    if (type == ValueType.MATRIX) {
      return sorted(mat);
    }
    io.promfed.model.labels.Labels[] labels = new io.promfed.model.labels.Labels[mat.size()];
    long[] ts = new long[mat.size()];
    double[] values = new double[mat.size()];
    for (int i = 0; i < mat.size(); i++) {
      labels[i] = mat.get(i).labels();
      // The evaluation time, whatever time the point had.
      ts[i] = startMs;
      values[i] = mat.get(i).value(0);
    }
    return new Vector(labels, ts, values);
  }

  private Value rangeValue(Object v, QueryContext ctx) {
    ctx.checkDone("expression evaluation");
    return sorted(Evaluator.matrix(v));
  }

  private static Matrix sorted(List<Series> mat) {
    List<Series> s = new ArrayList<>(mat);
    s.sort((a, b) -> a.labels().compareTo(b.labels()));
    return new Matrix(s);
  }
}
