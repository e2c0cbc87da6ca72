package io.promfed.config;

import io.promfed.model.gostrconv.GoQuote;
import io.promfed.model.relabel.RelabelConfig;
import java.time.Duration;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.OptionalLong;

/**
 * One {@code scrape_configs} entry: the subset of Prometheus's {@code ScrapeConfig}
 * (prometheus/prometheus {@code config/config.go}) this suite implements, after inheritance from
 * {@code global}. Immutable and thread-safe; {@link #toString()} hides the bearer token.
 *
 * <p>Defaults are those of {@code DefaultScrapeConfig}: {@code metrics_path /metrics}, {@code
 * scheme http}, {@code honor_labels false}, {@code honor_timestamps true}, {@code
 * track_timestamps_staleness false}, {@code enable_compression true}, all limits 0 (no limit). A
 * zero {@code scrape_interval} or limit in the file means "inherit from global"; a zero {@code
 * scrape_timeout} becomes {@code min(global timeout, interval)}.
 *
 * <p>Two settings remember whether the file set them, because the apps default them differently
 * from Prometheus: {@code track_timestamps_staleness} (the master turns it on for {@code /federate}
 * jobs, see {@link FederationDefaults}) and vmagent's {@code series_limit} (absent: the scrape
 * manager's per-target default applies).
 *
 * @param jobName the job name, unique in the file; the default {@code job} label
 * @param scrapeInterval how often targets are scraped
 * @param scrapeTimeout per-scrape timeout, never above the interval
 * @param metricsPath HTTP path, the default {@code __metrics_path__}
 * @param scheme {@code http} or {@code https}, the default {@code __scheme__}
 * @param params URL query parameters; each key may have several values (e.g. {@code match[]})
 * @param honorLabels whether scraped labels win over target labels
 * @param honorTimestamps whether exposed timestamps are used
 * @param trackTimestampsStaleness whether series with explicit timestamps get stale markers
 * @param trackTimestampsStalenessSet whether the file (or builder) set {@code
 *     track_timestamps_staleness}, rather than leaving the default
 * @param staticConfigs {@code static_configs} target groups
 * @param kubernetesSdConfigs {@code kubernetes_sd_configs}
 * @param relabelConfigs target relabeling, applied to discovered targets
 * @param metricRelabelConfigs relabeling applied to each scraped series
 * @param sampleLimit per-scrape sample limit after metric relabeling, 0 = none
 * @param labelLimit per-series label count limit, 0 = none
 * @param labelNameLengthLimit per-label name length limit, 0 = none
 * @param labelValueLengthLimit per-label value length limit, 0 = none
 * @param bodySizeLimitBytes uncompressed body size limit, 0 (or less) = none
 * @param targetLimit limit on targets after relabeling, 0 = none
 * @param seriesLimit vmagent's {@code series_limit}: unique series per target, 0 = none; empty
 *     when not set, so that the scrape manager's {@code seriesLimitPerTarget} applies
 * @param basicAuth basic authentication, or {@code null}
 * @param bearerToken a bearer token, or ""
 * @param bearerTokenFile a file holding the bearer token, or ""
 * @param tlsConfig client TLS settings, {@link TlsConfig#DEFAULT} when absent
 * @param enableCompression whether to ask for gzip
 */
