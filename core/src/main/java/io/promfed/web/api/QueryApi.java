package io.promfed.web.api;

import io.promfed.model.exposition.GoFloatFormat;
import io.promfed.model.time.Durations;
import io.promfed.model.labels.Labels;
import io.promfed.model.labels.Matcher;
import io.promfed.model.gostrconv.GoQuote;
import io.promfed.promql.Engine;
import io.promfed.promql.EngineOptions;
import io.promfed.promql.Matrix;
import io.promfed.promql.PromQLException;
import io.promfed.promql.Query;
import io.promfed.promql.Result;
import io.promfed.promql.Scalar;
import io.promfed.promql.Series;
import io.promfed.promql.StringValue;
import io.promfed.promql.Value;
import io.promfed.promql.Vector;
import io.promfed.promql.parser.AggregateExpr;
import io.promfed.promql.parser.BinaryExpr;
import io.promfed.promql.parser.Call;
import io.promfed.promql.parser.Expr;
import io.promfed.promql.parser.MatrixSelector;
import io.promfed.promql.parser.ParenExpr;
import io.promfed.promql.parser.Parser;
import io.promfed.promql.parser.ParserOptions;
import io.promfed.promql.parser.PromQLParseException;
import io.promfed.promql.parser.SubqueryExpr;
import io.promfed.promql.parser.UnaryExpr;
import io.promfed.promql.parser.VectorSelector;
import io.promfed.scrape.ScrapePool;
import io.promfed.scrape.Target;
import io.promfed.storage.MetricMetadata;
import io.promfed.storage.Querier;
import io.promfed.storage.Queryable;
import io.promfed.storage.SeriesSet;
import io.promfed.web.api.ApiTimes.GoTime;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Comparator;
import java.util.HashSet;
import java.util.HexFormat;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;
import java.util.function.LongSupplier;

/**
 * Prometheus's HTTP API ({@code /api/v1/…}, web/api/v1/api.go) without an HTTP framework: each
 * method takes the request's parameters and returns an {@link ApiResponse} that the web layer
 * streams. Parameters, defaults, validation order, error types and messages, and the JSON written
 * are Prometheus's, so Grafana's Prometheus data source and other API clients cannot tell the
 * difference.
 *
 * <p>Endpoints and their methods: {@code query}, {@code query_range}, {@code query_exemplars},
 * {@code format_query}, {@code series}, {@code labels}, {@code label/<name>/values}, {@code
 * metadata}, {@code targets}, {@code rules}, {@code status/buildinfo}, {@code status/config},
 * {@code status/flags}, {@code status/runtimeinfo}. No method throws for bad input: every failure
 * becomes an error response with its {@link ApiErrorType}.
 *
 * <p>What differs from Prometheus, on purpose or for lack of the feature: no {@code stats}
 * parameter (query statistics are not collected), no native histograms, no exemplar storage (an
 * exemplar query with selectors answers an empty list, as Prometheus does with empty storage),
 * rules are recording rules only, and metadata comes from the store rather than from the targets'
 * scrape caches. Query timeouts are enforced by the engine's deadline; a client that disconnects
 * does not cancel its query.
 *
 * <p>Thread-safe: every call opens its own querier or query.
 */
public final class QueryApi {

  /** {@code query_range}'s guard: a week at 60s resolution, a year at 1h. */
  static final long MAX_POINTS_PER_SERIES = 11_000;

  /** {@code AsStrings(query, 10, 10)}: at most this many warnings and infos are listed. */
  static final int MAX_ANNOTATIONS = 10;

  static final String TRUNCATED = "results truncated due to limit";

  private final Queryable queryable;
  private final Engine engine;
  private final Parser parser;
  private final TargetRetriever targets;
  private final RulesRetriever rules;
  private final StatusRetriever status;
  private final LongSupplier nowMs;

  /**
   * @param queryable what queries, series, labels and metadata read
   * @param engine evaluates queries; its options bound every query's timeout
   * @param targets the scrape targets for {@code /api/v1/targets}
   * @param rules the rule groups for {@code /api/v1/rules}; {@link RulesRetriever#NONE} until rules
   *     exist
   * @param status build, config, flags and runtime facts for {@code /api/v1/status/*}
   * @param nowMs the clock: the default evaluation time of instant queries
   */
  public QueryApi(
      Queryable queryable,
      Engine engine,
      TargetRetriever targets,
      RulesRetriever rules,
      StatusRetriever status,
      LongSupplier nowMs) {
    this.queryable = queryable;
    this.engine = engine;
    this.parser = new Parser(new ParserOptions(engine.options().enableExperimentalFunctions()));
    this.targets = targets;
    this.rules = rules;
    this.status = status;
    this.nowMs = nowMs;
  }

  // ---------------------------------------------------------------------------------------------
  // Queries

