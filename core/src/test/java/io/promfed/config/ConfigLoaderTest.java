package io.promfed.config;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.junit.jupiter.api.DynamicTest.dynamicTest;

import io.promfed.model.labels.Labels;
import io.promfed.model.relabel.Action;
import io.promfed.model.relabel.RelabelConfig;
import java.io.IOException;
import java.net.URI;
import java.net.URISyntaxException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeSet;
import java.util.stream.Collectors;
import java.util.stream.Stream;
import org.junit.jupiter.api.DynamicTest;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestFactory;
import org.junit.jupiter.api.io.TempDir;

/**
 * {@link ConfigLoader} against the fixtures in {@code testdata/}: every {@code *.good.yml} loads,
 * and every {@code *.bad.yml} fails with exactly the message in {@link #BAD}.
 */
class ConfigLoaderTest {

  /**
   * The exact error of each bad fixture, one per line; the file name is the text before the first
   * colon. Fixtures are loaded with their file name as source name. Lines starting with # group
   * them.
   */
  private static final String BAD_TABLE =
      """
      # Unknown, unsupported and duplicate keys.
      unknown_field.bad.yml:3: field scrape_intervall not found in type config.ScrapeConfig
      unknown_global_field.bad.yml:3: field nonexistent_field not found in type config.GlobalConfig
      unknown_top_level_field.bad.yml:3: field scrape_config not found in type config.Config
      unknown_sd.bad.yml:4: field consult_sd_configs not found in type config.ScrapeConfig
      relabel_unknown_field.bad.yml:5: field regexp not found in type relabel.Config
      kubernetes_namespace_discovery.bad.yml:6: field foo not found in type kubernetes.NamespaceDiscovery
      unsupported_sd.bad.yml:3: field file_sd_configs is not supported by promfed in type config.ScrapeConfig
      unsupported_section.bad.yml:3: field alerting is not supported by promfed in type config.Config
      unsupported_default_only.bad.yml:6: field follow_redirects in type config.ScrapeConfig is supported by promfed only with its default value true
      tls_unsupported.bad.yml:4: field min_version is not supported by promfed in type config.TLSConfig
      kubernetes_bearertoken.bad.yml:6: field bearer_token is not supported by promfed in type kubernetes.SDConfig
      remote_write_unsupported.bad.yml:3: field send_exemplars is not supported by promfed in type config.RemoteWriteConfig
      validation_scheme.bad.yml:2: metric_name_validation_scheme "utf8" is not supported by promfed, only "legacy"
      section_key_dup.bad.yml:4: field scrape_configs already set in type config.Config
      map_key_dup.bad.yml:4: key "foo" already set in map
      # YAML syntax and types.
      yaml_syntax.bad.yml:5: expected ',' or ']', but got <stream end>
      top_level_type.bad.yml:1: cannot unmarshal !!seq into config.Config
      list_type.bad.yml:2: cannot unmarshal !!map into []*config.ScrapeConfig
      bool_type.bad.yml:3: cannot unmarshal !!str `true` into bool
      bool_word.bad.yml:3: cannot unmarshal !!str `sometim...` into bool
      uint_negative.bad.yml:3: cannot unmarshal !!int `-1` into uint
      targets_type.bad.yml:4: cannot unmarshal !!str `localho...` into []string
      params_type.bad.yml:4: cannot unmarshal !!str `{job="x"}` into []string
      duration_type.bad.yml:3: cannot unmarshal !!map into string
      binary.bad.yml:5: !!binary value contains invalid base64 data
      # Durations and sizes.
      duration_unitless.bad.yml:2: not a valid duration string: "15"
      duration_unit.bad.yml:3: unknown unit "x" in duration "5x"
      duration_order.bad.yml:3: not a valid duration string: "1m1h"
      body_size_limit.bad.yml:3: units: unknown unit  in 100
      # Global and scrape config semantics.
      global_timeout.bad.yml:2: global scrape timeout greater than scrape interval
      labelname.bad.yml:4: "data-center" is not a valid label name
      rules.bad.yml:3: invalid rule file path "my/*/rule"
      jobname_missing.bad.yml:2: job_name is empty
      jobname_dup.bad.yml:5: found multiple scrape configs with job name "prometheus"
      scrape_interval.bad.yml:4: scrape timeout greater than scrape interval for scrape config with job name "prometheus"
      scrape_timeout_inherited.bad.yml:7: scrape timeout greater than scrape interval for scrape config with job name "fast"
      scheme.bad.yml:3: invalid scheme "ftp" for scrape config with job name "prometheus": must be "http" or "https"
      bearertoken.bad.yml:2: at most one of bearer_token & bearer_token_file must be configured
      bearertoken_basicauth.bad.yml:2: at most one of basic_auth, oauth2, bearer_token & bearer_token_file must be configured
      basicauth_password.bad.yml:4: at most one of basic_auth password, password_file & password_ref must be configured
      tls_cert_without_key.bad.yml:5: exactly one of key or key_file must be configured when a client certificate is configured
      static_labelname.bad.yml:6: "app.kubernetes.io/name" is not a valid label name
      url_in_targetgroup.bad.yml:6: "http://bad" is not a valid hostname
      empty_static_config.bad.yml:4: empty or null section in static_configs
      empty_scrape_config.bad.yml:3: empty or null scrape config section
      empty_target_relabel_config.bad.yml:5: empty or null target relabeling rule in scrape config
      empty_metric_relabel_config.bad.yml:4: empty or null metric relabeling rule in scrape config
      # Relabel rules (relabel.Config.UnmarshalYAML / Validate).
      regex.bad.yml:4: error parsing regexp: missing closing ): `^(?s:abc(def)$`
      relabel_action_unknown.bad.yml:6: unknown relabel action "replacee"
      empty_scrape_config_action.bad.yml:4: relabel action cannot be empty
      source_labelname.bad.yml:4: "pod-name" is not a valid label name
      modulus_missing.bad.yml:4: relabel configuration for hashmod requires non-zero modulus
      target_label_missing.bad.yml:4: relabel configuration for replace action requires 'target_label' value
      target_label_hashmod_missing.bad.yml:4: relabel configuration for hashmod action requires 'target_label' value
      target_label_invalid.bad.yml:4: "host-name" is invalid 'target_label' for replace action
      labelkeep.bad.yml:4: labelkeep action requires only 'regex', and no other fields
      labeldrop_source_labels.bad.yml:4: labeldrop action requires only 'regex', and no other fields
      labeldrop_target_label.bad.yml:4: labeldrop action requires only 'regex', and no other fields
      keepequal.bad.yml:4: keepequal action requires only 'source_labels' and `target_label`, and no other fields
      keepequal_default_regex.bad.yml:4: keepequal action requires only 'source_labels' and `target_label`, and no other fields
      dropequal.bad.yml:4: relabel configuration for dropequal action requires 'target_label' value
      lowercase.bad.yml:4: 'replacement' can not be set for lowercase action
      uppercase.bad.yml:4: relabel configuration for uppercase action requires 'target_label' value
      labelmap.bad.yml:4: "meta-$1" is invalid 'replacement' for labelmap action
      write_relabel.bad.yml:4: relabel configuration for hashmod requires non-zero modulus
      # Federation options of the master (issue #6).
      series_limit_negative.bad.yml:4: series_limit must not be negative, got -5 (0 means no limit)
      series_limit_type.bad.yml:3: cannot unmarshal !!str `lots` into int
      track_timestamps_staleness_type.bad.yml:4: cannot unmarshal !!str `sometimes` into bool
      # Kubernetes SD (kubernetes.SDConfig.UnmarshalYAML).
      kubernetes_role_missing.bad.yml:4: role missing (one of: pod, service, endpoints, endpointslice, node)
      kubernetes_role.bad.yml:4: unknown Kubernetes SD role "pods"
      kubernetes_role_ingress.bad.yml:4: Kubernetes SD role "ingress" is not supported by promfed
      kubernetes_kubeconfig_with_apiserver.bad.yml:4: cannot use 'kubeconfig_file' and 'api_server' simultaneously
      kubernetes_api_server_with_own_namespace.bad.yml:4: cannot use 'api_server' and 'namespaces.own_namespace' simultaneously
      kubernetes_kubeconfig_with_own_namespace.bad.yml:4: cannot use 'kubeconfig_file' and 'namespaces.own_namespace' simultaneously
      kubernetes_selectors_duplicated_role.bad.yml:4: duplicated selector role: pod
      kubernetes_selectors_endpoints.bad.yml:4: endpoints role supports only pod, service, endpoints selectors
      # Remote write.
      remote_write_url_missing.bad.yml:2: url for remote_write is empty
      remote_write_url_scheme.bad.yml:2: URL scheme must be 'http' or 'https' in remote_write url "ftp://remote/write"
      remote_write_queue_max_shards_zero.bad.yml:3: remote write queue max_shards must be positive
      remote_write_queue_min_shards_greater_than_max.bad.yml:3: remote write queue min_shards must not be greater than max_shards
      remote_write_queue_max_backoff_less_than_min.bad.yml:3: remote write queue max_backoff must not be less than min_backoff
      remote_write_queue_null.bad.yml:3: remote write queue max_shards must be positive
      remote_write_header.bad.yml:3: x-prometheus-remote-write-version is a reserved header. It must not be changed
      remote_write_authorization_header.bad.yml:3: authorization header must be changed via the basic_auth, authorization, oauth2, sigv4, azuread or google_iam parameter
      remote_write_dup.bad.yml:5: found multiple remote write configs with job name "queue1"
      empty_rw_config.bad.yml:3: empty or null remote write config section
      empty_rw_relabel_config.bad.yml:4: empty or null relabeling rule in remote write config
      # Remote read.
      remote_read_url_missing.bad.yml:2: url for remote_read is empty
      remote_read_url_scheme.bad.yml:2: URL scheme must be 'http' or 'https' in remote_read url "ftp://remote/read"
      remote_read_name_dup.bad.yml:5: found multiple remote read configs with job name "x"
      empty_rr_config.bad.yml:3: empty or null remote read config section
      remote_read_authorization_header.bad.yml:4: authorization header must be changed via the basic_auth, authorization, oauth2, sigv4, or azuread parameter
      remote_read_reserved_header.bad.yml:4: User-Agent is a reserved header. It must not be changed
      remote_read_required_matchers.bad.yml:4: "not-a-name" is not a valid label name
      remote_read_unsupported.bad.yml:3: field tls_config is not supported by promfed in type config.RemoteReadConfig
      remote_read_bearer.bad.yml:2: at most one of bearer_token & bearer_token_file must be configured
      remote_read_bool.bad.yml:3: cannot unmarshal !!str `sometimes` into bool
      """;

