package io.promfed.promql.parser;

import io.promfed.model.gostrconv.GoQuote;
import io.promfed.model.labels.Labels;
import io.promfed.model.labels.LabelsBuilder;
import io.promfed.model.labels.Matcher;
import io.promfed.model.textparse.GoFloatParser;
import io.promfed.model.time.Durations;
import java.util.ArrayList;
import java.util.EnumSet;
import java.util.List;
import java.util.Locale;
import java.util.Set;

/**
 * The PromQL parser: a hand-written recursive-descent parser with precedence climbing for binary
 * operators, producing the same trees and the same error messages as Prometheus's yacc grammar
 * ({@code promql/parser/generated_parser.y}, v3.0 syntax) and its type checker ({@code checkAST} in
 * {@code parse.go}).
 *
 * <p>Operator precedence, lowest first: {@code or}; {@code and unless}; comparisons; {@code + -};
 * {@code * / % atan2}; {@code ^} (right-associative). Unary {@code -}/{@code +} bind like {@code
 * *}. Range brackets, {@code offset} and {@code @} bind to the immediately preceding operand.
 *
 * <p>As in Prometheus, semantic problems found while parsing are collected and parsing goes on; a
 * syntax error stops it. The first problem in input order is reported; type checking only runs when
 * parsing found nothing. Instances are immutable and thread-safe; every call parses independently.
 */
public final class Parser {

  private static final Parser DEFAULT = new Parser(ParserOptions.DEFAULT);

  /** Tokens that may name a metric ({@code metric_identifier} in the grammar). */
  private static final Set<ItemType> METRIC_IDENTIFIERS =
      EnumSet.of(
          ItemType.AVG,
          ItemType.BOTTOMK,
          ItemType.BY,
          ItemType.COUNT,
          ItemType.COUNT_VALUES,
          ItemType.GROUP,
          ItemType.IDENTIFIER,
          ItemType.LAND,
          ItemType.LOR,
          ItemType.LUNLESS,
          ItemType.MAX,
          ItemType.METRIC_IDENTIFIER,
          ItemType.MIN,
          ItemType.OFFSET,
          ItemType.QUANTILE,
          ItemType.STDDEV,
          ItemType.STDVAR,
          ItemType.SUM,
          ItemType.TOPK,
          ItemType.WITHOUT,
          ItemType.START,
          ItemType.END,
          ItemType.LIMITK,
          ItemType.LIMIT_RATIO);

  /** Tokens that may be a label name in {@code by (…)} ({@code maybe_label} in the grammar). */
  private static final Set<ItemType> MAYBE_LABELS =
      EnumSet.of(
          ItemType.AVG,
          ItemType.BOOL,
          ItemType.BOTTOMK,
          ItemType.BY,
          ItemType.COUNT,
          ItemType.COUNT_VALUES,
          ItemType.GROUP,
          ItemType.GROUP_LEFT,
          ItemType.GROUP_RIGHT,
          ItemType.IDENTIFIER,
          ItemType.IGNORING,
          ItemType.LAND,
          ItemType.LOR,
          ItemType.LUNLESS,
          ItemType.MAX,
          ItemType.METRIC_IDENTIFIER,
          ItemType.MIN,
          ItemType.OFFSET,
          ItemType.ON,
          ItemType.QUANTILE,
          ItemType.STDDEV,
          ItemType.STDVAR,
          ItemType.SUM,
          ItemType.TOPK,
          ItemType.START,
          ItemType.END,
          ItemType.ATAN2,
          ItemType.LIMITK,
          ItemType.LIMIT_RATIO);

  private static final int MUL_PRECEDENCE = 5;

  private final ParserOptions options;

  public Parser(ParserOptions options) {
    this.options = options;
  }

  /** Parses and type-checks a PromQL expression with the default options. */
  public static Expr parseExpr(String input) {
    return DEFAULT.parse(input);
  }

  /** Parses a series selector such as {@code up{job="api"}} (for {@code match[]} parameters). */
  public static List<Matcher> parseMetricSelector(String input) {
    Run r = new Run(input, DEFAULT.options);
    r.run(
        () -> {
          Item t = r.peek();
          if (!METRIC_IDENTIFIERS.contains(t.type()) && t.type() != ItemType.LEFT_BRACE) {
            throw r.unexpected("", "");
          }
          VectorSelector vs = r.parseVectorSelector();
          r.expectEof();
          return vs;
        });
    r.throwIfErrors();
    // Prometheus checks selectors given to /federate and /api/v1/series like those in queries:
    // {foo=~".*"} would select every series, so it is refused.
    new Checker(r).check(r.result);
    r.throwIfErrors();
    return r.result instanceof VectorSelector vs ? vs.matchers() : List.of();
  }

