package io.promfed.discovery;

import io.promfed.model.time.Durations;
import io.promfed.config.ScrapeConfig;
import io.promfed.model.labels.Labels;
import io.promfed.model.labels.LabelsBuilder;
import io.promfed.model.gostrconv.GoQuote;
import io.promfed.model.relabel.Names;
import io.promfed.model.relabel.Relabeler;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.TreeMap;

/**
 * Turns a discovered target into the labels it is scraped with, and those labels into its scrape
 * URL: {@code PopulateDiscoveredLabels}, {@code PopulateLabels} and {@code Target.URL} of
 * prometheus/prometheus {@code scrape/target.go}. Kept out of the scraper so that discovery tests
 * and the targets page can use it. Stateless and thread-safe.
 */
public final class TargetLabels {

  public static final String ADDRESS = TargetGroup.ADDRESS_LABEL;
  public static final String SCHEME = "__scheme__";
  public static final String METRICS_PATH = "__metrics_path__";
  public static final String SCRAPE_INTERVAL = "__scrape_interval__";
  public static final String SCRAPE_TIMEOUT = "__scrape_timeout__";
  public static final String PARAM_PREFIX = "__param_";
  public static final String META_PREFIX = "__meta_";
  public static final String RESERVED_PREFIX = "__";
  public static final String JOB = "job";
  public static final String INSTANCE = "instance";

  private static final char[] HEX = "0123456789ABCDEF".toCharArray();

  private TargetLabels() {}

  /**
   * The outcome of {@link #populate}: exactly one of kept ({@link #labels()} set), dropped by
   * relabeling (neither set) or failed ({@link #error()} set). Immutable.
   *
   * @param discoveredLabels the labels before relabeling: target and group labels plus the job's
   *     defaults ({@code job}, {@code __scheme__} …), as shown for dropped targets upstream
   * @param labels the final target labels, or {@code null} when dropped or failed
   * @param error why the target is invalid (Prometheus's message), or {@code null}
   */
  public record Result(Labels discoveredLabels, Labels labels, String error) {
    public Result {
      Objects.requireNonNull(discoveredLabels, "discoveredLabels");
      if (labels != null && error != null) {
        throw new IllegalArgumentException("a result is either kept or failed");
      }
    }

    /** The target is scraped with {@link #labels()}. */
    public boolean isKept() {
      return labels != null;
    }

    /** A relabeling rule dropped the target; not an error. */
    public boolean isDropped() {
      return labels == null && error == null;
    }

    /** The target is invalid; {@link #error()} says why. */
    public boolean isFailed() {
      return error != null;
    }
  }

