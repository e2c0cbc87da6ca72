package io.promfed.promql;

import io.promfed.model.exposition.GoFloatFormat;
import io.promfed.model.gostrconv.GoQuote;
import io.promfed.model.labels.Labels;
import io.promfed.model.textparse.GoFloatParser;
import io.promfed.model.time.Durations;
import io.promfed.model.value.StaleNaN;
import io.promfed.promql.parser.Parser;
import io.promfed.storage.StorageException;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.DynamicTest;

/**
 * Runs PromQL test scripts in the language of Prometheus's {@code promql/promqltest} ({@code load},
 * {@code clear}, {@code eval instant at …}, {@code eval range from … to … step …}, {@code expect …}
 * lines, {@code eval_fail}/{@code eval_warn}/{@code eval_info}/{@code eval_ordered}), turning each
 * {@code eval} into a JUnit dynamic test named {@code file:line expr}.
 *
 * <p>As upstream, an instant evaluation is also run as a range query around its time and the middle
 * step must give the same result, which exercises the range-evaluation paths with every instant
 * case. Each eval sees a snapshot of the data loaded before it.
 */
final class ScriptRunner {

  private static final Pattern SPACE = Pattern.compile("[\t ]+");
  private static final Pattern LOAD = Pattern.compile("^load\\s+(.+?)$");
  private static final Pattern EVAL_INSTANT =
      Pattern.compile(
          "^eval(?:_(fail|warn|ordered|info))?\\s+instant\\s+(?:at\\s+(.+?))?\\s+(.+)$");
  private static final Pattern EVAL_RANGE =
      Pattern.compile(
          "^eval(?:_(fail|warn|info))?\\s+range\\s+from\\s+(.+)\\s+to\\s+(.+)\\s+step\\s+(.+?)\\s+(.+)$");
  private static final Pattern EXPECT =
      Pattern.compile(
          "^expect\\s+(ordered|fail|warn|no_warn|info|no_info)(?:\\s+(regex|msg):(.+))?$");
  private static final Pattern EXPECT_RANGE =
      Pattern.compile("^expect range vector\\s+from\\s+(.+)\\s+to\\s+(.+)\\s+step\\s+(.+)$");
  private static final Pattern QUERY_CONTEXT_FUNCS =
      Pattern.compile("(start|end|range|step)\\(\\)");
  private static final double EPSILON = 0.000001;

  private ScriptRunner() {}

  /** One {@code expect} line: a type and an optional exact message or regex. */
  private record Expect(String type, String message, Pattern regex) {
    boolean matches(String s) {
      if (message != null) {
        return message.equals(s);
      }
      return regex == null || regex.matcher(s).find();
    }

    @Override
    public String toString() {
      return message != null ? "msg: " + message : "regex: " + (regex == null ? ".*" : regex);
    }
  }

  /** Expected values of one series; null entries are omitted points ({@code _}). */
  private record Expected(int pos, List<Double> values) {}

  /** A parsed eval command. */
  private static final class EvalCmd {
    String file;
    int line;
    String expr;
    boolean isRange;
    long start;
    long end;
    long step;
    long eval;
    boolean fail;
    boolean warn;
    boolean info;
    boolean ordered;
    String expectedFailMessage;
    Pattern expectedFailRegexp;
    final Map<String, List<Expect>> expects = new HashMap<>();
    final Map<Labels, Expected> metrics = new LinkedHashMap<>();
    boolean expectScalar;
    double scalar;
    String expectedString;
    boolean excludeFromRangeQuery;

    boolean isFail() {
      return fail
          || expects.containsKey("fail")
          || expectedFailMessage != null
          || expectedFailRegexp != null;
    }

    boolean isOrdered() {
      return ordered || expects.containsKey("ordered");
    }
  }

