package io.promfed.promql.parser;

import static io.promfed.promql.parser.ValueType.MATRIX;
import static io.promfed.promql.parser.ValueType.SCALAR;
import static io.promfed.promql.parser.ValueType.STRING;
import static io.promfed.promql.parser.ValueType.VECTOR;

import java.util.Collections;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;

/**
 * The signatures of all PromQL functions we parse, as in Prometheus's {@code
 * promql/parser/functions.go}. The native-histogram functions ({@code histogram_count} …) are
 * listed so that queries written for Prometheus parse; on float samples they return nothing,
 * exactly as in Prometheus. Immutable and thread-safe.
 */
public final class Functions {

  private static final Map<String, Function> FUNCTIONS;

  static {
    Map<String, Function> m = new TreeMap<>();
    for (String f :
        List.of(
            "abs",
            "acos",
            "acosh",
            "asin",
            "asinh",
            "atan",
            "atanh",
            "ceil",
            "cos",
            "cosh",
            "deg",
            "exp",
            "floor",
            "ln",
            "log10",
            "log2",
            "rad",
            "sgn",
            "sin",
            "sinh",
            "sqrt",
            "tan",
            "tanh",
            "timestamp",
            "absent",
            "sort",
            "sort_desc",
            "histogram_avg",
            "histogram_count",
            "histogram_sum",
            "histogram_stddev",
            "histogram_stdvar")) {
      add(m, f, List.of(VECTOR), 0, VECTOR, false);
    }
    for (String f :
        List.of(
            "absent_over_time",
            "avg_over_time",
            "changes",
            "count_over_time",
            "delta",
            "deriv",
            "idelta",
            "increase",
            "irate",
            "last_over_time",
            "max_over_time",
            "min_over_time",
            "present_over_time",
            "rate",
            "resets",
            "stddev_over_time",
            "stdvar_over_time",
            "sum_over_time")) {
      add(m, f, List.of(MATRIX), 0, VECTOR, false);
    }
    for (String f :
        List.of(
            "days_in_month",
            "day_of_month",
            "day_of_week",
            "day_of_year",
            "hour",
            "minute",
            "month",
            "year")) {
      add(m, f, List.of(VECTOR), 1, VECTOR, false);
    }
    add(m, "clamp", List.of(VECTOR, SCALAR, SCALAR), 0, VECTOR, false);
    add(m, "clamp_max", List.of(VECTOR, SCALAR), 0, VECTOR, false);
    add(m, "clamp_min", List.of(VECTOR, SCALAR), 0, VECTOR, false);
    add(m, "histogram_fraction", List.of(SCALAR, SCALAR, VECTOR), 0, VECTOR, false);
    add(m, "histogram_quantile", List.of(SCALAR, VECTOR), 0, VECTOR, false);
    add(m, "label_replace", List.of(VECTOR, STRING, STRING, STRING, STRING), 0, VECTOR, false);
    add(m, "label_join", List.of(VECTOR, STRING, STRING, STRING), -1, VECTOR, false);
    add(m, "pi", List.of(), 0, SCALAR, false);
    add(m, "predict_linear", List.of(MATRIX, SCALAR), 0, VECTOR, false);
    add(m, "quantile_over_time", List.of(SCALAR, MATRIX), 0, VECTOR, false);
    add(m, "round", List.of(VECTOR, SCALAR), 1, VECTOR, false);
    add(m, "scalar", List.of(VECTOR), 0, SCALAR, false);
    add(m, "time", List.of(), 0, SCALAR, false);
    add(m, "vector", List.of(SCALAR), 0, VECTOR, false);
    // Experimental in Prometheus (--enable-feature=promql-experimental-functions).
    add(m, "double_exponential_smoothing", List.of(MATRIX, SCALAR, SCALAR), 0, VECTOR, true);
    add(m, "start", List.of(), 0, SCALAR, true);
    add(m, "end", List.of(), 0, SCALAR, true);
    add(m, "first_over_time", List.of(MATRIX), 0, VECTOR, true);
    add(m, "mad_over_time", List.of(MATRIX), 0, VECTOR, true);
    add(m, "sort_by_label", List.of(VECTOR, STRING), -1, VECTOR, true);
    add(m, "sort_by_label_desc", List.of(VECTOR, STRING), -1, VECTOR, true);
    add(m, "ts_of_first_over_time", List.of(MATRIX), 0, VECTOR, true);
    add(m, "ts_of_last_over_time", List.of(MATRIX), 0, VECTOR, true);
    add(m, "ts_of_max_over_time", List.of(MATRIX), 0, VECTOR, true);
    add(m, "ts_of_min_over_time", List.of(MATRIX), 0, VECTOR, true);
    FUNCTIONS = Collections.unmodifiableMap(m);
  }

  private Functions() {}

  private static void add(
      Map<String, Function> m,
      String name,
      List<ValueType> args,
      int variadic,
      ValueType ret,
      boolean experimental) {
    m.put(name, new Function(name, args, variadic, ret, experimental));
  }

  /** The function with this name, or null. */
  public static Function get(String name) {
    return FUNCTIONS.get(name);
  }

  /** All functions by name, sorted. */
  public static Map<String, Function> all() {
    return FUNCTIONS;
  }
}
