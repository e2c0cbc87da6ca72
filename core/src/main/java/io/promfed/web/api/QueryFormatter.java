package io.promfed.web.api;

import io.promfed.promql.parser.AggregateExpr;
import io.promfed.promql.parser.BinaryExpr;
import io.promfed.promql.parser.Call;
import io.promfed.promql.parser.Expr;
import io.promfed.promql.parser.ParenExpr;
import io.promfed.promql.parser.SubqueryExpr;
import io.promfed.promql.parser.UnaryExpr;

/**
 * {@code /api/v1/format_query}: Prometheus's {@code Prettify} (promql/parser/prettier.go). A node
 * whose printed form fits in 100 characters is printed on one line; a longer one is split, its
 * children indented two spaces per level. The one-line forms are the parser's own {@code
 * toString()}; the pieces a split node prints around its children (an aggregation's {@code sum by
 * (job) }, a binary operator with its matching, a subquery's range) are cut out of that same
 * string, so they always agree with the printer. Stateless.
 */
final class QueryFormatter {

  private static final int MAX_CHARACTERS_PER_LINE = 100;
  private static final String INDENT = "  ";

  private QueryFormatter() {}

  static String pretty(Expr e) {
    return pretty(e, 0);
  }

  private static String pretty(Expr e, int level) {
    String s = e.toString();
    boolean split = s.length() > MAX_CHARACTERS_PER_LINE;
    if (e instanceof AggregateExpr a) {
      if (!split) {
        return indent(level) + s;
      }
      String inner = (a.param() != null ? a.param() + ", " : "") + a.expr();
      String head = s.substring(0, s.length() - inner.length() - 2); // "sum by (job) "
      StringBuilder sb = new StringBuilder(indent(level)).append(head).append("(\n");
      if (a.param() != null) {
        sb.append(pretty(a.param(), level + 1)).append(",\n");
      }
      return sb.append(pretty(a.expr(), level + 1))
          .append('\n')
          .append(indent(level))
          .append(')')
          .toString();
    }
    if (e instanceof BinaryExpr b) {
      if (!split) {
        return indent(level) + s;
      }
      String lhs = b.lhs().toString();
      String rhs = b.rhs().toString();
      String op = s.substring(lhs.length() + 1, s.length() - rhs.length() - 1); // "+ on (a)"
      return pretty(b.lhs(), level + 1)
          + "\n"
          + indent(level)
          + op
          + "\n"
          + pretty(b.rhs(), level + 1);
    }
    if (e instanceof Call c) {
      if (!split) {
        return indent(level) + s;
      }
      StringBuilder sb = new StringBuilder(indent(level)).append(c.function().name()).append("(\n");
      for (int i = 0; i < c.args().size(); i++) {
        if (i > 0) {
          sb.append(",\n");
        }
        sb.append(pretty(c.args().get(i), level + 1));
      }
      return sb.append('\n').append(indent(level)).append(')').toString();
    }
    if (e instanceof ParenExpr p) {
      if (!split) {
        return indent(level) + s;
      }
      return indent(level) + "(\n" + pretty(p.expr(), level + 1) + "\n" + indent(level) + ")";
    }
    if (e instanceof SubqueryExpr sq) {
      // Upstream prints an unsplit subquery without its indent; kept for identical output.
      if (!split) {
        return s;
      }
      return pretty(sq.expr(), level) + s.substring(sq.expr().toString().length());
    }
    if (e instanceof UnaryExpr u) {
      String child = pretty(u.expr(), level).strip();
      return indent(level) + s.substring(0, s.length() - u.expr().toString().length()) + child;
    }
    // Selectors and literals.
    return indent(level) + s;
  }

  private static String indent(int level) {
    return INDENT.repeat(level);
  }
}
