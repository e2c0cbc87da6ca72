package io.promfed.promql.parser;

import io.promfed.model.labels.Labels;
import io.promfed.model.labels.Matcher;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;

/**
 * An instant vector selector: {@code http_requests_total{job="api"} offset 5m @ 1609746000}.
 * Immutable.
 *
 * @param name the metric name written before the braces, or empty
 * @param matchers all matchers, including the {@code __name__} matcher for {@code name}
 * @param offsetMs the {@code offset} as written, in milliseconds (0 when absent)
 * @param timestampMs the {@code @} time in milliseconds, or null
 * @param startOrEnd {@link ItemType#START} or {@link ItemType#END} for {@code @ start()}/{@code @
 *     end()}, else null
 * @param positionRange where it is in the query, including modifiers
 */
public record VectorSelector(
    String name,
    List<Matcher> matchers,
    long offsetMs,
    Long timestampMs,
    ItemType startOrEnd,
    PositionRange positionRange)
    implements Expr {

  public VectorSelector {
    matchers = List.copyOf(matchers);
  }

  /** Whether an {@code @} modifier is present (a time or {@code start()}/{@code end()}). */
  public boolean hasAt() {
    return timestampMs != null || startOrEnd != null;
  }

  VectorSelector withOffset(long ms, int end) {
    return new VectorSelector(
        name, matchers, ms, timestampMs, startOrEnd, new PositionRange(positionRange.start(), end));
  }

  VectorSelector withAt(Long ts, ItemType preprocessor, int end) {
    return new VectorSelector(
        name, matchers, offsetMs, ts, preprocessor, new PositionRange(positionRange.start(), end));
  }

  @Override
  public ValueType type() {
    return ValueType.VECTOR;
  }

  @Override
  public String toString() {
    return selectorString()
        + Printer.atString(timestampMs, startOrEnd)
        + Printer.offsetString(offsetMs);
  }

  /** The selector without {@code @} and {@code offset}. */
  String selectorString() {
    List<String> parts = new ArrayList<>(matchers.size());
    for (Matcher m : matchers) {
      if (m.name().equals(Labels.METRIC_NAME)
          && m.type() == Matcher.Type.EQUAL
          && m.value().equals(name)
          && !m.value().isEmpty()) {
        continue;
      }
      parts.add(Printer.matcherString(m));
    }
    StringBuilder sb = new StringBuilder(name);
    if (!parts.isEmpty()) {
      Collections.sort(parts);
      sb.append('{').append(String.join(",", parts)).append('}');
    }
    return sb.toString();
  }
}
