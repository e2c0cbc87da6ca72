package io.promfed.config;

import io.promfed.config.NodeReader.Struct;
import io.promfed.model.gostrconv.GoQuote;
import io.promfed.model.labels.LabelsBuilder;
import io.promfed.model.relabel.Action;
import io.promfed.model.relabel.Names;
import io.promfed.model.relabel.Regexp;
import io.promfed.model.relabel.RelabelConfig;
import java.net.URI;
import java.net.URISyntaxException;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.function.Function;
import org.yaml.snakeyaml.nodes.Node;
import org.yaml.snakeyaml.nodes.NodeTuple;

/**
 * Turns a composed YAML tree into a {@link PrometheusConfig}, in the order Prometheus does it:
 * first every section is decoded (type errors, unknown keys and the checks of each type's {@code
 * UnmarshalYAML}), then {@code Config.UnmarshalYAML} validates across sections (rule file globs,
 * inheritance from {@code global}, {@code ScrapeConfig.Validate}, relabel rules, duplicate jobs).
 * See prometheus/prometheus {@code config/config.go}. One instance per load; not thread-safe.
 */
final class ConfigDecoder {

  // Go type names used in messages, as go-yaml prints them for Prometheus's structs.
  private static final String T_CONFIG = "config.Config";
  private static final String T_GLOBAL = "config.GlobalConfig";
  private static final String T_SCRAPE = "config.ScrapeConfig";
  private static final String T_REMOTE_WRITE = "config.RemoteWriteConfig";
  private static final String T_REMOTE_READ = "config.RemoteReadConfig";
  private static final String T_QUEUE = "config.QueueConfig";
  private static final String T_RELABEL = "relabel.Config";
  private static final String T_GROUP = "targetgroup.Group";
  private static final String T_KUBERNETES = "kubernetes.SDConfig";
  private static final String T_NAMESPACES = "kubernetes.NamespaceDiscovery";
  private static final String T_SELECTOR = "kubernetes.SelectorConfig";
  private static final String T_BASIC_AUTH = "config.BasicAuth";
  private static final String T_TLS = "config.TLSConfig";

  private static final Set<String> CONFIG_KEYS =
      Set.of("global", "rule_files", "scrape_configs", "remote_write", "remote_read");
  private static final Set<String> CONFIG_UNSUPPORTED =
      Set.of(
          "alerting",
          "runtime",
          "scrape_config_files",
          "storage",
          "tracing",
          "otlp");

  private static final Set<String> GLOBAL_KEYS =
      Set.of(
          "scrape_interval",
          "scrape_timeout",
          "evaluation_interval",
          "external_labels",
          "body_size_limit",
          "sample_limit",
          "target_limit",
          "label_limit",
          "label_name_length_limit",
          "label_value_length_limit",
          "metric_name_validation_scheme");
  private static final Set<String> GLOBAL_UNSUPPORTED =
      Set.of(
          "scrape_protocols",
          "rule_query_offset",
          "query_log_file",
          "scrape_failure_log_file",
          "keep_dropped_targets",
          "metric_name_escaping_scheme",
          "scrape_native_histograms",
          "convert_classic_histograms_to_nhcb",
          "always_scrape_classic_histograms",
          "extra_scrape_metrics");

  /** HTTP client keys of prometheus/common that this suite does not implement. */
  private static final Set<String> HTTP_UNSUPPORTED =
      Set.of(
          "authorization",
          "oauth2",
          "proxy_url",
          "no_proxy",
          "proxy_from_environment",
          "proxy_connect_header",
          "http_headers");

  private static final Set<String> SCRAPE_KEYS =
      Set.of(
          "job_name",
          "honor_labels",
          "honor_timestamps",
          "track_timestamps_staleness",
          "params",
          "scrape_interval",
          "scrape_timeout",
          "metrics_path",
          "scheme",
          "enable_compression",
          "body_size_limit",
          "sample_limit",
          "target_limit",
          "label_limit",
          "label_name_length_limit",
          "label_value_length_limit",
          // vmagent's per-target cardinality limit (issue #6: the master's memory stays bounded).
          "series_limit",
          "static_configs",
          "kubernetes_sd_configs",
          "relabel_configs",
          "metric_relabel_configs",
          "basic_auth",
          "bearer_token",
          "bearer_token_file",
          "tls_config",
          "follow_redirects",
          "enable_http2",
          "metric_name_validation_scheme");
  private static final Set<String> SCRAPE_UNSUPPORTED =
      union(
          HTTP_UNSUPPORTED,
          Set.of(
              "scrape_protocols",
              "fallback_scrape_protocol",
              "scrape_native_histograms",
              "always_scrape_classic_histograms",
              "convert_classic_histograms_to_nhcb",
              "scrape_failure_log_file",
              "native_histogram_bucket_limit",
              "native_histogram_min_bucket_factor",
              "keep_dropped_targets",
              "metric_name_escaping_scheme",
              "extra_scrape_metrics",
              // Service discovery mechanisms other than static and Kubernetes.
              "aws_sd_configs",
              "azure_sd_configs",
              "consul_sd_configs",
              "digitalocean_sd_configs",
              "dns_sd_configs",
              "docker_sd_configs",
              "dockerswarm_sd_configs",
              "ec2_sd_configs",
              "eureka_sd_configs",
              "file_sd_configs",
              "gce_sd_configs",
              "hetzner_sd_configs",
              "http_sd_configs",
              "ionos_sd_configs",
              "kuma_sd_configs",
              "lightsail_sd_configs",
              "linode_sd_configs",
              "marathon_sd_configs",
              "nerve_sd_configs",
              "nomad_sd_configs",
              "oci_sd_configs",
              "openstack_sd_configs",
              "outscale_sd_configs",
              "ovhcloud_sd_configs",
              "puppetdb_sd_configs",
              "scaleway_sd_configs",
              "serverset_sd_configs",
              "stackit_sd_configs",
              "triton_sd_configs",
              "uyuni_sd_configs",
              "vultr_sd_configs"));