  /** Parses a script and returns one dynamic test per eval (plus one per failing load). */
  static List<DynamicTest> tests(String file, String script, Engine engine) {
    List<DynamicTest> out = new ArrayList<>();
    String[] lines = script.split("\n", -1);
    for (int i = 0; i < lines.length; i++) {
      String l = lines[i].trim();
      lines[i] = l.startsWith("#") ? "" : l;
    }
    TestStorage storage = new TestStorage();
    for (int i = 0; i < lines.length; i++) {
      String l = lines[i];
      if (l.isEmpty()) {
        continue;
      }
      String c = SPACE.split(l, 2)[0].toLowerCase(Locale.ROOT);
      int lineNo = i + 1;
      try {
        if (c.equals("clear")) {
          storage = new TestStorage();
        } else if (c.startsWith("load")) {
          i = load(lines, i, storage);
        } else if (c.startsWith("eval")) {
          EvalCmd cmd = new EvalCmd();
          cmd.file = file;
          i = parseEval(lines, i, cmd);
          TestStorage snapshot = storage.snapshot();
          String name = file + ":" + cmd.line + " " + cmd.expr;
          out.add(DynamicTest.dynamicTest(name, () -> exec(cmd, snapshot, engine)));
        } else {
          throw new IllegalArgumentException("invalid command " + GoQuote.quote(l));
        }
      } catch (RuntimeException e) {
        String msg = file + ":" + lineNo + ": " + e.getMessage();
        out.add(
            DynamicTest.dynamicTest(
                file + ":" + lineNo + " " + l,
                () -> {
                  throw new AssertionError(msg, e);
                }));
        // Skip the rest of the block.
        while (i + 1 < lines.length && !lines[i + 1].isEmpty()) {
          i++;
        }
      }
    }
    return out;
  }

  // ------------------------------------------------------------------ load

  private static int load(String[] lines, int i, TestStorage storage) {
    Matcher m = LOAD.matcher(lines[i]);
    if (!m.matches()) {
      throw new IllegalArgumentException("invalid load command. (load <step:duration>)");
    }
    long gap = Durations.parseMillis(m.group(1));
    Map<Labels, List<Double>> defs = new LinkedHashMap<>();
    while (i + 1 < lines.length && !lines[i + 1].isEmpty()) {
      i++;
      SeriesLine s = parseSeries(lines[i]);
      defs.put(s.labels, s.values);
    }
    for (Map.Entry<Labels, List<Double>> e : defs.entrySet()) {
      long ts = 0;
      for (Double v : e.getValue()) {
        if (v != null) {
          try {
            storage.add(e.getKey(), ts, v);
          } catch (StorageException ex) {
            throw new IllegalArgumentException(
                ex.getMessage() + " for " + e.getKey() + " at " + ts);
          }
        }
        ts += gap;
      }
    }
    return i;
  }

  /** A series description: labels and values (null = omitted). */
  record SeriesLine(Labels labels, List<Double> values) {}

  /**
   * Parses {@code metric{a="b"} 1 2+3x4 _ _x2 stale -1-1x3}: {@code a+bxn} expands to n+1 values
   * starting at a (added up like Prometheus does), {@code axn} to n+1 copies, {@code _xn} to n
   * omitted points.
   */
  static SeriesLine parseSeries(String line) {
    int end = metricEnd(line);
    Labels labels = Parser.parseMetric(line.substring(0, end));
    List<Double> values = new ArrayList<>();
    String rest = line.substring(end).trim();
    if (!rest.isEmpty()) {
      for (String item : SPACE.split(rest)) {
        parseItem(item, values);
      }
    }
    return new SeriesLine(labels, values);
  }

