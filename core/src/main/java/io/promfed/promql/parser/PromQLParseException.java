package io.promfed.promql.parser;

import java.util.List;

/**
 * A query that does not parse or does not type-check. The message has Prometheus's shape, {@code
 * 1:7: parse error: unexpected <op:->}, naming the line and column of the first problem; {@link
 * #errors()} lists every problem found before parsing stopped.
 */
public final class PromQLParseException extends RuntimeException {

  /**
   * One parse problem.
   *
   * @param positionRange where in the query
   * @param reason the message without position, e.g. {@code unexpected end of input}
   */
  public record ParseError(PositionRange positionRange, String reason) {}

  private final transient List<ParseError> errors;
  private final String query;

  PromQLParseException(String query, List<ParseError> errors) {
    super(format(query, errors.get(0)), null, false, false);
    this.query = query;
    this.errors = List.copyOf(errors);
  }

  private static String format(String query, ParseError e) {
    return e.positionRange().startPosInput(query) + ": parse error: " + e.reason();
  }

  /** The first problem's message without the position prefix. */
  public String reason() {
    return errors.get(0).reason();
  }

  /** Where the first problem is. */
  public PositionRange positionRange() {
    return errors.get(0).positionRange();
  }

  /** The query that failed to parse. */
  public String query() {
    return query;
  }

  /** All problems found, in input order; the first is the one in {@link #getMessage()}. */
  public List<ParseError> errors() {
    return errors;
  }
}