  static final Map<String, String> BAD =
      BAD_TABLE
          .lines()
          .map(String::strip)
          .filter(l -> !l.isEmpty() && !l.startsWith("#"))
          .collect(Collectors.toMap(l -> l.substring(0, l.indexOf(':')), l -> l));

  private static final Path TESTDATA = testdata();

  private static Path testdata() {
    try {
      return Path.of(ConfigLoaderTest.class.getResource("testdata").toURI());
    } catch (URISyntaxException e) {
      throw new IllegalStateException(e);
    }
  }

  private static Set<String> fixtures(String suffix) throws IOException {
    try (Stream<Path> s = Files.list(TESTDATA)) {
      return s.map(p -> p.getFileName().toString())
          .filter(n -> n.endsWith(suffix))
          .collect(Collectors.toCollection(TreeSet::new));
    }
  }

  private static PrometheusConfig loadFixture(String name) throws Exception {
    return ConfigLoader.loadString(Files.readString(TESTDATA.resolve(name)), name);
  }

  @Test
  void everyBadFixtureHasAnExpectedError() throws IOException {
    assertThat(fixtures(".bad.yml")).isEqualTo(new TreeSet<>(BAD.keySet()));
  }

  @TestFactory
  Stream<DynamicTest> badFixturesFailWithTheExactMessage() {
    return new TreeSet<>(BAD.keySet())
        .stream()
            .map(
                name ->
                    dynamicTest(
                        name,
                        () ->
                            assertThatThrownBy(() -> loadFixture(name))
                                .isInstanceOf(ConfigException.class)
                                .hasMessage(BAD.get(name))));
  }