  /**
   * Parses several series selectors, failing on the first bad one ({@code ParseMetricSelectors}).
   */
  public static List<List<Matcher>> parseMetricSelectors(List<String> inputs) {
    List<List<Matcher>> out = new ArrayList<>(inputs.size());
    for (String s : inputs) {
      out.add(parseMetricSelector(s));
    }
    return out;
  }

  /** Parses a series description {@code name{a="b"}} into labels. */
  public static Labels parseMetric(String input) {
    Run r = new Run(input, DEFAULT.options);
    Labels[] out = new Labels[1];
    r.run(
        () -> {
          LabelsBuilder b = new LabelsBuilder();
          Item t = r.peek();
          if (METRIC_IDENTIFIERS.contains(t.type())) {
            r.advance();
            b.set(Labels.METRIC_NAME, t.val());
          }
          if (r.peek().type() == ItemType.LEFT_BRACE) {
            r.parseLabelSet(b);
          }
          r.expectEof();
          out[0] = b.build();
          return null;
        });
    r.throwIfErrors();
    return out[0];
  }

  /**
   * Parses and type-checks a PromQL expression.
   *
   * @throws PromQLParseException with Prometheus's message and position
   */
  public Expr parse(String input) {
    Run r = new Run(input, options);
    r.run(
        () -> {
          if (r.peek().type() == ItemType.EOF) {
            r.error(new PositionRange(0, 0), "no expression found in input");
            return null;
          }
          Expr e = r.parseExpr(0);
          r.expectEof();
          return e;
        });
    r.throwIfErrors();
    try {
      new Checker(r).check(r.result);
    } catch (StackOverflowError e) {
      r.error(new PositionRange(0, input.length()), "expression is nested too deeply");
    }
    r.throwIfErrors();
    return r.result;
  }

  /** Thrown internally to stop at a syntax error; the error is already recorded. */
  private static final class SyntaxError extends RuntimeException {
    SyntaxError() {
      super(null, null, false, false);
    }
  }

  /** The state of one parse. */
  static final class Run {
    final String input;
    final ParserOptions options;
    final Lexer lexer;
    final List<PromQLParseException.ParseError> errors = new ArrayList<>();
    private final Item[] lookahead = new Item[2];
    private int buffered;
    int lastClosing;
    Expr result;

    Run(String input, ParserOptions options) {
      this.input = input;
      this.options = options;
      this.lexer = new Lexer(input);
    }

    interface Body {
      Expr parse();
    }

    void run(Body body) {
      try {
        result = body.parse();
      } catch (SyntaxError e) {
        // Recorded already.
      } catch (StackOverflowError e) {
        error(new PositionRange(0, input.length()), "expression is nested too deeply");
      }
    }

    void throwIfErrors() {
      if (!errors.isEmpty()) {
        throw new PromQLParseException(input, errors);
      }
    }

    void error(PositionRange pr, String message) {
      errors.add(new PromQLParseException.ParseError(pr, message));
    }

    // ---- Tokens ----

    private Item fetch() {
      Item it;
      do {
        it = lexer.next();
      } while (it.type() == ItemType.COMMENT);
      return it;
    }

    Item peek() {
      return peek(0);
    }

    Item peek(int i) {
      while (buffered <= i) {
        lookahead[buffered++] = fetch();
      }
      Item it = lookahead[i];
      if (it.type() == ItemType.ERROR) {
        // Lexer errors are recorded when the token is read, like Prometheus's Lex().
        error(new PositionRange(it.pos(), input.length()), it.val());
        throw new SyntaxError();
      }
      return it;
    }

    Item advance() {
      Item it = peek();
      lookahead[0] = lookahead[1];
      buffered--;
      switch (it.type()) {
        case RIGHT_BRACE, RIGHT_PAREN, RIGHT_BRACKET, DURATION, NUMBER -> lastClosing = it.end();
        default -> {
          // Not a closing token.
        }
      }
      return it;
    }

    Item expect(ItemType type, String context, String expected) {
      if (peek().type() != type) {
        throw unexpected(context, expected);
      }
      return advance();
    }

    void expectEof() {
      if (peek().type() != ItemType.EOF) {
        throw unexpected("", "");
      }
    }

    /** Records Prometheus's {@code unexpected <item> in <context>, expected <expected>}. */
    SyntaxError unexpected(String context, String expected) {
      Item it = peek();
      StringBuilder sb = new StringBuilder("unexpected ").append(it.describe());
      if (!context.isEmpty()) {
        sb.append(" in ").append(context);
      }
      if (!expected.isEmpty()) {
        sb.append(", expected ").append(expected);
      }
      error(it.positionRange(), sb.toString());
      return new SyntaxError();
    }

    // ---- Expressions ----

    static int precedence(ItemType t) {
      return switch (t) {
        case LOR -> 1;
        case LAND, LUNLESS -> 2;
        case EQLC, NEQ, LTE, LSS, GTE, GTR -> 3;
        case ADD, SUB -> 4;
        case MUL, DIV, MOD, ATAN2 -> MUL_PRECEDENCE;
        case POW -> 6;
        default -> -1;
      };
    }

