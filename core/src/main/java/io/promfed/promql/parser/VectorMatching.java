package io.promfed.promql.parser;

import java.util.List;

/**
 * How the two sides of a vector/vector binary operation are matched ({@code
 * parser.VectorMatching}).
 *
 * @param card the cardinality
 * @param matchingLabels the {@code on}/{@code ignoring} labels
 * @param on whether {@code matchingLabels} are the labels to match on (else to ignore)
 * @param include the {@code group_left}/{@code group_right} labels copied from the "one" side
 */
public record VectorMatching(
    Cardinality card, List<String> matchingLabels, boolean on, List<String> include) {

  /** The cardinality of a vector match. */
  public enum Cardinality {
    ONE_TO_ONE("one-to-one"),
    MANY_TO_ONE("many-to-one"),
    ONE_TO_MANY("one-to-many"),
    MANY_TO_MANY("many-to-many");

    private final String text;

    Cardinality(String text) {
      this.text = text;
    }

    @Override
    public String toString() {
      return text;
    }
  }

  public VectorMatching {
    matchingLabels = List.copyOf(matchingLabels);
    include = List.copyOf(include);
  }

  VectorMatching withCard(Cardinality c) {
    return new VectorMatching(c, matchingLabels, on, include);
  }
}
