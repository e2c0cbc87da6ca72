package io.promfed.promql;

import io.promfed.model.exposition.GoFloatFormat;
import io.promfed.model.gostrconv.GoQuote;
import io.promfed.model.labels.Labels;
import io.promfed.model.labels.LabelsBuilder;
import io.promfed.model.labels.Matcher;
import io.promfed.model.textparse.GoFloatParser;
import io.promfed.promql.parser.Call;
import io.promfed.promql.parser.Expr;
import io.promfed.promql.parser.MatrixSelector;
import io.promfed.promql.parser.StringLiteral;
import io.promfed.promql.parser.VectorSelector;
import java.time.Instant;
import java.time.LocalDate;
import java.time.ZoneOffset;
import java.time.ZonedDateTime;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Comparator;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Set;

/**
 * The implementations of PromQL's functions ({@code promql/functions.go}), float samples only.
 * Instant-vector functions work on one step's {@link StepVector}s; range-vector functions on the
 * samples of one series in one {@link RangeWindow}. Stateless; per-step state lives in the caller's
 * {@link EvalNodeHelper}.
 */
final class FunctionCalls {

  /**
   * Functions whose result can change with the evaluation time even when their arguments do not
   * ({@code AtModifierUnsafeFunctions}), so they are never evaluated only once.
   */
  static final Set<String> AT_MODIFIER_UNSAFE =
      Set.of(
          "days_in_month",
          "day_of_month",
          "day_of_week",
          "day_of_year",
          "hour",
          "minute",
          "month",
          "year",
          "predict_linear",
          "time",
          "timestamp",
          "start",
          "end");

  /** Range functions that keep the metric name; every other function drops it. */
  static boolean keepsMetricName(String fn) {
    return fn.equals("last_over_time") || fn.equals("first_over_time");
  }

  private FunctionCalls() {}

  // ===================== Range-vector functions =====================

  /** The inputs of one range-function call: one series' samples in the window, and the step. */
  static final class RangeCall {
    long[] t;
    double[] v;
    int lo;
    int hi;

    /** Evaluation time of the step. */
    long ts;

    /** Window start (exclusive) and end (inclusive) as {@code rangeStart/rangeEnd} upstream. */
    long rangeStart;

    long rangeEnd;
    long rangeMs;

    /** Values of the non-range arguments at this step, in argument order. */
    double[] scalars;

    double result;

    /** Slope and intercept of the last {@link #linearRegression}. */
    double slope;

    double intercept;

    private double[] scratch = new double[16];

    /** A reusable buffer of at least n doubles. */
    double[] scratch(int n) {
      if (scratch.length < n) {
        scratch = new double[Math.max(n, scratch.length * 2)];
      }
      return scratch;
    }
  }

