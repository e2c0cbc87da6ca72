package io.promfed.promql;

import com.google.re2j.Pattern;
import com.google.re2j.PatternSyntaxException;
import io.promfed.model.gostrconv.GoQuote;
import io.promfed.model.labels.Labels;
import io.promfed.model.labels.LabelsBuilder;
import io.promfed.promql.parser.AggregateExpr;
import io.promfed.promql.parser.BinaryExpr;
import io.promfed.promql.parser.Call;
import io.promfed.promql.parser.Expr;
import io.promfed.promql.parser.ItemType;
import io.promfed.promql.parser.MatrixSelector;
import io.promfed.promql.parser.NumberLiteral;
import io.promfed.promql.parser.ParenExpr;
import io.promfed.promql.parser.StringLiteral;
import io.promfed.promql.parser.SubqueryExpr;
import io.promfed.promql.parser.UnaryExpr;
import io.promfed.promql.parser.ValueType;
import io.promfed.promql.parser.VectorMatching;
import io.promfed.promql.parser.VectorSelector;
import io.promfed.storage.SeriesCursor;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HashMap;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * Evaluates an expression at every step of {@code [start, end]} ({@code promql.evaluator}).
 *
 * <p>As in Prometheus, every node evaluates to a matrix holding one point per step for each output
 * series (an instant query is a range of one step); functions over range vectors read each series
 * through a sliding {@link RangeWindow}. Subqueries and step-invariant sub-trees run in child
 * evaluators with their own time range. The number of samples held is tracked in {@link
 * #currentSamples} and checked against the limit, with Prometheus's accounting. Not thread-safe.
 */
final class Evaluator {

  /** The {@code env} of Prometheus's sample-limit error. */
  private static final String TOO_MANY_SAMPLES =
      "query processing would load too many samples into memory in query execution";

  private static final String EVAL = "expression evaluation";

  private final QueryContext q;
  final long start;
  final long end;
  final long interval;
  int currentSamples;

  Evaluator(QueryContext q, long start, long end, long interval, int currentSamples) {
    this.q = q;
    this.start = start;
    this.end = end;
    this.interval = interval;
    this.currentSamples = currentSamples;
  }

  Annotations annotations() {
    return q.annotations;
  }

  long queryStartMs() {
    return q.startMs;
  }

  long queryEndMs() {
    return q.endMs;
  }

  private int numSteps() {
    return (int) ((end - start) / interval) + 1;
  }

  private void checkSamples() {
    if (currentSamples > q.maxSamples) {
      throw PromQLException.execution(TOO_MANY_SAMPLES);
    }
  }

  @SuppressWarnings("unchecked")
  static List<Series> matrix(Object v) {
    return (List<Series>) v;
  }

  static int totalSamples(List<Series> m) {
    int n = 0;
    for (Series s : m) {
      n += s.size();
    }
    return n;
  }

  /**
   * Evaluates {@code e}: a {@code List<Series>} for every type but strings ({@link StringValue}).
   */
  Object eval(Expr e) {
    q.checkDone(EVAL);
    if (end < start) {
      return new ArrayList<Series>();
    }
    if (q.isStepInvariant(e)) {
      return evalStepInvariant(e);
    }
    return evalNode(e);
  }

  private Object evalNode(Expr e) {
    if (e instanceof AggregateExpr a) {
      return evalAggregate(a);
    }
    if (e instanceof Call c) {
      return evalCall(c);
    }
    if (e instanceof ParenExpr p) {
      return eval(p.expr());
    }
    if (e instanceof UnaryExpr u) {
      return evalUnary(u);
    }
    if (e instanceof BinaryExpr b) {
      return evalBinary(b);
    }
    if (e instanceof NumberLiteral n) {
      return rangeEval(null, (in, enh, out) -> out.add(Labels.EMPTY, enh.ts, n.value()));
    }
    if (e instanceof StringLiteral s) {
      return new StringValue(start, s.value());
    }
    if (e instanceof VectorSelector vs) {
      return evalVectorSelector(vs);
    }
    if (e instanceof MatrixSelector m) {
      if (start != end) {
        throw new IllegalStateException("cannot do range evaluation of matrix selector");
      }
      return evalMatrixSelector(m);
    }
    if (e instanceof SubqueryExpr sq) {
      return runSubquery(sq);
    }
    throw new IllegalStateException("unhandled expression " + e);
  }

  // ---------------------------------------------------------------- rangeEval

  /** One step of a node: reads the operands' vectors at {@code enh.ts} and appends to out. */
  interface StepFn {
    void apply(StepVector[] in, EvalNodeHelper enh, StepVector out);
  }

  /**
   * Evaluates the operands, then calls {@code fn} once per step with their vectors at that step,
   * and assembles the outputs into series ({@code rangeEval}). With {@code matching}, each sample
   * carries its vector-matching signature. String operands are not evaluated.
   */
  List<Series> rangeEval(VectorMatching matching, StepFn fn, Expr... exprs) {
    int numSteps = numSteps();
    int originalNumSamples = currentSamples;
    List<List<Series>> matrices = new ArrayList<>(exprs.length);
    for (Expr e : exprs) {
      if (e == null || e.type() == ValueType.STRING) {
        matrices.add(List.of());
        continue;
      }
      matrices.add(matrix(eval(e)));
    }
    int biggest = 1;
    StepVector[] vectors = new StepVector[exprs.length];
    int[][] positions = new int[exprs.length][];
    for (int i = 0; i < exprs.length; i++) {
      biggest = Math.max(biggest, matrices.get(i).size());
      vectors[i] = new StepVector(matrices.get(i).size());
      positions[i] = new int[matrices.get(i).size()];
    }
    EvalNodeHelper enh = new EvalNodeHelper();
    int[][] sigs = null;
    if (matching != null) {
      sigs = signatures(matching, matrices, enh);
    }
    StepVector out = new StepVector(biggest);
    Map<Labels, Series> seriess = new LinkedHashMap<>();
    int tempNumSamples = currentSamples;
    for (long ts = start; ts <= end; ts += interval) {
      q.checkDone(EVAL);
      currentSamples = tempNumSamples;
      for (int i = 0; i < exprs.length; i++) {
        gather(ts, matrices.get(i), positions[i], vectors[i], sigs == null ? null : sigs[i]);
      }
      enh.ts = ts;
      out.clear();
      fn.apply(vectors, enh, out);
      currentSamples += out.size;
      tempNumSamples += out.size;
      checkSamples();
      if (start == end) {
        // An instant query: keep the output order (sort(), topk()) and skip the map.
        if (out.size > 1) {
          Set<Labels> seen = new HashSet<>();
          for (int i = 0; i < out.size; i++) {
            if (!seen.add(out.labels[i])) {
              throw PromQLException.execution(
                  "vector cannot contain metrics with the same labelset");
            }
          }
        }
        List<Series> mat = new ArrayList<>(out.size);
        for (int i = 0; i < out.size; i++) {
          Series s = new Series(out.labels[i], 1);
          s.append(ts, out.values[i]);
          mat.add(s);
        }
        currentSamples = originalNumSamples + out.size;
        return mat;
      }
      for (int i = 0; i < out.size; i++) {
        Series s = seriess.get(out.labels[i]);
        if (s == null) {
          s = new Series(out.labels[i], numSteps);
          seriess.put(out.labels[i], s);
        } else if (s.size() > 0 && s.timestampMs(s.size() - 1) == ts) {
          throw PromQLException.execution("vector cannot contain metrics with the same labelset");
        }
        s.append(ts, out.values[i]);
      }
    }
    List<Series> mat = new ArrayList<>(seriess.values());
    currentSamples = originalNumSamples + totalSamples(mat);
    return mat;
  }

  /** Collects the points at {@code ts} of a matrix into a step vector ({@code gatherVector}). */
  private void gather(long ts, List<Series> mat, int[] pos, StepVector out, int[] sigs) {
    out.clear();
    for (int si = 0; si < mat.size(); si++) {
      Series s = mat.get(si);
      int p = pos[si];
      if (p < s.size() && s.timestampMs(p) == ts) {
        out.add(s.labels(), ts, s.value(p), sigs == null ? 0 : sigs[si]);
        pos[si] = p + 1;
        currentSamples++;
        checkSamples();
      }
    }
  }

  /**
   * Assigns each series of the operands an ordinal of its matching signature: the {@code on}
   * labels, or all labels but the {@code ignoring} ones and {@code __name__}.
   */
  private static int[][] signatures(
      VectorMatching matching, List<List<Series>> matrices, EvalNodeHelper enh) {
    Map<Labels, Integer> ordinals = new HashMap<>();
    Set<String> names = new HashSet<>(matching.matchingLabels());
    if (!matching.on()) {
      names.add(Labels.METRIC_NAME);
    }
    LabelsBuilder b = new LabelsBuilder();
    int[][] sigs = new int[matrices.size()][];
    for (int i = 0; i < matrices.size(); i++) {
      List<Series> m = matrices.get(i);
      sigs[i] = new int[m.size()];
      for (int si = 0; si < m.size(); si++) {
        Labels l = m.get(si).labels();
        b.reset();
        for (int k = 0; k < l.size(); k++) {
          if (names.contains(l.name(k)) == matching.on()) {
            b.set(l.name(k), l.value(k));
          }
        }
        Labels sig = b.build();
        Integer ord = ordinals.get(sig);
        if (ord == null) {
          ord = ordinals.size();
          ordinals.put(sig, ord);
        }
        sigs[i][si] = ord;
      }
    }
    enh.numSigs = ordinals.size();
    return sigs;
  }

  // ---------------------------------------------------------------- step invariance

  /**
   * Evaluates a step-invariant sub-tree once at the start time and repeats the result at every step
   * ({@code StepInvariantExpr}); range selectors and subqueries are returned as they are.
   */
  private Object evalStepInvariant(Expr e) {
    Evaluator child = new Evaluator(q, start, start, interval, currentSamples);
    Object res = child.evalNode(e);
    currentSamples = child.currentSamples;
    Expr inner = QueryContext.unwrapParens(e);
    if (inner instanceof MatrixSelector
        || inner instanceof SubqueryExpr
        || !(res instanceof List)) {
      return res;
    }
    List<Series> mat = matrix(res);
    if (start == end) {
      return mat;
    }
    List<Series> out = new ArrayList<>(mat.size());
    int numSteps = numSteps();
    for (Series s : mat) {
      if (s.size() != 1) {
        throw new IllegalStateException("unexpected number of samples");
      }
      Series d = new Series(s.labels(), numSteps);
      double v = s.value(0);
      d.append(start, v);
      for (long ts = start + interval; ts <= end; ts += interval) {
        d.append(ts, v);
        currentSamples++;
        checkSamples();
      }
      out.add(d);
    }
    return out;
  }

  // ---------------------------------------------------------------- selectors

  /** Evaluates an instant selector at every step with the lookback delta ({@code evalSeries}). */
  private List<Series> evalVectorSelector(VectorSelector vs) {
    List<QueryContext.Selected> selected = q.select(vs);
    long offset = q.offset(vs);
    int numSteps = numSteps();
    List<Series> mat = new ArrayList<>(selected.size());
    for (QueryContext.Selected sel : selected) {
      q.checkDone(EVAL);
      LookbackCursor c = new LookbackCursor(sel.cursor());
      Series ss = null;
      for (long ts = start; ts <= end; ts += interval) {
        if (!c.find(ts - offset, q.lookbackMs)) {
          continue;
        }
        currentSamples++;
        checkSamples();
        if (ss == null) {
          ss = new Series(sel.labels(), numSteps);
        }
        ss.append(ts, c.v);
      }
      if (ss != null) {
        mat.add(ss);
      }
    }
    return mat;
  }

  /** A range selector at the top of an instant query: the raw samples of the window. */
  private List<Series> evalMatrixSelector(MatrixSelector m) {
    VectorSelector vs = m.vectorSelector();
    long offset = q.offset(vs);
    long maxt = start - offset;
    long mint = maxt - m.rangeMs();
    List<Series> mat = new ArrayList<>();
    RangeWindow w = new RangeWindow();
    for (QueryContext.Selected sel : q.select(vs)) {
      q.checkDone(EVAL);
      w.reset(sel.cursor());
      currentSamples += w.advance(mint, maxt);
      checkSamples();
      if (w.size() > 0) {
        long[] t = Arrays.copyOfRange(w.t, w.lo, w.hi);
        double[] v = Arrays.copyOfRange(w.v, w.lo, w.hi);
        mat.add(new Series(sel.labels(), t, v, t.length));
      }
    }
    return mat;
  }

  // ---------------------------------------------------------------- subqueries

  /**
   * Evaluates a subquery's inner expression on the subquery's own step grid, aligned to multiples
   * of the step ({@code subqueryTimeRange}, {@code runSubquery}).
   */
  List<Series> runSubquery(SubqueryExpr e) {
    long offset = q.offset(e);
    long range = e.rangeMs();
    long parentEnd = end;
    if (interval > 0) {
      parentEnd = start + ((end - start) / interval) * interval;
    }
    long subEnd = parentEnd - offset;
    long step = e.stepMs() != 0 ? e.stepMs() : q.noStepSubqueryIntervalMs;
    // The first step-aligned time after start - offset - range (Go integer division).
    long subStart = step * ((start - offset - range) / step);
    if (subStart <= start - offset - range) {
      subStart += step;
    }
    Evaluator child = new Evaluator(q, subStart, subEnd, step, currentSamples);
    if (subStart != start) {
      q.setOffsetsForAtModifier(subStart, e.expr());
    }
    Object res = child.eval(e.expr());
    currentSamples = child.currentSamples;
    return matrix(res);
  }

  // ---------------------------------------------------------------- unary / binary

  private List<Series> evalUnary(UnaryExpr u) {
    List<Series> mat = matrix(eval(u.expr()));
    if (u.op() != ItemType.SUB) {
      return mat;
    }
    List<Series> out = new ArrayList<>(mat.size());
    Map<Labels, Labels> dropped = new HashMap<>();
    for (Series s : mat) {
      s.negate();
      Labels l = s.labels();
      if (l.has(Labels.METRIC_NAME)) {
        l = dropped.computeIfAbsent(l, Labels::withoutMetricName);
        s = s.withLabels(l);
      }
      out.add(s);
    }
    return mergeSeriesWithSameLabelset(out);
  }

  /**
   * Merges series that have the same labels after {@code __name__} was dropped, when their
   * timestamps do not overlap; fails otherwise ({@code mergeSeriesWithSameLabelset}).
   */
  static List<Series> mergeSeriesWithSameLabelset(List<Series> mat) {
    if (mat.size() <= 1) {
      return mat;
    }
    Set<Labels> seen = new HashSet<>();
    boolean dup = false;
    for (Series s : mat) {
      if (!seen.add(s.labels())) {
        dup = true;
        break;
      }
    }
    if (!dup) {
      return mat;
    }
    Map<Labels, List<Series>> byLabels = new LinkedHashMap<>();
    for (Series s : mat) {
      byLabels.computeIfAbsent(s.labels(), k -> new ArrayList<>()).add(s);
    }
    List<Series> out = new ArrayList<>(byLabels.size());
    for (Map.Entry<Labels, List<Series>> e : byLabels.entrySet()) {
      if (e.getValue().size() == 1) {
        out.add(e.getValue().get(0));
        continue;
      }
      int n = 0;
      for (Series s : e.getValue()) {
        n += s.size();
      }
      long[][] pts = new long[n][];
      double[] vals = new double[n];
      long[] ts = new long[n];
      Integer[] order = new Integer[n];
      int k = 0;
      for (Series s : e.getValue()) {
        for (int i = 0; i < s.size(); i++) {
          ts[k] = s.timestampMs(i);
          vals[k] = s.value(i);
          order[k] = k;
          k++;
        }
      }
      Arrays.sort(order, (a, b) -> Long.compare(ts[a], ts[b]));
      Series merged = new Series(e.getKey(), n);
      for (int i = 0; i < n; i++) {
        if (i > 0 && ts[order[i]] == ts[order[i - 1]]) {
          throw PromQLException.execution("vector cannot contain metrics with the same labelset");
        }
        merged.append(ts[order[i]], vals[order[i]]);
      }
      out.add(merged);
    }
    return out;
  }

  private List<Series> evalBinary(BinaryExpr e) {
    ValueType lt = e.lhs().type();
    ValueType rt = e.rhs().type();
    ItemType op = e.op();
    if (lt == ValueType.SCALAR && rt == ValueType.SCALAR) {
      return rangeEval(
          null,
          (in, enh, out) ->
              out.add(
                  Labels.EMPTY,
                  enh.ts,
                  BinaryOps.scalarBinop(op, in[0].values[0], in[1].values[0])),
          e.lhs(),
          e.rhs());
    }
    if (lt == ValueType.VECTOR && rt == ValueType.VECTOR) {
      VectorMatching vm = e.vectorMatching();
      StepFn fn =
          switch (op) {
            case LAND -> (in, enh, out) -> BinaryOps.and(in[0], in[1], enh, out);
            case LOR -> (in, enh, out) -> BinaryOps.or(in[0], in[1], enh, out);
            case LUNLESS -> (in, enh, out) -> BinaryOps.unless(in[0], in[1], enh, out);
            default ->
                (in, enh, out) ->
                    BinaryOps.vectorBinop(op, in[0], in[1], vm, e.returnBool(), enh, out);
          };
      return rangeEval(vm, fn, e.lhs(), e.rhs());
    }
    if (lt == ValueType.VECTOR) {
      return rangeEval(
          null,
          (in, enh, out) ->
              BinaryOps.vectorScalarBinop(
                  op, in[0], in[1].values[0], false, e.returnBool(), enh, out),
          e.lhs(),
          e.rhs());
    }
    return rangeEval(
        null,
        (in, enh, out) ->
            BinaryOps.vectorScalarBinop(op, in[1], in[0].values[0], true, e.returnBool(), enh, out),
        e.lhs(),
        e.rhs());
  }

  // ---------------------------------------------------------------- functions

  private Object evalCall(Call e) {
    String name = e.function().name();
    List<Expr> args = new ArrayList<>(e.args().size());
    for (Expr a : e.args()) {
      args.add(QueryContext.unwrapParens(a));
    }
    if (name.equals("timestamp") && args.get(0) instanceof VectorSelector vs) {
      // timestamp() of a selector reports the sample's own time, not the step's.
      return evalTimestampOfSelector(vs);
    }
    int matrixArg = -1;
    for (int i = 0; i < args.size(); i++) {
      if (args.get(i) instanceof MatrixSelector || args.get(i) instanceof SubqueryExpr) {
        matrixArg = i;
        break;
      }
    }
    if (name.equals("label_replace")) {
      return evalLabelReplace(args);
    }
    if (name.equals("label_join")) {
      return evalLabelJoin(args);
    }
    if ((name.equals("sort")
            || name.equals("sort_desc")
            || name.equals("sort_by_label")
            || name.equals("sort_by_label_desc"))
        && start != end) {
      q.annotations.warn(
          "sort is ineffective for range queries since results are always ordered by labels",
          e.positionRange());
    }
    if (matrixArg < 0) {
      FunctionCalls.StepState state = new FunctionCalls.StepState();
      return rangeEval(
          null,
          (in, enh, out) -> FunctionCalls.instant(this, e, args, in, enh, out, state),
          args.toArray(new Expr[0]));
    }
    return evalRangeFunction(e, name, args, matrixArg);
  }

  /**
   * A function over a range vector: one series at a time, slide the window over the steps and call
   * the function on the samples in it. Series are read from storage for a range selector and from
   * the evaluated matrix for a subquery ({@code evalSubquery}).
   */
  private List<Series> evalRangeFunction(Call e, String name, List<Expr> args, int matrixArg) {
    Expr arg = args.get(matrixArg);
    List<Labels> labels = new ArrayList<>();
    List<SeriesCursor> cursors = new ArrayList<>();
    long offset;
    long rangeMs;
    boolean fixedAt;
    int subquerySamples = 0;
    if (arg instanceof MatrixSelector m) {
      VectorSelector vs = m.vectorSelector();
      for (QueryContext.Selected s : q.select(vs)) {
        labels.add(s.labels());
        cursors.add(s.cursor());
      }
      offset = q.offset(vs);
      rangeMs = m.rangeMs();
      fixedAt = q.atTime(vs) != null;
    } else {
      SubqueryExpr sq = (SubqueryExpr) arg;
      List<Series> mat = runSubquery(sq);
      subquerySamples = totalSamples(mat);
      for (Series s : mat) {
        labels.add(s.labels());
        cursors.add(new ArrayCursor(s));
      }
      Long at = q.atTime(sq);
      offset = at != null ? sq.offsetMs() + (start - at) : q.offset(sq);
      rangeMs = sq.rangeMs();
      fixedAt = at != null;
    }
    // The other arguments are scalars, evaluated at every step.
    List<List<Series>> scalarArgs = new ArrayList<>();
    for (int i = 0; i < args.size(); i++) {
      if (i != matrixArg) {
        scalarArgs.add(matrix(eval(args.get(i))));
      }
    }
    int numSteps = numSteps();
    boolean keepName = FunctionCalls.keepsMetricName(name);
    FunctionCalls.RangeCall c = new FunctionCalls.RangeCall();
    c.scalars = new double[scalarArgs.size()];
    c.rangeMs = rangeMs;
    RangeWindow w = new RangeWindow();
    List<Series> mat = new ArrayList<>(labels.size());
    for (int si = 0; si < labels.size(); si++) {
      q.checkDone(EVAL);
      currentSamples -= w.size();
      w.reset(cursors.get(si));
      Labels metric = keepName ? labels.get(si) : labels.get(si).withoutMetricName();
      Series ss = null;
      int step = -1;
      for (long ts = start; ts <= end; ts += interval) {
        step++;
        for (int j = 0; j < scalarArgs.size(); j++) {
          List<Series> sa = scalarArgs.get(j);
          c.scalars[j] = sa.isEmpty() ? Double.NaN : sa.get(0).value(step);
        }
        if (ts == start || !fixedAt) {
          // With @, the window is read once and reused at every step.
          long maxt = ts - offset;
          currentSamples += w.advance(maxt - rangeMs, maxt);
          checkSamples();
        }
        if (w.size() == 0) {
          continue;
        }
        c.t = w.t;
        c.v = w.v;
        c.lo = w.lo;
        c.hi = w.hi;
        c.ts = ts;
        c.rangeStart = ts - (rangeMs + offset);
        c.rangeEnd = ts - offset;
        if (FunctionCalls.range(name, c, this, e)) {
          if (ss == null) {
            ss = new Series(metric, numSteps);
          }
          ss.append(ts, c.result);
        }
      }
      if (ss != null) {
        if (currentSamples + ss.size() > q.maxSamples) {
          throw PromQLException.execution(TOO_MANY_SAMPLES);
        }
        mat.add(ss);
        currentSamples += ss.size();
      }
      if (name.equals("rate") || name.equals("increase")) {
        String metricName = labels.get(si).metricName();
        if (metricName != null
            && ss != null
            && !metricName.endsWith("_total")
            && !metricName.endsWith("_sum")
            && !metricName.endsWith("_count")
            && !metricName.endsWith("_bucket")) {
          q.annotations.info(
              "metric might not be a counter, name does not end in _total/_sum/_count/_bucket: "
                  + GoQuote.quote(metricName),
              e.args().get(0).positionRange());
        }
      }
    }
    currentSamples -= w.size();
    currentSamples -= subquerySamples;
    if (name.equals("absent_over_time")) {
      return absentOverTime(mat, args.get(0), numSteps);
    }
    Set<Labels> seen = new HashSet<>();
    for (Series s : mat) {
      if (!seen.add(s.labels())) {
        throw PromQLException.execution("vector cannot contain metrics with the same labelset");
      }
    }
    return mat;
  }

  /** absent_over_time: 1 at the steps where no series had a sample in its window. */
  private List<Series> absentOverTime(List<Series> mat, Expr arg, int steps) {
    for (Series s : mat) {
      if (s.size() == steps) {
        return new ArrayList<>();
      }
    }
    Set<Long> found = new HashSet<>();
    for (Series s : mat) {
      for (int i = 0; i < s.size(); i++) {
        found.add(s.timestampMs(i));
      }
    }
    if (found.size() == steps) {
      return new ArrayList<>();
    }
    Series out = new Series(FunctionCalls.labelsForAbsent(arg), steps - found.size());
    for (long ts = start; ts <= end; ts += interval) {
      if (!found.contains(ts)) {
        out.append(ts, 1);
      }
    }
    List<Series> res = new ArrayList<>(1);
    res.add(out);
    return res;
  }

  /**
   * timestamp() of an instant selector: the time of the sample the lookback found, not the step
   * time ({@code rangeEvalTimestampFunctionOverVectorSelector}).
   */
  private List<Series> evalTimestampOfSelector(VectorSelector vs) {
    List<QueryContext.Selected> selected = q.select(vs);
    LookbackCursor[] cursors = new LookbackCursor[selected.size()];
    for (int i = 0; i < cursors.length; i++) {
      cursors[i] = new LookbackCursor(selected.get(i).cursor());
    }
    Long at = q.atTime(vs);
    return rangeEval(
        null,
        (in, enh, out) -> {
          // With @, each step looks at the @ time (prometheus/prometheus#8433).
          long offset = at != null ? enh.ts - at : q.offset(vs);
          for (int i = 0; i < cursors.length; i++) {
            if (!cursors[i].find(enh.ts - offset, q.lookbackMs)) {
              continue;
            }
            currentSamples++;
            checkSamples();
            out.add(enh.dropName(selected.get(i).labels()), enh.ts, cursors[i].t / 1000.0);
          }
        });
  }

  private static String stringArg(Expr e) {
    return ((StringLiteral) QueryContext.unwrapParens(e)).value();
  }

  private List<Series> evalLabelReplace(List<Expr> args) {
    String dst = stringArg(args.get(1));
    String repl = stringArg(args.get(2));
    String src = stringArg(args.get(3));
    String regexStr = stringArg(args.get(4));
    Pattern regex;
    try {
      regex = Pattern.compile("^(?s:" + regexStr + ")$");
    } catch (PatternSyntaxException ex) {
      throw PromQLException.execution("invalid regular expression in label_replace(): " + regexStr);
    }
    if (dst.isEmpty()) {
      throw PromQLException.execution("invalid destination label name in label_replace(): " + dst);
    }
    List<Series> mat = matrix(eval(args.get(0)));
    List<Series> out = new ArrayList<>(mat.size());
    for (Series s : mat) {
      String srcVal = s.labels().getOrEmpty(src);
      com.google.re2j.Matcher m = regex.matcher(srcVal);
      if (m.matches()) {
        String res = expandTemplate(repl, m, regex);
        s = s.withLabels(s.labels().toBuilder().set(dst, res).build());
      }
      out.add(s);
    }
    return mergeSeriesWithSameLabelset(out);
  }

  /** Go's {@code Regexp.ExpandString}: {@code $1}, {@code ${1}}, {@code $name}, {@code $$}. */
  static String expandTemplate(String template, com.google.re2j.Matcher m, Pattern p) {
    StringBuilder dst = new StringBuilder();
    int i = 0;
    while (i < template.length()) {
      int dollar = template.indexOf('$', i);
      if (dollar < 0) {
        break;
      }
      dst.append(template, i, dollar);
      i = dollar + 1;
      if (i < template.length() && template.charAt(i) == '$') {
        dst.append('$');
        i++;
        continue;
      }
      // extract(): a name or {name} of letters, digits and underscores.
      int j = i;
      boolean brace = false;
      if (j < template.length() && template.charAt(j) == '{') {
        brace = true;
        j++;
      }
      int nameStart = j;
      while (j < template.length()) {
        int cp = template.codePointAt(j);
        if (!Character.isLetter(cp) && !Character.isDigit(cp) && cp != '_') {
          break;
        }
        j += Character.charCount(cp);
      }
      if (j == nameStart || (brace && (j >= template.length() || template.charAt(j) != '}'))) {
        dst.append('$'); // Malformed: the $ is literal.
        continue;
      }
      String name = template.substring(nameStart, j);
      i = brace ? j + 1 : j;
      int num = -1;
      if (name.chars().allMatch(ch -> ch >= '0' && ch <= '9')
          && !(name.length() > 1 && name.charAt(0) == '0')
          && name.length() <= 8) {
        num = Integer.parseInt(name);
      }
      if (num >= 0) {
        if (num <= m.groupCount()) {
          String g = m.group(num);
          if (g != null) {
            dst.append(g);
          }
        }
      } else {
        Integer idx = p.namedGroups().get(name);
        if (idx != null) {
          String g = m.group(idx);
          if (g != null) {
            dst.append(g);
          }
        }
      }
    }
    if (i < template.length()) {
      dst.append(template, i, template.length());
    }
    return dst.toString();
  }

  private List<Series> evalLabelJoin(List<Expr> args) {
    String dst = stringArg(args.get(1));
    String sep = stringArg(args.get(2));
    List<String> srcLabels = new ArrayList<>();
    for (int i = 3; i < args.size(); i++) {
      String src = stringArg(args.get(i));
      if (src.isEmpty()) {
        throw PromQLException.execution("invalid source label name in label_join(): " + src);
      }
      srcLabels.add(src);
    }
    if (dst.isEmpty()) {
      throw PromQLException.execution("invalid destination label name in label_join(): " + dst);
    }
    List<Series> mat = matrix(eval(args.get(0)));
    List<Series> out = new ArrayList<>(mat.size());
    for (Series s : mat) {
      StringBuilder sb = new StringBuilder();
      for (int i = 0; i < srcLabels.size(); i++) {
        if (i > 0) {
          sb.append(sep);
        }
        sb.append(s.labels().getOrEmpty(srcLabels.get(i)));
      }
      out.add(s.withLabels(s.labels().toBuilder().set(dst, sb.toString()).build()));
    }
    return mergeSeriesWithSameLabelset(out);
  }

  // ---------------------------------------------------------------- aggregations

  private List<Series> evalAggregate(AggregateExpr e) {
    List<String> grouping = new ArrayList<>(e.grouping());
    grouping.sort(null);
    if (e.op() == ItemType.COUNT_VALUES) {
      StringLiteral valueLabel = (StringLiteral) QueryContext.unwrapParens(e.param());
      if (valueLabel.value().isEmpty()) {
        throw PromQLException.execution("invalid label name " + valueLabel);
      }
      if (!e.without()) {
        grouping.add(valueLabel.value());
        grouping.sort(null);
      }
      return rangeEval(
          null,
          (in, enh, out) ->
              Aggregations.countValues(e, grouping, valueLabel.value(), in[0], enh, out),
          e.expr());
    }
    int originalNumSamples = currentSamples;
    double[] params = null;
    if (e.param() != null) {
      params = evalParams(e.param());
    }
    List<Series> input = matrix(eval(e.expr()));
    List<Series> result = new Aggregations(this, q, e, grouping, input, params).run();
    currentSamples = originalNumSamples + totalSamples(result);
    return result;
  }

  /** The value of an aggregation parameter at every step ({@code newFParams}). */
  private double[] evalParams(Expr param) {
    int numSteps = numSteps();
    double[] out = new double[numSteps];
    Expr p = QueryContext.unwrapParens(param);
    if (p instanceof NumberLiteral n) {
      Arrays.fill(out, n.value());
      return out;
    }
    List<Series> m = matrix(eval(p));
    Arrays.fill(out, Double.NaN);
    if (!m.isEmpty()) {
      Series s = m.get(0);
      for (int i = 0; i < s.size(); i++) {
        int step = (int) ((s.timestampMs(i) - start) / interval);
        out[step] = s.value(i);
      }
    }
    return out;
  }

  /** Resets the in-memory sample count at the start of an aggregation step. */
  void setSamples(int n) {
    currentSamples = n;
  }

  /** Throws on timeout or cancellation. */
  void checkDone() {
    q.checkDone(EVAL);
  }

  /** Throws when the query holds more samples than allowed. */
  void checkSampleLimit() {
    checkSamples();
  }
}
