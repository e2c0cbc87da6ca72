package io.promfed.promql;

import io.promfed.model.exposition.GoFloatFormat;
import io.promfed.model.labels.Labels;
import io.promfed.model.labels.LabelsBuilder;
import io.promfed.promql.parser.AggregateExpr;
import io.promfed.promql.parser.ItemType;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * Evaluates one aggregation over all steps ({@code rangeEvalAgg}, {@code aggregation}, {@code
 * aggregationK}, {@code aggregationCountValues} in engine.go): {@code sum} and {@code avg} with
 * Kahan summation (avg switching to an incremental mean on overflow), {@code min}/{@code max}
 * preferring numbers over NaN, Welford's {@code stddev}/{@code stdvar}, {@code quantile}, and the
 * heap-based {@code topk}/{@code bottomk}. Output groups keep the order in which they were first
 * seen. Not thread-safe; one instance per evaluation.
 */
final class Aggregations {

  private final Evaluator ev;
  private final QueryContext q;
  private final AggregateExpr e;
  private final List<String> grouping;
  private final List<Series> input;
  private final double[] params;

  Aggregations(
      Evaluator ev,
      QueryContext q,
      AggregateExpr e,
      List<String> grouping,
      List<Series> input,
      double[] params) {
    this.ev = ev;
    this.q = q;
    this.e = e;
    this.grouping = grouping;
    this.input = input;
    this.params = params;
  }

  /** The output labels of a group ({@code generateGroupingLabels}). */
  static Labels groupingLabels(
      Labels metric, List<String> grouping, boolean without, LabelsBuilder b) {
    if (without) {
      b.reset(metric);
      for (String g : grouping) {
        b.delete(g);
      }
      b.delete(Labels.METRIC_NAME);
      return b.build();
    }
    if (grouping.isEmpty()) {
      return Labels.EMPTY;
    }
    b.reset();
    for (String g : grouping) {
      String v = metric.get(g);
      if (v != null) {
        b.set(g, v);
      }
    }
    return b.build();
  }