  /** Evaluates a range function; false when it yields no sample for this series and step. */
  static boolean range(String fn, RangeCall c, Evaluator ev, Call call) {
    int n = c.hi - c.lo;
    switch (fn) {
      case "rate":
        return extrapolatedRate(c, true, true);
      case "increase":
        return extrapolatedRate(c, true, false);
      case "delta":
        return extrapolatedRate(c, false, false);
      case "irate":
        return instantValue(c, true);
      case "idelta":
        return instantValue(c, false);
      case "avg_over_time":
        c.result = avgOverTime(c.v, c.lo, c.hi);
        return true;
      case "sum_over_time":
        {
          double sum = 0;
          double comp = 0;
          for (int i = c.lo; i < c.hi; i++) {
            double t = sum + c.v[i];
            comp = KahanSum.compensation(sum, c.v[i], t, comp);
            sum = t;
          }
          c.result = Double.isInfinite(sum) ? sum : sum + comp;
          return true;
        }
      case "count_over_time":
        c.result = n;
        return true;
      case "max_over_time":
        c.result = compareOverTime(c, true, false);
        return true;
      case "min_over_time":
        c.result = compareOverTime(c, false, false);
        return true;
      case "ts_of_max_over_time":
        c.result = compareOverTime(c, true, true);
        return true;
      case "ts_of_min_over_time":
        c.result = compareOverTime(c, false, true);
        return true;
      case "last_over_time":
        c.result = c.v[c.hi - 1];
        return true;
      case "first_over_time":
        c.result = c.v[c.lo];
        return true;
      case "ts_of_last_over_time":
        c.result = c.t[c.hi - 1] / 1000.0;
        return true;
      case "ts_of_first_over_time":
        c.result = c.t[c.lo] / 1000.0;
        return true;
      case "present_over_time", "absent_over_time":
        c.result = 1;
        return true;
      case "quantile_over_time":
        {
          double q = c.scalars[0];
          if (Double.isNaN(q) || q < 0 || q > 1) {
            ev.annotations().warn(invalidQuantile(q), call.args().get(0).positionRange());
          }
          double[] values = c.scratch(n);
          System.arraycopy(c.v, c.lo, values, 0, n);
          c.result = Quantiles.quantile(q, values, n);
          return true;
        }
      case "stddev_over_time":
        c.result = Math.sqrt(varianceOverTime(c.v, c.lo, c.hi));
        return true;
      case "stdvar_over_time":
        c.result = varianceOverTime(c.v, c.lo, c.hi);
        return true;
      case "mad_over_time":
        {
          double[] values = c.scratch(n);
          System.arraycopy(c.v, c.lo, values, 0, n);
          for (int i = 0; i < n; i++) {
            if (Double.isNaN(values[i])) {
              c.result = Double.NaN;
              return true;
            }
          }
          double median = Quantiles.quantile(0.5, values, n);
          for (int i = 0; i < n; i++) {
            values[i] = Math.abs(values[i] - median);
          }
          c.result = Quantiles.quantile(0.5, values, n);
          return true;
        }
      case "changes":
        {
          int changes = 0;
          for (int i = c.lo + 1; i < c.hi; i++) {
            double prev = c.v[i - 1];
            double cur = c.v[i];
            if (cur != prev && !(Double.isNaN(cur) && Double.isNaN(prev))) {
              changes++;
            }
          }
          c.result = changes;
          return true;
        }
      case "resets":
        {
          int resets = 0;
          for (int i = c.lo + 1; i < c.hi; i++) {
            if (c.v[i] < c.v[i - 1]) {
              resets++;
            }
          }
          c.result = resets;
          return true;
        }
      case "deriv":
        {
          if (n < 2) {
            return false;
          }
          // Intercept at the first sample's time to avoid floating-point accuracy issues
          // (prometheus/prometheus#2674).
          linearRegression(c, c.t[c.lo]);
          c.result = c.slope;
          return true;
        }
      case "predict_linear":
        {
          if (n < 2) {
            return false;
          }
          linearRegression(c, c.ts);
          c.result = c.slope * c.scalars[0] + c.intercept;
          return true;
        }
      case "double_exponential_smoothing":
        return doubleExponentialSmoothing(c);
      default:
        throw new IllegalStateException("not a range function: " + fn);
    }
  }