    Expr parseExpr(int minPrecedence) {
      Expr lhs = parseUnary();
      while (true) {
        Item op = peek();
        int prec = precedence(op.type());
        if (prec < 0 || prec < minPrecedence) {
          return lhs;
        }
        advance();
        boolean returnBool = false;
        if (peek().type() == ItemType.BOOL) {
          advance();
          returnBool = true;
        }
        VectorMatching.Cardinality card = VectorMatching.Cardinality.ONE_TO_ONE;
        List<String> matching = List.of();
        List<String> include = List.of();
        boolean on = false;
        ItemType t = peek().type();
        if (t == ItemType.ON || t == ItemType.IGNORING) {
          advance();
          on = t == ItemType.ON;
          matching = parseGroupingLabels();
          t = peek().type();
          if (t == ItemType.GROUP_LEFT || t == ItemType.GROUP_RIGHT) {
            advance();
            card =
                t == ItemType.GROUP_LEFT
                    ? VectorMatching.Cardinality.MANY_TO_ONE
                    : VectorMatching.Cardinality.ONE_TO_MANY;
            if (peek().type() == ItemType.LEFT_PAREN) {
              include = parseGroupingLabels();
            }
          }
        }
        Expr rhs = parseExpr(op.type() == ItemType.POW ? prec : prec + 1);
        lhs =
            new BinaryExpr(
                op.type(), lhs, rhs, new VectorMatching(card, matching, on, include), returnBool);
      }
    }

    Expr parseUnary() {
      Item t = peek();
      if (t.type() == ItemType.ADD || t.type() == ItemType.SUB) {
        advance();
        Expr e = parseExpr(MUL_PRECEDENCE + 1);
        if (e instanceof NumberLiteral n) {
          double v = t.type() == ItemType.SUB ? -n.value() : n.value();
          return new NumberLiteral(v, new PositionRange(t.pos(), n.positionRange().end()));
        }
        return new UnaryExpr(t.type(), e, t.pos());
      }
      return parsePostfix(parsePrimary());
    }

    Expr parsePrimary() {
      Item t = peek();
      ItemType type = t.type();
      switch (type) {
        case NUMBER, DURATION:
          advance();
          return new NumberLiteral(numberOrDuration(t), t.positionRange());
        case STRING:
          advance();
          return new StringLiteral(unquote(t), t.positionRange());
        case LEFT_PAREN:
          {
            advance();
            Expr e = parseExpr(0);
            Item close = expect(ItemType.RIGHT_PAREN, "", "");
            return new ParenExpr(e, new PositionRange(t.pos(), close.end()));
          }
        case LEFT_BRACE:
          return parseVectorSelector();
        default:
          break;
      }
      ItemType next = METRIC_IDENTIFIERS.contains(type) ? peek(1).type() : null;
      if (type.isAggregator()
          && (next == ItemType.LEFT_PAREN || next == ItemType.BY || next == ItemType.WITHOUT)) {
        return parseAggregation();
      }
      if ((type == ItemType.IDENTIFIER || type == ItemType.START || type == ItemType.END)
          && next == ItemType.LEFT_PAREN) {
        return parseCall();
      }
      if (METRIC_IDENTIFIERS.contains(type)) {
        return parseVectorSelector();
      }
      throw unexpected("", "");
    }

    /** Applies range brackets, {@code offset} and {@code @} to the operand just parsed. */
    Expr parsePostfix(Expr e) {
      while (true) {
        switch (peek().type()) {
          case LEFT_BRACKET -> e = parseRangeOrSubquery(e);
          case OFFSET -> e = parseOffset(e);
          case AT -> e = parseAt(e);
          default -> {
            return e;
          }
        }
      }
    }

    // ---- Selectors ----

    VectorSelector parseVectorSelector() {
      Item t = peek();
      String name = "";
      int start = t.pos();
      int end = t.end();
      List<Matcher> matchers = new ArrayList<>();
      if (t.type() != ItemType.LEFT_BRACE) {
        advance();
        name = t.val();
      }
      if (peek().type() == ItemType.LEFT_BRACE) {
        end = parseLabelMatchers(matchers);
      }
      if (!name.isEmpty()) {
        matchers.add(Matcher.equal(Labels.METRIC_NAME, name));
      }
      return new VectorSelector(name, matchers, 0, null, null, new PositionRange(start, end));
    }