  List<Series> run() {
    ItemType op = e.op();
    boolean isK =
        op == ItemType.TOPK
            || op == ItemType.BOTTOMK
            || op == ItemType.LIMITK
            || op == ItemType.LIMIT_RATIO;
    LabelsBuilder b = new LabelsBuilder();
    Map<Labels, Integer> groupIndex = new HashMap<>();
    List<Labels> groupLabels = new ArrayList<>();
    int[] seriesToGroup = new int[input.size()];
    for (int si = 0; si < input.size(); si++) {
      Labels key = groupingLabels(input.get(si).labels(), grouping, e.without(), b);
      Integer g = groupIndex.get(key);
      if (g == null) {
        g = groupLabels.size();
        groupIndex.put(key, g);
        groupLabels.add(key);
      }
      seriesToGroup[si] = g;
    }
    int numGroups = groupLabels.size();
    int numSteps = (int) ((ev.end - ev.start) / ev.interval) + 1;

    if (op == ItemType.LIMIT_RATIO) {
      FParams f = FParams.of(params);
      if (!f.hasAnyNaN() && f.max() == 0 && f.min() == 0) {
        return new ArrayList<>();
      }
      if (f.hasAnyNaN()) {
        throw PromQLException.execution("Ratio value is NaN");
      }
      if (f.max() > 1.0) {
        q.annotations.warn(invalidRatio(f.max(), 1.0), e.param().positionRange());
      }
      if (f.min() < -1.0) {
        q.annotations.warn(invalidRatio(f.min(), -1.0), e.param().positionRange());
      }
    } else if (isK) {
      FParams f = FParams.of(params);
      if (!f.hasAnyNaN() && f.max() < 1) {
        return new ArrayList<>();
      }
      if (f.hasAnyNaN()) {
        throw PromQLException.execution("Parameter value is NaN");
      }
      if (f.min() <= (double) Long.MIN_VALUE) {
        throw PromQLException.execution(
            "Scalar value " + GoFloatFormat.formatG(f.min()) + " underflows int64");
      }
      if (f.max() >= (double) Long.MAX_VALUE) {
        throw PromQLException.execution(
            "Scalar value " + GoFloatFormat.formatG(f.max()) + " overflows int64");
      }
    } else if (op == ItemType.QUANTILE) {
      FParams f = FParams.of(params);
      if (f.hasAnyNaN()) {
        q.annotations.warn(FunctionCalls.invalidQuantile(Double.NaN), e.param().positionRange());
      }
      if (!f.hasAnyNaN() && f.max() > 1) {
        q.annotations.warn(FunctionCalls.invalidQuantile(f.max()), e.param().positionRange());
      }
      if (!f.hasAnyNaN() && f.min() < 0) {
        q.annotations.warn(FunctionCalls.invalidQuantile(f.min()), e.param().positionRange());
      }
    }

    // The values of each input series at the current step.
    int[] pos = new int[input.size()];
    boolean[] has = new boolean[input.size()];
    double[] val = new double[input.size()];

    // Per-group state of the plain aggregations.
    boolean[] seen = new boolean[numGroups];
    double[] value = new double[numGroups];
    double[] mean = new double[numGroups];
    double[] kahanC = new double[numGroups];
    double[] count = new double[numGroups];
    boolean[] incremental = new boolean[numGroups];
    double[][] heap = op == ItemType.QUANTILE ? new double[numGroups][] : null;
    int[] heapSize = new int[numGroups];
    Series[] groupSeries = new Series[numGroups];

    // Per-group state of topk/bottomk/limitk: heaps of input series indices.
    int[][] kHeap = isK ? new int[numGroups][] : null;
    Map<Labels, Series> kSeries = new LinkedHashMap<>();

    int tempNumSamples = ev.currentSamples;
    int step = -1;
    for (long ts = ev.start; ts <= ev.end; ts += ev.interval) {
      step++;
      ev.checkDone();
      ev.setSamples(tempNumSamples);
      for (int si = 0; si < input.size(); si++) {
        Series s = input.get(si);
        int p = pos[si];
        has[si] = p < s.size() && s.timestampMs(p) == ts;
        if (has[si]) {
          val[si] = s.value(p);
          pos[si] = p + 1;
        }
      }
      double fParam = params != null ? params[step] : Double.NaN;
      if (isK) {
        List<Series> res =
            aggregateK(
                op, fParam, seriesToGroup, numGroups, has, val, kHeap, ts, kSeries, numSteps);
        if (ev.start == ev.end) {
          return res;
        }
        ev.checkSampleLimit();
        continue;
      }
      Arrays.fill(seen, false);
      for (int si = 0; si < input.size(); si++) {
        if (!has[si]) {
          continue;
        }
        double f = val[si];
        int g = seriesToGroup[si];
        if (!seen[g]) {
          seen[g] = true;
          value[g] = f;
          mean[g] = f;
          kahanC[g] = 0;
          count[g] = 1;
          incremental[g] = false;
          switch (op) {
            case STDVAR, STDDEV ->
                value[g] = (Double.isNaN(f) || Double.isInfinite(f)) ? Double.NaN : 0;
            case QUANTILE -> {
              if (heap[g] == null) {
                heap[g] = new double[8];
              }
              heap[g][0] = f;
              heapSize[g] = 1;
            }
            case GROUP -> value[g] = 1;
            default -> {
              // The first value is the value.
            }
          }
          continue;
        }
        switch (op) {
          case SUM -> {
            double t = value[g] + f;
            kahanC[g] = KahanSum.compensation(value[g], f, t, kahanC[g]);
            value[g] = t;
          }
          case AVG -> {
            count[g]++;
            if (!incremental[g]) {
              double t = value[g] + f;
              if (!Double.isInfinite(t)) {
                kahanC[g] = KahanSum.compensation(value[g], f, t, kahanC[g]);
                value[g] = t;
                break;
              }
              // The sum would overflow: continue with an incremental mean.
              incremental[g] = true;
              mean[g] = value[g] / (count[g] - 1);
              kahanC[g] /= count[g] - 1;
            }
            double qq = (count[g] - 1) / count[g];
            double m = qq * mean[g];
            double inc = f / count[g];
            double t = m + inc;
            kahanC[g] = KahanSum.compensation(m, inc, t, qq * kahanC[g]);
            mean[g] = t;
          }
          case GROUP -> {
            // Always 1.
          }
          case MAX -> {
            if (value[g] < f || Double.isNaN(value[g])) {
              value[g] = f;
            }
          }
          case MIN -> {
            if (value[g] > f || Double.isNaN(value[g])) {
              value[g] = f;
            }
          }
          case COUNT -> count[g]++;
          case STDVAR, STDDEV -> {
            count[g]++;
            double delta = f - mean[g];
            mean[g] += delta / count[g];
            value[g] += delta * (f - mean[g]);
          }
          case QUANTILE -> {
            if (heapSize[g] == heap[g].length) {
              heap[g] = Arrays.copyOf(heap[g], heapSize[g] * 2);
            }
            heap[g][heapSize[g]++] = f;
          }
          default -> throw new IllegalStateException("expected aggregation operator but got " + op);
        }
      }
      for (int g = 0; g < numGroups; g++) {
        if (!seen[g]) {
          continue;
        }
        double r =
            switch (op) {
              case AVG ->
                  incremental[g] ? mean[g] + kahanC[g] : value[g] / count[g] + kahanC[g] / count[g];
              case SUM -> value[g] + kahanC[g];
              case COUNT -> count[g];
              case STDVAR -> value[g] / count[g];
              case STDDEV -> Math.sqrt(value[g] / count[g]);
              case QUANTILE -> Quantiles.quantile(fParam, heap[g], heapSize[g]);
              default -> value[g];
            };
        if (groupSeries[g] == null) {
          groupSeries[g] = new Series(groupLabels.get(g), numSteps);
        }
        groupSeries[g].append(ts, r);
      }
      ev.checkSampleLimit();
    }
    List<Series> result = new ArrayList<>();
    if (isK) {
      result.addAll(kSeries.values());
      return result;
    }
    for (Series s : groupSeries) {
      if (s != null) {
        result.add(s);
      }
    }
    return result;
  }

