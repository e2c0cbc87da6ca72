package io.promfed.discovery;

import static org.assertj.core.api.Assertions.assertThat;
import static org.junit.jupiter.api.DynamicTest.dynamicTest;

import io.promfed.config.ConfigLoader;
import io.promfed.config.PrometheusConfig;
import io.promfed.config.ScrapeConfig;
import io.promfed.model.labels.Labels;
import io.promfed.model.relabel.Action;
import io.promfed.model.relabel.RelabelConfig;
import java.time.Duration;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.stream.Stream;
import org.junit.jupiter.api.DynamicTest;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestFactory;

/**
 * {@link TargetLabels}: the cases of prometheus/prometheus {@code scrape/manager_test.go} ({@code
 * TestPopulateLabels}, without the 3.x native-histogram labels) and {@code scrape/target_test.go}
 * ({@code TestTargetURL}) as our own table, plus URL escaping checked against Go's {@code net/url}.
 */
class TargetLabelsTest {

  /** Exactly one of {@code labels}/{@code error} is set, or neither for a dropped target. */
  record Case(
      String name,
      Labels target,
      Labels groupLabels,
      ScrapeConfig cfg,
      Labels discovered,
      Labels labels,
      String error) {}

  private static Labels ls(String... kv) {
    return Labels.of(kv);
  }

  /** {@code Scheme: https, MetricsPath: /metrics, JobName: job, 1s/1s} as upstream's table. */
  private static ScrapeConfig.Builder job() {
    return ScrapeConfig.builder("job")
        .scheme("https")
        .metricsPath("/metrics")
        .scrapeInterval(Duration.ofSeconds(1))
        .scrapeTimeout(Duration.ofSeconds(1));
  }

  private static final String[] DEFAULTS = {
    "__scheme__",
    "https",
    "__metrics_path__",
    "/metrics",
    "job",
    "job",
    "__scrape_interval__",
    "1s",
    "__scrape_timeout__",
    "1s"
  };

  private static Labels withDefaults(String... kv) {
    String[] all = new String[DEFAULTS.length + kv.length];
    System.arraycopy(DEFAULTS, 0, all, 0, DEFAULTS.length);
    System.arraycopy(kv, 0, all, DEFAULTS.length, kv.length);
    // later pairs override earlier ones
    Map<String, String> m = new LinkedHashMap<>();
    for (int i = 0; i < all.length; i += 2) {
      m.put(all[i], all[i + 1]);
    }
    return Labels.from(m);
  }

  private static RelabelConfig.Builder rule() {
    return RelabelConfig.builder();
  }