  /**
   * {@code /api/v1/query}: {@code query}, {@code time} (default now), {@code timeout}, {@code
   * limit}.
   */
  public ApiResponse query(ApiParams p) {
    try {
      int limit = limitParam(p);
      GoTime ts = timeParam(p, "time", GoTime.ofMillis(nowMs.getAsLong()));
      long timeoutNs = timeoutParam(p);
      Engine eng = engineFor(timeoutNs, lookbackDeltaParam(p));
      Query q;
      try {
        q = eng.newInstantQuery(queryable, p.get("query"), ts.toEngineMillis());
      } catch (PromQLException e) {
        throw ApiError.invalidParam("query", e.getMessage());
      }
      return queryData(exec(q), limit);
    } catch (ApiError e) {
      return ApiResponse.error(e);
    }
  }

  /**
   * {@code /api/v1/query_range}: {@code query}, {@code start}, {@code end}, {@code step} (float
   * seconds or a duration), {@code timeout}, {@code limit}.
   */
  public ApiResponse queryRange(ApiParams p) {
    try {
      int limit = limitParam(p);
      GoTime start = requiredTime(p, "start");
      GoTime end = requiredTime(p, "end");
      if (end.isBefore(start)) {
        throw ApiError.invalidParam("end", "end timestamp must not be before start time");
      }
      long stepNs;
      try {
        stepNs = ApiTimes.parseDurationNanos(p.get("step"));
      } catch (IllegalArgumentException e) {
        throw ApiError.invalidParam("step", e.getMessage());
      }
      if (stepNs <= 0) {
        throw ApiError.invalidParam(
            "step",
            "zero or negative query resolution step widths are not accepted. Try a positive"
                + " integer");
      }
      // For safety, limit the number of returned points per timeseries (integer division of
      // nanosecond durations, as in Go).
      if (end.minusNanos(start) / stepNs > MAX_POINTS_PER_SERIES) {
        throw ApiError.badData(
            "exceeded maximum resolution of 11,000 points per timeseries. Try decreasing the query"
                + " resolution (?step=XX)");
      }
      long timeoutNs = timeoutParam(p);
      Engine eng = engineFor(timeoutNs, lookbackDeltaParam(p));
      Query q;
      try {
        q =
            eng.newRangeQuery(
                queryable,
                p.get("query"),
                start.toEngineMillis(),
                end.toEngineMillis(),
                stepNs / 1_000_000);
      } catch (PromQLException e) {
        throw ApiError.invalidParam("query", e.getMessage());
      }
      return queryData(exec(q), limit);
    } catch (ApiError e) {
      return ApiResponse.error(e);
    }
  }

  /**
   * {@code /api/v1/query_exemplars}: validates {@code query}, {@code start} and {@code end} like
   * Prometheus; no exemplars are stored, so a query with selectors answers {@code []} and one
   * without answers 204, as Prometheus does.
   */
  public ApiResponse queryExemplars(ApiParams p) {
    try {
      GoTime start = timeParam(p, "start", ApiTimes.MIN_TIME);
      GoTime end = timeParam(p, "end", ApiTimes.MAX_TIME);
      if (end.isBefore(start)) {
        throw ApiError.badData("end timestamp must not be before start timestamp");
      }
      Expr expr;
      try {
        expr = parser.parse(p.get("query"));
      } catch (PromQLParseException e) {
        throw ApiError.badData(e.getMessage());
      }
      if (!hasSelector(expr)) {
        return ApiResponse.noContent();
      }
      return ApiResponse.success(w -> w.beginArray().endArray());
    } catch (ApiError e) {
      return ApiResponse.error(e);
    }
  }

  /** {@code /api/v1/format_query}: the query pretty-printed ({@code Expr.Pretty(0)}). */
  public ApiResponse formatQuery(ApiParams p) {
    Expr expr;
    try {
      expr = parser.parse(p.get("query"));
    } catch (PromQLParseException e) {
      return ApiResponse.error(ApiError.invalidParam("query", e.getMessage()));
    }
    String pretty = QueryFormatter.pretty(expr);
    return ApiResponse.success(w -> w.string(pretty));
  }

  private Result exec(Query q) {
    try {
      return q.exec();
    } catch (PromQLException e) {
      throw new ApiError(ApiErrorType.of(e.errorType()), e.getMessage());
    }
  }

  /**
   * The engine for one request: the configured one, or one with a shorter timeout (the request's
   * {@code timeout}, a deadline in Prometheus; the engine's own timeout still caps it) or another
   * lookback delta ({@code lookback_delta}).
   */
  private Engine engineFor(long timeoutNs, long lookbackDeltaNs) {
    EngineOptions o = engine.options();
    EngineOptions wanted = o;
    if (timeoutNs != Long.MIN_VALUE) {
      Duration d = Duration.ofNanos(Math.max(1, timeoutNs)); // already expired: fail at once
      if (d.compareTo(o.timeout()) < 0) {
        wanted = wanted.withTimeout(d);
      }
    }
    if (lookbackDeltaNs > 0) {
      wanted = wanted.withLookbackDelta(Duration.ofNanos(lookbackDeltaNs));
    }
    return wanted == o ? engine : new Engine(wanted);
  }

  /** The {@code timeout} parameter in nanoseconds, {@code Long.MIN_VALUE} when absent. */
  private static long timeoutParam(ApiParams p) {
    String to = p.get("timeout");
    if (to.isEmpty()) {
      return Long.MIN_VALUE;
    }
    try {
      return ApiTimes.parseDurationNanos(to);
    } catch (IllegalArgumentException e) {
      throw ApiError.invalidParam("timeout", e.getMessage());
    }
  }

