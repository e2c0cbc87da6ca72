package io.promfed.promql;

import io.promfed.model.labels.Labels;
import io.promfed.model.labels.LabelsBuilder;
import java.util.Arrays;
import java.util.HashSet;
import java.util.IdentityHashMap;
import java.util.Map;
import java.util.Set;

/**
 * Per-node state kept across the steps of one evaluation ({@code promql.EvalNodeHelper}): the
 * current step time, buffers for vector matching, and caches keyed by label-set identity. Series
 * labels are the same {@link Labels} instances at every step, so the caches turn per-step label
 * rewriting (dropping {@code __name__}, building binary-operation results) into lookups. Not
 * thread-safe.
 */
final class EvalNodeHelper {

  /** The evaluation time of the current step. */
  long ts;

  /** How many distinct vector-matching signatures the operands have. */
  int numSigs;

  final LabelsBuilder lb = new LabelsBuilder();

  private final Map<Labels, Labels> withoutName = new IdentityHashMap<>();
  private final Map<Labels, Map<Labels, Labels>> resultMetric = new IdentityHashMap<>();
  private final Map<Labels, Labels> withoutLe = new IdentityHashMap<>();

  // Vector matching buffers, sized by numSigs.
  private boolean[] sigsPresent;
  private boolean[] matchedSigsPresent;
  private int[] rightSigs;
  private Set<Labels>[] matchedSigs;

  /** {@code labels} without {@code __name__}, cached by identity. */
  Labels dropName(Labels labels) {
    if (!labels.has(Labels.METRIC_NAME)) {
      return labels;
    }
    return withoutName.computeIfAbsent(labels, Labels::withoutMetricName);
  }

  /** {@code labels} without {@code le}: the classic-histogram grouping of histogram_quantile. */
  Labels dropLe(Labels labels) {
    return withoutLe.computeIfAbsent(labels, l -> l.toBuilder().delete("le").build());
  }

  Labels cachedResult(Labels lhs, Labels rhs) {
    Map<Labels, Labels> m = resultMetric.get(lhs);
    return m == null ? null : m.get(rhs);
  }

  void cacheResult(Labels lhs, Labels rhs, Labels result) {
    resultMetric.computeIfAbsent(lhs, k -> new IdentityHashMap<>()).put(rhs, result);
  }

  boolean[] resetSigsPresent() {
    if (sigsPresent == null) {
      sigsPresent = new boolean[numSigs];
    } else {
      Arrays.fill(sigsPresent, false);
    }
    return sigsPresent;
  }

  boolean[] resetMatchedSigsPresent() {
    if (matchedSigsPresent == null) {
      matchedSigsPresent = new boolean[numSigs];
    } else {
      Arrays.fill(matchedSigsPresent, false);
    }
    return matchedSigsPresent;
  }

  int[] resetRightSigs() {
    if (rightSigs == null) {
      rightSigs = new int[numSigs];
    }
    return rightSigs;
  }

  @SuppressWarnings("unchecked")
  Set<Labels>[] resetMatchedSigs() {
    if (matchedSigs == null) {
      matchedSigs = new Set[numSigs];
    } else {
      for (Set<Labels> s : matchedSigs) {
        if (s != null) {
          s.clear();
        }
      }
    }
    return matchedSigs;
  }

  static Set<Labels> newSigSet() {
    return new HashSet<>();
  }
}