  static List<Case> cases() {
    return List.of(
        new Case(
            "regular population of scrape config options",
            ls("__address__", "1.2.3.4:1000", "custom", "value"),
            Labels.EMPTY,
            job().build(),
            withDefaults("__address__", "1.2.3.4:1000", "custom", "value"),
            withDefaults(
                "__address__", "1.2.3.4:1000", "instance", "1.2.3.4:1000", "custom", "value"),
            null),
        new Case(
            "target labels pre-define the job's defaults",
            ls(
                "__address__",
                "1.2.3.4",
                "__scheme__",
                "http",
                "__metrics_path__",
                "/custom",
                "job",
                "custom-job",
                "__scrape_interval__",
                "2s",
                "__scrape_timeout__",
                "2s"),
            Labels.EMPTY,
            job().build(),
            ls(
                "__address__",
                "1.2.3.4",
                "__scheme__",
                "http",
                "__metrics_path__",
                "/custom",
                "job",
                "custom-job",
                "__scrape_interval__",
                "2s",
                "__scrape_timeout__",
                "2s"),
            ls(
                "__address__",
                "1.2.3.4",
                "instance",
                "1.2.3.4",
                "__scheme__",
                "http",
                "__metrics_path__",
                "/custom",
                "job",
                "custom-job",
                "__scrape_interval__",
                "2s",
                "__scrape_timeout__",
                "2s"),
            null),
        new Case(
            "an instance label is kept; no default port is added",
            ls("__address__", "[::1]", "instance", "custom-instance"),
            Labels.EMPTY,
            job().build(),
            withDefaults("__address__", "[::1]", "instance", "custom-instance"),
            withDefaults("__address__", "[::1]", "instance", "custom-instance"),
            null),
        new Case(
            "address label missing",
            ls("custom", "value"),
            Labels.EMPTY,
            job().build(),
            withDefaults("custom", "value"),
            null,
            "no address"),
        new Case(
            "address label missing, but added by relabeling",
            ls("custom", "host:1234"),
            Labels.EMPTY,
            job()
                .relabelConfigs(
                    List.of(
                        rule()
                            .sourceLabels("custom")
                            .regex("(.*)")
                            .replacement("${1}")
                            .targetLabel("__address__")
                            .build()))
                .build(),
            withDefaults("custom", "host:1234"),
            withDefaults(
                "__address__", "host:1234", "instance", "host:1234", "custom", "host:1234"),
            null),
        new Case(
            "invalid UTF-8 in a label value",
            ls("__address__", "1.2.3.4:1000", "custom", "\uD800"),
            Labels.EMPTY,
            job().build(),
            withDefaults("__address__", "1.2.3.4:1000", "custom", "\uD800"),
            null,
            "invalid label value for \"custom\": \"\\ud800\""),
        new Case(
            "invalid duration in the interval label",
            ls("__address__", "1.2.3.4:1000", "__scrape_interval__", "2notseconds"),
            Labels.EMPTY,
            job().build(),
            withDefaults("__address__", "1.2.3.4:1000", "__scrape_interval__", "2notseconds"),
            null,
            "error parsing scrape interval: unknown unit \"notseconds\" in duration"
                + " \"2notseconds\""),
        new Case(
            "invalid duration in the timeout label",
            ls("__address__", "1.2.3.4:1000", "__scrape_timeout__", "2notseconds"),
            Labels.EMPTY,
            job().build(),
            withDefaults("__address__", "1.2.3.4:1000", "__scrape_timeout__", "2notseconds"),
            null,
            "error parsing scrape timeout: unknown unit \"notseconds\" in duration"
                + " \"2notseconds\""),
        new Case(
            "zero interval",
            ls("__address__", "1.2.3.4:1000", "__scrape_interval__", "0s"),
            Labels.EMPTY,
            job().build(),
            withDefaults("__address__", "1.2.3.4:1000", "__scrape_interval__", "0s"),
            null,
            "scrape interval cannot be 0"),
        new Case(
            "zero timeout",
            ls("__address__", "1.2.3.4:1000", "__scrape_timeout__", "0s"),
            Labels.EMPTY,
            job().build(),
            withDefaults("__address__", "1.2.3.4:1000", "__scrape_timeout__", "0s"),
            null,
            "scrape timeout cannot be 0"),
        new Case(
            "timeout greater than interval",
            ls(
                "__address__",
                "1.2.3.4:1000",
                "__scrape_interval__",
                "1s",
                "__scrape_timeout__",
                "2s"),
            Labels.EMPTY,
            job().build(),
            withDefaults("__address__", "1.2.3.4:1000", "__scrape_timeout__", "2s"),
            null,
            "scrape timeout cannot be greater than scrape interval (\"2s\" > \"1s\")"),
        new Case(
            "default ports are not removed",
            ls("__address__", "1.2.3.4:80"),
            Labels.EMPTY,
            job().scheme("http").build(),
            withDefaults("__address__", "1.2.3.4:80", "__scheme__", "http"),
            withDefaults(
                "__address__", "1.2.3.4:80", "__scheme__", "http", "instance", "1.2.3.4:80"),
            null),
        new Case(
            "target labels win over group labels",
            ls("__address__", "a:1", "env", "canary"),
            ls("env", "prod", "team", "x"),
            job().build(),
            withDefaults("__address__", "a:1", "env", "canary", "team", "x"),
            withDefaults("__address__", "a:1", "env", "canary", "team", "x", "instance", "a:1"),
            null),
        new Case(
            "params become __param_ labels with their first value",
            ls("__address__", "a:1", "__param_module", "from-target"),
            Labels.EMPTY,
            job()
                .param("match[]", "{a=\"1\"}", "{b=\"2\"}")
                .param("module", "http_2xx")
                .param("empty")
                .build(),
            withDefaults(
                "__address__",
                "a:1",
                "__param_match[]",
                "{a=\"1\"}",
                "__param_module",
                "from-target"),
            withDefaults(
                "__address__",
                "a:1",
                "__param_match[]",
                "{a=\"1\"}",
                "__param_module",
                "from-target",
                "instance",
                "a:1"),
            null),
        new Case(
            "dropped by relabeling keeps the discovered labels",
            ls("__address__", "a:1", "__meta_x", "drop-me"),
            Labels.EMPTY,
            job()
                .relabelConfigs(
                    List.of(
                        rule()
                            .sourceLabels("__meta_x")
                            .regex("drop-me")
                            .action(Action.DROP)
                            .build()))
                .build(),
            withDefaults("__address__", "a:1", "__meta_x", "drop-me"),
            null,
            null),
        new Case(
            "meta labels are removed after relabeling, other __ labels stay",
            ls("__address__", "a:1", "__meta_kubernetes_pod_name", "p-0", "__tmp_x", "y"),
            ls("__meta_kubernetes_namespace", "ns"),
            job()
                .relabelConfigs(
                    List.of(
                        rule()
                            .sourceLabels("__meta_kubernetes_namespace")
                            .targetLabel("namespace")
                            .build(),
                        rule()
                            .sourceLabels("__meta_kubernetes_pod_name")
                            .targetLabel("instance")
                            .build()))
                .build(),
            withDefaults(
                "__address__",
                "a:1",
                "__meta_kubernetes_pod_name",
                "p-0",
                "__tmp_x",
                "y",
                "__meta_kubernetes_namespace",
                "ns"),
            withDefaults(
                "__address__", "a:1", "__tmp_x", "y", "namespace", "ns", "instance", "p-0"),
            null),
        new Case(
            "relabeling to a URL is not a valid hostname",
            ls("__address__", "a:1"),
            Labels.EMPTY,
            job()
                .relabelConfigs(
                    List.of(rule().targetLabel("__address__").replacement("http://a:1/x").build()))
                .build(),
            withDefaults("__address__", "a:1"),
            null,
            "\"http://a:1/x\" is not a valid hostname"),
        new Case(
            "the job's interval and timeout are formatted like model.Duration",
            ls("__address__", "a:1"),
            Labels.EMPTY,
            job()
                .scrapeInterval(Duration.ofMinutes(90))
                .scrapeTimeout(Duration.ofMillis(1500))
                .build(),
            withDefaults(
                "__address__",
                "a:1",
                "__scrape_interval__",
                "1h30m",
                "__scrape_timeout__",
                "1s500ms"),
            withDefaults(
                "__address__",
                "a:1",
                "__scrape_interval__",
                "1h30m",
                "__scrape_timeout__",
                "1s500ms",
                "instance",
                "a:1"),
            null));
  }