  /** {@code extractQueryOpts}: the {@code lookback_delta} parameter in nanoseconds, 0 if absent. */
  private static long lookbackDeltaParam(ApiParams p) {
    String s = p.get("lookback_delta");
    if (s.isEmpty()) {
      return 0;
    }
    try {
      return ApiTimes.parseDurationNanos(s);
    } catch (IllegalArgumentException e) {
      throw ApiError.badData("error parsing lookback delta duration: " + e.getMessage());
    }
  }

  /** {@code QueryData}: {@code {"resultType":…,"result":…}}, truncated to {@code limit}. */
  private static ApiResponse queryData(Result r, int limit) {
    Value v = r.value();
    int size =
        v instanceof Vector vec ? vec.size() : v instanceof Matrix m ? m.size() : Integer.MAX_VALUE;
    boolean truncated = limit > 0 && size != Integer.MAX_VALUE && size > limit;
    int n = truncated ? limit : size;
    List<String> warnings = new ArrayList<>(r.warnings());
    if (truncated) {
      warnings.add(TRUNCATED);
    }
    return ApiResponse.success(
        w -> {
          w.beginObject();
          w.name("resultType").string(v.type().toString());
          w.name("result");
          writeValue(w, v, n);
          w.endObject();
        },
        capped(warnings, "warning"),
        capped(r.infos(), "info"));
  }

  /** {@code AsStrings}: the first ten annotations of a kind, then a count of the rest. */
  static List<String> capped(List<String> annotations, String kind) {
    if (annotations.size() <= MAX_ANNOTATIONS) {
      return annotations;
    }
    List<String> out = new ArrayList<>(annotations.subList(0, MAX_ANNOTATIONS));
    out.add((annotations.size() - MAX_ANNOTATIONS) + " more " + kind + " annotations omitted");
    return out;
  }

  private static void writeValue(JsonWriter w, Value v, int n) throws IOException {
    if (v instanceof Vector vec) {
      // json_codec.go marshalSampleJSON: {"metric":{…},"value":[ts,"v"]}.
      w.beginArray();
      for (int i = 0; i < n; i++) {
        w.beginObject().name("metric").labels(vec.labels(i));
        w.name("value").beginArray().timestamp(vec.timestampMs(i)).sampleValue(vec.value(i));
        w.endArray().endObject();
      }
      w.endArray();
    } else if (v instanceof Matrix m) {
      // json_codec.go marshalSeriesJSON: "values" is left out when a series has no floats.
      w.beginArray();
      for (int i = 0; i < n; i++) {
        Series s = m.get(i);
        w.beginObject().name("metric").labels(s.labels());
        if (s.size() > 0) {
          w.name("values").beginArray();
          for (int j = 0; j < s.size(); j++) {
            w.beginArray().timestamp(s.timestampMs(j)).sampleValue(s.value(j)).endArray();
          }
          w.endArray();
        }
        w.endObject();
      }
      w.endArray();
    } else if (v instanceof Scalar s) {
      // promql.Scalar.MarshalJSON: [float64(T)/1000, FormatFloat(V, 'f', -1, 64)], through
      // encoding/json; unlike samples, never the 'e' format.
      w.beginArray().number(s.timestampMs() / 1000.0);
      w.string(GoFloatFormat.formatF(s.value())).endArray();
    } else if (v instanceof StringValue s) {
      // promql.String.MarshalJSON: [float64(T)/1000, V] through encoding/json.
      w.beginArray().number(s.timestampMs() / 1000.0).goJsonString(s.value()).endArray();
    }
  }

  private static boolean hasSelector(Expr e) {
    if (e instanceof VectorSelector || e instanceof MatrixSelector) {
      return true;
    }
    if (e instanceof AggregateExpr a) {
      return hasSelector(a.expr()) || (a.param() != null && hasSelector(a.param()));
    }
    if (e instanceof BinaryExpr b) {
      return hasSelector(b.lhs()) || hasSelector(b.rhs());
    }
    if (e instanceof Call c) {
      for (Expr arg : c.args()) {
        if (hasSelector(arg)) {
          return true;
        }
      }
      return false;
    }
    if (e instanceof ParenExpr p) {
      return hasSelector(p.expr());
    }
    if (e instanceof SubqueryExpr s) {
      return hasSelector(s.expr());
    }
    if (e instanceof UnaryExpr u) {
      return hasSelector(u.expr());
    }
    return false;
  }

  // ---------------------------------------------------------------------------------------------
  // Series, labels, metadata

