package io.promfed.promql;

import io.promfed.model.labels.Labels;
import io.promfed.model.labels.Matcher;
import io.promfed.promql.parser.AggregateExpr;
import io.promfed.promql.parser.BinaryExpr;
import io.promfed.promql.parser.Call;
import io.promfed.promql.parser.Expr;
import io.promfed.promql.parser.ItemType;
import io.promfed.promql.parser.MatrixSelector;
import io.promfed.promql.parser.NumberLiteral;
import io.promfed.promql.parser.ParenExpr;
import io.promfed.promql.parser.StringLiteral;
import io.promfed.promql.parser.SubqueryExpr;
import io.promfed.promql.parser.UnaryExpr;
import io.promfed.promql.parser.VectorSelector;
import io.promfed.storage.Querier;
import io.promfed.storage.SeriesCursor;
import io.promfed.storage.SeriesSet;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Collections;
import java.util.Deque;
import java.util.IdentityHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * Everything one query execution shares between its (nested) evaluators: the query text, the
 * querier and the series each selector selected, the resolved {@code @} times, the effective
 * offsets, which sub-trees are step-invariant, the annotations, and cancellation.
 *
 * <p>Prometheus stores the resolved {@code @} times, effective offsets and step-invariance markers
 * in the AST itself ({@code PreprocessExpr}, {@code setOffsetForAtModifier}); our AST is immutable
 * and shareable, so they live here in identity maps keyed by node. Not thread-safe: one per query.
 */
final class QueryContext {

  /** One selected series: its labels and a cursor that is consumed by one evaluation. */
  record Selected(Labels labels, SeriesCursor cursor) {}

  final String query;
  final long startMs;
  final long endMs;
  final long stepMs;
  final long lookbackMs;
  final int maxSamples;
  final long noStepSubqueryIntervalMs;
  final long deadlineNanos;
  final Query owner;
  final Annotations annotations;

  Querier querier;

  private final Map<Expr, Long> atTimes = new IdentityHashMap<>();
  private final Map<Expr, Long> offsets = new IdentityHashMap<>();
  private final Set<Expr> stepInvariant = Collections.newSetFromMap(new IdentityHashMap<>());

  QueryContext(
      String query,
      long startMs,
      long endMs,
      long stepMs,
      EngineOptions options,
      long deadlineNanos,
      Query owner) {
    this.query = query;
    this.startMs = startMs;
    this.endMs = endMs;
    this.stepMs = stepMs;
    this.lookbackMs = options.lookbackDelta().toMillis();
    this.maxSamples = options.maxSamples();
    this.noStepSubqueryIntervalMs = options.noStepSubqueryInterval().toMillis();
    this.deadlineNanos = deadlineNanos;
    this.owner = owner;
    this.annotations = new Annotations(query);
  }

  /** Throws when the query was canceled before it started. */
  void checkCanceled(String env) {
    if (owner != null && owner.isCanceled()) {
      throw new PromQLException(ErrorType.CANCELED, "query was canceled in " + env);
    }
  }

  /** Throws when the query was canceled or ran out of time ({@code contextDone}). */
  void checkDone(String env) {
    if (owner != null && owner.isCanceled()) {
      throw new PromQLException(ErrorType.CANCELED, "query was canceled in " + env);
    }
    if (System.nanoTime() - deadlineNanos > 0) {
      throw new PromQLException(ErrorType.TIMEOUT, "query timed out in " + env);
    }
  }

  // ---- @ modifier ----

  /** The resolved {@code @} time of a selector or subquery, or null. */
  Long atTime(Expr e) {
    return atTimes.get(e);
  }

  private void resolveAt(Expr node, Long ts, ItemType startOrEnd) {
    if (ts != null) {
      atTimes.put(node, ts);
    } else if (startOrEnd == ItemType.START) {
      atTimes.put(node, startMs);
    } else if (startOrEnd == ItemType.END) {
      atTimes.put(node, endMs);
    }
  }

  // ---- Preprocessing (PreprocessExpr in engine.go) ----

  /** Resolves {@code @ start()/end()} and marks the step-invariant sub-trees. */
  void preprocess(Expr root) {
    boolean[] r = preprocessHelper(root);
    if (r[1]) {
      stepInvariant.add(root);
    }
  }

  boolean isStepInvariant(Expr e) {
    return stepInvariant.contains(e);
  }

  static Expr unwrapParens(Expr e) {
    while (e instanceof ParenExpr p) {
      e = p.expr();
    }
    return e;
  }