  @TestFactory
  Stream<DynamicTest> goodFixturesLoad() throws IOException {
    Set<String> good = fixtures(".good.yml");
    assertThat(good).contains("federate.good.yml", "full.good.yml");
    return good.stream()
        .map(name -> dynamicTest(name, () -> ConfigLoader.load(TESTDATA.resolve(name))));
  }

  @Test
  void seedFederateJob() throws Exception {
    PrometheusConfig cfg = loadFixture("federate.good.yml");
    assertThat(cfg.global()).isEqualTo(GlobalConfig.DEFAULT);
    assertThat(cfg.scrapeConfigs()).hasSize(1);
    ScrapeConfig job = cfg.scrapeConfig("federate");
    assertThat(job.scrapeInterval()).isEqualTo(Duration.ofSeconds(15));
    assertThat(job.scrapeTimeout()).isEqualTo(Duration.ofSeconds(10));
    assertThat(job.honorLabels()).isTrue();
    assertThat(job.honorTimestamps()).isTrue();
    assertThat(job.trackTimestampsStaleness()).isFalse();
    assertThat(job.metricsPath()).isEqualTo("/federate");
    assertThat(job.scheme()).isEqualTo("http");
    assertThat(job.params())
        .containsExactly(
            Map.entry("match[]", List.of("{__name__=~\"job:.*\"}", "{__name__=~\".+\"}")));
    assertThat(job.staticConfigs())
        .containsExactly(new StaticConfig(List.of("192.168.152.131:9091"), Labels.EMPTY));
    assertThat(job.enableCompression()).isTrue();
    assertThat(job.relabelConfigs()).isEmpty();
    assertThat(job.tlsConfig()).isEqualTo(TlsConfig.DEFAULT);
    assertThat(job.basicAuth()).isNull();
    assertThat(job.bodySizeLimitBytes()).isZero();
    assertThat(cfg.remoteWriteConfigs()).isEmpty();
  }

