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

  @Override
  void close();
}