  private static int metricEnd(String line) {
    int i = 0;
    while (i < line.length()) {
      char c = line.charAt(i);
      if (Character.isLetterOrDigit(c) || c == '_' || c == ':') {
        i++;
      } else {
        break;
      }
    }
    if (i < line.length() && line.charAt(i) == '{') {
      char quote = 0;
      for (i = i + 1; i < line.length(); i++) {
        char c = line.charAt(i);
        if (quote != 0) {
          if (c == '\\') {
            i++;
          } else if (c == quote) {
            quote = 0;
          }
        } else if (c == '"' || c == '\'' || c == '`') {
          quote = c;
        } else if (c == '}') {
          return i + 1;
        }
      }
      throw new IllegalArgumentException("unterminated label set in " + line);
    }
    return i;
  }

  private static void parseItem(String item, List<Double> out) {
    if (item.equals("_")) {
      out.add(null);
      return;
    }
    if (item.startsWith("_x")) {
      int n = Integer.parseInt(item.substring(2));
      for (int k = 0; k < n; k++) {
        out.add(null);
      }
      return;
    }
    if (item.equals("stale")) {
      out.add(StaleNaN.VALUE);
      return;
    }
    int x = item.lastIndexOf('x');
    if (x < 0) {
      out.add(number(item));
      return;
    }
    int n = Integer.parseInt(item.substring(x + 1));
    String base = item.substring(0, x);
    int op = -1;
    for (int k = 1; k < base.length(); k++) {
      char c = base.charAt(k);
      char p = base.charAt(k - 1);
      if ((c == '+' || c == '-') && p != 'e' && p != 'E') {
        op = k;
        break;
      }
    }
    if (op < 0) {
      double v = base.equals("stale") ? StaleNaN.VALUE : number(base);
      for (int k = 0; k <= n; k++) {
        out.add(v);
      }
      return;
    }
    double a = number(base.substring(0, op));
    double inc = number(base.substring(op));
    for (int k = 0; k <= n; k++) {
      out.add(a);
      a += inc;
    }
  }

  private static double number(String s) {
    GoFloatParser floats = new GoFloatParser();
    double v = floats.parseGo(s);
    if (floats.status() != GoFloatParser.SYNTAX) {
      return v;
    }
    // Durations count as numbers of seconds, as in Prometheus's series grammar.
    String t = s.startsWith("-") || s.startsWith("+") ? s.substring(1) : s;
    double d = Durations.parseMillis(t) / 1000.0;
    return s.startsWith("-") ? -d : d;
  }

  // ------------------------------------------------------------------ eval