  @Test
  void federationJobsRememberWhichOptionsTheFileSet() throws Exception {
    PrometheusConfig cfg = loadFixture("federate_limits.good.yml");
    ScrapeConfig leaves = cfg.scrapeConfig("leaves");
    assertThat(leaves.trackTimestampsStaleness()).isFalse();
    assertThat(leaves.trackTimestampsStalenessSet()).isFalse();
    assertThat(leaves.seriesLimit()).isEmpty();
    ScrapeConfig big = cfg.scrapeConfig("big-leaf");
    assertThat(big.trackTimestampsStaleness()).isFalse();
    assertThat(big.trackTimestampsStalenessSet()).isTrue();
    assertThat(big.seriesLimit()).hasValue(50000);

    // The master's defaults: staleness tracked for /federate jobs that left it unset, only.
    PrometheusConfig master = FederationDefaults.apply(cfg);
    assertThat(master.scrapeConfig("leaves").trackTimestampsStaleness()).isTrue();
    assertThat(master.scrapeConfig("leaves").trackTimestampsStalenessSet()).isTrue();
    assertThat(master.scrapeConfig("big-leaf")).isSameAs(big);
    assertThat(master.scrapeConfig("pods")).isSameAs(cfg.scrapeConfig("pods"));
    assertThat(master.scrapeConfig("leaves").params()).isEqualTo(leaves.params());
    assertThat(FederationDefaults.apply(master)).isSameAs(master);
    assertThat(FederationDefaults.apply(loadFixture("full.good.yml")))
        .isEqualTo(loadFixture("full.good.yml"));
  }