  /**
   * {@code /api/v1/series}: {@code match[]} (required), {@code start}, {@code end}, {@code limit}.
   */
  public ApiResponse series(ApiParams p) {
    try {
      List<String> match = p.values("match[]");
      if (match.isEmpty()) {
        throw ApiError.badData("no match[] parameter provided");
      }
      int limit = limitParam(p);
      GoTime start = timeParam(p, "start", ApiTimes.MIN_TIME);
      GoTime end = timeParam(p, "end", ApiTimes.MAX_TIME);
      List<Matcher[]> sets;
      try {
        sets = matchersParam(match);
      } catch (ApiError e) {
        throw ApiError.invalidParam("match[]", e.getMessage());
      }
      List<Labels> metrics = new ArrayList<>();
      boolean truncated = false;
      List<String> warnings = new ArrayList<>();
      try (Querier q = queryable.querier(start.toMillis(), end.toMillis())) {
        SeriesSet set;
        if (sets.size() > 1) {
          // Each set sorted, so that the merge can drop series matched more than once.
          List<SeriesSet> all = new ArrayList<>(sets.size());
          for (Matcher[] ms : sets) {
            all.add(q.select(true, ms));
          }
          set = new MergedSeriesSet(all);
        } else {
          set = q.select(false, sets.get(0));
        }
        while (set.next()) {
          metrics.add(set.at().labels());
          if (limit > 0 && metrics.size() > limit) {
            metrics.remove(metrics.size() - 1);
            truncated = true;
            break;
          }
        }
        warnings.addAll(q.warnings());
      }
      if (truncated) {
        warnings.add(TRUNCATED);
      }
      return ApiResponse.success(
          w -> {
            w.beginArray();
            for (Labels l : metrics) {
              w.labels(l);
            }
            w.endArray();
          },
          capped(warnings, "warning"),
          List.of());
    } catch (ApiError e) {
      return ApiResponse.error(e);
    }
  }

  /** {@code /api/v1/labels}: {@code match[]}, {@code start}, {@code end}, {@code limit}. */
  public ApiResponse labelNames(ApiParams p) {
    try {
      int limit = limitParam(p);
      GoTime start = timeParam(p, "start", ApiTimes.MIN_TIME);
      GoTime end = timeParam(p, "end", ApiTimes.MAX_TIME);
      List<Matcher[]> sets = matchersParam(p.values("match[]"));
      List<String> names;
      List<String> warnings;
      try (Querier q = queryable.querier(start.toMillis(), end.toMillis())) {
        if (sets.size() > 1) {
          Set<String> union = new HashSet<>();
          for (Matcher[] ms : sets) {
            union.addAll(q.labelNames(ms));
          }
          names = new ArrayList<>(union);
        } else {
          names = new ArrayList<>(sets.isEmpty() ? q.labelNames() : q.labelNames(sets.get(0)));
        }
        warnings = q.warnings();
      }
      return stringList(names, limit, warnings);
    } catch (ApiError e) {
      return ApiResponse.error(e);
    }
  }

  /**
   * {@code /api/v1/label/<name>/values}: {@code name} as it appears in the path (decoded from
   * Prometheus's {@code U__} value escaping when it starts so), {@code match[]}, {@code start},
   * {@code end}, {@code limit}.
   */
  public ApiResponse labelValues(String name, ApiParams p) {
    try {
      if (name.startsWith("U__")) {
        name = LabelNameEscaping.unescape(name);
      }
      if (name.isEmpty()) {
        throw ApiError.badData("invalid label name: " + GoQuote.quote(name));
      }
      int limit = limitParam(p);
      GoTime start = timeParam(p, "start", ApiTimes.MIN_TIME);
      GoTime end = timeParam(p, "end", ApiTimes.MAX_TIME);
      List<Matcher[]> sets = matchersParam(p.values("match[]"));
      List<String> values;
      List<String> warnings;
      try (Querier q = queryable.querier(start.toMillis(), end.toMillis())) {
        if (sets.size() > 1) {
          Set<String> union = new HashSet<>();
          for (Matcher[] ms : sets) {
            union.addAll(q.labelValues(name, ms));
          }
          values = new ArrayList<>(union);
        } else {
          values =
              new ArrayList<>(
                  sets.isEmpty() ? q.labelValues(name) : q.labelValues(name, sets.get(0)));
        }
        warnings = q.warnings();
      }
      return stringList(values, limit, warnings);
    } catch (ApiError e) {
      return ApiResponse.error(e);
    }
  }

  /**
   * Sorted like Go sorts strings (by UTF-8 bytes, i.e. by code point), then cut to the limit; with
   * the querier's storage warnings.
   */
  private static ApiResponse stringList(List<String> values, int limit, List<String> warnings) {
    values.sort(CODE_POINT_ORDER);
    boolean truncated = limit > 0 && values.size() > limit;
    List<String> out = truncated ? values.subList(0, limit) : values;
    List<String> allWarnings = new ArrayList<>(warnings);
    if (truncated) {
      allWarnings.add(TRUNCATED);
    }
    return ApiResponse.success(
        w -> {
          w.beginArray();
          for (String s : out) {
            w.string(s);
          }
          w.endArray();
        },
        capped(allWarnings, "warning"),
        List.of());
  }

  /** Go's string order: UTF-8 bytes compare like code points, not like UTF-16 chars. */
  static final Comparator<String> CODE_POINT_ORDER =
      (a, b) -> {
        int i = 0;
        int j = 0;
        while (i < a.length() && j < b.length()) {
          int ca = a.codePointAt(i);
          int cb = b.codePointAt(j);
          if (ca != cb) {
            return Integer.compare(ca, cb);
          }
          i += Character.charCount(ca);
          j += Character.charCount(cb);
        }
        return Boolean.compare(i < a.length(), j < b.length());
      };