  private static int parseEval(String[] lines, int i, EvalCmd cmd) {
    Matcher inst = EVAL_INSTANT.matcher(lines[i]);
    Matcher rng = EVAL_RANGE.matcher(lines[i]);
    String mod;
    cmd.line = i + 1;
    if (inst.matches()) {
      mod = inst.group(1);
      cmd.expr = inst.group(3);
      cmd.eval = Durations.parseMillis(inst.group(2));
      cmd.start = cmd.eval;
      cmd.end = cmd.eval;
    } else if (rng.matches()) {
      mod = rng.group(1);
      cmd.expr = rng.group(5);
      cmd.isRange = true;
      cmd.start = Durations.parseMillis(rng.group(2));
      cmd.end = Durations.parseMillis(rng.group(3));
      cmd.step = Durations.parseMillis(rng.group(4));
      if (cmd.end < cmd.start) {
        throw new IllegalArgumentException(
            "invalid test definition, end timestamp is before start");
      }
    } else {
      throw new IllegalArgumentException(
          "invalid evaluation command. Must be either 'eval[_fail|_warn|_ordered] instant [at"
              + " <offset:duration>] <query>' or 'eval[_fail|_warn] range from <from> to <to> step"
              + " <step> <query>'");
    }
    if (mod != null) {
      switch (mod) {
        case "fail" -> cmd.fail = true;
        case "warn" -> cmd.warn = true;
        case "info" -> cmd.info = true;
        case "ordered" -> cmd.ordered = true;
        default -> throw new IllegalArgumentException("bad modifier " + mod);
      }
    }
    boolean expectRangeVector = false;
    int j = 1;
    while (i + 1 < lines.length) {
      i++;
      String def = lines[i];
      if (def.isEmpty()) {
        i--;
        break;
      }
      if (cmd.fail && def.startsWith("expected_fail_message")) {
        cmd.expectedFailMessage = def.substring("expected_fail_message".length()).trim();
        break;
      }
      if (cmd.fail && def.startsWith("expected_fail_regexp")) {
        cmd.expectedFailRegexp =
            Pattern.compile(def.substring("expected_fail_regexp".length()).trim());
        break;
      }
      if (def.startsWith("expect range vector")) {
        Matcher m = EXPECT_RANGE.matcher(def);
        if (!m.matches()) {
          throw new IllegalArgumentException(
              "invalid range vector definition " + GoQuote.quote(def));
        }
        expectRangeVector = true;
        cmd.start = Durations.parseMillis(m.group(1));
        cmd.end = Durations.parseMillis(m.group(2));
        cmd.step = Durations.parseMillis(m.group(3));
        cmd.eval = cmd.end;
        cmd.excludeFromRangeQuery = true;
        continue;
      }
      if (def.startsWith("expect string")) {
        cmd.expectedString = GoQuote.unquote(def.substring("expect string".length()).trim());
        cmd.excludeFromRangeQuery = true;
        continue;
      }
      if (SPACE.split(def)[0].equals("expect")) {
        Matcher m = EXPECT.matcher(def);
        if (!m.matches()) {
          throw new IllegalArgumentException(
              "invalid expect statement, must match `expect <type> <match_type>: <string>` format");
        }
        String type = m.group(1);
        Expect e;
        if (m.group(2) == null) {
          e = new Expect(type, null, null);
        } else if (m.group(2).equals("msg")) {
          e = new Expect(type, m.group(3).trim(), null);
        } else {
          e = new Expect(type, null, Pattern.compile(m.group(3).trim()));
        }
        cmd.expects.computeIfAbsent(type, k -> new ArrayList<>()).add(e);
        continue;
      }
      Double scalar = parseNumber(def);
      if (scalar != null) {
        cmd.expectScalar = true;
        cmd.scalar = scalar;
        break;
      }
      SeriesLine s = parseSeries(def);
      if (s.values.size() > 1 && !cmd.isRange && !expectRangeVector) {
        throw new IllegalArgumentException(
            "expecting multiple values in instant evaluation not allowed. consider using 'expect"
                + " range vector' directive to enable a range vector result for an instant query");
      }
      cmd.metrics.put(s.labels, new Expected(j, s.values));
      j++;
    }
    if (!cmd.isRange && !expectRangeVector) {
      cmd.start = cmd.eval;
      cmd.end = cmd.eval;
    }
    return i;
  }

  /** Go's {@code ParseInt(s, 0, 64)} then {@code ParseFloat}; null when not a number. */
  private static Double parseNumber(String s) {
    GoFloatParser floats = new GoFloatParser();
    double v = floats.parseGo(s);
    if (floats.status() != GoFloatParser.SYNTAX) {
      return v;
    }
    if (s.matches("[+-]?0[xX][0-9a-fA-F]+")) {
      return (double) Long.decode(s);
    }
    return null;
  }

  private static void exec(EvalCmd cmd, TestStorage storage, Engine engine) {
    try {
      if (cmd.isRange) {
        execRange(cmd, storage, engine);
      } else {
        execInstant(cmd, storage, engine);
      }
    } catch (AssertionError e) {
      throw new AssertionError(cmd.file + ":" + cmd.line + ": " + e.getMessage(), e);
    }
  }

  private static String where(EvalCmd cmd) {
    return " for query " + GoQuote.quote(cmd.expr) + " (line " + cmd.line + ")";
  }

