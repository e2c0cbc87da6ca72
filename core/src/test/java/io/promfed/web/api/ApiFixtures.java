package io.promfed.web.api;

import io.promfed.model.labels.Labels;
import io.promfed.model.value.StaleNaN;
import io.promfed.model.textparse.GoFloatParser;
import io.promfed.model.time.Durations;
import io.promfed.promql.Engine;
import io.promfed.promql.EngineOptions;
import io.promfed.promql.parser.Parser;
import io.promfed.storage.Appender;
import io.promfed.storage.MetricMetadata;
import io.promfed.storage.StorageException;
import io.promfed.tsdb.Head;
import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.net.URLEncoder;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.StringJoiner;

/**
 * Test fixtures of the API tests: the data set ({@code testdata/api.load}), a fixed status, the
 * request notation of the {@code *.cases} files and the golden transcripts.
 *
 * <p>A {@code .cases} file lists one request a line: a case name, the path, then {@code name=value}
 * parameters, separated by tabs. Values are raw (not URL-encoded); a parameter may repeat. Blank
 * lines and lines starting with {@code #} are ignored.
 *
 * <p>A {@code .golden} file holds, per case: {@code ### <name>}, the request as a URL, the HTTP
 * status, and the body.
 */
final class ApiFixtures {

  /** The fake clock: minute 101, just after the data set's last samples (at minute 100). */
  static final long NOW_MS = 101 * 60_000L;

  static final Path SOURCE_TESTDATA = Path.of("src/test/resources/io/promfed/web/api/testdata");

  /** The fixed facts {@code /api/v1/status/*} reports in the golden files. */
  static final StatusRetriever STATUS =
      new StatusRetriever() {
        @Override
        public BuildInfo buildInfo() {
          return new BuildInfo(
              "0.1.0", "4cbc105", "main", "builder@ci", "20260801-12:00:00", "java17.0.15");
        }

        @Override
        public String configYaml() {
          return "global:\n  scrape_interval: 15s\nscrape_configs:\n  - job_name: \"a&b\" # <x>\n";
        }

        @Override
        public Map<String, String> flags() {
          Map<String, String> f = new LinkedHashMap<>();
          f.put("query.timeout", "2m");
          f.put("config.file", "prometheus.yml");
          f.put("query.lookback-delta", "5m");
          return f;
        }

        @Override
        public RuntimeInfo runtimeInfo() {
          return new RuntimeInfo(
              Instant.parse("2026-08-01T12:00:00.123456789Z"),
              "/srv/leaf",
              "leaf-0",
              Instant.parse("2026-08-01T13:00:00Z"),
              true,
              Instant.parse("2026-08-01T12:00:01Z"),
              0,
              42,
              4,
              1073741824L,
              "",
              "",
              "1d");
        }
      };

  private ApiFixtures() {}