  /**
   * rate, increase and delta with Prometheus's extrapolation ({@code extrapolatedRate}): the
   * increase between the first and last sample (corrected for counter resets) is extrapolated to
   * the window boundaries when the samples come close enough to them (within 1.1 average sample
   * intervals), otherwise by half an interval; a counter is never extrapolated below zero.
   */
  static boolean extrapolatedRate(RangeCall c, boolean isCounter, boolean isRate) {
    int n = c.hi - c.lo;
    if (n < 2) {
      return false;
    }
    double[] v = c.v;
    double resultFloat = v[c.hi - 1] - v[c.lo];
    if (isCounter) {
      for (int i = c.lo + 1; i < c.hi; i++) {
        if (v[i] < v[i - 1]) {
          resultFloat += v[i - 1];
        }
      }
    }
    long firstT = c.t[c.lo];
    long lastT = c.t[c.hi - 1];
    double durationToStart = (firstT - c.rangeStart) / 1000.0;
    double durationToEnd = (c.rangeEnd - lastT) / 1000.0;
    double sampledInterval = (lastT - firstT) / 1000.0;
    double averageDurationBetweenSamples = sampledInterval / (n - 1);
    double extrapolationThreshold = averageDurationBetweenSamples * 1.1;
    if (durationToStart >= extrapolationThreshold) {
      durationToStart = averageDurationBetweenSamples / 2;
    }
    if (isCounter) {
      // Counters cannot be negative: when the zero point is closer than the start, extrapolate
      // only to the zero point.
      double durationToZero = durationToStart;
      if (resultFloat > 0 && v[c.lo] >= 0) {
        durationToZero = sampledInterval * (v[c.lo] / resultFloat);
      }
      if (durationToZero < durationToStart) {
        durationToStart = durationToZero;
      }
    }
    if (durationToEnd >= extrapolationThreshold) {
      durationToEnd = averageDurationBetweenSamples / 2;
    }
    double factor = 1.0;
    if (sampledInterval != 0) {
      factor = (sampledInterval + durationToStart + durationToEnd) / sampledInterval;
    }
    if (isRate) {
      factor /= c.rangeMs / 1000.0;
    }
    c.result = resultFloat * factor;
    return true;
  }

  /** irate and idelta from the last two samples ({@code instantValue}). */
  static boolean instantValue(RangeCall c, boolean isRate) {
    if (c.hi - c.lo < 2) {
      return false;
    }
    double prev = c.v[c.hi - 2];
    double last = c.v[c.hi - 1];
    long sampledInterval = c.t[c.hi - 1] - c.t[c.hi - 2];
    if (sampledInterval == 0) {
      return false;
    }
    double result = last;
    if (!isRate || !(last < prev)) {
      result = last - prev;
    }
    if (isRate) {
      result /= sampledInterval / 1000.0;
    }
    c.result = result;
    return true;
  }

  /**
   * The mean with Kahan summation, switching to an incremental mean once the sum would overflow
   * ({@code funcAvgOverTime}).
   */
  static double avgOverTime(double[] v, int lo, int hi) {
    double sum = v[lo];
    double comp = 0;
    double count = 1;
    double mean = 0;
    boolean incremental = false;
    for (int i = lo + 1; i < hi; i++) {
      double f = v[i];
      count = i - lo + 1;
      if (!incremental) {
        double t = sum + f;
        if (!Double.isInfinite(t)) {
          comp = KahanSum.compensation(sum, f, t, comp);
          sum = t;
          continue;
        }
        incremental = true;
        mean = sum / (count - 1);
        comp /= count - 1;
      }
      double q = (count - 1) / count;
      double m = q * mean;
      double inc = f / count;
      double t = m + inc;
      comp = KahanSum.compensation(m, inc, t, q * comp);
      mean = t;
    }
    if (incremental) {
      return mean + comp;
    }
    return sum / count + comp / count;
  }

  private static double compareOverTime(RangeCall c, boolean max, boolean returnTimestamp) {
    double best = c.v[c.lo];
    long bestT = c.t[c.lo];
    for (int i = c.lo; i < c.hi; i++) {
      double cur = c.v[i];
      boolean take;
      if (returnTimestamp) {
        take = max ? (cur >= best || Double.isNaN(best)) : (cur <= best || Double.isNaN(best));
      } else {
        take = max ? (cur > best || Double.isNaN(best)) : (cur < best || Double.isNaN(best));
      }
      if (take) {
        best = cur;
        bestT = c.t[i];
      }
    }
    return returnTimestamp ? bestT / 1000.0 : best;
  }