    /** Parses {@code {a="b", …}} into {@code out}; returns the end offset of the brace. */
    int parseLabelMatchers(List<Matcher> out) {
      advance(); // {
      if (peek().type() == ItemType.RIGHT_BRACE) {
        return advance().end();
      }
      while (true) {
        Item t = peek();
        if (t.type() == ItemType.IDENTIFIER || t.type() == ItemType.STRING) {
          advance();
          String label = t.type() == ItemType.STRING ? unquote(t) : t.val();
          Item op = peek();
          Matcher.Type mt = matchType(op.type());
          if (mt != null) {
            advance();
            Item v = peek();
            if (v.type() != ItemType.STRING) {
              throw unexpected("label matching", "string");
            }
            advance();
            try {
              out.add(Matcher.of(mt, label, unquote(v)));
            } catch (IllegalArgumentException e) {
              error(new PositionRange(t.pos(), v.end()), e.getMessage());
            }
          } else if (t.type() == ItemType.STRING) {
            out.add(Matcher.equal(Labels.METRIC_NAME, label));
          } else {
            throw unexpected("label matching", "label matching operator");
          }
        } else {
          throw unexpected("label matching", "identifier or \"}\"");
        }
        Item sep = peek();
        if (sep.type() == ItemType.COMMA) {
          advance();
          if (peek().type() == ItemType.RIGHT_BRACE) {
            return advance().end();
          }
        } else if (sep.type() == ItemType.RIGHT_BRACE) {
          return advance().end();
        } else {
          throw unexpected("label matching", "\",\" or \"}\"");
        }
      }
    }

    /** Parses {@code {a="b", …}} of a series description (only {@code =}). */
    void parseLabelSet(LabelsBuilder b) {
      advance(); // {
      if (peek().type() == ItemType.RIGHT_BRACE) {
        advance();
        return;
      }
      while (true) {
        Item t = peek();
        if (t.type() == ItemType.IDENTIFIER || t.type() == ItemType.STRING) {
          advance();
          String label = t.type() == ItemType.STRING ? unquote(t) : t.val();
          if (peek().type() == ItemType.EQL) {
            advance();
            Item v = peek();
            if (v.type() != ItemType.STRING) {
              throw unexpected("label set", "string");
            }
            advance();
            b.set(label, unquote(v));
          } else if (t.type() == ItemType.STRING) {
            b.set(Labels.METRIC_NAME, label);
          } else {
            throw unexpected("label set", "\"=\"");
          }
        } else {
          throw unexpected("label set", "identifier or \"}\"");
        }
        Item sep = peek();
        if (sep.type() == ItemType.COMMA) {
          advance();
          if (peek().type() == ItemType.RIGHT_BRACE) {
            advance();
            return;
          }
        } else if (sep.type() == ItemType.RIGHT_BRACE) {
          advance();
          return;
        } else {
          throw unexpected("label set", "\",\" or \"}\"");
        }
      }
    }

    static Matcher.Type matchType(ItemType t) {
      return switch (t) {
        case EQL -> Matcher.Type.EQUAL;
        case NEQ -> Matcher.Type.NOT_EQUAL;
        case EQL_REGEX -> Matcher.Type.REGEX;
        case NEQ_REGEX -> Matcher.Type.NOT_REGEX;
        default -> null;
      };
    }

    Expr parseRangeOrSubquery(Expr e) {
      Item open = advance(); // [
      Item t = peek();
      if (t.type() != ItemType.NUMBER && t.type() != ItemType.DURATION) {
        throw unexpected("subquery selector", "number or duration");
      }
      advance();
      long rangeMs = positiveDurationMs(t);
      Item next = peek();
      if (next.type() == ItemType.RIGHT_BRACKET) {
        Item close = advance();
        String msg = null;
        VectorSelector vs = null;
        if (!(e instanceof VectorSelector v)) {
          msg = "ranges only allowed for vector selectors";
        } else {
          vs = v;
          if (v.offsetMs() != 0) {
            msg = "no offset modifiers allowed before range";
          } else if (v.hasAt()) {
            msg = "no @ modifiers allowed before range";
          }
        }
        if (msg != null) {
          error(new PositionRange(open.pos(), close.end()), msg);
        }
        return vs == null ? e : new MatrixSelector(vs, rangeMs, close.end());
      }
      if (next.type() != ItemType.COLON) {
        throw unexpected("subquery or range", "\":\" or \"]\"");
      }
      advance();
      long stepMs = 0;
      Item s = peek();
      if (s.type() == ItemType.NUMBER || s.type() == ItemType.DURATION) {
        advance();
        stepMs = positiveDurationMs(s);
        if (peek().type() != ItemType.RIGHT_BRACKET) {
          throw unexpected("subquery selector", "\"]\"");
        }
      } else if (s.type() != ItemType.RIGHT_BRACKET) {
        throw unexpected("subquery selector", "number or duration or \"]\"");
      }
      Item close = advance();
      return new SubqueryExpr(e, rangeMs, stepMs, 0, null, null, close.pos() + 1);
    }