  /**
   * Builds a target's labels: target labels over group labels, then the job's defaults where unset
   * ({@code job}, {@code __scrape_interval__}, {@code __scrape_timeout__}, {@code
   * __metrics_path__}, {@code __scheme__}, {@code __param_<name>} = the first value of each
   * configured param), then {@code relabel_configs}. A kept target must have an {@code __address__}
   * without {@code /} and parseable, non-zero interval and timeout with timeout &lt;= interval; its
   * {@code __meta_*} labels are removed and {@code instance} defaults to {@code __address__}.
   *
   * @param group the target's group (its labels)
   * @param target the target's own labels, including {@code __address__}
   * @param cfg the job
   */
  public static Result populate(TargetGroup group, Labels target, ScrapeConfig cfg) {
    LabelsBuilder lb = new LabelsBuilder(target);
    Labels groupLabels = group.labels();
    for (int i = 0; i < groupLabels.size(); i++) {
      if (!target.has(groupLabels.name(i))) {
        lb.set(groupLabels.name(i), groupLabels.value(i));
      }
    }
    setIfAbsent(lb, JOB, cfg.jobName());
    setIfAbsent(lb, SCRAPE_INTERVAL, Durations.format(cfg.scrapeInterval()));
    setIfAbsent(lb, SCRAPE_TIMEOUT, Durations.format(cfg.scrapeTimeout()));
    setIfAbsent(lb, METRICS_PATH, cfg.metricsPath());
    setIfAbsent(lb, SCHEME, cfg.scheme());
    for (Map.Entry<String, List<String>> p : cfg.params().entrySet()) {
      if (!p.getValue().isEmpty()) {
        setIfAbsent(lb, PARAM_PREFIX + p.getKey(), p.getValue().get(0));
      }
    }
    Labels discovered = lb.build();

    if (!Relabeler.process(lb, cfg.relabelConfigs())) {
      return new Result(discovered, null, null);
    }
    String addr = lb.get(ADDRESS);
    if (addr == null) {
      return failed(discovered, "no address");
    }
    if (addr.indexOf('/') >= 0) {
      return failed(discovered, GoQuote.quote(addr) + " is not a valid hostname");
    }
    String interval = valueOrEmpty(lb, SCRAPE_INTERVAL);
    Duration intervalDuration;
    try {
      intervalDuration = Durations.parse(interval);
    } catch (IllegalArgumentException e) {
      return failed(discovered, "error parsing scrape interval: " + e.getMessage());
    }
    if (intervalDuration.isZero()) {
      return failed(discovered, "scrape interval cannot be 0");
    }
    String timeout = valueOrEmpty(lb, SCRAPE_TIMEOUT);
    Duration timeoutDuration;
    try {
      timeoutDuration = Durations.parse(timeout);
    } catch (IllegalArgumentException e) {
      return failed(discovered, "error parsing scrape timeout: " + e.getMessage());
    }
    if (timeoutDuration.isZero()) {
      return failed(discovered, "scrape timeout cannot be 0");
    }
    if (timeoutDuration.compareTo(intervalDuration) > 0) {
      return failed(
          discovered,
          "scrape timeout cannot be greater than scrape interval ("
              + GoQuote.quote(timeout)
              + " > "
              + GoQuote.quote(interval)
              + ")");
    }
    // Meta labels are deleted after relabeling; other "__" labels go on to the target, which keeps
    // them out of series labels. Walk downwards: delete() moves the last entry into the hole.
    for (int i = lb.size() - 1; i >= 0; i--) {
      if (lb.name(i).startsWith(META_PREFIX)) {
        lb.delete(lb.name(i));
      }
    }
    setIfAbsent(lb, INSTANCE, addr);
    Labels res = lb.build();
    for (int i = 0; i < res.size(); i++) {
      if (!Names.isValidLabelValue(res.value(i))) {
        return failed(
            discovered,
            "invalid label value for "
                + GoQuote.quote(res.name(i))
                + ": "
                + GoQuote.quote(res.value(i)));
      }
    }
    return new Result(discovered, res, null);
  }

  /**
   * The scrape URL of a target, as {@code Target.URL().String()}: {@code
   * <__scheme__>://<__address__><__metrics_path__>?<params>}. The job's params are copied first;
   * each {@code __param_<name>} label then replaces the <em>first</em> value of {@code name} (or
   * adds it), so extra values such as further {@code match[]} selectors survive. Parameters are
   * sorted by name and escaped like Go's {@code url.Values.Encode}.
   *
   * @param labels the final target labels (a kept {@link Result#labels()})
   * @param cfg the job, for its params
   */
  public static String scrapeUrl(Labels labels, ScrapeConfig cfg) {
    TreeMap<String, List<String>> params = new TreeMap<>(TargetLabels::compareUtf8);
    cfg.params().forEach((k, v) -> params.put(k, new ArrayList<>(v)));
    for (int i = 0; i < labels.size(); i++) {
      String name = labels.name(i);
      if (name.startsWith(PARAM_PREFIX)) {
        List<String> values =
            params.computeIfAbsent(name.substring(PARAM_PREFIX.length()), k -> new ArrayList<>());
        if (values.isEmpty()) {
          values.add(labels.value(i));
        } else {
          values.set(0, labels.value(i));
        }
      }
    }
    String scheme = labels.getOrEmpty(SCHEME);
    String host = labels.getOrEmpty(ADDRESS);
    String path = labels.getOrEmpty(METRICS_PATH);

    StringBuilder sb = new StringBuilder(64);
    if (!scheme.isEmpty()) {
      sb.append(scheme).append(':');
    }
    if (!scheme.isEmpty() || !host.isEmpty()) {
      if (!host.isEmpty() || !path.isEmpty()) {
        sb.append("//");
      }
      escape(sb, host, Mode.HOST);
    }
    if (!path.isEmpty() && path.charAt(0) != '/' && !host.isEmpty()) {
      sb.append('/');
    }
    if (sb.length() == 0) {
      int slash = path.indexOf('/');
      if ((slash < 0 ? path : path.substring(0, slash)).indexOf(':') >= 0) {
        sb.append("./"); // RFC 3986 §4.2: a colon in the first segment would read as a scheme
      }
    }
    if (path.equals("*")) {
      sb.append('*');
    } else {
      escape(sb, path, Mode.PATH);
    }
    boolean first = true;
    for (Map.Entry<String, List<String>> p : params.entrySet()) {
      for (String v : p.getValue()) {
        sb.append(first ? '?' : '&');
        first = false;
        escape(sb, p.getKey(), Mode.QUERY);
        sb.append('=');
        escape(sb, v, Mode.QUERY);
      }
    }
    return sb.toString();
  }