  /**
   * {@code /api/v1/metadata}: {@code metric}, {@code limit} (metrics), {@code limit_per_metric}.
   * Metric names are listed in order, so a {@code limit} keeps the first ones (Prometheus keeps
   * whichever its map iteration meets first).
   */
  public ApiResponse metadata(ApiParams p) {
    try {
      int limit = metadataLimit(p, "limit");
      int limitPerMetric = metadataLimit(p, "limit_per_metric");
      String metric = p.get("metric");
      Map<String, List<MetricMetadata>> found;
      try (Querier q = queryable.querier(Long.MIN_VALUE, Long.MAX_VALUE)) {
        found = new TreeMap<>(CODE_POINT_ORDER);
        found.putAll(q.metadata(metric.isEmpty() ? null : metric));
      }
      Map<String, List<MetricMetadata>> res = new TreeMap<>(CODE_POINT_ORDER);
      for (Map.Entry<String, List<MetricMetadata>> e : found.entrySet()) {
        if (limit >= 0 && res.size() >= limit) {
          break;
        }
        List<MetricMetadata> list = new ArrayList<>(new LinkedHashSet<>(e.getValue()));
        if (limitPerMetric > 0 && list.size() > limitPerMetric) {
          list = list.subList(0, limitPerMetric);
        }
        res.put(e.getKey(), list);
      }
      return ApiResponse.success(
          w -> {
            w.beginObject();
            for (Map.Entry<String, List<MetricMetadata>> e : res.entrySet()) {
              w.name(e.getKey()).beginArray();
              for (MetricMetadata md : e.getValue()) {
                w.beginObject();
                w.name("type").string(md.type());
                w.name("help").string(md.help());
                w.name("unit").string(md.unit());
                w.endObject();
              }
              w.endArray();
            }
            w.endObject();
          });
    } catch (ApiError e) {
      return ApiResponse.error(e);
    }
  }

  /** The metadata endpoint's own limit parsing: {@code -1} when absent, any integer otherwise. */
  private static int metadataLimit(ApiParams p, String name) {
    String s = p.get(name);
    if (s.isEmpty()) {
      return -1;
    }
    try {
      return GoInts.atoi(s);
    } catch (NumberFormatException e) {
      throw ApiError.badData(name + " must be a number");
    }
  }

  // ---------------------------------------------------------------------------------------------
  // Targets and rules

  /**
   * {@code /api/v1/targets}: {@code state} ({@code active}, {@code dropped}, {@code any} or empty
   * for both) and {@code scrapePool}. Pools are listed in name order, a pool's active targets by
   * their labels.
   */
  public ApiResponse targets(ApiParams p) {
    String scrapePool = p.get("scrapePool");
    String state = p.get("state").toLowerCase(Locale.ROOT);
    boolean showActive = state.isEmpty() || state.equals("any") || state.equals("active");
    boolean showDropped = state.isEmpty() || state.equals("any") || state.equals("dropped");
    Map<String, List<Target>> active =
        showActive ? new TreeMap<>(targets.targetsActive()) : Map.of();
    Map<String, List<ScrapePool.DroppedTarget>> dropped =
        showDropped ? new TreeMap<>(targets.targetsDropped()) : Map.of();
    GlobalUrlOptions urlOptions = targets.globalUrlOptions();
    return ApiResponse.success(
        w -> {
          w.beginObject();
          w.name("activeTargets").beginArray();
          for (Map.Entry<String, List<Target>> e : active.entrySet()) {
            if (!scrapePool.isEmpty() && !e.getKey().equals(scrapePool)) {
              continue;
            }
            // Prometheus lists a pool's targets in map order, which varies between calls; ours
            // are sorted by their labels, so the list is stable.
            List<Target> sorted = new ArrayList<>(e.getValue());
            sorted.sort(Comparator.comparing(Target::labels));
            for (Target t : sorted) {
              writeTarget(w, e.getKey(), t, urlOptions);
            }
          }
          w.endArray();
          w.name("droppedTargets").beginArray();
          for (Map.Entry<String, List<ScrapePool.DroppedTarget>> e : dropped.entrySet()) {
            if (!scrapePool.isEmpty() && !e.getKey().equals(scrapePool)) {
              continue;
            }
            for (ScrapePool.DroppedTarget t : e.getValue()) {
              w.beginObject();
              w.name("discoveredLabels").labels(t.discoveredLabels());
              w.name("scrapePool").string(e.getKey());
              w.endObject();
            }
          }
          w.endArray();
          // Prometheus leaves the counts nil, written null, when dropped targets are not asked
          // for; when they are, every pool is counted, whatever scrapePool says.
          w.name("droppedTargetCounts");
          if (showDropped) {
            w.beginObject();
            for (Map.Entry<String, List<ScrapePool.DroppedTarget>> e : dropped.entrySet()) {
              w.name(e.getKey()).number(e.getValue().size());
            }
            w.endObject();
          } else {
            w.nullValue();
          }
          w.endObject();
        });
  }