  /**
   * Welford's variance with Kahan-compensated mean and sum of squares ({@code varianceOverTime}).
   */
  static double varianceOverTime(double[] v, int lo, int hi) {
    double count = 0;
    double mean = 0;
    double cMean = 0;
    double aux = 0;
    double cAux = 0;
    for (int i = lo; i < hi; i++) {
      double f = v[i];
      count++;
      double delta = f - (mean + cMean);
      double inc = delta / count;
      double t = mean + inc;
      cMean = KahanSum.compensation(mean, inc, t, cMean);
      mean = t;
      double inc2 = delta * (f - (mean + cMean));
      double t2 = aux + inc2;
      cAux = KahanSum.compensation(aux, inc2, t2, cAux);
      aux = t2;
    }
    return (aux + cAux) / count;
  }

  /**
   * Least-squares regression ({@code linearRegression}) with Kahan sums over the call's window;
   * sets {@link RangeCall#slope} and {@link RangeCall#intercept} at {@code interceptTime}. A
   * constant series has slope 0 (NaN when infinite).
   */
  static void linearRegression(RangeCall c, long interceptTime) {
    double[] v = c.v;
    long[] t = c.t;
    double n = 0;
    double sumX = 0;
    double cX = 0;
    double sumY = 0;
    double cY = 0;
    double sumXY = 0;
    double cXY = 0;
    double sumX2 = 0;
    double cX2 = 0;
    double initY = v[c.lo];
    boolean constY = true;
    for (int i = c.lo; i < c.hi; i++) {
      double y = v[i];
      if (constY && i > c.lo && y != initY) {
        constY = false;
      }
      n += 1.0;
      double x = (t[i] - interceptTime) / 1e3;
      double s = sumX + x;
      cX = KahanSum.compensation(sumX, x, s, cX);
      sumX = s;
      s = sumY + y;
      cY = KahanSum.compensation(sumY, y, s, cY);
      sumY = s;
      double xy = x * y;
      s = sumXY + xy;
      cXY = KahanSum.compensation(sumXY, xy, s, cXY);
      sumXY = s;
      double x2 = x * x;
      s = sumX2 + x2;
      cX2 = KahanSum.compensation(sumX2, x2, s, cX2);
      sumX2 = s;
    }
    if (constY) {
      if (Double.isInfinite(initY)) {
        c.slope = Double.NaN;
        c.intercept = Double.NaN;
      } else {
        c.slope = 0;
        c.intercept = initY;
      }
      return;
    }
    sumX += cX;
    sumY += cY;
    sumXY += cXY;
    sumX2 += cX2;
    double covXY = sumXY - sumX * sumY / n;
    double varX = sumX2 - sumX * sumX / n;
    c.slope = covXY / varX;
    c.intercept = sumY / n - c.slope * sumX / n;
  }

  private static boolean doubleExponentialSmoothing(RangeCall c) {
    double sf = c.scalars[0];
    double tf = c.scalars[1];
    if (sf <= 0 || sf >= 1) {
      throw PromQLException.execution(
          "invalid smoothing factor. Expected: 0 < sf < 1, got: "
              + String.format(Locale.ROOT, "%f", sf));
    }
    if (tf <= 0 || tf >= 1) {
      throw PromQLException.execution(
          "invalid trend factor. Expected: 0 < tf < 1, got: "
              + String.format(Locale.ROOT, "%f", tf));
    }
    int l = c.hi - c.lo;
    if (l < 2) {
      return false;
    }
    double[] v = c.v;
    double s0 = 0;
    double s1 = v[c.lo];
    double b = v[c.lo + 1] - v[c.lo];
    for (int i = 1; i < l; i++) {
      double x = sf * v[c.lo + i];
      b = i - 1 == 0 ? b : tf * (s1 - s0) + (1 - tf) * b;
      double y = (1 - sf) * (s1 + b);
      s0 = s1;
      s1 = x + y;
    }
    c.result = s1;
    return true;
  }