  private static Result failed(Labels discovered, String error) {
    return new Result(discovered, null, error);
  }

  /** Prometheus sets a default only when the label is unset or empty ({@code lb.Get(n) == ""}). */
  private static void setIfAbsent(LabelsBuilder lb, String name, String value) {
    if (lb.get(name) == null) {
      lb.set(name, value);
    }
  }

  private static String valueOrEmpty(LabelsBuilder lb, String name) {
    String v = lb.get(name);
    return v == null ? "" : v;
  }

  /** Go's {@code sort.Strings} order: by UTF-8 bytes, which is code point order. */
  private static int compareUtf8(String a, String b) {
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
    return Integer.compare(a.length() - i, b.length() - j);
  }

  private enum Mode {
    HOST,
    PATH,
    QUERY
  }

  /** Go's {@code net/url} {@code escape} for the host, path and query-component modes. */
  private static void escape(StringBuilder sb, String s, Mode mode) {
    byte[] bytes = null;
    for (int i = 0; i < s.length(); i++) {
      char c = s.charAt(i);
      if (c >= 0x80) {
        bytes = s.getBytes(StandardCharsets.UTF_8);
        break;
      }
    }
    if (bytes == null) {
      for (int i = 0; i < s.length(); i++) {
        appendEscaped(sb, (byte) s.charAt(i), mode);
      }
    } else {
      for (byte b : bytes) {
        appendEscaped(sb, b, mode);
      }
    }
  }

  private static void appendEscaped(StringBuilder sb, byte b, Mode mode) {
    int c = b & 0xff;
    if (!shouldEscape(c, mode)) {
      sb.append((char) c);
    } else if (c == ' ' && mode == Mode.QUERY) {
      sb.append('+');
    } else {
      sb.append('%').append(HEX[c >> 4]).append(HEX[c & 0xf]);
    }
  }

  /** Go's {@code shouldEscape} for {@code encodeHost}, {@code encodePath} and query components. */
  private static boolean shouldEscape(int c, Mode mode) {
    if ((c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9')) {
      return false;
    }
    if (mode == Mode.HOST) {
      switch (c) {
        case '!', '$', '&', '\'', '(', ')', '*', '+', ',', ';', '=', ':', '[', ']', '<', '>', '"':
          return false;
        default:
          break;
      }
    }
    switch (c) {
      case '-', '_', '.', '~':
        return false;
      case '$', '&', '+', ',', '/', ':', ';', '=', '?', '@':
        return switch (mode) {
          case PATH -> c == '?';
          case QUERY -> true;
          case HOST -> true; // '/', '?' and '@' are escaped in a host
        };
      default:
        return true;
    }
  }
}