  /** Returns {isStepInvariant, shouldWrap} like {@code preprocessExprHelper}. */
  private boolean[] preprocessHelper(Expr expr) {
    if (expr instanceof VectorSelector vs) {
      resolveAt(vs, vs.timestampMs(), vs.startOrEnd());
      boolean inv = atTimes.containsKey(vs);
      return new boolean[] {inv, inv};
    }
    if (expr instanceof AggregateExpr a) {
      if (a.param() != null) {
        preprocessHelper(unwrapParens(a.param()));
      }
      return preprocessHelper(unwrapParens(a.expr()));
    }
    if (expr instanceof BinaryExpr b) {
      boolean[] l = preprocessHelper(b.lhs());
      boolean[] r = preprocessHelper(b.rhs());
      if (l[0] && r[0]) {
        return new boolean[] {true, true};
      }
      if (l[1]) {
        stepInvariant.add(b.lhs());
      }
      if (r[1]) {
        stepInvariant.add(b.rhs());
      }
      return new boolean[] {false, false};
    }
    if (expr instanceof Call c) {
      boolean inv = !FunctionCalls.AT_MODIFIER_UNSAFE.contains(c.function().name());
      boolean timestampSafe = c.function().name().equals("timestamp");
      boolean[] wrap = new boolean[c.args().size()];
      for (int i = 0; i < c.args().size(); i++) {
        Expr arg = unwrapParens(c.args().get(i));
        boolean[] r = preprocessHelper(arg);
        wrap[i] = r[1];
        inv = inv && r[0];
        if (!r[0] || !(arg instanceof VectorSelector)) {
          timestampSafe = false;
        }
      }
      if (inv || timestampSafe) {
        return new boolean[] {true, true};
      }
      for (int i = 0; i < wrap.length; i++) {
        if (wrap[i]) {
          stepInvariant.add(unwrapParens(c.args().get(i)));
        }
      }
      return new boolean[] {false, false};
    }
    if (expr instanceof MatrixSelector m) {
      return new boolean[] {preprocessHelper(m.vectorSelector())[0], false};
    }
    if (expr instanceof SubqueryExpr sq) {
      boolean inv = preprocessHelper(sq.expr())[0];
      if (inv) {
        stepInvariant.add(sq.expr());
      }
      resolveAt(sq, sq.timestampMs(), sq.startOrEnd());
      return new boolean[] {atTimes.containsKey(sq), false};
    }
    if (expr instanceof ParenExpr p) {
      return preprocessHelper(p.expr());
    }
    if (expr instanceof UnaryExpr u) {
      return preprocessHelper(u.expr());
    }
    if (expr instanceof StringLiteral || expr instanceof NumberLiteral) {
      return new boolean[] {true, false};
    }
    throw new IllegalStateException("unexpected node " + expr);
  }

  // ---- Offsets for the @ modifier (setOffsetForAtModifier) ----

  /** The offset to apply at evaluation time: the written offset, adjusted for {@code @}. */
  long offset(VectorSelector vs) {
    Long o = offsets.get(vs);
    return o != null ? o : vs.offsetMs();
  }

  long offset(SubqueryExpr sq) {
    Long o = offsets.get(sq);
    return o != null ? o : sq.offsetMs();
  }

  /**
   * Sets the effective offsets of the selectors and subqueries under {@code expr} for an evaluator
   * starting at {@code evalTimeMs}: a selector with {@code @ t} is evaluated at {@code t} whatever
   * the step, which the engine expresses as an offset relative to the evaluation start, minus the
   * offsets of enclosing subqueries (which already shift the inner evaluation).
   */
  void setOffsetsForAtModifier(long evalTimeMs, Expr expr) {
    walkOffsets(evalTimeMs, expr, new ArrayDeque<>());
  }

  private void walkOffsets(long evalTime, Expr e, Deque<SubqueryExpr> path) {
    if (e instanceof VectorSelector vs) {
      offsets.put(vs, offsetFor(evalTime, atTime(vs), vs.offsetMs(), path));
    } else if (e instanceof MatrixSelector m) {
      VectorSelector vs = m.vectorSelector();
      offsets.put(vs, offsetFor(evalTime, atTime(vs), vs.offsetMs(), path));
    } else if (e instanceof SubqueryExpr sq) {
      offsets.put(sq, offsetFor(evalTime, atTime(sq), sq.offsetMs(), path));
      path.addLast(sq);
      walkOffsets(evalTime, sq.expr(), path);
      path.removeLast();
    } else if (e instanceof AggregateExpr a) {
      walkOffsets(evalTime, a.expr(), path);
      if (a.param() != null) {
        walkOffsets(evalTime, a.param(), path);
      }
    } else if (e instanceof BinaryExpr b) {
      walkOffsets(evalTime, b.lhs(), path);
      walkOffsets(evalTime, b.rhs(), path);
    } else if (e instanceof Call c) {
      for (Expr arg : c.args()) {
        walkOffsets(evalTime, arg, path);
      }
    } else if (e instanceof ParenExpr p) {
      walkOffsets(evalTime, p.expr(), path);
    } else if (e instanceof UnaryExpr u) {
      walkOffsets(evalTime, u.expr(), path);
    }
  }