public record ScrapeConfig(
    String jobName,
    Duration scrapeInterval,
    Duration scrapeTimeout,
    String metricsPath,
    String scheme,
    Map<String, List<String>> params,
    boolean honorLabels,
    boolean honorTimestamps,
    boolean trackTimestampsStaleness,
    boolean trackTimestampsStalenessSet,
    List<StaticConfig> staticConfigs,
    List<KubernetesSdConfig> kubernetesSdConfigs,
    List<RelabelConfig> relabelConfigs,
    List<RelabelConfig> metricRelabelConfigs,
    long sampleLimit,
    long labelLimit,
    long labelNameLengthLimit,
    long labelValueLengthLimit,
    long bodySizeLimitBytes,
    long targetLimit,
    OptionalLong seriesLimit,
    BasicAuth basicAuth,
    String bearerToken,
    String bearerTokenFile,
    TlsConfig tlsConfig,
    boolean enableCompression) {

  /** {@code DefaultScrapeConfig.MetricsPath}. */
  public static final String DEFAULT_METRICS_PATH = "/metrics";

  /** {@code DefaultScrapeConfig.Scheme}. */
  public static final String DEFAULT_SCHEME = "http";

  /**
   * The checks of {@code ScrapeConfig.UnmarshalYAML} and {@code ScrapeConfig.Validate} in upstream
   * order, with upstream messages; plus a scheme check (Prometheus only fails when scraping).
   */
  public ScrapeConfig {
    Objects.requireNonNull(jobName, "jobName");
    Objects.requireNonNull(scrapeInterval, "scrapeInterval");
    Objects.requireNonNull(scrapeTimeout, "scrapeTimeout");
    Objects.requireNonNull(metricsPath, "metricsPath");
    Objects.requireNonNull(scheme, "scheme");
    params = copyParams(params);
    staticConfigs = List.copyOf(staticConfigs);
    kubernetesSdConfigs = List.copyOf(kubernetesSdConfigs);
    relabelConfigs = List.copyOf(relabelConfigs);
    metricRelabelConfigs = List.copyOf(metricRelabelConfigs);
    Objects.requireNonNull(bearerToken, "bearerToken");
    Objects.requireNonNull(bearerTokenFile, "bearerTokenFile");
    Objects.requireNonNull(tlsConfig, "tlsConfig");
    Objects.requireNonNull(seriesLimit, "seriesLimit");

    if (jobName.isEmpty()) {
      throw new IllegalArgumentException("job_name is empty");
    }
    HttpClientChecks.validate(basicAuth, bearerToken, bearerTokenFile);
    if (relabelConfigs.isEmpty()) {
      // checkStaticTargets: users putting URLs into target groups.
      for (StaticConfig sc : staticConfigs) {
        for (String t : sc.targets()) {
          checkTargetAddress(t);
        }
      }
    }
    if (scrapeInterval.compareTo(Duration.ZERO) <= 0) {
      throw new IllegalArgumentException(
          "scrape interval must be positive for scrape config with job name "
              + GoQuote.quote(jobName));
    }
    if (scrapeTimeout.compareTo(scrapeInterval) > 0) {
      throw new IllegalArgumentException(
          "scrape timeout greater than scrape interval for scrape config with job name "
              + GoQuote.quote(jobName));
    }
    if (scrapeTimeout.compareTo(Duration.ZERO) <= 0) {
      throw new IllegalArgumentException(
          "scrape timeout must be positive for scrape config with job name "
              + GoQuote.quote(jobName));
    }
    if (!scheme.equals("http") && !scheme.equals("https")) {
      throw new IllegalArgumentException(
          "invalid scheme "
              + GoQuote.quote(scheme)
              + " for scrape config with job name "
              + GoQuote.quote(jobName)
              + ": must be \"http\" or \"https\"");
    }
    if (sampleLimit < 0
        || labelLimit < 0
        || labelNameLengthLimit < 0
        || labelValueLengthLimit < 0
        || targetLimit < 0
        || seriesLimit.orElse(0) < 0) {
      throw new IllegalArgumentException(
          "limits must not be negative for scrape config with job name " + GoQuote.quote(jobName));
    }
    for (RelabelConfig rc : relabelConfigs) {
      rc.validate();
    }
    for (RelabelConfig rc : metricRelabelConfigs) {
      rc.validate();
    }
  }

  /**
   * {@code CheckTargetAddress}: an address must not contain {@code /}, which catches URLs written
   * as targets.
   *
   * @throws IllegalArgumentException {@code "http://x" is not a valid hostname}
   */
  public static void checkTargetAddress(String address) {
    if (address.indexOf('/') >= 0) {
      throw new IllegalArgumentException(GoQuote.quote(address) + " is not a valid hostname");
    }
  }

  /** A builder with {@code DefaultScrapeConfig} values and the default global interval/timeout. */
  public static Builder builder(String jobName) {
    return new Builder(jobName);
  }

  /** A builder holding this config's values. */
  public Builder toBuilder() {
    return new Builder(this);
  }

  private static Map<String, List<String>> copyParams(Map<String, List<String>> params) {
    Map<String, List<String>> copy = new LinkedHashMap<>();
    params.forEach((k, v) -> copy.put(Objects.requireNonNull(k), List.copyOf(v)));
    return Collections.unmodifiableMap(copy);
  }

  @Override
  public String toString() {
    return "ScrapeConfig[jobName="
        + jobName
        + ", scrapeInterval="
        + scrapeInterval
        + ", scrapeTimeout="
        + scrapeTimeout
        + ", metricsPath="
        + metricsPath
        + ", scheme="
        + scheme
        + ", params="
        + params
        + ", honorLabels="
        + honorLabels
        + ", honorTimestamps="
        + honorTimestamps
        + ", trackTimestampsStaleness="
        + trackTimestampsStaleness
        + (trackTimestampsStalenessSet ? "" : " (default)")
        + ", staticConfigs="
        + staticConfigs
        + ", kubernetesSdConfigs="
        + kubernetesSdConfigs
        + ", relabelConfigs="
        + relabelConfigs
        + ", metricRelabelConfigs="
        + metricRelabelConfigs
        + ", sampleLimit="
        + sampleLimit
        + ", labelLimit="
        + labelLimit
        + ", labelNameLengthLimit="
        + labelNameLengthLimit
        + ", labelValueLengthLimit="
        + labelValueLengthLimit
        + ", bodySizeLimitBytes="
        + bodySizeLimitBytes
        + ", targetLimit="
        + targetLimit
        + ", seriesLimit="
        + (seriesLimit.isPresent() ? seriesLimit.getAsLong() : "default")
        + ", basicAuth="
        + basicAuth
        + ", bearerToken="
        + (bearerToken.isEmpty() ? "" : "<secret>")
        + ", bearerTokenFile="
        + bearerTokenFile
        + ", tlsConfig="
        + tlsConfig
        + ", enableCompression="
        + enableCompression
        + "]";
  }

  /**
   * Builds a {@link ScrapeConfig} in code (tests, ServiceMonitor translation). Starts from {@code
   * DefaultScrapeConfig} with the default global interval (1m) and timeout (10s); {@link #build()}
   * validates. Not thread-safe.
   */
  public static final class Builder {
    private String jobName;
    private Duration scrapeInterval = GlobalConfig.DEFAULT.scrapeInterval();
    private Duration scrapeTimeout = GlobalConfig.DEFAULT.scrapeTimeout();
    private String metricsPath = DEFAULT_METRICS_PATH;
    private String scheme = DEFAULT_SCHEME;
    private Map<String, List<String>> params = new LinkedHashMap<>();
    private boolean honorLabels;
    private boolean honorTimestamps = true;
    private boolean trackTimestampsStaleness;
    private boolean trackTimestampsStalenessSet;
    private List<StaticConfig> staticConfigs = List.of();
    private List<KubernetesSdConfig> kubernetesSdConfigs = List.of();
    private List<RelabelConfig> relabelConfigs = List.of();
    private List<RelabelConfig> metricRelabelConfigs = List.of();
    private long sampleLimit;
    private long labelLimit;
    private long labelNameLengthLimit;
    private long labelValueLengthLimit;
    private long bodySizeLimitBytes;
    private long targetLimit;
    private OptionalLong seriesLimit = OptionalLong.empty();
    private BasicAuth basicAuth;
    private String bearerToken = "";
    private String bearerTokenFile = "";
    private TlsConfig tlsConfig = TlsConfig.DEFAULT;
    private boolean enableCompression = true;

    private Builder(String jobName) {
      this.jobName = jobName;
    }

    private Builder(ScrapeConfig c) {
      jobName = c.jobName;
      scrapeInterval = c.scrapeInterval;
      scrapeTimeout = c.scrapeTimeout;
      metricsPath = c.metricsPath;
      scheme = c.scheme;
      params = new LinkedHashMap<>(c.params);
      honorLabels = c.honorLabels;
      honorTimestamps = c.honorTimestamps;
      trackTimestampsStaleness = c.trackTimestampsStaleness;
      trackTimestampsStalenessSet = c.trackTimestampsStalenessSet;
      staticConfigs = c.staticConfigs;
      kubernetesSdConfigs = c.kubernetesSdConfigs;
      relabelConfigs = c.relabelConfigs;
      metricRelabelConfigs = c.metricRelabelConfigs;
      sampleLimit = c.sampleLimit;
      labelLimit = c.labelLimit;
      labelNameLengthLimit = c.labelNameLengthLimit;
      labelValueLengthLimit = c.labelValueLengthLimit;
      bodySizeLimitBytes = c.bodySizeLimitBytes;
      targetLimit = c.targetLimit;
      seriesLimit = c.seriesLimit;
      basicAuth = c.basicAuth;
      bearerToken = c.bearerToken;
      bearerTokenFile = c.bearerTokenFile;
      tlsConfig = c.tlsConfig;
      enableCompression = c.enableCompression;
    }

    public Builder jobName(String v) {
      jobName = v;
      return this;
    }

    public Builder scrapeInterval(Duration v) {
      scrapeInterval = v;
      return this;
    }

    public Builder scrapeTimeout(Duration v) {
      scrapeTimeout = v;
      return this;
    }

    public Builder metricsPath(String v) {
      metricsPath = v;
      return this;
    }

    public Builder scheme(String v) {
      scheme = v;
      return this;
    }

    /** Replaces all parameters. */
    public Builder params(Map<String, List<String>> v) {
      params = new LinkedHashMap<>(v);
      return this;
    }

    /** Sets the values of one parameter. */
    public Builder param(String name, String... values) {
      params.put(name, List.of(values));
      return this;
    }

    public Builder honorLabels(boolean v) {
      honorLabels = v;
      return this;
    }

    public Builder honorTimestamps(boolean v) {
      honorTimestamps = v;
      return this;
    }

    /** Sets {@code track_timestamps_staleness} and records that it was set explicitly. */
    public Builder trackTimestampsStaleness(boolean v) {
      trackTimestampsStaleness = v;
      trackTimestampsStalenessSet = true;
      return this;
    }

    public Builder staticConfigs(List<StaticConfig> v) {
      staticConfigs = v;
      return this;
    }

    public Builder kubernetesSdConfigs(List<KubernetesSdConfig> v) {
      kubernetesSdConfigs = v;
      return this;
    }

    public Builder relabelConfigs(List<RelabelConfig> v) {
      relabelConfigs = v;
      return this;
    }

    public Builder metricRelabelConfigs(List<RelabelConfig> v) {
      metricRelabelConfigs = v;
      return this;
    }

    public Builder sampleLimit(long v) {
      sampleLimit = v;
      return this;
    }

    public Builder labelLimit(long v) {
      labelLimit = v;
      return this;
    }

    public Builder labelNameLengthLimit(long v) {
      labelNameLengthLimit = v;
      return this;
    }

    public Builder labelValueLengthLimit(long v) {
      labelValueLengthLimit = v;
      return this;
    }

    public Builder bodySizeLimitBytes(long v) {
      bodySizeLimitBytes = v;
      return this;
    }

    public Builder targetLimit(long v) {
      targetLimit = v;
      return this;
    }

    /** Sets {@code series_limit} (0 = none, whatever the scrape manager's default). */
    public Builder seriesLimit(long v) {
      seriesLimit = OptionalLong.of(v);
      return this;
    }

    public Builder basicAuth(BasicAuth v) {
      basicAuth = v;
      return this;
    }

    public Builder bearerToken(String v) {
      bearerToken = v;
      return this;
    }

    public Builder bearerTokenFile(String v) {
      bearerTokenFile = v;
      return this;
    }

    public Builder tlsConfig(TlsConfig v) {
      tlsConfig = v;
      return this;
    }

    public Builder enableCompression(boolean v) {
      enableCompression = v;
      return this;
    }

    /**
     * @throws IllegalArgumentException with Prometheus's message when the values are inconsistent
     */
    public ScrapeConfig build() {
      return new ScrapeConfig(
          jobName,
          scrapeInterval,
          scrapeTimeout,
          metricsPath,
          scheme,
          params,
          honorLabels,
          honorTimestamps,
          trackTimestampsStaleness,
          trackTimestampsStalenessSet,
          staticConfigs,
          kubernetesSdConfigs,
          relabelConfigs,
          metricRelabelConfigs,
          sampleLimit,
          labelLimit,
          labelNameLengthLimit,
          labelValueLengthLimit,
          bodySizeLimitBytes,
          targetLimit,
          seriesLimit,
          basicAuth,
          bearerToken,
          bearerTokenFile,
          tlsConfig,
          enableCompression);
    }
  }
}