    Expr parseOffset(Expr e) {
      advance(); // offset
      Item t = peek();
      boolean negative = false;
      if (t.type() == ItemType.SUB || t.type() == ItemType.ADD) {
        advance();
        negative = t.type() == ItemType.SUB;
        t = peek();
      }
      if (t.type() != ItemType.NUMBER && t.type() != ItemType.DURATION) {
        throw unexpected("offset", "number or duration");
      }
      advance();
      long ms = Math.round(numberOrDuration(t) * 1000);
      if (negative) {
        ms = -ms;
      }
      return addOffset(e, ms);
    }

    private Expr addOffset(Expr e, long ms) {
      long existing;
      if (e instanceof VectorSelector vs) {
        existing = vs.offsetMs();
      } else if (e instanceof MatrixSelector m) {
        existing = m.vectorSelector().offsetMs();
      } else if (e instanceof SubqueryExpr sq) {
        existing = sq.offsetMs();
      } else {
        error(
            e.positionRange(),
            "offset modifier must be preceded by an instant vector selector or range vector"
                + " selector or a subquery");
        return e;
      }
      if (existing != 0) {
        error(e.positionRange(), "offset may not be set multiple times");
        return e;
      }
      if (e instanceof VectorSelector vs) {
        return vs.withOffset(ms, lastClosing);
      } else if (e instanceof MatrixSelector m) {
        return new MatrixSelector(
            m.vectorSelector().withOffset(ms, m.vectorSelector().positionRange().end()),
            m.rangeMs(),
            lastClosing);
      }
      return ((SubqueryExpr) e).withOffset(ms, lastClosing);
    }

    Expr parseAt(Expr e) {
      advance(); // @
      Item t = peek();
      Long ts = null;
      ItemType preprocessor = null;
      if (t.type() == ItemType.START || t.type() == ItemType.END) {
        advance();
        if (peek().type() != ItemType.LEFT_PAREN || peek(1).type() != ItemType.RIGHT_PAREN) {
          throw unexpected("@", "timestamp");
        }
        advance();
        advance();
        preprocessor = t.type();
      } else {
        boolean negative = false;
        if (t.type() == ItemType.ADD || t.type() == ItemType.SUB) {
          advance();
          negative = t.type() == ItemType.SUB;
          t = peek();
        }
        if (t.type() != ItemType.NUMBER && t.type() != ItemType.DURATION) {
          throw unexpected("@", "timestamp");
        }
        advance();
        double v = numberOrDuration(t);
        if (negative) {
          v = -v;
        }
        if (Double.isNaN(v)
            || Double.isInfinite(v)
            || v >= (double) Long.MAX_VALUE
            || v <= (double) Long.MIN_VALUE) {
          error(e.positionRange(), "timestamp out of bounds for @ modifier: " + formatGoF(v));
        }
        ts = Math.round(v * 1000);
      }
      boolean hasAt;
      if (e instanceof VectorSelector vs) {
        hasAt = vs.hasAt();
      } else if (e instanceof MatrixSelector m) {
        hasAt = m.vectorSelector().hasAt();
      } else if (e instanceof SubqueryExpr sq) {
        hasAt = sq.hasAt();
      } else {
        error(
            e.positionRange(),
            "@ modifier must be preceded by an instant vector selector or range vector selector or"
                + " a subquery");
        return e;
      }
      if (hasAt) {
        error(e.positionRange(), "@ <timestamp> may not be set multiple times");
        return e;
      }
      if (e instanceof VectorSelector vs) {
        return vs.withAt(ts, preprocessor, lastClosing);
      } else if (e instanceof MatrixSelector m) {
        return new MatrixSelector(
            m.vectorSelector().withAt(ts, preprocessor, m.vectorSelector().positionRange().end()),
            m.rangeMs(),
            lastClosing);
      }
      return ((SubqueryExpr) e).withAt(ts, preprocessor, lastClosing);
    }

    /** Go's {@code %f}. */
    static String formatGoF(double v) {
      if (Double.isNaN(v)) {
        return "NaN";
      }
      if (Double.isInfinite(v)) {
        return v > 0 ? "+Inf" : "-Inf";
      }
      return String.format(Locale.ROOT, "%f", v);
    }

    // ---- Aggregations and calls ----