  private static final Set<String> RELABEL_KEYS =
      Set.of(
          "source_labels",
          "separator",
          "regex",
          "modulus",
          "target_label",
          "replacement",
          "action");
  private static final Set<String> GROUP_KEYS = Set.of("targets", "labels");
  private static final Set<String> KUBERNETES_KEYS =
      Set.of(
          "role",
          "namespaces",
          "selectors",
          "api_server",
          "kubeconfig_file",
          "follow_redirects",
          "enable_http2");
  private static final Set<String> KUBERNETES_UNSUPPORTED =
      union(
          HTTP_UNSUPPORTED,
          Set.of(
              "attach_metadata", "basic_auth", "bearer_token", "bearer_token_file", "tls_config"));
  private static final Set<String> NAMESPACES_KEYS = Set.of("own_namespace", "names");
  private static final Set<String> SELECTOR_KEYS = Set.of("role", "label", "field");
  private static final Set<String> REMOTE_WRITE_KEYS =
      Set.of(
          "url",
          "remote_timeout",
          "write_relabel_configs",
          "basic_auth",
          "bearer_token",
          "bearer_token_file",
          "queue_config",
          "name",
          "headers",
          "follow_redirects",
          "enable_http2");
  private static final Set<String> REMOTE_WRITE_UNSUPPORTED =
      union(
          HTTP_UNSUPPORTED,
          Set.of(
              "send_exemplars",
              "send_native_histograms",
              "round_robin_dns",
              "protobuf_message",
              "failed_request_logging",
              "metadata_config",
              "sigv4",
              "azuread",
              "google_iam",
              "tls_config"));
  private static final Set<String> REMOTE_READ_KEYS =
      Set.of(
          "url",
          "name",
          "remote_timeout",
          "headers",
          "read_recent",
          "required_matchers",
          "filter_external_labels",
          "basic_auth",
          "bearer_token",
          "bearer_token_file",
          "follow_redirects",
          "enable_http2");
  private static final Set<String> REMOTE_READ_UNSUPPORTED =
      union(HTTP_UNSUPPORTED, Set.of("tls_config"));
  private static final Set<String> QUEUE_KEYS =
      Set.of(
          "capacity",
          "max_shards",
          "min_shards",
          "max_samples_per_send",
          "batch_send_deadline",
          "min_backoff",
          "max_backoff",
          "retry_on_http_429",
          "sample_age_limit");
  private static final Set<String> BASIC_AUTH_KEYS =
      Set.of("username", "password", "password_file");
  private static final Set<String> BASIC_AUTH_UNSUPPORTED =
      Set.of("username_file", "username_ref", "password_ref");
  private static final Set<String> TLS_KEYS =
      Set.of("ca_file", "cert_file", "key_file", "server_name", "insecure_skip_verify");
  private static final Set<String> TLS_UNSUPPORTED =
      Set.of("ca", "cert", "key", "ca_ref", "cert_ref", "key_ref", "min_version", "max_version");

  private final NodeReader r;
  private final Function<String, String> env;
  private final Path baseDir;

  /**
   * @param env environment lookup for {@code external_labels} expansion (null or "" when unset)
   * @param baseDir directory against which relative file paths are resolved, or {@code null}
   */
  ConfigDecoder(String sourceName, Function<String, String> env, Path baseDir) {
    this.r = new NodeReader(sourceName);
    this.env = env;
    this.baseDir = baseDir;
  }

  /** Global settings plus the limits that scrape configs inherit. */
  private record GlobalDraft(GlobalConfig config, Limits limits) {}

  /** The scrape limits of {@code global} and of a scrape config; 0 means unset. */
  private record Limits(
      long bodySizeLimitBytes,
      long sampleLimit,
      long targetLimit,
      long labelLimit,
      long labelNameLengthLimit,
      long labelValueLengthLimit) {
    static final Limits NONE = new Limits(0, 0, 0, 0, 0, 0);

    /** {@code ScrapeConfig.Validate}: each zero limit takes the global value. */
    Limits inherit(Limits global) {
      return new Limits(
          bodySizeLimitBytes != 0 ? bodySizeLimitBytes : global.bodySizeLimitBytes,
          sampleLimit != 0 ? sampleLimit : global.sampleLimit,
          targetLimit != 0 ? targetLimit : global.targetLimit,
          labelLimit != 0 ? labelLimit : global.labelLimit,
          labelNameLengthLimit != 0 ? labelNameLengthLimit : global.labelNameLengthLimit,
          labelValueLengthLimit != 0 ? labelValueLengthLimit : global.labelValueLengthLimit);
    }
  }

  /** A decoded relabel rule that still has to pass {@code Config.Validate}. */
  private record RelabelDraft(Struct node, RelabelConfig config, boolean actionMissing) {}

  /** A decoded scrape config before inheritance from global and {@code ScrapeConfig.Validate}. */
  private record ScrapeDraft(
      Struct node,
      ScrapeConfig.Builder builder,
      Duration interval,
      Duration timeout,
      Limits limits,
      List<RelabelDraft> relabel,
      List<RelabelDraft> metricRelabel) {}

