package io.promfed.promql.parser;

/**
 * A range of character offsets in the query text ({@code posrange.PositionRange}).
 *
 * @param start first offset, zero-based
 * @param end offset after the last character
 */
public record PositionRange(int start, int end) {

  /**
   * Prometheus's {@code StartPosInput}: {@code line:column} of {@link #start()}, both 1-based, as
   * used in parse errors and annotations.
   */
  public String startPosInput(String query) {
    if (query == null || query.isEmpty()) {
      return "unknown position";
    }
    if (start < 0 || start > query.length()) {
      return "invalid position";
    }
    int line = 1;
    int lastLineBreak = -1;
    for (int i = 0; i < start; i++) {
      if (query.charAt(i) == '\n') {
        lastLineBreak = i;
        line++;
      }
    }
    return line + ":" + (start - lastLineBreak);
  }
}