    Expr parseAggregation() {
      Item op = advance();
      List<String> grouping = List.of();
      boolean without = false;
      boolean modifierFirst = false;
      ItemType t = peek().type();
      if (t == ItemType.BY || t == ItemType.WITHOUT) {
        advance();
        without = t == ItemType.WITHOUT;
        grouping = parseGroupingLabels();
        modifierFirst = true;
      }
      if (peek().type() != ItemType.LEFT_PAREN) {
        throw unexpected("aggregation", "");
      }
      List<Expr> args = parseCallArgs();
      if (!modifierFirst) {
        t = peek().type();
        if (t == ItemType.BY || t == ItemType.WITHOUT) {
          advance();
          without = t == ItemType.WITHOUT;
          grouping = parseGroupingLabels();
        }
      }
      PositionRange pr = new PositionRange(op.pos(), lastClosing);
      ItemType aggr = op.type();
      Expr param = null;
      Expr expr;
      if (args.isEmpty()) {
        error(pr, "no arguments for aggregate expression provided");
        expr = new NumberLiteral(0, pr);
      } else {
        int desired = 1;
        if (aggr.isAggregatorWithParam()) {
          if (!options.enableExperimentalFunctions() && aggr.isExperimentalAggregator()) {
            error(
                pr,
                aggr.text()
                    + "() is experimental and must be enabled with"
                    + " --enable-feature=promql-experimental-functions");
          }
          desired = 2;
          param = args.get(0);
        }
        if (args.size() != desired) {
          error(
              pr,
              "wrong number of arguments for aggregate expression provided, expected "
                  + desired
                  + ", got "
                  + args.size());
        }
        expr = args.get(Math.min(desired, args.size()) - 1);
      }
      return new AggregateExpr(aggr, expr, param, grouping, without, pr);
    }

    Expr parseCall() {
      Item name = advance();
      Function fn = Functions.get(name.val());
      if (fn == null) {
        error(name.positionRange(), "unknown function with name " + GoQuote.quote(name.val()));
        fn = new Function(name.val(), List.of(), -1, ValueType.VECTOR, false);
      } else if (fn.experimental() && !options.enableExperimentalFunctions()) {
        error(name.positionRange(), "function " + GoQuote.quote(name.val()) + " is not enabled");
      }
      List<Expr> args = parseCallArgs();
      return new Call(fn, args, new PositionRange(name.pos(), lastClosing));
    }

    /** Parses {@code ( expr, … )}. */
    List<Expr> parseCallArgs() {
      advance(); // (
      List<Expr> args = new ArrayList<>();
      if (peek().type() == ItemType.RIGHT_PAREN) {
        advance();
        return args;
      }
      while (true) {
        args.add(parseExpr(0));
        Item t = peek();
        if (t.type() == ItemType.COMMA) {
          advance();
          if (peek().type() == ItemType.RIGHT_PAREN) {
            error(t.positionRange(), "trailing commas not allowed in function call args");
            advance();
            return args;
          }
        } else if (t.type() == ItemType.RIGHT_PAREN) {
          advance();
          return args;
        } else {
          throw unexpected("", "");
        }
      }
    }

    /** Parses {@code (a, b, "c")} after {@code by}, {@code on}, {@code group_left}, … */
    List<String> parseGroupingLabels() {
      if (peek().type() != ItemType.LEFT_PAREN) {
        throw unexpected("grouping opts", "\"(\"");
      }
      advance();
      List<String> labels = new ArrayList<>();
      if (peek().type() == ItemType.RIGHT_PAREN) {
        advance();
        return labels;
      }
      while (true) {
        Item t = peek();
        String label;
        if (MAYBE_LABELS.contains(t.type())) {
          advance();
          label = t.val();
        } else if (t.type() == ItemType.STRING) {
          advance();
          label = unquote(t);
        } else {
          throw unexpected("grouping opts", "label");
        }
        if (label.isEmpty()) {
          error(t.positionRange(), "invalid label name for grouping: " + GoQuote.quote(label));
        }
        labels.add(label);
        Item sep = peek();
        if (sep.type() == ItemType.COMMA) {
          advance();
          if (peek().type() == ItemType.RIGHT_PAREN) {
            advance();
            return labels;
          }
        } else if (sep.type() == ItemType.RIGHT_PAREN) {
          advance();
          return labels;
        } else {
          throw unexpected("grouping opts", "\",\" or \")\"");
        }
      }
    }

    // ---- Literals ----

    String unquote(Item t) {
      try {
        return GoQuote.unquote(t.val());
      } catch (IllegalArgumentException e) {
        error(
            t.positionRange(),
            "error unquoting string " + GoQuote.quote(t.val()) + ": " + e.getMessage());
        return "";
      }
    }

    /** The value of a NUMBER token, or a DURATION token in seconds. */
    double numberOrDuration(Item t) {
      if (t.type() == ItemType.DURATION) {
        return durationMs(t) / 1000.0;
      }
      return number(t);
    }

    long durationMs(Item t) {
      try {
        long ms = Durations.parseMillis(t.val());
        if (ms == 0) {
          error(t.positionRange(), "duration must be greater than 0");
        }
        return ms;
      } catch (IllegalArgumentException e) {
        error(t.positionRange(), e.getMessage());
        return 0;
      }
    }

    /** A range or step: a duration, or a number of seconds, which must be positive. */
    long positiveDurationMs(Item t) {
      if (t.type() == ItemType.DURATION) {
        return durationMs(t);
      }
      double v = number(t);
      if (!(v > 0)) {
        error(t.positionRange(), "duration must be greater than 0");
        return 0;
      }
      return Math.round(v * 1000);
    }