  /** A decoded remote write config before its relabel rules are validated. */
  private record RemoteWriteDraft(
      Struct node,
      URI url,
      Duration remoteTimeout,
      List<RelabelDraft> relabel,
      BasicAuth basicAuth,
      String bearerToken,
      String bearerTokenFile,
      QueueConfig queue,
      String name,
      Map<String, String> headers) {}

  /** A decoded remote read config with its node, for errors found across entries. */
  private record RemoteReadDraft(Struct node, RemoteReadConfig config) {}

  PrometheusConfig decode(Node root) throws ConfigException {
    if (NodeReader.isNull(root)) {
      return PrometheusConfig.empty();
    }
    Struct top = r.struct(root, T_CONFIG, CONFIG_KEYS, CONFIG_UNSUPPORTED);

    // Phase 1: decode every section.
    GlobalDraft global = decodeGlobal(top.value("global"));
    List<Node> ruleFileNodes = r.sequence(top.value("rule_files"), "[]string");
    List<String> ruleFiles = new ArrayList<>();
    for (Node n : ruleFileNodes) {
      ruleFiles.add(r.string(n));
    }
    List<Node> scrapeNodes = r.sequence(top.value("scrape_configs"), "[]*config.ScrapeConfig");
    List<ScrapeDraft> scrapes = new ArrayList<>();
    for (Node n : scrapeNodes) {
      scrapes.add(NodeReader.isNull(n) ? null : decodeScrape(n));
    }
    List<Node> rwNodes = r.sequence(top.value("remote_write"), "[]*config.RemoteWriteConfig");
    List<RemoteWriteDraft> remoteWrites = new ArrayList<>();
    for (Node n : rwNodes) {
      remoteWrites.add(NodeReader.isNull(n) ? null : decodeRemoteWrite(n));
    }
    List<Node> rrNodes = r.sequence(top.value("remote_read"), "[]*config.RemoteReadConfig");
    List<RemoteReadDraft> remoteReads = new ArrayList<>();
    for (Node n : rrNodes) {
      remoteReads.add(NodeReader.isNull(n) ? null : decodeRemoteRead(n));
    }

    // Phase 2: Config.UnmarshalYAML's checks across sections.
    for (int i = 0; i < ruleFiles.size(); i++) {
      try {
        PrometheusConfig.checkRuleFilePath(ruleFiles.get(i));
      } catch (IllegalArgumentException e) {
        throw r.error(ruleFileNodes.get(i), e.getMessage());
      }
      ruleFiles.set(i, joinDir(ruleFiles.get(i)));
    }
    List<ScrapeConfig> scrapeConfigs = new ArrayList<>();
    Set<String> jobNames = new HashSet<>();
    for (int i = 0; i < scrapes.size(); i++) {
      ScrapeDraft d = scrapes.get(i);
      if (d == null) {
        throw r.error(scrapeNodes.get(i), "empty or null scrape config section");
      }
      ScrapeConfig sc = finishScrape(d, global);
      if (!jobNames.add(sc.jobName())) {
        throw r.error(
            d.node.value("job_name"), PrometheusConfig.duplicateJob(sc.jobName()).getMessage());
      }
      scrapeConfigs.add(sc);
    }
    List<RemoteWriteConfig> rwConfigs = new ArrayList<>();
    Set<String> rwNames = new HashSet<>();
    for (int i = 0; i < remoteWrites.size(); i++) {
      RemoteWriteDraft d = remoteWrites.get(i);
      if (d == null) {
        throw r.error(rwNodes.get(i), "empty or null remote write config section");
      }
      // Unnamed queues are told apart by a hash of their config (RemoteStorage), not by name.
      if (!d.name.isEmpty() && !rwNames.add(d.name)) {
        throw r.error(
            d.node.value("name"),
            "found multiple remote write configs with job name " + GoQuote.quote(d.name));
      }
      rwConfigs.add(finishRemoteWrite(d));
    }
    List<RemoteReadConfig> rrConfigs = new ArrayList<>();
    Set<String> readNames = new HashSet<>();
    for (int i = 0; i < remoteReads.size(); i++) {
      RemoteReadDraft d = remoteReads.get(i);
      if (d == null) {
        throw r.error(rrNodes.get(i), "empty or null remote read config section");
      }
      // Unnamed entries are told apart by their URL, as Prometheus does by config hash.
      String name = d.config.name();
      if (!name.isEmpty() && !readNames.add(name)) {
        throw r.error(
            d.node.value("name"), PrometheusConfig.duplicateRemoteRead(name).getMessage());
      }
      rrConfigs.add(d.config);
    }
    try {
      return new PrometheusConfig(
          global.config, ruleFiles, scrapeConfigs, rwConfigs, rrConfigs);
    } catch (IllegalArgumentException e) {
      throw r.error(root, e.getMessage()); // unreachable: the checks above come first
    }
  }

  // ---- global -------------------------------------------------------------------------------