  @Test
  void fullConfig() throws Exception {
    Path base = Path.of("/etc/prometheus");
    PrometheusConfig cfg =
        ConfigLoader.load(
            Files.readString(TESTDATA.resolve("full.good.yml")),
            "full.good.yml",
            name -> name.equals("POD_NAME") ? "leaf-0" : null,
            base);

    GlobalConfig g = cfg.global();
    assertThat(g.scrapeInterval()).isEqualTo(Duration.ofSeconds(15));
    assertThat(g.scrapeTimeout()).isEqualTo(Duration.ofSeconds(10));
    assertThat(g.evaluationInterval()).isEqualTo(Duration.ofSeconds(30));
    assertThat(g.externalLabels())
        .isEqualTo(Labels.of("cluster", "prod-eu-1", "replica", "leaf-0", "region", "eu-west-1"));
    assertThat(cfg.ruleFiles())
        .containsExactly(
            "/etc/prometheus/rules/recording.yml",
            "/etc/prometheus/rules/*.rules.yml",
            "/etc/prometheus/alerts.yml");
    assertThat(cfg.scrapeConfigs())
        .extracting(ScrapeConfig::jobName)
        .containsExactly(
            "prometheus", "demo-server", "kubernetes-pods", "kubernetes-service-endpoints");

    ScrapeConfig self = cfg.scrapeConfig("prometheus");
    assertThat(self.scrapeInterval()).isEqualTo(Duration.ofSeconds(15));
    assertThat(self.staticConfigs())
        .containsExactly(
            new StaticConfig(List.of("localhost:9090"), Labels.of("tier", "monitoring")));

    ScrapeConfig demo = cfg.scrapeConfig("demo-server");
    assertThat(demo.scrapeInterval()).isEqualTo(Duration.ofSeconds(5));
    assertThat(demo.scrapeTimeout()).isEqualTo(Duration.ofSeconds(2));
    assertThat(demo.metricsPath()).isEqualTo("/actuator/prometheus");
    assertThat(demo.honorTimestamps()).isFalse();
    assertThat(demo.enableCompression()).isFalse();
    assertThat(demo.sampleLimit()).isEqualTo(10_000);
    assertThat(demo.bodySizeLimitBytes()).isEqualTo(10L * 1024 * 1024);
    assertThat(demo.staticConfigs()).hasSize(2);
    assertThat(demo.staticConfigs().get(1).labels())
        .isEqualTo(Labels.of("app", "demo", "env", "canary"));
    assertThat(demo.metricRelabelConfigs())
        .extracting(RelabelConfig::action)
        .containsExactly(Action.DROP, Action.DROP, Action.LABELDROP);
    assertThat(demo.metricRelabelConfigs().get(1).separator()).isEqualTo(":");

    ScrapeConfig pods = cfg.scrapeConfig("kubernetes-pods");
    assertThat(pods.scheme()).isEqualTo("https");
    assertThat(pods.bearerTokenFile())
        .isEqualTo("/var/run/secrets/kubernetes.io/serviceaccount/token");
    assertThat(pods.tlsConfig())
        .isEqualTo(
            new TlsConfig(
                "/var/run/secrets/kubernetes.io/serviceaccount/ca.crt",
                "",
                "",
                "kubernetes.default.svc",
                false));
    assertThat(pods.kubernetesSdConfigs())
        .containsExactly(
            new KubernetesSdConfig(
                "pod",
                List.of("apps", "monitoring"),
                false,
                List.of(
                    new KubernetesSdConfig.Selector(
                        "pod", "app.kubernetes.io/part-of=shop", "status.phase=Running")),
                "",
                ""));
    assertThat(pods.relabelConfigs())
        .extracting(RelabelConfig::action)
        .as("every relabel action appears")
        .containsAll(List.of(Action.values()));
    RelabelConfig address = pods.relabelConfigs().get(3);
    assertThat(address.sourceLabels())
        .containsExactly("__address__", "__meta_kubernetes_pod_annotation_prometheus_io_port");
    assertThat(address.regex().source()).isEqualTo("(.+?)(\\:\\d+)?;(\\d+)");
    assertThat(address.replacement()).isEqualTo("$1:$3");
    RelabelConfig hashmod =
        pods.relabelConfigs().stream().filter(r -> r.action() == Action.HASHMOD).findFirst().get();
    assertThat(hashmod.modulus()).isEqualTo(4);
    assertThat(hashmod.targetLabel()).isEqualTo("__tmp_hash");
    assertThat(pods.relabelConfigs().get(7).replacement()).isEqualTo("__param_$1");

    ScrapeConfig endpoints = cfg.scrapeConfig("kubernetes-service-endpoints");
    assertThat(endpoints.honorLabels()).isTrue();
    assertThat(endpoints.trackTimestampsStaleness()).isTrue();
    assertThat(endpoints.basicAuth())
        .isEqualTo(new BasicAuth("scraper", "", "/etc/prometheus/secrets/scraper.pass"));
    assertThat(endpoints.kubernetesSdConfigs())
        .extracting(KubernetesSdConfig::role)
        .containsExactly("endpoints", "endpointslice", "node", "service");
    assertThat(endpoints.kubernetesSdConfigs().get(0).ownNamespace()).isTrue();
    assertThat(endpoints.kubernetesSdConfigs().get(1).apiServer())
        .isEqualTo("https://k8s.example.com:6443");
    assertThat(endpoints.kubernetesSdConfigs().get(2).kubeconfigFile())
        .isEqualTo("/etc/prometheus/kube/config");

    assertThat(cfg.remoteWriteConfigs()).hasSize(2);
    RemoteWriteConfig mimir = cfg.remoteWriteConfigs().get(0);
    assertThat(mimir.url()).isEqualTo(URI.create("https://mimir.example.com/api/v1/push"));
    assertThat(mimir.remoteTimeout()).isEqualTo(Duration.ofSeconds(15));
    assertThat(mimir.basicAuth()).isEqualTo(new BasicAuth("tenant-1", "s3cr3t", ""));
    assertThat(mimir.toString()).doesNotContain("s3cr3t");
    assertThat(mimir.queueConfig())
        .isEqualTo(
            new QueueConfig(
                10_000,
                10,
                1,
                5000,
                Duration.ofSeconds(10),
                Duration.ofMillis(30),
                Duration.ofSeconds(5),
                true,
                Duration.ZERO));
    assertThat(mimir.writeRelabelConfigs()).hasSize(1);
    RemoteWriteConfig thanos = cfg.remoteWriteConfigs().get(1);
    assertThat(thanos.remoteTimeout()).isEqualTo(Duration.ofSeconds(30));
    assertThat(thanos.bearerToken()).isEqualTo("abc.def");
    assertThat(thanos.toString()).doesNotContain("abc.def");
    assertThat(thanos.queueConfig()).isEqualTo(QueueConfig.DEFAULT);
  }