  /** The limit_ratio offsets of the input series, hashed once per query. */
  private double[] sampleOffsets;

  private double sampleOffset(int si) {
    if (sampleOffsets == null) {
      sampleOffsets = new double[input.size()];
      for (int i = 0; i < input.size(); i++) {
        sampleOffsets[i] = RatioSampler.sampleOffset(input.get(i).labels());
      }
    }
    return sampleOffsets[si];
  }

  /**
   * The parameter's extremes over all steps, NaN steps left out, and whether any step is NaN:
   * Prometheus's {@code fParams} ({@code newFParams} in promql/engine.go).
   */
  private record FParams(double min, double max, boolean hasAnyNaN) {
    static FParams of(double[] params) {
      double max = Double.NEGATIVE_INFINITY;
      double min = Double.POSITIVE_INFINITY;
      boolean anyNaN = false;
      for (double p : params) {
        if (Double.isNaN(p)) {
          anyNaN = true;
        } else {
          max = Math.max(max, p);
          min = Math.min(min, p);
        }
      }
      return new FParams(min, max, anyNaN);
    }
  }

  private static String invalidRatio(double r, double to) {
    return "ratio value should be between -1 and 1, got "
        + GoFloatFormat.formatG(r)
        + ", capping to "
        + GoFloatFormat.formatG(to);
  }