  private GlobalDraft decodeGlobal(Node n) throws ConfigException {
    if (NodeReader.isNull(n)) {
      return new GlobalDraft(GlobalConfig.DEFAULT, Limits.NONE);
    }
    Struct s = r.struct(n, T_GLOBAL, GLOBAL_KEYS, GLOBAL_UNSUPPORTED);
    Duration interval = r.duration(s.value("scrape_interval"));
    Duration timeout = r.duration(s.value("scrape_timeout"));
    Duration evaluation = r.duration(s.value("evaluation_interval"));
    Map<String, NodeTuple> external = r.map(s.value("external_labels"), "map[string]string");
    Limits limits = decodeLimits(s);
    checkValidationScheme(s);

    LabelsBuilder lb = new LabelsBuilder();
    for (Map.Entry<String, NodeTuple> e : external.entrySet()) {
      String value = r.string(e.getValue().getValueNode());
      if (!Names.isValidLabelName(e.getKey())) {
        throw r.error(
            e.getValue().getKeyNode(), GoQuote.quote(e.getKey()) + " is not a valid label name");
      }
      if (!Names.isValidLabelValue(value)) {
        throw r.error(
            e.getValue().getValueNode(), GoQuote.quote(value) + " is not a valid label value");
      }
      // config.Load expands $VAR / ${VAR} in external label values from the environment.
      lb.set(e.getKey(), expandEnv(value));
    }
    // GlobalConfig.UnmarshalYAML: default the interval first, then check the timeout against it.
    if (interval.isZero()) {
      interval = GlobalConfig.DEFAULT.scrapeInterval();
    }
    if (timeout.compareTo(interval) > 0) {
      throw r.error(s.at("scrape_timeout"), "global scrape timeout greater than scrape interval");
    }
    if (timeout.isZero()) {
      timeout = min(GlobalConfig.DEFAULT.scrapeTimeout(), interval);
    }
    if (evaluation.isZero()) {
      evaluation = GlobalConfig.DEFAULT.evaluationInterval();
    }
    try {
      return new GlobalDraft(new GlobalConfig(interval, timeout, evaluation, lb.build()), limits);
    } catch (IllegalArgumentException e) {
      throw r.error(n, e.getMessage());
    }
  }

  private Limits decodeLimits(Struct s) throws ConfigException {
    return new Limits(
        r.bytes(s.value("body_size_limit")),
        r.uint(s.value("sample_limit"), "uint"),
        r.uint(s.value("target_limit"), "uint"),
        r.uint(s.value("label_limit"), "uint"),
        r.uint(s.value("label_name_length_limit"), "uint"),
        r.uint(s.value("label_value_length_limit"), "uint"));
  }

  /** Only the legacy scheme is implemented; Prometheus 3 defaults to utf8. */
  private void checkValidationScheme(Struct s) throws ConfigException {
    if (s.has("metric_name_validation_scheme")) {
      String v = r.string(s.value("metric_name_validation_scheme"));
      if (!v.isEmpty() && !v.equals("legacy")) {
        throw r.error(
            s.value("metric_name_validation_scheme"),
            "metric_name_validation_scheme "
                + GoQuote.quote(v)
                + " is not supported by promfed, only \"legacy\"");
      }
    }
  }

  /** Go's {@code os.Expand} with Prometheus's mapping: {@code $$} stays {@code $}, unset is "". */
  String expandEnv(String s) {
    StringBuilder buf = null;
    int i = 0;
    for (int j = 0; j < s.length(); j++) {
      if (s.charAt(j) == '$' && j + 1 < s.length()) {
        if (buf == null) {
          buf = new StringBuilder(2 * s.length());
        }
        buf.append(s, i, j);
        String rest = s.substring(j + 1);
        String name;
        int w;
        char c = rest.charAt(0);
        if (c == '{') {
          if (rest.length() > 2 && isShellSpecial(rest.charAt(1)) && rest.charAt(2) == '}') {
            name = rest.substring(1, 2);
            w = 3;
          } else {
            int close = rest.indexOf('}', 1);
            if (close == 1) {
              name = "";
              w = 2; // bad syntax: eat "${}"
            } else if (close < 0) {
              name = "";
              w = 1; // bad syntax: eat "${"
            } else {
              name = rest.substring(1, close);
              w = close + 1;
            }
          }
        } else if (isShellSpecial(c)) {
          name = rest.substring(0, 1);
          w = 1;
        } else {
          int k = 0;
          while (k < rest.length() && isAlphaNum(rest.charAt(k))) {
            k++;
          }
          name = rest.substring(0, k);
          w = k;
        }
        if (name.isEmpty() && w > 0) {
          // invalid syntax: the characters are dropped
        } else if (name.isEmpty()) {
          buf.append('$');
        } else if (name.equals("$")) {
          buf.append('$');
        } else {
          String v = env.apply(name);
          buf.append(v == null ? "" : v);
        }
        j += w;
        i = j + 1;
      }
    }
    return buf == null ? s : buf.append(s, Math.min(i, s.length()), s.length()).toString();
  }

  private static boolean isShellSpecial(char c) {
    return "*#$@!?-0123456789".indexOf(c) >= 0;
  }