  private static void writeTarget(JsonWriter w, String pool, Target t, GlobalUrlOptions urls)
      throws IOException {
    w.beginObject();
    w.name("discoveredLabels").labels(t.discoveredLabels());
    w.name("labels").labels(t.labels());
    w.name("scrapePool").string(pool);
    w.name("scrapeUrl").string(t.url().toString());
    String lastError = t.lastError();
    String globalUrl;
    try {
      globalUrl = GlobalUrls.of(t.url(), urls);
    } catch (IllegalArgumentException e) {
      // Prometheus shows the scrape URL and appends the failure to the last error.
      globalUrl = t.url().toString();
      lastError = lastError + ": " + e.getMessage();
    }
    w.name("globalUrl").string(globalUrl);
    w.name("lastError").string(lastError);
    // Go's zero time.Time for a target not scraped yet.
    w.name("lastScrape")
        .string(
            t.health() == Target.Health.UNKNOWN
                ? ApiTimes.ZERO_TIME
                : ApiTimes.formatRfc3339Millis(t.lastScrapeMs()));
    w.name("lastScrapeDuration").number(t.lastScrapeDurationSeconds());
    w.name("health").string(t.health().text());
    w.name("scrapeInterval").string(Durations.format(t.interval()));
    w.name("scrapeTimeout").string(Durations.format(t.timeout()));
    w.endObject();
  }

  /**
   * {@code /api/v1/rules}: {@code type} ({@code record}, {@code alert}), {@code rule_name[]},
   * {@code rule_group[]}, {@code file[]}, {@code match[]}, {@code exclude_alerts}, {@code
   * group_limit} and {@code group_next_token}, checked in Prometheus's order.
   */
  public ApiResponse rules(ApiParams p) {
    try {
      Set<String> ruleNames = new HashSet<>(p.values("rule_name[]"));
      Set<String> ruleGroups = new HashSet<>(p.values("rule_group[]"));
      Set<String> files = new HashSet<>(p.values("file[]"));
      List<Matcher[]> matcherSets = matchersParam(p.values("match[]"));
      List<RulesRetriever.Group> groups = rules.ruleGroups();
      String type = p.get("type").toLowerCase(Locale.ROOT);
      if (!type.isEmpty() && !type.equals("alert") && !type.equals("record")) {
        throw ApiError.invalidParam("type", "not supported value " + GoQuote.quote(type));
      }
      boolean returnRecording = type.isEmpty() || type.equals("record");
      String excludeAlerts = p.get("exclude_alerts").toLowerCase(Locale.ROOT);
      if (!excludeAlerts.isEmpty() && !GoInts.isBool(excludeAlerts)) {
        throw ApiError.invalidParam(
            "exclude_alerts",
            "error converting exclude_alerts: strconv.ParseBool: parsing "
                + GoQuote.quote(excludeAlerts)
                + ": invalid syntax");
      }
      long maxGroups = groupLimitParam(p);
      String nextToken = maxGroups > 0 ? p.get("group_next_token") : "";

      List<RulesRetriever.Group> page = new ArrayList<>();
      List<List<RulesRetriever.RecordingRule>> pageRules = new ArrayList<>();
      String groupNextToken = "";
      boolean foundToken = false;
      for (RulesRetriever.Group g : groups) {
        if (maxGroups > 0 && !nextToken.isEmpty() && !foundToken) {
          if (!nextToken.equals(groupToken(g))) {
            continue;
          }
          foundToken = true;
        }
        if (!ruleGroups.isEmpty() && !ruleGroups.contains(g.name())) {
          continue;
        }
        if (!files.isEmpty() && !files.contains(g.file())) {
          continue;
        }
        List<RulesRetriever.RecordingRule> selected = new ArrayList<>();
        for (RulesRetriever.RecordingRule r : g.rules()) {
          if (!matchesAny(matcherSets, r.labels())) {
            continue;
          }
          if (!ruleNames.isEmpty() && !ruleNames.contains(r.name())) {
            continue;
          }
          if (returnRecording) {
            selected.add(r);
          }
        }
        // A group left without rules by the filters is not listed.
        if (!selected.isEmpty()) {
          if (maxGroups > 0 && page.size() == maxGroups) {
            groupNextToken = groupToken(g);
            break;
          }
          page.add(g);
          pageRules.add(selected);
        }
      }
      if (maxGroups > 0 && !nextToken.isEmpty() && !foundToken) {
        throw ApiError.invalidParam(
            "group_next_token",
            "invalid group_next_token '" + nextToken + "'. were rule groups changed?");
      }
      String token = groupNextToken;
      return ApiResponse.success(
          w -> {
            w.beginObject().name("groups").beginArray();
            for (int i = 0; i < page.size(); i++) {
              writeGroup(w, page.get(i), pageRules.get(i));
            }
            w.endArray();
            if (!token.isEmpty()) {
              w.name("groupNextToken").string(token);
            }
            w.endObject();
          });
    } catch (ApiError e) {
      return ApiResponse.error(e);
    }
  }

