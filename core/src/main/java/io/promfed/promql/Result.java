package io.promfed.promql;

import java.util.List;

/**
 * The outcome of a successful query.
 *
 * @param value the result value
 * @param warnings Prometheus's warning annotations, e.g. {@code PromQL warning: bucket label "le"
 *     is missing or has a malformed value of "x" (1:20)}
 * @param infos Prometheus's info annotations, e.g. {@code PromQL info: metric might not be a
 *     counter, name does not end in _total/_sum/_count/_bucket: "foo" (1:6)}
 */
public record Result(Value value, List<String> warnings, List<String> infos) {

  public Result {
    warnings = List.copyOf(warnings);
    infos = List.copyOf(infos);
  }
}
