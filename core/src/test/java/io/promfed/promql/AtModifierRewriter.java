package io.promfed.promql;

import io.promfed.promql.parser.AggregateExpr;
import io.promfed.promql.parser.BinaryExpr;
import io.promfed.promql.parser.Call;
import io.promfed.promql.parser.Expr;
import io.promfed.promql.parser.MatrixSelector;
import io.promfed.promql.parser.ParenExpr;
import io.promfed.promql.parser.Parser;
import io.promfed.promql.parser.ParserOptions;
import io.promfed.promql.parser.PromQLParseException;
import io.promfed.promql.parser.SubqueryExpr;
import io.promfed.promql.parser.UnaryExpr;
import io.promfed.promql.parser.VectorSelector;
import java.util.ArrayList;
import java.util.List;

/**
 * Builds the {@code @}-modifier variant of a test query, as Prometheus's {@code
 * atModifierTestCases}: every selector and subquery without {@code @} gets {@code @ <eval time>}
 * (nothing inside a subquery that already has one), and the tree is printed back to PromQL. The
 * variant must give the same result at any evaluation time, which checks {@code @}, step invariance
 * and the printer together.
 */
final class AtModifierRewriter {

  private static final Parser PARSER = new Parser(new ParserOptions(true));

  private AtModifierRewriter() {}

  /** Whether the query parses and has no function that depends on the evaluation time. */
  static boolean applicable(String query) {
    Expr e;
    try {
      e = PARSER.parse(query);
    } catch (PromQLParseException ex) {
      return false;
    }
    return !hasUnsafeFunction(e);
  }

  private static boolean hasUnsafeFunction(Expr e) {
    if (e instanceof Call c) {
      if (FunctionCalls.AT_MODIFIER_UNSAFE.contains(c.function().name())) {
        return true;
      }
      for (Expr a : c.args()) {
        if (hasUnsafeFunction(a)) {
          return true;
        }
      }
      return false;
    }
    if (e instanceof AggregateExpr a) {
      return hasUnsafeFunction(a.expr()) || (a.param() != null && hasUnsafeFunction(a.param()));
    }
    if (e instanceof BinaryExpr b) {
      return hasUnsafeFunction(b.lhs()) || hasUnsafeFunction(b.rhs());
    }
    if (e instanceof ParenExpr p) {
      return hasUnsafeFunction(p.expr());
    }
    if (e instanceof UnaryExpr u) {
      return hasUnsafeFunction(u.expr());
    }
    if (e instanceof SubqueryExpr s) {
      return hasUnsafeFunction(s.expr());
    }
    return false;
  }

  static String rewrite(String query, long ts) {
    return rewrite(PARSER.parse(query), ts).toString();
  }

  private static Expr rewrite(Expr e, long ts) {
    if (e instanceof VectorSelector vs) {
      return vs.hasAt() ? vs : at(vs, ts);
    }
    if (e instanceof MatrixSelector m) {
      VectorSelector vs = m.vectorSelector();
      return vs.hasAt() ? m : new MatrixSelector(at(vs, ts), m.rangeMs(), m.endPos());
    }
    if (e instanceof SubqueryExpr s) {
      if (s.hasAt()) {
        return s; // Nothing inside changes.
      }
      return new SubqueryExpr(
          s.expr(), s.rangeMs(), s.stepMs(), s.offsetMs(), ts, null, s.endPos());
    }
    if (e instanceof AggregateExpr a) {
      return new AggregateExpr(
          a.op(),
          rewrite(a.expr(), ts),
          a.param() == null ? null : rewrite(a.param(), ts),
          a.grouping(),
          a.without(),
          a.positionRange());
    }
    if (e instanceof BinaryExpr b) {
      return new BinaryExpr(
          b.op(), rewrite(b.lhs(), ts), rewrite(b.rhs(), ts), b.matching(), b.returnBool());
    }
    if (e instanceof Call c) {
      List<Expr> args = new ArrayList<>();
      for (Expr a : c.args()) {
        args.add(rewrite(a, ts));
      }
      return new Call(c.function(), args, c.positionRange());
    }
    if (e instanceof ParenExpr p) {
      return new ParenExpr(rewrite(p.expr(), ts), p.positionRange());
    }
    if (e instanceof UnaryExpr u) {
      return new UnaryExpr(u.op(), rewrite(u.expr(), ts), u.startPos());
    }
    return e;
  }

  private static VectorSelector at(VectorSelector vs, long ts) {
    return new VectorSelector(
        vs.name(), vs.matchers(), vs.offsetMs(), ts, null, vs.positionRange());
  }
}