  @Test
  void remoteReadEntries() throws Exception {
    PrometheusConfig cfg = ConfigLoader.load(TESTDATA.resolve("remote_read.good.yml"));
    assertThat(cfg.remoteReadConfigs()).hasSize(2);
    RemoteReadConfig leaf = cfg.remoteReadConfigs().get(0);
    assertThat(leaf)
        .isEqualTo(
            new RemoteReadConfig(
                URI.create("http://leaf-1:9091/api/v1/read"),
                "leaf-1",
                Duration.ofSeconds(10),
                Map.of(),
                true,
                Map.of(),
                false,
                null,
                "",
                ""));
    assertThat(leaf.displayName()).isEqualTo("leaf-1");
    RemoteReadConfig thanos = cfg.remoteReadConfigs().get(1);
    assertThat(thanos.displayName()).isEqualTo("https://thanos.example.com/api/v1/read");
    assertThat(thanos.remoteTimeout()).isEqualTo(RemoteReadConfig.DEFAULT_REMOTE_TIMEOUT);
    assertThat(thanos.readRecent()).isFalse();
    assertThat(thanos.filterExternalLabels()).isTrue();
    assertThat(thanos.requiredMatchers()).isEqualTo(Map.of("tier", "archive"));
    assertThat(thanos.headers()).isEqualTo(Map.of("X-Scope-OrgID", "tenant-1"));
    assertThat(thanos.toString()).doesNotContain("tenant-1");
    assertThat(thanos.basicAuth())
        .isEqualTo(
            new BasicAuth("reader", "", TESTDATA.resolve("secrets/reader.pass").toString()));
    assertThat(ConfigLoader.loadString("remote_read: []\n", "x").remoteReadConfigs()).isEmpty();
  }

  @Test
  void emptyFileMeansDefaults() throws Exception {
    assertThat(loadFixture("empty.good.yml")).isEqualTo(PrometheusConfig.empty());
    assertThat(ConfigLoader.loadString("", "x")).isEqualTo(PrometheusConfig.empty());
    assertThat(ConfigLoader.loadString("global:\n", "x")).isEqualTo(PrometheusConfig.empty());
    assertThat(ConfigLoader.loadString("global: {}\nscrape_configs: []\n", "x"))
        .isEqualTo(PrometheusConfig.empty());
  }

  @Test
  void scrapeConfigsInheritFromGlobal() throws Exception {
    PrometheusConfig cfg = loadFixture("global_inheritance.good.yml");
    // The global timeout defaults to min(10s, 5s).
    assertThat(cfg.global().scrapeTimeout()).isEqualTo(Duration.ofSeconds(5));
    ScrapeConfig inherits = cfg.scrapeConfig("inherits");
    assertThat(inherits.scrapeInterval()).isEqualTo(Duration.ofSeconds(5));
    assertThat(inherits.scrapeTimeout()).isEqualTo(Duration.ofSeconds(5));
    assertThat(inherits.bodySizeLimitBytes()).isEqualTo(1024);
    assertThat(inherits.sampleLimit()).isEqualTo(100);
    assertThat(inherits.labelLimit()).isEqualTo(30);
    assertThat(inherits.targetLimit()).isZero();
    ScrapeConfig overrides = cfg.scrapeConfig("overrides");
    assertThat(overrides.scrapeInterval()).isEqualTo(Duration.ofMinutes(1));
    assertThat(overrides.scrapeTimeout())
        .as("min(global timeout, interval)")
        .isEqualTo(Duration.ofSeconds(5));
    assertThat(overrides.sampleLimit()).isEqualTo(5);
    ScrapeConfig shortJob = cfg.scrapeConfig("short");
    assertThat(shortJob.scrapeTimeout()).isEqualTo(Duration.ofSeconds(2));
  }

  @Test
  void anchorsAliasesAndMergeKeys() throws Exception {
    PrometheusConfig cfg = loadFixture("anchors.good.yml");
    ScrapeConfig a = cfg.scrapeConfig("a");
    ScrapeConfig b = cfg.scrapeConfig("b");
    ScrapeConfig c = cfg.scrapeConfig("c");
    assertThat(b.scrapeInterval())
        .as("explicit key wins over merged")
        .isEqualTo(Duration.ofSeconds(10));
    assertThat(b.honorLabels()).as("merged").isTrue();
    assertThat(b.staticConfigs()).isEqualTo(a.staticConfigs());
    assertThat(b.relabelConfigs()).isEqualTo(a.relabelConfigs());
    assertThat(c.relabelConfigs()).isEqualTo(a.relabelConfigs()).hasSize(1);
    assertThat(c.honorLabels()).isFalse();
  }

