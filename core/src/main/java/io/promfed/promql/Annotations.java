package io.promfed.promql;

import io.promfed.promql.parser.PositionRange;
import java.util.ArrayList;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Set;

/**
 * Warnings and infos collected while evaluating one query ({@code util/annotations}). Texts follow
 * Prometheus's: {@code PromQL warning: <what> (<line>:<col>)}, deduplicated. Not thread-safe.
 */
final class Annotations {

  private final String query;
  private final Set<String> warnings = new LinkedHashSet<>();
  private final Set<String> infos = new LinkedHashSet<>();

  Annotations(String query) {
    this.query = query;
  }

  void warn(String message, PositionRange pos) {
    warnings.add("PromQL warning: " + message + " (" + pos.startPosInput(query) + ")");
  }

  void info(String message, PositionRange pos) {
    infos.add("PromQL info: " + message + " (" + pos.startPosInput(query) + ")");
  }

  List<String> warnings() {
    return new ArrayList<>(warnings);
  }

  List<String> infos() {
    return new ArrayList<>(infos);
  }
}