  private static long groupLimitParam(ApiParams p) {
    String maxGroups = p.get("group_limit");
    String nextToken = p.get("group_next_token");
    if (!nextToken.isEmpty() && maxGroups.isEmpty()) {
      throw ApiError.invalidParam(
          "group_next_token",
          "group_limit needs to be present in order to paginate over the groups");
    }
    if (maxGroups.isEmpty()) {
      return -1;
    }
    long n;
    try {
      n = GoInts.parseInt32(maxGroups);
    } catch (NumberFormatException e) {
      throw ApiError.invalidParam(
          "group_limit", "group_limit needs to be a valid number: " + e.getMessage());
    }
    if (n <= 0) {
      throw ApiError.invalidParam("group_limit", "group_limit needs to be greater than 0");
    }
    return n;
  }

  /** {@code getRuleGroupNextToken}: hex SHA-256 of {@code file;group}. */
  private static String groupToken(RulesRetriever.Group g) {
    try {
      MessageDigest sha = MessageDigest.getInstance("SHA-256");
      byte[] sum = sha.digest((g.file() + ";" + g.name()).getBytes(StandardCharsets.UTF_8));
      return HexFormat.of().formatHex(sum);
    } catch (NoSuchAlgorithmException e) {
      throw new IllegalStateException("SHA-256 is required of every JVM", e);
    }
  }

  private static boolean matchesAny(List<Matcher[]> sets, Labels labels) {
    if (sets.isEmpty()) {
      return true;
    }
    for (Matcher[] ms : sets) {
      boolean all = true;
      for (Matcher m : ms) {
        if (!m.matches(labels.getOrEmpty(m.name()))) {
          all = false;
          break;
        }
      }
      if (all) {
        return true;
      }
    }
    return false;
  }

  private static void writeGroup(
      JsonWriter w, RulesRetriever.Group g, List<RulesRetriever.RecordingRule> rules)
      throws IOException {
    w.beginObject();
    w.name("name").string(g.name());
    w.name("file").string(g.file());
    w.name("rules").beginArray();
    for (RulesRetriever.RecordingRule r : rules) {
      w.beginObject();
      w.name("name").string(r.name());
      w.name("query").string(r.query());
      w.name("labels").labels(r.labels());
      w.name("health").string(r.health().text());
      if (!r.lastError().isEmpty()) {
        w.name("lastError").string(r.lastError());
      }
      w.name("evaluationTime").number(r.evaluationTimeSeconds());
      w.name("lastEvaluation").string(time(r.lastEvaluation()));
      w.name("type").string("recording");
      w.endObject();
    }
    w.endArray();
    w.name("interval").number(g.interval().toNanos() / 1e9);
    w.name("limit").number(g.limit());
    w.name("evaluationTime").number(g.evaluationTimeSeconds());
    w.name("lastEvaluation").string(time(g.lastEvaluation()));
    w.endObject();
  }

  private static String time(Instant t) {
    return t == null
        ? ApiTimes.ZERO_TIME
        : ApiTimes.formatRfc3339Nano(new GoTime(t.getEpochSecond(), t.getNano()));
  }

  // ---------------------------------------------------------------------------------------------
  // Status

  /** {@code /api/v1/status/buildinfo}: six strings and, on purpose, no {@code features}. */
  public ApiResponse buildInfo() {
    BuildInfo b = status.buildInfo();
    return ApiResponse.success(
        w -> {
          w.beginObject();
          w.name("version").string(b.version());
          w.name("revision").string(b.revision());
          w.name("branch").string(b.branch());
          w.name("buildUser").string(b.buildUser());
          w.name("buildDate").string(b.buildDate());
          w.name("goVersion").string(b.goVersion());
          w.endObject();
        });
  }

  /** {@code /api/v1/status/config}: {@code {"yaml":"…"}}. */
  public ApiResponse config() {
    String yaml;
    try {
      yaml = status.configYaml();
    } catch (RuntimeException e) {
      return ApiResponse.error(new ApiError(ApiErrorType.INTERNAL, e.getMessage()));
    }
    return ApiResponse.success(w -> w.beginObject().name("yaml").string(yaml).endObject());
  }

  /** {@code /api/v1/status/flags}: flag names to values, in name order. */
  public ApiResponse flags() {
    Map<String, String> flags = new TreeMap<>(CODE_POINT_ORDER);
    flags.putAll(status.flags());
    return ApiResponse.success(
        w -> {
          w.beginObject();
          for (Map.Entry<String, String> e : flags.entrySet()) {
            w.name(e.getKey()).string(e.getValue());
          }
          w.endObject();
        });
  }