  @Test
  void nullValuesAreGoZeroValues() throws Exception {
    PrometheusConfig cfg =
        ConfigLoader.loadString(
            """
            scrape_configs:
              - job_name: j
                honor_timestamps:
                enable_compression: ~
                scrape_interval:
                static_configs:
                  - targets:
                    labels:
                relabel_configs:
                  - target_label: t
                    separator:
                    regex:
                    replacement:
            """,
            "nulls.yml");
    ScrapeConfig j = cfg.scrapeConfig("j");
    assertThat(j.honorTimestamps()).isFalse();
    assertThat(j.enableCompression()).isFalse();
    assertThat(j.scrapeInterval()).isEqualTo(Duration.ofMinutes(1));
    assertThat(j.staticConfigs()).containsExactly(new StaticConfig(List.of(), Labels.EMPTY));
    RelabelConfig r = j.relabelConfigs().get(0);
    assertThat(r.separator()).isEmpty();
    assertThat(r.replacement()).isEmpty();
    assertThat(r.regex().source()).as("a null regex compiles \"\"").isEmpty();
    assertThat(r.regex().isDefault()).isFalse();
  }

  @Test
  void yamlBooleansAndIntegers() throws Exception {
    PrometheusConfig cfg =
        ConfigLoader.loadString(
            """
            scrape_configs:
              - job_name: a
                honor_labels: yes
                honor_timestamps: off
                track_timestamps_staleness: y
                sample_limit: 0x10
                label_limit: 1_000
                relabel_configs:
                  - {source_labels: [x], target_label: h, modulus: 18446744073709551615, action: HashMod}
            """,
            "types.yml");
    ScrapeConfig a = cfg.scrapeConfig("a");
    assertThat(a.honorLabels()).isTrue();
    assertThat(a.honorTimestamps()).isFalse();
    assertThat(a.trackTimestampsStaleness()).isTrue();
    assertThat(a.sampleLimit()).isEqualTo(16);
    assertThat(a.labelLimit()).isEqualTo(1000);
    assertThat(a.relabelConfigs().get(0).modulus()).isEqualTo(-1L); // 2^64-1 unsigned
    assertThat(a.relabelConfigs().get(0).action()).isEqualTo(Action.HASHMOD);
  }

  @Test
  void stringFieldsTakeTheRawTextOfAnyScalar() throws Exception {
    PrometheusConfig cfg =
        ConfigLoader.loadString(
            "scrape_configs:\n  - job_name: 123\n    bearer_token: 0x1F\n", "raw.yml");
    assertThat(cfg.scrapeConfigs().get(0).jobName()).isEqualTo("123");
    assertThat(cfg.scrapeConfigs().get(0).bearerToken()).isEqualTo("0x1F");
  }

  @Test
  void staticTargetsWithSlashesAreFineWhenRelabeled() throws Exception {
    PrometheusConfig cfg =
        ConfigLoader.loadString(
            """
            scrape_configs:
              - job_name: blackbox
                static_configs:
                  - targets: ['https://example.com/health']
                relabel_configs:
                  - source_labels: [__address__]
                    target_label: __param_target
            """,
            "blackbox.yml");
    assertThat(cfg.scrapeConfig("blackbox").staticConfigs().get(0).targets())
        .containsExactly("https://example.com/health");
  }

  @Test
  void defaultOnlyFieldsAreAcceptedWithTheirDefault() throws Exception {
    PrometheusConfig cfg =
        ConfigLoader.loadString(
            """
            global:
              metric_name_validation_scheme: legacy
            scrape_configs:
              - job_name: a
                follow_redirects: true
                enable_http2: true
                kubernetes_sd_configs:
                  - role: node
                    follow_redirects: true
            remote_write:
              - url: http://x/push
                enable_http2: false
            """,
            "defaults.yml");
    assertThat(cfg.scrapeConfigs()).hasSize(1);
  }

  @Test
  void remoteWriteNameAndHeadersAreRead() throws Exception {
    PrometheusConfig cfg =
        ConfigLoader.loadString(
            """
            remote_write:
              - url: http://mimir/api/v1/push
                name: mimir
                headers: {X-Scope-OrgID: team-a}
              - url: http://vm/api/v1/write
            """,
            "rw.yml");
    RemoteWriteConfig mimir = cfg.remoteWriteConfigs().get(0);
    assertThat(mimir.name()).isEqualTo("mimir");
    assertThat(mimir.headers()).containsExactly(Map.entry("X-Scope-OrgID", "team-a"));
    assertThat(cfg.remoteWriteConfigs().get(1).name()).isEmpty();
    assertThat(cfg.remoteWriteConfigs().get(1).headers()).isEmpty();
  }

