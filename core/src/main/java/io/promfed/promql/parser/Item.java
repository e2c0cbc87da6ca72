package io.promfed.promql.parser;

import io.promfed.model.gostrconv.GoQuote;

/**
 * One token produced by the {@link Lexer}.
 *
 * @param type the token type
 * @param pos the offset of the token's first character in the input
 * @param val the token's text as it appears in the input (for {@link ItemType#ERROR}, the message)
 */
public record Item(ItemType type, int pos, String val) {

  /** The end offset (exclusive) of the token. */
  public int end() {
    return pos + val.length();
  }

  public PositionRange positionRange() {
    return new PositionRange(pos, end());
  }

  /**
   * The token as Prometheus's {@code Item.desc()} renders it in {@code unexpected …} messages:
   * {@code <op:+>}, {@code <by>}, {@code identifier "foo"}, {@code end of input}.
   */
  public String describe() {
    if (type.text() != null) {
      return toString();
    }
    if (type == ItemType.EOF) {
      return type.describe();
    }
    return type.describe() + " " + this;
  }

  /** Prometheus's {@code Item.String()}. */
  @Override
  public String toString() {
    if (type == ItemType.EOF) {
      return "EOF";
    }
    if (type == ItemType.ERROR) {
      return val;
    }
    if (type == ItemType.IDENTIFIER || type == ItemType.METRIC_IDENTIFIER) {
      return GoQuote.quote(val);
    }
    if (type.isKeyword()) {
      return "<" + val + ">";
    }
    if (type.isOperator()) {
      return "<op:" + val + ">";
    }
    if (type.isAggregator()) {
      return "<aggr:" + val + ">";
    }
    if (val.codePointCount(0, val.length()) > 10) {
      return GoQuote.quoteTruncated(val, 10) + "...";
    }
    return GoQuote.quote(val);
  }
}