  private static void execRange(EvalCmd cmd, TestStorage storage, Engine engine) {
    Result res;
    try {
      res = engine.rangeQuery(storage, cmd.expr, cmd.start, cmd.end, cmd.step);
    } catch (PromQLException e) {
      if (cmd.isFail()) {
        checkExpectedFailure(cmd, e);
        return;
      }
      throw new AssertionError("error evaluating query" + where(cmd) + ": " + e.getMessage(), e);
    }
    if (cmd.isFail()) {
      throw new AssertionError("expected error evaluating query" + where(cmd) + " but got none");
    }
    checkAnnotations(cmd, res);
    compareResult(cmd, res.value());
  }

  private static void execInstant(EvalCmd cmd, TestStorage storage, Engine engine) {
    runInstant(cmd, cmd.expr, cmd.eval, storage, engine);
    // As upstream: with "@ <eval time>" on every selector, the result must not depend on the
    // evaluation time.
    for (long[] variant : atModifierVariants(cmd.expr, cmd.eval)) {
      String expr = AtModifierRewriter.rewrite(cmd.expr, cmd.eval);
      try {
        runInstant(cmd, expr, variant[0], storage, engine);
      } catch (AssertionError e) {
        throw new AssertionError(
            "with @ modifier: " + expr + " at " + variant[0] + ": " + e.getMessage(), e);
      }
    }
  }

  /** The extra evaluation times of {@code atModifierTestCases}, none when not applicable. */
  private static List<long[]> atModifierVariants(String expr, long ts) {
    if (!AtModifierRewriter.applicable(expr)) {
      return List.of();
    }
    long[] times =
        ts == 0 ? new long[] {-1000, 0, 1000} : new long[] {-10 * ts, 0, ts / 5, ts, 10 * ts};
    List<long[]> out = new ArrayList<>();
    for (long t : times) {
      out.add(new long[] {t});
    }
    return out;
  }

  private static void runInstant(
      EvalCmd cmd, String expr, long evalTime, TestStorage storage, Engine engine) {
    Result res;
    try {
      res = engine.instantQuery(storage, expr, evalTime);
    } catch (PromQLException e) {
      if (cmd.isFail()) {
        checkExpectedFailure(cmd, e);
        return;
      }
      throw new AssertionError("error evaluating query" + where(cmd) + ": " + e.getMessage(), e);
    }
    if (cmd.isFail()) {
      throw new AssertionError("expected error evaluating query" + where(cmd) + " but got none");
    }
    checkAnnotations(cmd, res);
    compareResult(cmd, res.value());
    if (cmd.excludeFromRangeQuery || QUERY_CONTEXT_FUNCS.matcher(expr).find()) {
      return;
    }
    // The same query in range mode must give the same result at the middle step.
    Result rangeRes;
    try {
      rangeRes = engine.rangeQuery(storage, expr, evalTime - 60_000, evalTime + 60_000, 60_000);
    } catch (PromQLException e) {
      throw new AssertionError(
          "error evaluating query" + where(cmd) + " in range mode: " + e.getMessage(), e);
    }
    if (cmd.isOrdered()) {
      return;
    }
    Matrix mat = (Matrix) rangeRes.value();
    assertSorted(mat);
    List<Labels> labels = new ArrayList<>();
    List<Double> values = new ArrayList<>();
    for (Series s : mat.series()) {
      for (int i = 0; i < s.size(); i++) {
        if (s.timestampMs(i) == evalTime) {
          labels.add(s.labels());
          values.add(s.value(i));
          break;
        }
      }
    }
    try {
      if (res.value() instanceof Scalar) {
        compareResult(cmd, new Scalar(evalTime, values.isEmpty() ? Double.NaN : values.get(0)));
      } else {
        long[] ts = new long[labels.size()];
        double[] vs = new double[labels.size()];
        for (int i = 0; i < vs.length; i++) {
          ts[i] = evalTime;
          vs[i] = values.get(i);
        }
        compareResult(cmd, new Vector(labels.toArray(new Labels[0]), ts, vs));
      }
    } catch (AssertionError e) {
      throw new AssertionError("range mode: " + e.getMessage(), e);
    }
  }