  /** {@code /api/v1/status/runtimeinfo}. */
  public ApiResponse runtimeInfo() {
    RuntimeInfo r = status.runtimeInfo();
    return ApiResponse.success(
        w -> {
          w.beginObject();
          w.name("startTime").string(time(r.startTime()));
          w.name("CWD").string(r.cwd());
          w.name("hostname").string(r.hostname());
          w.name("serverTime").string(time(r.serverTime()));
          w.name("reloadConfigSuccess").bool(r.reloadConfigSuccess());
          w.name("lastConfigTime").string(time(r.lastConfigTime()));
          w.name("corruptionCount").number(r.corruptionCount());
          w.name("goroutineCount").number(r.goroutineCount());
          w.name("GOMAXPROCS").number(r.gomaxprocs());
          w.name("GOMEMLIMIT").number(r.gomemlimit());
          w.name("GOGC").string(r.gogc());
          w.name("GODEBUG").string(r.godebug());
          w.name("storageRetention").string(r.storageRetention());
          w.endObject();
        });
  }

  // ---------------------------------------------------------------------------------------------
  // Parameters

  /** {@code parseLimitParam}: 0 (no limit) when absent; a non-negative integer otherwise. */
  private static int limitParam(ApiParams p) {
    String s = p.get("limit");
    if (s.isEmpty()) {
      return 0;
    }
    int limit;
    try {
      limit = GoInts.atoi(s);
    } catch (NumberFormatException e) {
      throw ApiError.invalidParam("limit", e.getMessage());
    }
    if (limit < 0) {
      throw ApiError.invalidParam("limit", "limit must be non-negative");
    }
    return limit;
  }

  /** {@code parseTimeParam}: the default when absent. */
  private static GoTime timeParam(ApiParams p, String name, GoTime defaultValue) {
    String s = p.get(name);
    if (s.isEmpty()) {
      return defaultValue;
    }
    try {
      return ApiTimes.parseTime(s);
    } catch (IllegalArgumentException e) {
      throw ApiError.invalidParam(name, "invalid time value for '" + name + "': " + e.getMessage());
    }
  }

  /** {@code parseTime} of a parameter without default ({@code query_range}'s start and end). */
  private static GoTime requiredTime(ApiParams p, String name) {
    try {
      return ApiTimes.parseTime(p.get(name));
    } catch (IllegalArgumentException e) {
      throw ApiError.invalidParam(name, e.getMessage());
    }
  }

  /**
   * {@code parseMatchersParam}: each selector parsed, and each required to have a matcher that does
   * not match the empty string.
   *
   * @throws ApiError {@code bad_data} with the parser's message or {@code match[] must contain at
   *     least one non-empty matcher}
   */
  private static List<Matcher[]> matchersParam(List<String> selectors) {
    List<Matcher[]> sets = new ArrayList<>(selectors.size());
    for (String s : selectors) {
      List<Matcher> ms;
      try {
        ms = Parser.parseMetricSelector(s);
      } catch (PromQLParseException e) {
        // Our selector parser also applies the query checks, which refuse {a=""} with "vector
        // selector must contain …"; Prometheus's ParseMetricSelector does not, and its API
        // answers with the message below instead.
        if (onlyEmptyMatcherErrors(e)) {
          throw ApiError.badData(EMPTY_MATCHERS);
        }
        throw ApiError.badData(e.getMessage());
      }
      boolean nonEmpty = false;
      for (Matcher m : ms) {
        if (!m.matchesEmpty()) {
          nonEmpty = true;
          break;
        }
      }
      if (!nonEmpty) {
        throw ApiError.badData(EMPTY_MATCHERS);
      }
      sets.add(ms.toArray(Matcher[]::new));
    }
    return sets;
  }

  private static final String EMPTY_MATCHERS =
      "match[] must contain at least one non-empty matcher";

  private static boolean onlyEmptyMatcherErrors(PromQLParseException e) {
    for (PromQLParseException.ParseError pe : e.errors()) {
      if (!pe.reason().equals("vector selector must contain at least one non-empty matcher")) {
        return false;
      }
    }
    return true;
  }

  /**
   * Merges sorted series sets into one sorted set without duplicates ({@code
   * storage.NewMergeSeriesSet} with chained merging, reduced to what the series endpoint reads:
   * labels). Holds only the current series of each set.
   */
  private static final class MergedSeriesSet implements SeriesSet {
    private final List<SeriesSet> sets;
    private final io.promfed.storage.Series[] heads;
    private final boolean[] advance;
    private io.promfed.storage.Series current;

    MergedSeriesSet(List<SeriesSet> sets) {
      this.sets = sets;
      this.heads = new io.promfed.storage.Series[sets.size()];
      this.advance = new boolean[sets.size()];
      Arrays.fill(advance, true);
    }

    @Override
    public boolean next() {
      for (int i = 0; i < heads.length; i++) {
        if (advance[i]) {
          heads[i] = sets.get(i).next() ? sets.get(i).at() : null;
          advance[i] = false;
        }
      }
      int min = -1;
      for (int i = 0; i < heads.length; i++) {
        if (heads[i] != null && (min < 0 || heads[i].labels().compareTo(heads[min].labels()) < 0)) {
          min = i;
        }
      }
      if (min < 0) {
        current = null;
        return false;
      }
      Labels l = heads[min].labels();
      for (int i = 0; i < heads.length; i++) {
        advance[i] = heads[i] != null && (i == min || heads[i].labels().equals(l));
      }
      current = heads[min];
      return true;
    }

    @Override
    public io.promfed.storage.Series at() {
      return current;
    }
  }
}