  static String invalidQuantile(double q) {
    return "quantile value should be between 0 and 1, got " + GoFloatFormat.formatG(q);
  }

  // ===================== Instant-vector functions =====================

  /** Evaluates a function without range-vector arguments at one step. */
  static void instant(
      Evaluator ev,
      Call call,
      List<Expr> args,
      StepVector[] in,
      EvalNodeHelper enh,
      StepVector out,
      StepState state) {
    String fn = call.function().name();
    switch (fn) {
      case "abs" -> simple(in[0], enh, out, Math::abs);
      case "ceil" -> simple(in[0], enh, out, Math::ceil);
      case "floor" -> simple(in[0], enh, out, Math::floor);
      case "exp" -> simple(in[0], enh, out, Math::exp);
      case "sqrt" -> simple(in[0], enh, out, Math::sqrt);
      case "ln" -> simple(in[0], enh, out, Math::log);
      case "log2" -> simple(in[0], enh, out, FunctionCalls::log2);
      case "log10" -> simple(in[0], enh, out, Math::log10);
      case "sin" -> simple(in[0], enh, out, Math::sin);
      case "cos" -> simple(in[0], enh, out, Math::cos);
      case "tan" -> simple(in[0], enh, out, Math::tan);
      case "asin" -> simple(in[0], enh, out, Math::asin);
      case "acos" -> simple(in[0], enh, out, Math::acos);
      case "atan" -> simple(in[0], enh, out, Math::atan);
      case "sinh" -> simple(in[0], enh, out, Math::sinh);
      case "cosh" -> simple(in[0], enh, out, Math::cosh);
      case "tanh" -> simple(in[0], enh, out, Math::tanh);
      case "asinh" -> simple(in[0], enh, out, FunctionCalls::asinh);
      case "acosh" -> simple(in[0], enh, out, FunctionCalls::acosh);
      case "atanh" -> simple(in[0], enh, out, FunctionCalls::atanh);
      case "rad" -> simple(in[0], enh, out, x -> x * Math.PI / 180);
      case "deg" -> simple(in[0], enh, out, x -> x * 180 / Math.PI);
      case "sgn" -> simple(in[0], enh, out, x -> x < 0 ? -1 : x > 0 ? 1 : x);
      case "timestamp" -> {
        StepVector v = in[0];
        for (int i = 0; i < v.size; i++) {
          out.add(enh.dropName(v.labels[i]), enh.ts, v.timestamps[i] / 1000.0);
        }
      }
      case "clamp" -> clamp(in[0], in[1].values[0], in[2].values[0], enh, out);
      case "clamp_max" -> clamp(in[0], Double.NEGATIVE_INFINITY, in[1].values[0], enh, out);
      case "clamp_min" -> clamp(in[0], in[1].values[0], Double.POSITIVE_INFINITY, enh, out);
      case "round" -> {
        double toNearest = args.size() >= 2 ? in[1].values[0] : 1;
        // The inverse causes fewer floating-point accuracy issues (as upstream).
        double inv = 1.0 / toNearest;
        simple(in[0], enh, out, x -> Math.floor(x * inv + 0.5) / inv);
      }
      case "vector" -> out.add(Labels.EMPTY, enh.ts, in[0].values[0]);
      case "scalar" ->
          out.add(Labels.EMPTY, enh.ts, in[0].size == 1 ? in[0].values[0] : Double.NaN);
      case "time" -> out.add(Labels.EMPTY, enh.ts, enh.ts / 1000.0);
      case "pi" -> out.add(Labels.EMPTY, enh.ts, Math.PI);
      // The query's start and end times; Prometheus folds them into number literals.
      case "start" -> out.add(Labels.EMPTY, enh.ts, ev.queryStartMs() / 1000.0);
      case "end" -> out.add(Labels.EMPTY, enh.ts, ev.queryEndMs() / 1000.0);
      case "absent" -> {
        if (in[0].size == 0) {
          out.add(labelsForAbsent(args.get(0)), enh.ts, 1);
        }
      }
      case "sort" -> sortByValue(in[0], out, false);
      case "sort_desc" -> sortByValue(in[0], out, true);
      case "sort_by_label" -> sortByLabel(in[0], out, stringArgs(args), false);
      case "sort_by_label_desc" -> sortByLabel(in[0], out, stringArgs(args), true);
      case "days_in_month" -> date(in, enh, out, d -> d.toLocalDate().lengthOfMonth());
      case "day_of_month" -> date(in, enh, out, ZonedDateTime::getDayOfMonth);
      case "day_of_week" -> date(in, enh, out, d -> d.getDayOfWeek().getValue() % 7);
      case "day_of_year" -> date(in, enh, out, ZonedDateTime::getDayOfYear);
      case "hour" -> date(in, enh, out, ZonedDateTime::getHour);
      case "minute" -> date(in, enh, out, ZonedDateTime::getMinute);
      case "month" -> date(in, enh, out, ZonedDateTime::getMonthValue);
      case "year" -> date(in, enh, out, ZonedDateTime::getYear);
      case "histogram_quantile" -> histogramQuantile(ev, call, in, enh, out, state);
      case "histogram_fraction" -> histogramFraction(ev, call, in, enh, out, state);
      case "histogram_avg",
          "histogram_count",
          "histogram_sum",
          "histogram_stddev",
          "histogram_stdvar" -> {
        // Only native histograms have these; float samples yield nothing, as upstream.
      }
      default -> throw new IllegalStateException("unknown function " + fn);
    }
  }