  private static void checkExpectedFailure(EvalCmd cmd, PromQLException e) {
    String msg = e.getMessage();
    if (cmd.expectedFailMessage != null && !cmd.expectedFailMessage.equals(msg)) {
      throw new AssertionError(
          "expected error "
              + GoQuote.quote(cmd.expectedFailMessage)
              + where(cmd)
              + ", but got: "
              + msg);
    }
    if (cmd.expectedFailRegexp != null && !cmd.expectedFailRegexp.matcher(msg).find()) {
      throw new AssertionError(
          "expected error matching "
              + GoQuote.quote(cmd.expectedFailRegexp.pattern())
              + where(cmd)
              + ", but got: "
              + msg);
    }
    List<Expect> fails = cmd.expects.get("fail");
    if (fails != null && !fails.get(0).matches(msg)) {
      throw new AssertionError(
          "expected error matching " + fails.get(0) + where(cmd) + ", but got: " + msg);
    }
  }

  private static void checkAnnotations(EvalCmd cmd, Result res) {
    if (cmd.warn && res.warnings().isEmpty()) {
      throw new AssertionError("expected warnings" + where(cmd) + " but got none");
    }
    if (cmd.info && res.infos().isEmpty()) {
      throw new AssertionError("expected info annotations" + where(cmd) + " but got none");
    }
    validate(cmd, cmd.expects.get("warn"), res.warnings(), "warn");
    validate(cmd, cmd.expects.get("info"), res.infos(), "info");
    if (cmd.expects.containsKey("no_warn") && !res.warnings().isEmpty()) {
      throw new AssertionError(
          "unexpected warning annotations" + where(cmd) + ": " + res.warnings());
    }
    if (cmd.expects.containsKey("no_info") && !res.infos().isEmpty()) {
      throw new AssertionError("unexpected info annotations" + where(cmd) + ": " + res.infos());
    }
  }

  private static void validate(
      EvalCmd cmd, List<Expect> expected, List<String> actual, String type) {
    if (expected == null || expected.isEmpty()) {
      return;
    }
    if (actual.isEmpty()) {
      throw new AssertionError(
          "expected " + type + " annotations but none were found" + where(cmd));
    }
    for (Expect e : expected) {
      if (actual.stream().noneMatch(e::matches)) {
        throw new AssertionError(
            "expected "
                + type
                + " annotation matching "
                + e
                + " but no matching annotation was found"
                + where(cmd)
                + ", found: "
                + actual);
      }
    }
    for (String a : actual) {
      if (expected.stream().noneMatch(e -> e.matches(a))) {
        throw new AssertionError(
            "unexpected " + type + " annotation " + GoQuote.quote(a) + where(cmd));
      }
    }
  }

  private static void assertSorted(Matrix m) {
    for (int i = 0; i + 1 < m.size(); i++) {
      if (m.get(i).labels().compareTo(m.get(i + 1).labels()) > 0) {
        throw new AssertionError("matrix results should always be sorted by labels: " + m);
      }
    }
  }