  private long offsetFor(long evalTime, Long ts, long originalOffset, Deque<SubqueryExpr> path) {
    if (ts == null) {
      return originalOffset;
    }
    long subqOffset = 0;
    Long subqTs = null;
    for (SubqueryExpr sq : path) {
      subqOffset += sq.offsetMs();
      Long t = atTime(sq);
      if (t != null) {
        subqOffset = sq.offsetMs();
        subqTs = t;
      }
    }
    if (subqTs != null) {
      subqOffset += evalTime - subqTs;
    }
    return originalOffset + (evalTime - ts) - subqOffset;
  }

  // ---- Time range and series selection ----

  /**
   * The earliest and latest sample times the query can read ({@code FindMinMaxTime}), or null when
   * it has no selectors.
   */
  long[] minMaxTime(Expr root) {
    long[] mm = {Long.MAX_VALUE, Long.MIN_VALUE};
    walkTimes(root, new ArrayDeque<>(), 0, mm);
    return mm[1] == Long.MIN_VALUE ? null : mm;
  }

  private void walkTimes(Expr e, Deque<SubqueryExpr> path, long evalRange, long[] mm) {
    if (e instanceof VectorSelector vs) {
      long start = startMs;
      long end = endMs;
      long subqOffset = 0;
      long subqRange = 0;
      Long subqTs = null;
      for (SubqueryExpr sq : path) {
        subqOffset += sq.offsetMs();
        subqRange += sq.rangeMs();
        Long t = atTime(sq);
        if (t != null) {
          subqOffset = sq.offsetMs();
          subqRange = sq.rangeMs();
          subqTs = t;
        }
      }
      if (subqTs != null) {
        start = subqTs;
        end = subqTs;
      }
      Long ts = atTime(vs);
      if (ts != null) {
        start = ts;
        end = ts;
      } else {
        start = start - subqOffset - subqRange;
        end -= subqOffset;
      }
      if (evalRange == 0) {
        start -= lookbackMs - 1;
      } else {
        start -= evalRange - 1;
      }
      start -= vs.offsetMs();
      end -= vs.offsetMs();
      mm[0] = Math.min(mm[0], start);
      mm[1] = Math.max(mm[1], end);
    } else if (e instanceof MatrixSelector m) {
      walkTimes(m.vectorSelector(), path, m.rangeMs(), mm);
    } else if (e instanceof SubqueryExpr sq) {
      path.addLast(sq);
      walkTimes(sq.expr(), path, 0, mm);
      path.removeLast();
    } else if (e instanceof AggregateExpr a) {
      walkTimes(a.expr(), path, 0, mm);
      if (a.param() != null) {
        walkTimes(a.param(), path, 0, mm);
      }
    } else if (e instanceof BinaryExpr b) {
      walkTimes(b.lhs(), path, 0, mm);
      walkTimes(b.rhs(), path, 0, mm);
    } else if (e instanceof Call c) {
      for (Expr arg : c.args()) {
        walkTimes(arg, path, 0, mm);
      }
    } else if (e instanceof ParenExpr p) {
      walkTimes(p.expr(), path, evalRange, mm);
    } else if (e instanceof UnaryExpr u) {
      walkTimes(u.expr(), path, 0, mm);
    }
  }

  /**
   * The series a selector selects, each with a fresh cursor, read from the query's querier when the
   * selector is evaluated (each selector node is evaluated once per query; a cursor is read once).
   */
  List<Selected> select(VectorSelector vs) {
    return doSelect(vs);
  }

  private List<Selected> doSelect(VectorSelector vs) {
    List<Selected> out = new ArrayList<>();
    if (querier == null) {
      return out;
    }
    SeriesSet set = querier.select(true, vs.matchers().toArray(new Matcher[0]));
    while (set.next()) {
      io.promfed.storage.Series s = set.at();
      // at() is only valid until next(): keep the (immutable) labels and a cursor taken now.
      out.add(new Selected(s.labels(), s.cursor()));
    }
    return out;
  }
}
