package io.promfed.promql.parser;

import io.promfed.model.gostrconv.GoQuote;
import java.util.HashMap;
import java.util.Locale;
import java.util.Map;

/**
 * Token types of the PromQL lexer, named as in Prometheus's {@code promql/parser/lex.go} so that
 * error messages ({@code unexpected <op:->}, {@code unexpected <by>}) read the same.
 */
public enum ItemType {
  EOF(Category.OTHER, null),
  ERROR(Category.OTHER, null),
  COMMENT(Category.OTHER, null),
  IDENTIFIER(Category.OTHER, null),
  METRIC_IDENTIFIER(Category.OTHER, null),
  NUMBER(Category.OTHER, null),
  DURATION(Category.OTHER, null),
  STRING(Category.OTHER, null),

  LEFT_PAREN(Category.PUNCTUATION, "("),
  RIGHT_PAREN(Category.PUNCTUATION, ")"),
  LEFT_BRACE(Category.PUNCTUATION, "{"),
  RIGHT_BRACE(Category.PUNCTUATION, "}"),
  LEFT_BRACKET(Category.PUNCTUATION, "["),
  RIGHT_BRACKET(Category.PUNCTUATION, "]"),
  COMMA(Category.PUNCTUATION, ","),
  EQL(Category.PUNCTUATION, "="),
  COLON(Category.PUNCTUATION, ":"),

  // Operators.
  ADD(Category.OPERATOR, "+"),
  DIV(Category.OPERATOR, "/"),
  EQLC(Category.OPERATOR, "=="),
  EQL_REGEX(Category.OPERATOR, "=~"),
  GTE(Category.OPERATOR, ">="),
  GTR(Category.OPERATOR, ">"),
  LAND(Category.OPERATOR, "and"),
  LOR(Category.OPERATOR, "or"),
  LSS(Category.OPERATOR, "<"),
  LTE(Category.OPERATOR, "<="),
  LUNLESS(Category.OPERATOR, "unless"),
  MOD(Category.OPERATOR, "%"),
  MUL(Category.OPERATOR, "*"),
  NEQ(Category.OPERATOR, "!="),
  NEQ_REGEX(Category.OPERATOR, "!~"),
  POW(Category.OPERATOR, "^"),
  SUB(Category.OPERATOR, "-"),
  AT(Category.OPERATOR, "@"),
  ATAN2(Category.OPERATOR, "atan2"),

  // Aggregators.
  AVG(Category.AGGREGATOR, "avg"),
  BOTTOMK(Category.AGGREGATOR, "bottomk"),
  COUNT(Category.AGGREGATOR, "count"),
  COUNT_VALUES(Category.AGGREGATOR, "count_values"),
  GROUP(Category.AGGREGATOR, "group"),
  MAX(Category.AGGREGATOR, "max"),
  MIN(Category.AGGREGATOR, "min"),
  QUANTILE(Category.AGGREGATOR, "quantile"),
  STDDEV(Category.AGGREGATOR, "stddev"),
  STDVAR(Category.AGGREGATOR, "stdvar"),
  SUM(Category.AGGREGATOR, "sum"),
  TOPK(Category.AGGREGATOR, "topk"),
  LIMITK(Category.AGGREGATOR, "limitk"),
  LIMIT_RATIO(Category.AGGREGATOR, "limit_ratio"),

  // Keywords.
  BOOL(Category.KEYWORD, "bool"),
  BY(Category.KEYWORD, "by"),
  GROUP_LEFT(Category.KEYWORD, "group_left"),
  GROUP_RIGHT(Category.KEYWORD, "group_right"),
  IGNORING(Category.KEYWORD, "ignoring"),
  OFFSET(Category.KEYWORD, "offset"),
  ON(Category.KEYWORD, "on"),
  WITHOUT(Category.KEYWORD, "without"),

  // Preprocessors of the @ modifier.
  START(Category.PREPROCESSOR, "start"),
  END(Category.PREPROCESSOR, "end");

  /** What kind of token this is; decides how {@link Item#toString()} renders it. */
  public enum Category {
    OTHER,
    PUNCTUATION,
    OPERATOR,
    AGGREGATOR,
    KEYWORD,
    PREPROCESSOR
  }

  private static final Map<String, ItemType> KEYWORDS = new HashMap<>();

  static {
    for (ItemType t : values()) {
      if (t.text != null && Character.isLetter(t.text.charAt(0))) {
        KEYWORDS.put(t.text, t);
      }
    }
  }

  private final Category category;
  private final String text;

  ItemType(Category category, String text) {
    this.category = category;
    this.text = text;
  }

  public Category category() {
    return category;
  }

  /** The fixed text of the token ({@code "+"}, {@code "by"}), or null for variable tokens. */
  public String text() {
    return text;
  }

  public boolean isOperator() {
    return category == Category.OPERATOR;
  }

  public boolean isAggregator() {
    return category == Category.AGGREGATOR;
  }

  public boolean isKeyword() {
    return category == Category.KEYWORD;
  }

  /** Aggregators taking a parameter before the vector: {@code topk(3, x)}. */
  public boolean isAggregatorWithParam() {
    return this == TOPK
        || this == BOTTOMK
        || this == COUNT_VALUES
        || this == QUANTILE
        || this == LIMITK
        || this == LIMIT_RATIO;
  }

  public boolean isExperimentalAggregator() {
    return this == LIMITK || this == LIMIT_RATIO;
  }

  public boolean isComparisonOperator() {
    return this == EQLC || this == NEQ || this == LTE || this == LSS || this == GTE || this == GTR;
  }

  public boolean isSetOperator() {
    return this == LAND || this == LOR || this == LUNLESS;
  }

  /**
   * The keyword token for a word (case-insensitive), {@link #NUMBER} for {@code inf}/{@code nan},
   * or null when the word is a plain identifier.
   */
  static ItemType keyword(String word) {
    String lower = word.toLowerCase(Locale.ROOT);
    if (lower.equals("inf") || lower.equals("nan")) {
      return NUMBER;
    }
    return KEYWORDS.get(lower);
  }

  /** Lexer's description of a variable token type ({@code identifier}, {@code number}, …). */
  String describe() {
    return switch (this) {
      case ERROR -> "error";
      case EOF -> "end of input";
      case COMMENT -> "comment";
      case IDENTIFIER -> "identifier";
      case METRIC_IDENTIFIER -> "metric identifier";
      case STRING -> "string";
      case NUMBER -> "number";
      case DURATION -> "duration";
      default -> GoQuote.quote(String.valueOf(text));
    };
  }

  @Override
  public String toString() {
    return text != null ? text : name();
  }
}