  /**
   * topk, bottomk, limitk and limit_ratio at one step. For an instant query returns the result in group order,
   * each group sorted (descending for topk, ascending for bottomk); for a range query adds the
   * points to {@code kSeries} and returns null.
   */
  private List<Series> aggregateK(
      ItemType op,
      double fParam,
      int[] seriesToGroup,
      int numGroups,
      boolean[] has,
      double[] val,
      int[][] kHeap,
      long ts,
      Map<Labels, Series> kSeries,
      int numSteps) {
    long k;
    double ratio = 0;
    if (op == ItemType.LIMIT_RATIO) {
      if (fParam == 0) {
        return ev.start == ev.end ? new ArrayList<>() : null;
      }
      ratio = Math.max(-1.0, Math.min(1.0, fParam));
      k = input.size();
    } else {
      k = Math.min((long) fParam, input.size());
      if (k < 1) {
        return ev.start == ev.end ? new ArrayList<>() : null;
      }
    }
    int[] size = new int[numGroups];
    boolean[] seen = new boolean[numGroups];
    for (int si = 0; si < input.size(); si++) {
      if (!has[si]) {
        continue;
      }
      int g = seriesToGroup[si];
      if (!seen[g]) {
        seen[g] = true;
        if (kHeap[g] == null || kHeap[g].length < k) {
          kHeap[g] = new int[(int) k];
        }
      }
      int[] h = kHeap[g];
      switch (op) {
        case TOPK -> {
          if (size[g] < k) {
            h[size[g]] = si;
            siftUp(h, size[g], val, false);
            size[g]++;
          } else if (val[h[0]] < val[si] || (Double.isNaN(val[h[0]]) && !Double.isNaN(val[si]))) {
            h[0] = si;
            siftDown(h, size[g], val, false);
          }
        }
        case BOTTOMK -> {
          if (size[g] < k) {
            h[size[g]] = si;
            siftUp(h, size[g], val, true);
            size[g]++;
          } else if (val[h[0]] > val[si] || (Double.isNaN(val[h[0]]) && !Double.isNaN(val[si]))) {
            h[0] = si;
            siftDown(h, size[g], val, true);
          }
        }
        case LIMITK -> {
          if (size[g] < k) {
            h[size[g]++] = si;
          }
        }
        case LIMIT_RATIO -> {
          if (RatioSampler.add(ratio, sampleOffset(si))) {
            h[size[g]++] = si;
          }
        }
        default -> throw new IllegalStateException("expected aggregation operator but got " + op);
      }
    }
    List<Series> mat = ev.start == ev.end ? new ArrayList<>() : null;
    for (int g = 0; g < numGroups; g++) {
      if (!seen[g]) {
        continue;
      }
      int n = size[g];
      Integer[] order = new Integer[n];
      for (int i = 0; i < n; i++) {
        order[i] = kHeap[g][i];
      }
      if (op == ItemType.TOPK || op == ItemType.BOTTOMK) {
        boolean desc = op == ItemType.TOPK;
        Arrays.sort(
            order,
            (a, c) -> {
              double x = val[a];
              double y = val[c];
              boolean xn = Double.isNaN(x);
              boolean yn = Double.isNaN(y);
              if (xn || yn) {
                return xn == yn ? Integer.compare(a, c) : (xn ? 1 : -1);
              }
              int r = desc ? Double.compare(y, x) : Double.compare(x, y);
              return r != 0 ? r : Integer.compare(a, c);
            });
      }
      for (int si : order) {
        Labels l = input.get(si).labels();
        if (mat != null) {
          Series s = new Series(l, 1);
          s.append(ts, val[si]);
          mat.add(s);
        } else {
          Series s = kSeries.get(l);
          if (s == null) {
            s = new Series(l, numSteps);
            kSeries.put(l, s);
          }
          s.append(ts, val[si]);
        }
      }
    }
    return mat;
  }

  /**
   * Heap order of topk (a min-heap, NaN smallest) and bottomk (a max-heap, NaN largest), as {@code
   * vectorByValueHeap}/{@code vectorByReverseValueHeap}.
   */
  private static boolean less(double a, double b, boolean reverse) {
    if (Double.isNaN(a)) {
      return true;
    }
    return reverse ? a > b : a < b;
  }

  private static void siftUp(int[] h, int i, double[] val, boolean reverse) {
    while (i > 0) {
      int parent = (i - 1) / 2;
      if (!less(val[h[i]], val[h[parent]], reverse)) {
        break;
      }
      int t = h[i];
      h[i] = h[parent];
      h[parent] = t;
      i = parent;
    }
  }

  private static void siftDown(int[] h, int n, double[] val, boolean reverse) {
    int i = 0;
    while (true) {
      int l = 2 * i + 1;
      if (l >= n) {
        break;
      }
      int j = l;
      if (l + 1 < n && less(val[h[l + 1]], val[h[l]], reverse)) {
        j = l + 1;
      }
      if (!less(val[h[j]], val[h[i]], reverse)) {
        break;
      }
      int t = h[i];
      h[i] = h[j];
      h[j] = t;
      i = j;
    }
  }

  /** count_values at one step: how many samples have each value, per group. */
  static void countValues(
      AggregateExpr e,
      List<String> grouping,
      String valueLabel,
      StepVector v,
      EvalNodeHelper enh,
      StepVector out) {
    Map<Labels, int[]> counts = new LinkedHashMap<>();
    LabelsBuilder gb = new LabelsBuilder();
    for (int i = 0; i < v.size; i++) {
      Labels metric =
          enh.lb.reset(v.labels[i]).set(valueLabel, GoFloatFormat.formatF(v.values[i])).build();
      Labels key = groupingLabels(metric, grouping, e.without(), gb);
      counts.computeIfAbsent(key, k -> new int[1])[0]++;
    }
    for (Map.Entry<Labels, int[]> c : counts.entrySet()) {
      out.add(c.getKey(), enh.ts, c.getValue()[0]);
    }
  }
}