    /**
     * Go's {@code strconv.ParseInt(s, 0, 64)} falling back to {@code ParseFloat}: so {@code 0x1F},
     * {@code 0o17}, {@code 017} (octal!), {@code 1_000}, {@code 1e3}, {@code Inf}, {@code NaN}.
     */
    double number(Item t) {
      String s = t.val();
      Long asInt = parseGoInt(s);
      if (asInt != null) {
        return asInt;
      }
      GoFloatParser floats = new GoFloatParser();
      double v = floats.parseGo(s); // like Go: ±Inf when out of range, 0 on a syntax error
      if (floats.status() != GoFloatParser.OK) {
        error(
            t.positionRange(),
            "error parsing number: strconv.ParseFloat: parsing "
                + GoQuote.quote(s)
                + (floats.status() == GoFloatParser.RANGE
                    ? ": value out of range"
                    : ": invalid syntax"));
      }
      return v;
    }

    /** {@code strconv.ParseInt(s, 0, 64)}, or null when Go would fail. */
    static Long parseGoInt(String s) {
      String t = s;
      int radix = 10;
      if (t.length() > 1 && t.charAt(0) == '0') {
        char p = Character.toLowerCase(t.charAt(1));
        if (p == 'x') {
          radix = 16;
          t = t.substring(2);
        } else if (p == 'o') {
          radix = 8;
          t = t.substring(2);
        } else if (p == 'b') {
          radix = 2;
          t = t.substring(2);
        } else {
          radix = 8;
          t = t.substring(1);
        }
      }
      // Underscores must separate digits (Go's underscoreOK); a leading one is allowed after a
      // base prefix.
      if (t.isEmpty() || t.endsWith("_") || t.contains("__")) {
        return null;
      }
      if (t.startsWith("_") && radix == 10) {
        return null;
      }
      t = t.replace("_", "");
      if (t.isEmpty()) {
        return null;
      }
      try {
        return Long.parseLong(t, radix);
      } catch (NumberFormatException e) {
        return null;
      }
    }
  }

  /** Type checking after a successful parse ({@code checkAST} in parse.go). */
  private static final class Checker {
    private final Run run;

    Checker(Run run) {
      this.run = run;
    }

    void check(Expr e) {
      if (e != null) {
        checkAst(e);
      }
    }

    private void error(PositionRange pr, String msg) {
      run.error(pr, msg);
    }

    private void expectType(Expr e, ValueType want, String context) {
      ValueType t = checkAst(e);
      if (t != want) {
        error(
            e.positionRange(),
            "expected type "
                + want.documentedName()
                + " in "
                + context
                + ", got "
                + t.documentedName());
      }
    }

    /** The range of a binary operator, without surrounding whitespace. */
    private PositionRange opRange(BinaryExpr n) {
      String in = run.input;
      int start = n.lhs().positionRange().end();
      while (start < in.length() && Lexer.isSpace(in.charAt(start))) {
        start++;
      }
      int end = n.rhs().positionRange().start() - 1;
      while (end > 0 && Lexer.isSpace(in.charAt(end))) {
        end--;
      }
      return new PositionRange(start, end);
    }

    private ValueType checkAst(Expr node) {
      ValueType type = node.type();
      if (node instanceof AggregateExpr n) {
        expectType(n.expr(), ValueType.VECTOR, "aggregation expression");
        ItemType op = n.op();
        if (op == ItemType.TOPK
            || op == ItemType.BOTTOMK
            || op == ItemType.QUANTILE
            || op == ItemType.LIMITK
            || op == ItemType.LIMIT_RATIO) {
          expectType(n.param(), ValueType.SCALAR, "aggregation parameter");
        }
        if (op == ItemType.COUNT_VALUES) {
          expectType(n.param(), ValueType.STRING, "aggregation parameter");
        }
      } else if (node instanceof BinaryExpr n) {
        checkBinary(n);
      } else if (node instanceof Call n) {
        checkCall(n);
      } else if (node instanceof ParenExpr n) {
        checkAst(n.expr());
      } else if (node instanceof UnaryExpr n) {
        if (n.op() != ItemType.ADD && n.op() != ItemType.SUB) {
          error(n.positionRange(), "only + and - operators allowed for unary expressions");
        }
        ValueType t = checkAst(n.expr());
        if (t != ValueType.SCALAR && t != ValueType.VECTOR) {
          error(
              n.positionRange(),
              "unary expression only allowed on expressions of type scalar or instant vector, got "
                  + GoQuote.quote(t.documentedName()));
        }
      } else if (node instanceof SubqueryExpr n) {
        ValueType t = checkAst(n.expr());
        if (t != ValueType.VECTOR) {
          error(
              n.positionRange(),
              "subquery is only allowed on instant vector, got " + t + " instead");
        }
      } else if (node instanceof MatrixSelector n) {
        checkAst(n.vectorSelector());
      } else if (node instanceof VectorSelector n) {
        checkVectorSelector(n);
      }
      return type;
    }

