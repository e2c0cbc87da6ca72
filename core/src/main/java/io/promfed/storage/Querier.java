package io.promfed.storage;

import io.promfed.model.labels.Matcher;
import java.util.List;
import java.util.Map;

/**
 * A read view of the store over a time range, fixed at the moment it was opened: appends
 * committed later are not seen. Not thread-safe; close it when done.
 */
public interface Querier extends AutoCloseable {

  /**
   * The series matching all {@code matchers}, sorted by labels when {@code sorted} is true. At
   * least one matcher should not match the empty string; otherwise every series is returned.
   */
  SeriesSet select(boolean sorted, Matcher... matchers);

  /** Sorted distinct values of label {@code name} among series matching {@code matchers}. */
  List<String> labelValues(String name, Matcher... matchers);

  /** Sorted distinct label names among series matching {@code matchers} (all when none). */
  List<String> labelNames(Matcher... matchers);

  /** Metadata by metric family name; {@code metric} null for all. */
  Map<String, List<MetricMetadata>> metadata(String metric);

  /**
   * Problems met so far that did not fail the read but make its answer partial, such as a remote
   * source that could not be reached (Prometheus's storage warnings, which its API reports in the
   * {@code "warnings"} field). Call it after the series sets have been iterated: sources may fail
   * lazily. A local store has none.
   */
  default List<String> warnings() {
    return List.of();
  }

  @Override
  void close();
}