  private static void compareResult(EvalCmd cmd, Value result) {
    if (result instanceof Matrix mat) {
      if (cmd.isOrdered()) {
        throw new AssertionError("expected ordered result, but query returned a matrix");
      }
      if (cmd.expectScalar) {
        throw new AssertionError("expected scalar result, but got matrix " + mat);
      }
      assertSorted(mat);
      for (Series s : mat.series()) {
        Expected exp = cmd.metrics.get(s.labels());
        if (exp == null) {
          throw new AssertionError("unexpected metric " + s.labels() + " in result, has " + s);
        }
        List<long[]> expT = new ArrayList<>();
        List<Double> expV = new ArrayList<>();
        for (int i = 0; i < exp.values.size(); i++) {
          long ts = cmd.start + i * cmd.step;
          if (ts > cmd.end) {
            throw new AssertionError(
                "expected "
                    + exp.values.size()
                    + " points for "
                    + s.labels()
                    + ", but query time range cannot return this many points");
          }
          Double v = exp.values.get(i);
          if (v != null) {
            expT.add(new long[] {ts});
            expV.add(v);
          }
        }
        if (expV.size() != s.size()) {
          throw new AssertionError(
              "expected " + expV.size() + " float points for " + s.labels() + ", but got " + s);
        }
        for (int i = 0; i < expV.size(); i++) {
          if (expT.get(i)[0] != s.timestampMs(i)) {
            throw new AssertionError(
                "expected float value at index "
                    + i
                    + " for "
                    + s.labels()
                    + " to have timestamp "
                    + expT.get(i)[0]
                    + ", but it had timestamp "
                    + s.timestampMs(i)
                    + " (result has "
                    + s
                    + ")");
          }
          if (!almostEqual(s.value(i), expV.get(i))) {
            throw new AssertionError(
                "expected float value at index "
                    + i
                    + " (t="
                    + s.timestampMs(i)
                    + ") for "
                    + s.labels()
                    + " to be "
                    + expV.get(i)
                    + ", but got "
                    + s.value(i)
                    + " (result has "
                    + s
                    + ")");
          }
        }
      }
      for (Labels l : cmd.metrics.keySet()) {
        boolean seen = mat.series().stream().anyMatch(s -> s.labels().equals(l));
        if (!seen) {
          throw new AssertionError("expected metric " + l + " not found");
        }
      }
    } else if (result instanceof Vector vec) {
      if (cmd.expectScalar) {
        throw new AssertionError("expected scalar result, but got vector " + vec);
      }
      java.util.Set<Labels> seen = new java.util.HashSet<>();
      for (int p = 0; p < vec.size(); p++) {
        Labels l = vec.labels(p);
        Expected exp = cmd.metrics.get(l);
        if (exp == null) {
          throw new AssertionError(
              "unexpected metric "
                  + l
                  + " in result, has value "
                  + GoFloatFormat.formatF(vec.value(p)));
        }
        if (cmd.isOrdered() && exp.pos != p + 1) {
          throw new AssertionError(
              "expected metric "
                  + l
                  + " with "
                  + exp.values
                  + " at position "
                  + exp.pos
                  + " but was at "
                  + (p + 1));
        }
        Double want = exp.values.isEmpty() ? null : exp.values.get(0);
        if (want == null || !almostEqual(want, vec.value(p))) {
          throw new AssertionError("expected " + want + " for " + l + " but got " + vec.value(p));
        }
        seen.add(l);
      }
      for (Map.Entry<Labels, Expected> e : cmd.metrics.entrySet()) {
        if (!seen.contains(e.getKey())) {
          throw new AssertionError(
              "expected metric " + e.getKey() + " with " + e.getValue().values + " not found");
        }
      }
    } else if (result instanceof Scalar s) {
      if (!cmd.expectScalar) {
        throw new AssertionError("expected vector or matrix result, but got " + s);
      }
      if (!almostEqual(cmd.scalar, s.value())) {
        throw new AssertionError("expected scalar " + cmd.scalar + " but got " + s.value());
      }
    } else if (result instanceof StringValue s) {
      if (!s.value().equals(cmd.expectedString)) {
        throw new AssertionError(
            "expected string \"" + cmd.expectedString + "\" but got \"" + s.value() + "\"");
      }
    }
  }

  /** Prometheus's {@code almost.Equal} with the stale marker equal only to itself. */
  static boolean almostEqual(double a, double b) {
    if (StaleNaN.is(a) || StaleNaN.is(b)) {
      return StaleNaN.is(a) && StaleNaN.is(b);
    }
    return Quantiles.almostEqual(a, b, EPSILON);
  }
}