    private void checkBinary(BinaryExpr n) {
      ValueType lt = checkAst(n.lhs());
      ValueType rt = checkAst(n.rhs());
      ItemType op = n.op();
      VectorMatching vm = n.matching();
      if (n.returnBool() && !op.isComparisonOperator()) {
        error(opRange(n), "bool modifier can only be used on comparison operators");
      }
      if (op.isComparisonOperator()
          && !n.returnBool()
          && n.rhs().type() == ValueType.SCALAR
          && n.lhs().type() == ValueType.SCALAR) {
        error(opRange(n), "comparisons between scalars must use BOOL modifier");
      }
      VectorMatching.Cardinality card = vm.card();
      if (op.isSetOperator() && card == VectorMatching.Cardinality.ONE_TO_ONE) {
        card = VectorMatching.Cardinality.MANY_TO_MANY;
      }
      if (vm.on()) {
        for (String l1 : vm.matchingLabels()) {
          if (vm.include().contains(l1)) {
            error(
                opRange(n),
                "label " + GoQuote.quote(l1) + " must not occur in ON and GROUP clause at once");
          }
        }
      }
      if (lt != ValueType.SCALAR && lt != ValueType.VECTOR) {
        error(
            n.lhs().positionRange(),
            "binary expression must contain only scalar and instant vector types");
      }
      if (rt != ValueType.SCALAR && rt != ValueType.VECTOR) {
        error(
            n.rhs().positionRange(),
            "binary expression must contain only scalar and instant vector types");
      }
      if (lt != ValueType.VECTOR || rt != ValueType.VECTOR) {
        if (!vm.matchingLabels().isEmpty()) {
          error(n.positionRange(), "vector matching only allowed between instant vectors");
        }
      } else if (op.isSetOperator()) {
        if (card == VectorMatching.Cardinality.ONE_TO_MANY
            || card == VectorMatching.Cardinality.MANY_TO_ONE) {
          error(
              n.positionRange(),
              "no grouping allowed for " + GoQuote.quote(op.text()) + " operation");
        }
        if (card != VectorMatching.Cardinality.MANY_TO_MANY) {
          error(n.positionRange(), "set operations must always be many-to-many");
        }
      }
      if ((lt == ValueType.SCALAR || rt == ValueType.SCALAR) && op.isSetOperator()) {
        error(
            n.positionRange(),
            "set operator "
                + GoQuote.quote(op.text())
                + " not allowed in binary scalar expression");
      }
    }

    private void checkCall(Call n) {
      Function fn = n.function();
      int nargs = fn.argTypes().size();
      String quoted = GoQuote.quote(fn.name());
      if (fn.variadic() == 0) {
        if (nargs != n.args().size()) {
          error(
              n.positionRange(),
              "expected "
                  + nargs
                  + " argument(s) in call to "
                  + quoted
                  + ", got "
                  + n.args().size());
        }
      } else {
        int na = nargs - 1;
        if (na > n.args().size()) {
          error(
              n.positionRange(),
              "expected at least "
                  + na
                  + " argument(s) in call to "
                  + quoted
                  + ", got "
                  + n.args().size());
        } else if (fn.variadic() > 0 && na + fn.variadic() < n.args().size()) {
          error(
              n.positionRange(),
              "expected at most "
                  + (na + fn.variadic())
                  + " argument(s) in call to "
                  + quoted
                  + ", got "
                  + n.args().size());
        }
      }
      for (int i = 0; i < n.args().size(); i++) {
        int ti = i;
        if (i >= nargs) {
          if (fn.variadic() == 0) {
            break;
          }
          ti = nargs - 1;
        }
        Expr arg = n.args().get(i);
        ValueType t = checkAst(arg);
        if (ti < 0) {
          continue;
        }
        ValueType want = fn.argTypes().get(ti);
        if (t != want) {
          error(
              arg.positionRange(),
              "expected type "
                  + want.documentedName()
                  + " in call to function "
                  + quoted
                  + ", got "
                  + t.documentedName());
        }
      }
    }

    private void checkVectorSelector(VectorSelector n) {
      List<Matcher> ms = n.matchers();
      if (!n.name().isEmpty()) {
        for (int i = 0; i < ms.size() - 1; i++) {
          Matcher m = ms.get(i);
          if (m.name().equals(Labels.METRIC_NAME)) {
            error(
                n.positionRange(),
                "metric name must not be set twice: "
                    + GoQuote.quote(n.name())
                    + " or "
                    + GoQuote.quote(m.value()));
          }
        }
        return;
      }
      for (Matcher m : ms) {
        if (!m.matchesEmpty()) {
          return;
        }
      }
      error(n.positionRange(), "vector selector must contain at least one non-empty matcher");
    }
  }
}