  private static boolean isAlphaNum(char c) {
    return c == '_' || (c >= '0' && c <= '9') || (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z');
  }

  // ---- scrape configs -----------------------------------------------------------------------

  private ScrapeDraft decodeScrape(Node n) throws ConfigException {
    Struct s = r.struct(n, T_SCRAPE, SCRAPE_KEYS, SCRAPE_UNSUPPORTED);
    String jobName = r.string(s.value("job_name"));
    ScrapeConfig.Builder b = ScrapeConfig.builder(jobName);
    if (s.has("honor_labels")) {
      b.honorLabels(r.bool(s.value("honor_labels")));
    }
    if (s.has("honor_timestamps")) {
      b.honorTimestamps(r.bool(s.value("honor_timestamps")));
    }
    if (s.has("track_timestamps_staleness")) {
      b.trackTimestampsStaleness(r.bool(s.value("track_timestamps_staleness")));
    }
    if (s.has("params")) {
      Map<String, List<String>> params = new LinkedHashMap<>();
      for (Map.Entry<String, NodeTuple> e : r.map(s.value("params"), "url.Values").entrySet()) {
        List<String> values = new ArrayList<>();
        for (Node v : r.sequence(e.getValue().getValueNode(), "[]string")) {
          values.add(r.string(v));
        }
        params.put(e.getKey(), values);
      }
      b.params(params);
    }
    Duration interval = r.duration(s.value("scrape_interval"));
    Duration timeout = r.duration(s.value("scrape_timeout"));
    if (s.has("metrics_path")) {
      b.metricsPath(r.string(s.value("metrics_path")));
    }
    if (s.has("scheme")) {
      b.scheme(r.string(s.value("scheme")));
    }
    if (s.has("enable_compression")) {
      b.enableCompression(r.bool(s.value("enable_compression")));
    }
    Limits limits = decodeLimits(s);
    if (s.has("series_limit")) {
      int seriesLimit = r.int32(s.value("series_limit"));
      if (seriesLimit < 0) {
        // vmagent reads a negative limit as "none"; we ask for the 0 that says so plainly.
        throw r.error(
            s.value("series_limit"),
            "series_limit must not be negative, got " + seriesLimit + " (0 means no limit)");
      }
      b.seriesLimit(seriesLimit);
    }

    List<StaticConfig> statics = new ArrayList<>();
    List<Node> targetNodes = new ArrayList<>();
    for (Node g : r.sequence(s.value("static_configs"), "[]*targetgroup.Group")) {
      if (NodeReader.isNull(g)) {
        throw r.error(g, "empty or null section in static_configs");
      }
      statics.add(decodeStatic(g, targetNodes));
    }
    b.staticConfigs(statics);
    List<KubernetesSdConfig> kubernetes = new ArrayList<>();
    for (Node k : r.sequence(s.value("kubernetes_sd_configs"), "[]*kubernetes.SDConfig")) {
      if (NodeReader.isNull(k)) {
        throw r.error(k, "empty or null section in kubernetes_sd_configs");
      }
      kubernetes.add(decodeKubernetes(k));
    }
    b.kubernetesSdConfigs(kubernetes);
    List<RelabelDraft> relabel =
        decodeRelabelList(
            s.value("relabel_configs"), "empty or null target relabeling rule in scrape config");
    List<RelabelDraft> metricRelabel =
        decodeRelabelList(
            s.value("metric_relabel_configs"),
            "empty or null metric relabeling rule in scrape config");

    BasicAuth basicAuth = decodeBasicAuth(s.value("basic_auth"));
    String bearerToken = r.string(s.value("bearer_token"));
    String bearerTokenFile = joinDir(r.string(s.value("bearer_token_file")));
    b.basicAuth(basicAuth).bearerToken(bearerToken).bearerTokenFile(bearerTokenFile);
    b.tlsConfig(decodeTls(s.value("tls_config")));
    requireDefault(s, "follow_redirects", true);
    requireDefault(s, "enable_http2", true);
    checkValidationScheme(s);

    // ScrapeConfig.UnmarshalYAML's own checks.
    if (jobName.isEmpty()) {
      throw r.error(s.at("job_name"), "job_name is empty");
    }
    try {
      HttpClientChecks.validate(basicAuth, bearerToken, bearerTokenFile);
    } catch (IllegalArgumentException e) {
      throw r.error(n, e.getMessage());
    }
    if (relabel.isEmpty()) {
      // checkStaticTargets: users putting URLs into target groups.
      for (Node t : targetNodes) {
        try {
          ScrapeConfig.checkTargetAddress(r.string(t));
        } catch (IllegalArgumentException e) {
          throw r.error(t, e.getMessage());
        }
      }
    }
    return new ScrapeDraft(s, b, interval, timeout, limits, relabel, metricRelabel);
  }

  /** Inheritance from global and {@code ScrapeConfig.Validate}. */
  private ScrapeConfig finishScrape(ScrapeDraft d, GlobalDraft global) throws ConfigException {
    Struct s = d.node;
    String jobName = r.string(s.value("job_name"));
    Duration interval = d.interval.isZero() ? global.config.scrapeInterval() : d.interval;
    if (d.timeout.compareTo(interval) > 0) {
      throw r.error(
          s.at("scrape_timeout"),
          "scrape timeout greater than scrape interval for scrape config with job name "
              + GoQuote.quote(jobName));
    }
    Duration timeout =
        d.timeout.isZero() ? min(global.config.scrapeTimeout(), interval) : d.timeout;
    Limits limits = d.limits.inherit(global.limits);
    ScrapeConfig.Builder b = d.builder;
    b.scrapeInterval(interval)
        .scrapeTimeout(timeout)
        .bodySizeLimitBytes(limits.bodySizeLimitBytes)
        .sampleLimit(limits.sampleLimit)
        .targetLimit(limits.targetLimit)
        .labelLimit(limits.labelLimit)
        .labelNameLengthLimit(limits.labelNameLengthLimit)
        .labelValueLengthLimit(limits.labelValueLengthLimit);
    b.relabelConfigs(finishRelabel(d.relabel));
    b.metricRelabelConfigs(finishRelabel(d.metricRelabel));
    try {
      return b.build();
    } catch (IllegalArgumentException e) {
      // What is left here: the scheme check. Point at the scheme if it was written.
      throw r.error(s.has("scheme") ? s.value("scheme") : s.node, e.getMessage());
    }
  }

  /** A {@code targetgroup.Group}; its target nodes are added to {@code targetNodes}. */
  private StaticConfig decodeStatic(Node n, List<Node> targetNodes) throws ConfigException {
    Struct s = r.struct(n, T_GROUP, GROUP_KEYS, Set.of());
    List<String> targets = new ArrayList<>();
    for (Node t : r.sequence(s.value("targets"), "[]string")) {
      targets.add(r.string(t));
      targetNodes.add(t);
    }
    LabelsBuilder lb = new LabelsBuilder();
    for (Map.Entry<String, NodeTuple> e : r.map(s.value("labels"), "model.LabelSet").entrySet()) {
      if (!Names.isValidLabelName(e.getKey())) {
        throw r.error(
            e.getValue().getKeyNode(), GoQuote.quote(e.getKey()) + " is not a valid label name");
      }
      String value = r.string(e.getValue().getValueNode());
      if (!Names.isValidLabelValue(value)) {
        throw r.error(
            e.getValue().getValueNode(), GoQuote.quote(value) + " is not a valid label value");
      }
      lb.set(e.getKey(), value);
    }
    return new StaticConfig(targets, lb.build());
  }

  private KubernetesSdConfig decodeKubernetes(Node n) throws ConfigException {
    Struct s = r.struct(n, T_KUBERNETES, KUBERNETES_KEYS, KUBERNETES_UNSUPPORTED);
    String role = r.string(s.value("role"));
    if (!role.isEmpty()) {
      try {
        KubernetesSdConfig.checkRole(role);
      } catch (IllegalArgumentException e) {
        throw r.error(s.value("role"), e.getMessage());
      }
    }
    List<String> names = List.of();
    boolean own = false;
    if (!NodeReader.isNull(s.value("namespaces"))) {
      Struct ns = r.struct(s.value("namespaces"), T_NAMESPACES, NAMESPACES_KEYS, Set.of());
      own = r.bool(ns.value("own_namespace"));
      names = r.strings(ns.value("names"));
    }
    List<KubernetesSdConfig.Selector> selectors = new ArrayList<>();
    for (Node sel : r.sequence(s.value("selectors"), "[]kubernetes.SelectorConfig")) {
      if (NodeReader.isNull(sel)) {
        selectors.add(new KubernetesSdConfig.Selector("", "", ""));
        continue;
      }
      Struct ss = r.struct(sel, T_SELECTOR, SELECTOR_KEYS, Set.of());
      String selRole = r.string(ss.value("role"));
      if (ss.has("role")) {
        try {
          KubernetesSdConfig.checkRole(selRole);
        } catch (IllegalArgumentException e) {
          throw r.error(ss.value("role"), e.getMessage());
        }
      }
      selectors.add(
          new KubernetesSdConfig.Selector(
              selRole, r.string(ss.value("label")), r.string(ss.value("field"))));
    }
    String apiServer = r.string(s.value("api_server"));
    String kubeconfig = joinDir(r.string(s.value("kubeconfig_file")));
    requireDefault(s, "follow_redirects", true);
    requireDefault(s, "enable_http2", true);
    try {
      return new KubernetesSdConfig(role, names, own, selectors, apiServer, kubeconfig);
    } catch (IllegalArgumentException e) {
      throw r.error(n, e.getMessage());
    }
  }

  // ---- relabeling ---------------------------------------------------------------------------

  private List<RelabelDraft> decodeRelabelList(Node n, String nullMessage) throws ConfigException {
    List<RelabelDraft> out = new ArrayList<>();
    for (Node item : r.sequence(n, "[]*relabel.Config")) {
      if (NodeReader.isNull(item)) {
        throw r.error(item, nullMessage);
      }
      out.add(decodeRelabel(item));
    }
    return out;
  }

  /** {@code relabel.Config.UnmarshalYAML}: defaults first, then the written fields. */
  private RelabelDraft decodeRelabel(Node n) throws ConfigException {
    Struct s = r.struct(n, T_RELABEL, RELABEL_KEYS, Set.of());
    RelabelConfig.Builder b = RelabelConfig.builder();
    if (s.has("source_labels")) {
      List<String> names = new ArrayList<>();
      for (Node ln : r.sequence(s.value("source_labels"), "model.LabelNames")) {
        String name = r.string(ln);
        if (!Names.isValidLabelName(name)) {
          throw r.error(ln, GoQuote.quote(name) + " is not a valid label name");
        }
        names.add(name);
      }
      b.sourceLabels(names);
    }
    if (s.has("separator")) {
      b.separator(r.string(s.value("separator")));
    }
    if (s.has("regex")) {
      // A null regex compiles "" (UnmarshalYAML: c.Regex.Regexp == nil → MustNewRegexp("")).
      String re = r.string(s.value("regex"));
      try {
        b.regex(Regexp.compile(re));
      } catch (com.google.re2j.PatternSyntaxException e) {
        throw r.error(s.value("regex"), e.getMessage());
      }
    }
    if (s.has("modulus")) {
      b.modulus(r.uint64(s.value("modulus")));
    }
    if (s.has("target_label")) {
      b.targetLabel(r.string(s.value("target_label")));
    }
    if (s.has("replacement")) {
      b.replacement(r.string(s.value("replacement")));
    }
    // A null action leaves Action "" (the unmarshaler is not called) and Validate then fails with
    // "relabel action cannot be empty"; an empty string is an unknown action.
    boolean actionMissing = s.has("action") && NodeReader.isNull(s.value("action"));
    if (s.has("action") && !actionMissing) {
      String a = r.string(s.value("action"));
      try {
        b.action(Action.parse(a));
      } catch (IllegalArgumentException e) {
        throw r.error(s.value("action"), e.getMessage());
      }
    }
    return new RelabelDraft(s, b.build(), actionMissing);
  }

  /** {@code relabel.Config.Validate} for each rule, located at the rule. */
  private List<RelabelConfig> finishRelabel(List<RelabelDraft> drafts) throws ConfigException {
    List<RelabelConfig> out = new ArrayList<>(drafts.size());
    for (RelabelDraft d : drafts) {
      if (d.actionMissing) {
        throw r.error(d.node.at("action"), "relabel action cannot be empty");
      }
      RelabelConfig c = d.config;
      // Prometheus tests "SourceLabels != nil": an explicit empty list counts as set.
      if ((c.action() == Action.LABELDROP || c.action() == Action.LABELKEEP)
          && !NodeReader.isNull(d.node.value("source_labels"))) {
        throw r.error(
            d.node.node, c.action() + " action requires only 'regex', and no other fields");
      }
      try {
        c.validate();
      } catch (IllegalArgumentException e) {
        throw r.error(d.node.node, e.getMessage());
      }
      out.add(c);
    }
    return out;
  }

  // ---- remote write -------------------------------------------------------------------------

  private RemoteWriteDraft decodeRemoteWrite(Node n) throws ConfigException {
    Struct s = r.struct(n, T_REMOTE_WRITE, REMOTE_WRITE_KEYS, REMOTE_WRITE_UNSUPPORTED);
    URI url = null;
    if (!NodeReader.isNull(s.value("url"))) {
      String text = r.string(s.value("url"));
      try {
        url = new URI(text);
      } catch (URISyntaxException e) {
        throw r.error(s.value("url"), "parse " + GoQuote.quote(text) + ": " + e.getReason());
      }
    }
    Duration remoteTimeout =
        s.has("remote_timeout")
            ? r.duration(s.value("remote_timeout"))
            : RemoteWriteConfig.DEFAULT_REMOTE_TIMEOUT;
    List<RelabelDraft> relabel =
        decodeRelabelList(
            s.value("write_relabel_configs"),
            "empty or null relabeling rule in remote write config");
    BasicAuth basicAuth = decodeBasicAuth(s.value("basic_auth"));
    String bearerToken = r.string(s.value("bearer_token"));
    String bearerTokenFile = joinDir(r.string(s.value("bearer_token_file")));
    requireDefault(s, "follow_redirects", true);
    requireDefault(s, "enable_http2", false); // DefaultRemoteWriteHTTPClientConfig
    QueueConfig queue = decodeQueue(s);
    String name = r.string(s.value("name"));
    Map<String, String> headers = new LinkedHashMap<>();
    for (Map.Entry<String, NodeTuple> e :
        r.map(s.value("headers"), "map[string]string").entrySet()) {
      headers.put(e.getKey(), r.string(e.getValue().getValueNode()));
    }

    // RemoteWriteConfig.UnmarshalYAML's checks, in its order.
    if (url == null) {
      throw r.error(s.at("url"), "url for remote_write is empty");
    }
    try {
      RemoteWriteConfig.checkHeaders(headers);
    } catch (IllegalArgumentException e) {
      throw r.error(s.at("headers"), e.getMessage());
    }
    try {
      HttpClientChecks.validate(basicAuth, bearerToken, bearerTokenFile);
    } catch (IllegalArgumentException e) {
      throw r.error(n, e.getMessage());
    }
    return new RemoteWriteDraft(
        s,
        url,
        remoteTimeout,
        relabel,
        basicAuth,
        bearerToken,
        bearerTokenFile,
        queue,
        name,
        headers);
  }

  private QueueConfig decodeQueue(Struct rw) throws ConfigException {
    if (!rw.has("queue_config")) {
      return QueueConfig.DEFAULT;
    }
    Node n = rw.value("queue_config");
    QueueConfig d = QueueConfig.DEFAULT;
    // A null block decodes to the zero QueueConfig (and then fails validation), as upstream.
    Struct s = NodeReader.isNull(n) ? null : r.struct(n, T_QUEUE, QUEUE_KEYS, Set.of());
    try {
      return new QueueConfig(
          s == null ? 0 : s.has("capacity") ? r.int32(s.value("capacity")) : d.capacity(),
          s == null ? 0 : s.has("max_shards") ? r.int32(s.value("max_shards")) : d.maxShards(),
          s == null ? 0 : s.has("min_shards") ? r.int32(s.value("min_shards")) : d.minShards(),
          s == null
              ? 0
              : s.has("max_samples_per_send")
                  ? r.int32(s.value("max_samples_per_send"))
                  : d.maxSamplesPerSend(),
          s == null
              ? Duration.ZERO
              : s.has("batch_send_deadline")
                  ? r.duration(s.value("batch_send_deadline"))
                  : d.batchSendDeadline(),
          s == null
              ? Duration.ZERO
              : s.has("min_backoff") ? r.duration(s.value("min_backoff")) : d.minBackoff(),
          s == null
              ? Duration.ZERO
              : s.has("max_backoff") ? r.duration(s.value("max_backoff")) : d.maxBackoff(),
          s != null && s.has("retry_on_http_429")
              ? r.bool(s.value("retry_on_http_429"))
              : s != null && d.retryOnRateLimit(),
          s == null
              ? Duration.ZERO
              : s.has("sample_age_limit")
                  ? r.duration(s.value("sample_age_limit"))
                  : d.sampleAgeLimit());
    } catch (IllegalArgumentException e) {
      throw r.error(rw.at("queue_config"), e.getMessage());
    }
  }

  private RemoteWriteConfig finishRemoteWrite(RemoteWriteDraft d) throws ConfigException {
    List<RelabelConfig> relabel = finishRelabel(d.relabel);
    try {
      return new RemoteWriteConfig(
          d.url,
          d.remoteTimeout,
          relabel,
          d.basicAuth,
          d.bearerToken,
          d.bearerTokenFile,
          d.queue,
          d.name,
          d.headers);
    } catch (IllegalArgumentException e) {
      throw r.error(d.node.value("url"), e.getMessage()); // the URL scheme check
    }
  }

  // ---- remote read --------------------------------------------------------------------------

  private RemoteReadDraft decodeRemoteRead(Node n) throws ConfigException {
    Struct s = r.struct(n, T_REMOTE_READ, REMOTE_READ_KEYS, REMOTE_READ_UNSUPPORTED);
    URI url = null;
    if (!NodeReader.isNull(s.value("url"))) {
      String text = r.string(s.value("url"));
      try {
        url = new URI(text);
      } catch (URISyntaxException e) {
        throw r.error(s.value("url"), "parse " + GoQuote.quote(text) + ": " + e.getReason());
      }
    }
    Duration remoteTimeout =
        s.has("remote_timeout")
            ? r.duration(s.value("remote_timeout"))
            : RemoteReadConfig.DEFAULT_REMOTE_TIMEOUT;
    Map<String, String> headers = stringMap(s.value("headers"));
    Map<String, String> required = new LinkedHashMap<>();
    for (Map.Entry<String, NodeTuple> e :
        r.map(s.value("required_matchers"), "model.LabelSet").entrySet()) {
      // model.LabelSet's UnmarshalYAML validates the names.
      if (!Names.isValidLabelName(e.getKey())) {
        throw r.error(
            e.getValue().getKeyNode(), GoQuote.quote(e.getKey()) + " is not a valid label name");
      }
      required.put(e.getKey(), r.string(e.getValue().getValueNode()));
    }
    boolean readRecent = s.has("read_recent") && r.bool(s.value("read_recent"));
    boolean filterExternalLabels =
        !s.has("filter_external_labels") || r.bool(s.value("filter_external_labels"));
    BasicAuth basicAuth = decodeBasicAuth(s.value("basic_auth"));
    String bearerToken = r.string(s.value("bearer_token"));
    String bearerTokenFile = joinDir(r.string(s.value("bearer_token_file")));
    requireDefault(s, "follow_redirects", true);
    requireDefault(s, "enable_http2", true); // DefaultRemoteReadConfig's HTTP client default

    if (url == null) {
      throw r.error(s.at("url"), "url for remote_read is empty");
    }
    try {
      return new RemoteReadDraft(
          s,
          new RemoteReadConfig(
          url,
          r.string(s.value("name")),
          remoteTimeout,
          headers,
          readRecent,
          required,
          filterExternalLabels,
          basicAuth,
          bearerToken,
          bearerTokenFile));
    } catch (IllegalArgumentException e) {
      Node at = e.getMessage().startsWith("URL scheme") ? s.value("url") : n;
      if (s.has("headers") && e.getMessage().contains("header")) {
        at = s.value("headers");
      }
      throw r.error(at, e.getMessage());
    }
  }

  /** A {@code map[string]string}; absent or null is empty. */
  private Map<String, String> stringMap(Node n) throws ConfigException {
    Map<String, String> out = new LinkedHashMap<>();
    for (Map.Entry<String, NodeTuple> e : r.map(n, "map[string]string").entrySet()) {
      out.put(e.getKey(), r.string(e.getValue().getValueNode()));
    }
    return out;
  }

  // ---- HTTP client pieces -------------------------------------------------------------------

  private BasicAuth decodeBasicAuth(Node n) throws ConfigException {
    if (NodeReader.isNull(n)) {
      return null;
    }
    Struct s = r.struct(n, T_BASIC_AUTH, BASIC_AUTH_KEYS, BASIC_AUTH_UNSUPPORTED);
    try {
      return new BasicAuth(
          r.string(s.value("username")),
          r.string(s.value("password")),
          joinDir(r.string(s.value("password_file"))));
    } catch (IllegalArgumentException e) {
      throw r.error(n, e.getMessage());
    }
  }

  private TlsConfig decodeTls(Node n) throws ConfigException {
    if (NodeReader.isNull(n)) {
      return TlsConfig.DEFAULT;
    }
    Struct s = r.struct(n, T_TLS, TLS_KEYS, TLS_UNSUPPORTED);
    try {
      return new TlsConfig(
          joinDir(r.string(s.value("ca_file"))),
          joinDir(r.string(s.value("cert_file"))),
          joinDir(r.string(s.value("key_file"))),
          r.string(s.value("server_name")),
          r.bool(s.value("insecure_skip_verify")));
    } catch (IllegalArgumentException e) {
      throw r.error(n, e.getMessage());
    }
  }

  /**
   * Accepts an HTTP client switch this suite does not implement only when it has Prometheus's
   * default value, so generated configs that spell out defaults still load.
   */
  private void requireDefault(Struct s, String key, boolean defaultValue) throws ConfigException {
    if (s.has(key) && r.bool(s.value(key)) != defaultValue) {
      throw r.error(
          s.at(key),
          "field "
              + key
              + " in type "
              + s.typeName
              + " is supported by promfed only with its default value "
              + defaultValue);
    }
  }

  // ---- helpers ------------------------------------------------------------------------------

  /** {@code config.JoinDir}: relative paths are resolved against the config file's directory. */
  private String joinDir(String path) {
    if (baseDir == null || path.isEmpty()) {
      return path;
    }
    Path p = Path.of(path);
    return p.isAbsolute() ? path : baseDir.resolve(p).normalize().toString();
  }

  private static Duration min(Duration a, Duration b) {
    return a.compareTo(b) <= 0 ? a : b;
  }

  private static Set<String> union(Set<String> a, Set<String> b) {
    Set<String> u = new HashSet<>(a);
    u.addAll(b);
    return Set.copyOf(u);
  }
}