  /** Go's {@code os.Expand} with Prometheus's mapping; expected values printed by real Go. */
  @Test
  void externalLabelsExpandTheEnvironmentLikeOsExpand() {
    Map<String, String> env = Map.of("POD_NAME", "pod-0", "A", "x", "1", "one");
    ConfigDecoder d = new ConfigDecoder("env", env::get, null);
    Map<String, String> cases =
        Map.ofEntries(
            Map.entry("${POD_NAME}", "pod-0"),
            Map.entry("$POD_NAME", "pod-0"),
            Map.entry("prefix-$POD_NAME-suffix", "prefix-pod-0-suffix"),
            Map.entry("$$", "$"),
            Map.entry("a$$b", "a$b"),
            Map.entry("$", "$"),
            Map.entry("a$", "a$"),
            Map.entry("${}", ""),
            Map.entry("${", ""),
            Map.entry("${POD_NAME", "POD_NAME"),
            Map.entry("$1", "one"),
            Map.entry("${1}", "one"),
            Map.entry("$A$A", "xx"),
            Map.entry("${A}B", "xB"),
            Map.entry("$AB", ""),
            Map.entry("$-", ""),
            Map.entry("100$", "100$"),
            Map.entry("$ x", "$ x"),
            Map.entry("${A}}", "x}"),
            Map.entry("$@", ""));
    cases.forEach((in, out) -> assertThat(d.expandEnv(in)).as(in).isEqualTo(out));
  }

  @Test
  void loadResolvesRelativePathsAgainstTheFileAndNamesItInErrors(@TempDir Path dir)
      throws Exception {
    Path file = dir.resolve("prometheus.yml");
    Files.writeString(
        file,
        """
        rule_files: [rules/*.yml]
        scrape_configs:
          - job_name: a
            bearer_token_file: ../token
            tls_config: {ca_file: /abs/ca.crt, cert_file: c.crt, key_file: c.key}
        """);
    PrometheusConfig cfg = ConfigLoader.load(file);
    assertThat(cfg.ruleFiles()).containsExactly(dir.resolve("rules/*.yml").toString());
    ScrapeConfig a = cfg.scrapeConfig("a");
    assertThat(a.bearerTokenFile()).isEqualTo(dir.getParent().resolve("token").toString());
    assertThat(a.tlsConfig().caFile()).isEqualTo("/abs/ca.crt");
    assertThat(a.tlsConfig().certFile()).isEqualTo(dir.resolve("c.crt").toString());

    Files.writeString(file, "scrape_configs:\n  - job_name: a\n    scrape_intervall: 1s\n");
    assertThatThrownBy(() -> ConfigLoader.load(file))
        .isInstanceOf(ConfigException.class)
        .hasMessage(file + ":3: field scrape_intervall not found in type config.ScrapeConfig")
        .satisfies(
            e -> {
              ConfigException ce = (ConfigException) e;
              assertThat(ce.sourceName()).isEqualTo(file.toString());
              assertThat(ce.line()).isEqualTo(3);
              assertThat(ce.column()).isEqualTo(5);
              assertThat(ce.problem())
                  .isEqualTo("field scrape_intervall not found in type config.ScrapeConfig");
            });

    Path missing = dir.resolve("missing.yml");
    assertThatThrownBy(() -> ConfigLoader.load(missing))
        .isInstanceOf(ConfigException.class)
        .hasMessageStartingWith(missing + ": cannot read file: ");
  }

  @Test
  void invalidUtf8IsReportedWithItsLine(@TempDir Path dir) throws Exception {
    Path file = dir.resolve("latin1.yml");
    byte[] head = "global:\n  external_labels:\n    city: M".getBytes(StandardCharsets.UTF_8);
    byte[] bytes = new byte[head.length + 5];
    System.arraycopy(head, 0, bytes, 0, head.length);
    bytes[head.length] = (byte) 0xfc; // 'ü' in Latin-1
    bytes[head.length + 1] = 'n';
    bytes[head.length + 2] = 'c';
    bytes[head.length + 3] = 'h';
    bytes[head.length + 4] = '\n';
    Files.write(file, bytes);
    assertThatThrownBy(() -> ConfigLoader.load(file))
        .hasMessage(file + ":3: invalid UTF-8 at byte offset 38: the file must be UTF-8");
  }

  @Test
  void multipleDocumentsAreRejected() {
    assertThatThrownBy(() -> ConfigLoader.loadString("global: {}\n---\nglobal: {}\n", "multi.yml"))
        .isInstanceOf(ConfigException.class)
        .hasMessageStartingWith("multi.yml:2: ");
  }
}