  @TestFactory
  Stream<DynamicTest> populate() {
    return cases().stream()
        .map(
            c ->
                dynamicTest(
                    c.name(),
                    () -> {
                      TargetGroup group =
                          new TargetGroup("0", List.of(c.target()), c.groupLabels());
                      TargetLabels.Result r = TargetLabels.populate(group, c.target(), c.cfg());
                      assertThat(r.discoveredLabels()).as("discovered").isEqualTo(c.discovered());
                      assertThat(r.labels()).as("labels").isEqualTo(c.labels());
                      assertThat(r.error()).as("error").isEqualTo(c.error());
                      assertThat(r.isKept()).isEqualTo(c.labels() != null);
                      assertThat(r.isFailed()).isEqualTo(c.error() != null);
                      assertThat(r.isDropped()).isEqualTo(c.labels() == null && c.error() == null);
                    }));
  }

  @Test
  void urlOverridesTheFirstValueOfEachParam() {
    ScrapeConfig cfg = job().param("abc", "foo", "bar", "baz").param("xyz", "hoo").build();
    Labels labels =
        ls(
            "__address__",
            "example.com:1234",
            "__scheme__",
            "https",
            "__metrics_path__",
            "/metricz",
            "__param_abc",
            "overwrite",
            "__param_cde",
            "huu");
    assertThat(TargetLabels.scrapeUrl(labels, cfg))
        .isEqualTo(
            "https://example.com:1234/metricz?abc=overwrite&abc=bar&abc=baz&cde=huu&xyz=hoo");
  }