  static String resourceText(String name) {
    try (InputStream in = ApiFixtures.class.getResourceAsStream("testdata/" + name)) {
      if (in == null) {
        throw new IllegalArgumentException("no testdata/" + name);
      }
      return new String(in.readAllBytes(), StandardCharsets.UTF_8);
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }

  static boolean updateGolden() {
    return Boolean.getBoolean("golden.update");
  }

  static void writeGolden(String name, String content) {
    try {
      Files.writeString(SOURCE_TESTDATA.resolve(name), content, StandardCharsets.UTF_8);
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }

  /** A head holding the data set of {@code testdata/api.load}. */
  static Head head() {
    Head head = new Head(() -> NOW_MS, Duration.ofDays(365));
    load(head, resourceText("api.load"));
    return head;
  }

  static Engine engine() {
    return new Engine(EngineOptions.defaults());
  }

  static QueryApi api(Head head, TargetRetriever targets, RulesRetriever rules) {
    return new QueryApi(head, engine(), targets, rules, STATUS, () -> NOW_MS);
  }

  /** Parameters from name/value pairs; a name may repeat. */
  static ApiParams params(String... namesAndValues) {
    Map<String, List<String>> m = new LinkedHashMap<>();
    for (int i = 0; i < namesAndValues.length; i += 2) {
      m.computeIfAbsent(namesAndValues[i], k -> new ArrayList<>()).add(namesAndValues[i + 1]);
    }
    return ApiParams.of(m);
  }

  // --- the load notation ------------------------------------------------------------------------

  /**
   * Loads a script in promqltest's {@code load <step>} notation: series lines with values {@code 1
   * 2 3}, {@code a+bxN} and {@code a-bxN} (N+1 values), {@code axN}, {@code _} and {@code _xN}
   * (gaps), {@code stale}; plus our own {@code metadata <family> <type> <unit|-> <help>} lines,
   * each reported as by its own target.
   */
  static void load(Head head, String script) {
    long stepMs = 0;
    Appender app = head.appender();
    try {
      for (String raw : script.split("\n")) {
        String line = raw.strip();
        if (line.isEmpty() || line.startsWith("#")) {
          continue;
        }
        if (line.startsWith("load ")) {
          stepMs = Durations.parseMillis(line.substring(5).strip());
        } else if (line.startsWith("metadata ")) {
          // Each line as if reported by its own target: two lines of a family are two variants.
          String[] f = line.split(" ", 5);
          Appender md = head.appender();
          md.updateMetadata(f[1], new MetricMetadata(f[2], f[4], f[3].equals("-") ? "" : f[3]));
          md.commit();
        } else {
          int end = metricEnd(line);
          Labels labels = Parser.parseMetric(line.substring(0, end));
          long t = 0;
          for (String item : line.substring(end).strip().split("\\s+")) {
            for (double v : expand(item)) {
              if (!Double.isNaN(v) || Double.doubleToRawLongBits(v) != GAP) {
                app.append(0, labels, t, v);
              }
              t += stepMs;
            }
          }
        }
      }
    } catch (StorageException e) {
      throw new IllegalStateException(e);
    }
    app.commit();
  }

  /** A NaN bit pattern marking a gap ({@code _}) in an expansion. */
  private static final long GAP = 0x7ff8dead0000beefL;

  private static int metricEnd(String line) {
    int brace = line.indexOf('{');
    int space = line.indexOf(' ');
    if (brace < 0 || (space >= 0 && space < brace)) {
      return space;
    }
    boolean inQuote = false;
    for (int i = brace; i < line.length(); i++) {
      char c = line.charAt(i);
      if (c == '\\') {
        i++;
      } else if (c == '"') {
        inQuote = !inQuote;
      } else if (c == '}' && !inQuote) {
        return i + 1;
      }
    }
    throw new IllegalArgumentException("unterminated series: " + line);
  }

  private static List<Double> expand(String item) {
    List<Double> out = new ArrayList<>();
    double gap = Double.longBitsToDouble(GAP);
    if (item.equals("_")) {
      out.add(gap);
      return out;
    }
    if (item.equals("stale")) {
      out.add(StaleNaN.VALUE);
      return out;
    }
    int x = item.lastIndexOf('x');
    if (x < 0) {
      out.add(parseFloat(item));
      return out;
    }
    int n = Integer.parseInt(item.substring(x + 1));
    String head = item.substring(0, x);
    if (head.equals("_")) {
      for (int i = 0; i < n; i++) {
        out.add(gap);
      }
      return out;
    }
    int op = Math.max(head.lastIndexOf('+'), head.lastIndexOf('-'));
    double start;
    double delta = 0;
    if (op > 0) {
      start = parseFloat(head.substring(0, op));
      delta = parseFloat(head.substring(op));
    } else {
      start = parseFloat(head);
    }
    for (int i = 0; i <= n; i++) {
      out.add(start + delta * i);
    }
    return out;
  }

  // --- cases and transcripts
  // ----------------------------------------------------------------------

  /** One request of a {@code .cases} file. */
  record Case(String name, String path, Map<String, List<String>> params) {

    ApiParams apiParams() {
      return ApiParams.of(params);
    }

    /** The request as a URL, as curl would send it. */
    String url() {
      StringJoiner q = new StringJoiner("&");
      params.forEach(
          (k, vs) -> {
            for (String v : vs) {
              q.add(encode(k) + "=" + encode(v));
            }
          });
      return q.length() == 0 ? path : path + "?" + q;
    }

    private static String encode(String s) {
      return URLEncoder.encode(s, StandardCharsets.UTF_8).replace("%5B", "[").replace("%5D", "]");
    }
  }

  static List<Case> cases(String file) {
    List<Case> out = new ArrayList<>();
    for (String line : resourceText(file).split("\n")) {
      if (line.isBlank() || line.startsWith("#")) {
        continue;
      }
      String[] f = line.split("\t");
      Map<String, List<String>> params = new LinkedHashMap<>();
      for (int i = 2; i < f.length; i++) {
        int eq = f[i].indexOf('=');
        params
            .computeIfAbsent(f[i].substring(0, eq), k -> new ArrayList<>())
            .add(f[i].substring(eq + 1));
      }
      out.add(new Case(f[0], f[1], params));
    }
    return out;
  }

  /** Routes a path to its {@link QueryApi} method, as the web layer does. */
  static ApiResponse dispatch(QueryApi api, String path, ApiParams p) {
    String prefix = "/api/v1/label/";
    if (path.startsWith(prefix) && path.endsWith("/values")) {
      return api.labelValues(
          path.substring(prefix.length(), path.length() - "/values".length()), p);
    }
    return switch (path) {
      case "/api/v1/query" -> api.query(p);
      case "/api/v1/query_range" -> api.queryRange(p);
      case "/api/v1/query_exemplars" -> api.queryExemplars(p);
      case "/api/v1/format_query" -> api.formatQuery(p);
      case "/api/v1/series" -> api.series(p);
      case "/api/v1/labels" -> api.labelNames(p);
      case "/api/v1/metadata" -> api.metadata(p);
      case "/api/v1/targets" -> api.targets(p);
      case "/api/v1/rules" -> api.rules(p);
      case "/api/v1/status/buildinfo" -> api.buildInfo();
      case "/api/v1/status/config" -> api.config();
      case "/api/v1/status/flags" -> api.flags();
      case "/api/v1/status/runtimeinfo" -> api.runtimeInfo();
      default -> throw new IllegalArgumentException("no endpoint " + path);
    };
  }

  /** One case's section of a golden file. */
  static String transcript(Case c, ApiResponse r) {
    return "### " + c.name() + "\n" + c.url() + "\n" + r.status() + "\n" + r.body() + "\n\n";
  }

  /** The sections of a golden file by case name. */
  static Map<String, String> sections(String golden) {
    Map<String, String> out = new LinkedHashMap<>();
    int i = golden.indexOf("### ");
    while (i >= 0) {
      int next = golden.indexOf("\n### ", i);
      String section = next < 0 ? golden.substring(i) : golden.substring(i, next + 1);
      String name = section.substring(4, section.indexOf('\n'));
      out.put(name, section);
      i = next < 0 ? -1 : next + 1;
    }
    return out;
  }

  /** A load-script number, parsed as Go's ParseFloat would. */
  private static double parseFloat(String text) {
    GoFloatParser parser = new GoFloatParser();
    double v = parser.parseGo(text);
    if (parser.status() != GoFloatParser.OK) {
      throw new IllegalArgumentException("invalid number in load script: " + text);
    }
    return v;
  }
}