  /** Per-node reusable state of histogram_quantile/histogram_fraction. */
  static final class StepState {
    final Map<Labels, Quantiles.Buckets> buckets = new LinkedHashMap<>();
  }

  private interface DoubleFn {
    double apply(double x);
  }

  private static void simple(StepVector v, EvalNodeHelper enh, StepVector out, DoubleFn f) {
    for (int i = 0; i < v.size; i++) {
      out.add(enh.dropName(v.labels[i]), v.timestamps[i], f.apply(v.values[i]));
    }
  }

  private static void clamp(
      StepVector v, double min, double max, EvalNodeHelper enh, StepVector out) {
    if (max < min) {
      return;
    }
    for (int i = 0; i < v.size; i++) {
      out.add(
          enh.dropName(v.labels[i]), v.timestamps[i], Math.max(min, Math.min(max, v.values[i])));
    }
  }

  /** Go's {@code math.Log2}: exact for powers of two. */
  static double log2(double x) {
    if (x > 0 && !Double.isInfinite(x) && !Double.isNaN(x)) {
      int exp = Math.getExponent(x);
      if (exp >= Double.MIN_EXPONENT && x == Math.scalb(1.0, exp)) {
        return exp;
      }
    }
    return Math.log(x) / Math.log(2);
  }

  static double asinh(double x) {
    if (x == 0 || Double.isNaN(x) || Double.isInfinite(x)) {
      return x;
    }
    double a = Math.abs(x);
    double r =
        a > 1e8 ? Math.log(a) + Math.log(2) : Math.log1p(a + a * a / (1 + Math.sqrt(1 + a * a)));
    return x < 0 ? -r : r;
  }

  static double acosh(double x) {
    if (x < 1 || Double.isNaN(x)) {
      return Double.NaN;
    }
    if (x == 1) {
      return 0;
    }
    if (x > 1e8) {
      return Math.log(x) + Math.log(2);
    }
    double t = x - 1;
    return Math.log1p(t + Math.sqrt(2 * t + t * t));
  }

  static double atanh(double x) {
    if (x < -1 || x > 1 || Double.isNaN(x)) {
      return Double.NaN;
    }
    if (x == 1) {
      return Double.POSITIVE_INFINITY;
    }
    if (x == -1) {
      return Double.NEGATIVE_INFINITY;
    }
    return 0.5 * Math.log1p(2 * x / (1 - x));
  }