  /**
   * Expected strings printed by Go's {@code (&url.URL{...}).String()} with {@code Values.Encode}.
   */
  @Test
  void urlEscapingMatchesGo() {
    record U(Labels labels, Map<String, List<String>> params, String expected) {}
    Map<String, List<String>> odd = new LinkedHashMap<>();
    odd.put("a b", List.of("c&d=e", "ü"));
    odd.put("z", List.of("1"));
    odd.put("B", List.of("~-._*"));
    List<U> cases =
        List.of(
            new U(
                ls(
                    "__scheme__",
                    "https",
                    "__address__",
                    "example.com:443",
                    "__metrics_path__",
                    "/metrics"),
                Map.of(),
                "https://example.com:443/metrics"),
            new U(
                ls("__scheme__", "http", "__address__", "h:1", "__metrics_path__", "metrics"),
                Map.of(),
                "http://h:1/metrics"),
            new U(ls("__scheme__", "http", "__address__", "h:1"), Map.of(), "http://h:1"),
            new U(
                ls("__scheme__", "http", "__address__", "h:1", "__metrics_path__", "/a b/c?d"),
                odd,
                "http://h:1/a%20b/c%3Fd?B=~-._%2A&a+b=c%26d%3De&a+b=%C3%BC&z=1"),
            new U(
                ls("__scheme__", "http", "__address__", "[::1]:9090", "__metrics_path__", "/m"),
                Map.of("x", List.of("")),
                "http://[::1]:9090/m?x="),
            new U(
                ls(
                    "__scheme__",
                    "http",
                    "__address__",
                    "hö st:1",
                    "__metrics_path__",
                    "/p@th;x=1,y"),
                Map.of(),
                "http://h%C3%B6%20st:1/p@th;x=1,y"),
            new U(ls("__address__", "h:1", "__metrics_path__", "/m"), Map.of(), "//h:1/m"),
            new U(ls("__scheme__", "http", "__metrics_path__", "/m"), Map.of(), "http:///m"),
            new U(ls("__metrics_path__", "a:b/c"), Map.of(), "./a:b/c"));
    for (U u : cases) {
      ScrapeConfig cfg = job().params(u.params()).build();
      assertThat(TargetLabels.scrapeUrl(u.labels(), cfg))
          .as(u.labels().toString())
          .isEqualTo(u.expected());
    }
  }

  /** The seed's federation job end to end: config → static discovery → labels → URL. */
  @Test
  void seedFederateJob() throws Exception {
    PrometheusConfig cfg =
        ConfigLoader.loadString(
            """
            scrape_configs:
              - job_name: "federate"
                scrape_interval: 15s

                honor_labels: true
                metrics_path: '/federate'

                params:
                  'match[]':
                    - '{__name__=~"job:.*"}'
                    - '{__name__=~".+"}'

                static_configs:
                  - targets:
                    - "192.168.152.131:9091"
            """,
            "federate.yml");
    ScrapeConfig job = cfg.scrapeConfig("federate");
    TargetGroup group = StaticDiscoverer.targetGroups(job.staticConfigs()).get(0);
    TargetLabels.Result r = TargetLabels.populate(group, group.targets().get(0), job);
    assertThat(r.labels())
        .isEqualTo(
            ls(
                "__address__", "192.168.152.131:9091",
                "__metrics_path__", "/federate",
                "__param_match[]", "{__name__=~\"job:.*\"}",
                "__scheme__", "http",
                "__scrape_interval__", "15s",
                "__scrape_timeout__", "10s",
                "instance", "192.168.152.131:9091",
                "job", "federate"));
    // Both match[] values survive; the string is what Go's net/url prints for the same URL.
    assertThat(TargetLabels.scrapeUrl(r.labels(), job))
        .isEqualTo(
            "http://192.168.152.131:9091/federate?match%5B%5D=%7B__name__%3D~%22job%3A.%2A%22%7D"
                + "&match%5B%5D=%7B__name__%3D~%22.%2B%22%7D");
  }
}