  private interface DateFn {
    int apply(ZonedDateTime t);
  }

  private static void date(StepVector[] in, EvalNodeHelper enh, StepVector out, DateFn f) {
    if (in.length == 0) {
      out.add(Labels.EMPTY, enh.ts, f.apply(toTime(Math.floorDiv(enh.ts, 1000))));
      return;
    }
    StepVector v = in[0];
    for (int i = 0; i < v.size; i++) {
      out.add(enh.dropName(v.labels[i]), v.timestamps[i], f.apply(toTime((long) v.values[i])));
    }
  }

  private static ZonedDateTime toTime(long epochSeconds) {
    return Instant.ofEpochSecond(epochSeconds).atZone(ZoneOffset.UTC);
  }

  static LocalDate dateOf(long epochSeconds) {
    return toTime(epochSeconds).toLocalDate();
  }

  private static void sortByValue(StepVector v, StepVector out, boolean desc) {
    Integer[] order = new Integer[v.size];
    for (int i = 0; i < v.size; i++) {
      order[i] = i;
    }
    // NaN sorts to the bottom in both directions.
    Comparator<Integer> cmp =
        (a, b) -> {
          double x = v.values[a];
          double y = v.values[b];
          boolean xn = Double.isNaN(x);
          boolean yn = Double.isNaN(y);
          if (xn || yn) {
            return Boolean.compare(xn, yn);
          }
          return desc ? Double.compare(y, x) : Double.compare(x, y);
        };
    Arrays.sort(order, cmp);
    for (int i : order) {
      out.addFrom(v, i);
    }
  }

  private static void sortByLabel(StepVector v, StepVector out, List<String> names, boolean desc) {
    Integer[] order = new Integer[v.size];
    for (int i = 0; i < v.size; i++) {
      order[i] = i;
    }
    Comparator<Integer> cmp =
        (a, b) -> {
          for (String name : names) {
            String x = v.labels[a].getOrEmpty(name);
            String y = v.labels[b].getOrEmpty(name);
            if (x.equals(y)) {
              continue;
            }
            int c = naturalLess(x, y) ? -1 : 1;
            return desc ? -c : c;
          }
          int c = v.labels[a].compareTo(v.labels[b]);
          return desc ? -c : c;
        };
    Arrays.sort(order, cmp);
    for (int i : order) {
      out.addFrom(v, i);
    }
  }

  /** Natural order of strings: digit runs compare by number ({@code facette/natsort}). */
  static boolean naturalLess(String a, String b) {
    List<String> ca = chunks(a);
    List<String> cb = chunks(b);
    for (int i = 0; i < Math.min(ca.size(), cb.size()); i++) {
      String x = ca.get(i);
      String y = cb.get(i);
      if (x.equals(y)) {
        continue;
      }
      boolean xd = Character.isDigit(x.charAt(0));
      boolean yd = Character.isDigit(y.charAt(0));
      if (xd && yd) {
        java.math.BigInteger xi = new java.math.BigInteger(x);
        java.math.BigInteger yi = new java.math.BigInteger(y);
        if (!xi.equals(yi)) {
          return xi.compareTo(yi) < 0;
        }
        continue;
      }
      return x.compareTo(y) < 0;
    }
    return ca.size() < cb.size();
  }

  private static List<String> chunks(String s) {
    List<String> out = new ArrayList<>();
    int i = 0;
    while (i < s.length()) {
      int j = i;
      boolean digit = Character.isDigit(s.charAt(i));
      while (j < s.length() && Character.isDigit(s.charAt(j)) == digit) {
        j++;
      }
      out.add(s.substring(i, j));
      i = j;
    }
    return out;
  }

  static List<String> stringArgs(List<Expr> args) {
    List<String> out = new ArrayList<>();
    for (int i = 1; i < args.size(); i++) {
      out.add(((StringLiteral) QueryContext.unwrapParens(args.get(i))).value());
    }
    return out;
  }

  /**
   * The labels of absent()/absent_over_time(): the equality matchers of the selector, except labels
   * matched more than once ({@code createLabelsForAbsentFunction}).
   */
  static Labels labelsForAbsent(Expr e) {
    e = QueryContext.unwrapParens(e);
    List<Matcher> ms;
    if (e instanceof VectorSelector vs) {
      ms = vs.matchers();
    } else if (e instanceof MatrixSelector m) {
      ms = m.vectorSelector().matchers();
    } else {
      return Labels.EMPTY;
    }
    LabelsBuilder b = new LabelsBuilder();
    Set<String> has = new HashSet<>();
    for (Matcher m : ms) {
      if (m.name().equals(Labels.METRIC_NAME)) {
        continue;
      }
      if (m.type() == Matcher.Type.EQUAL && !has.contains(m.name())) {
        b.set(m.name(), m.value());
        has.add(m.name());
      } else {
        b.delete(m.name());
      }
    }
    return b.build();
  }

  /** Groups classic-histogram buckets by their labels without {@code le}. */
  private static void collectBuckets(
      Evaluator ev, Expr vectorArg, StepVector v, EvalNodeHelper enh, StepState state) {
    for (Quantiles.Buckets b : state.buckets.values()) {
      b.clear();
    }
    GoFloatParser floats = new GoFloatParser();
    for (int i = 0; i < v.size; i++) {
      String le = v.labels[i].getOrEmpty("le");
      double upper = floats.parseGo(le);
      if (floats.status() != GoFloatParser.OK) { // Go skips the bucket on ErrSyntax and ErrRange
        ev.annotations()
            .warn(
                "bucket label \"le\" is missing or has a malformed value of " + GoQuote.quote(le),
                vectorArg.positionRange());
        continue;
      }
      Labels key = enh.dropLe(v.labels[i]);
      state.buckets.computeIfAbsent(key, k -> new Quantiles.Buckets()).add(upper, v.values[i]);
    }
  }

  private static void histogramQuantile(
      Evaluator ev,
      Call call,
      StepVector[] in,
      EvalNodeHelper enh,
      StepVector out,
      StepState state) {
    if (in[0].size == 0) {
      return;
    }
    double q = in[0].values[0];
    if (Double.isNaN(q) || q < 0 || q > 1) {
      ev.annotations().warn(invalidQuantile(q), call.args().get(0).positionRange());
    }
    collectBuckets(ev, call.args().get(1), in[1], enh, state);
    for (Map.Entry<Labels, Quantiles.Buckets> e : state.buckets.entrySet()) {
      Quantiles.Buckets b = e.getValue();
      if (b.size == 0) {
        continue;
      }
      double r = Quantiles.bucketQuantile(q, b);
      if (b.forcedMonotonic) {
        ev.annotations()
            .info(
                "input to histogram_quantile needed to be fixed for monotonicity (see"
                    + " https://prometheus.io/docs/prometheus/latest/querying/functions/#histogram_quantile)",
                call.args().get(1).positionRange());
      }
      out.add(enh.dropName(e.getKey()), enh.ts, r);
    }
  }

  private static void histogramFraction(
      Evaluator ev,
      Call call,
      StepVector[] in,
      EvalNodeHelper enh,
      StepVector out,
      StepState state) {
    if (in[0].size == 0 || in[1].size == 0) {
      return;
    }
    double lower = in[0].values[0];
    double upper = in[1].values[0];
    collectBuckets(ev, call.args().get(2), in[2], enh, state);
    for (Map.Entry<Labels, Quantiles.Buckets> e : state.buckets.entrySet()) {
      Quantiles.Buckets b = e.getValue();
      if (b.size == 0) {
        continue;
      }
      out.add(enh.dropName(e.getKey()), enh.ts, Quantiles.bucketFraction(lower, upper, b));
    }
  }
}
