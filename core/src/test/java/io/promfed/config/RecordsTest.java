package io.promfed.config;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.promfed.model.labels.Labels;
import io.promfed.model.relabel.RelabelConfig;
import java.net.URI;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

/** The records validate themselves when built in code, with the loader's messages. */
class RecordsTest {

  @Test
  void scrapeConfigBuilderDefaultsAreDefaultScrapeConfig() {
    ScrapeConfig c = ScrapeConfig.builder("j").build();
    assertThat(c.scrapeInterval()).isEqualTo(Duration.ofMinutes(1));
    assertThat(c.scrapeTimeout()).isEqualTo(Duration.ofSeconds(10));
    assertThat(c.metricsPath()).isEqualTo("/metrics");
    assertThat(c.scheme()).isEqualTo("http");
    assertThat(c.honorLabels()).isFalse();
    assertThat(c.honorTimestamps()).isTrue();
    assertThat(c.trackTimestampsStaleness()).isFalse();
    assertThat(c.trackTimestampsStalenessSet()).isFalse();
    assertThat(c.seriesLimit()).isEmpty();
    assertThat(c.enableCompression()).isTrue();
    assertThat(c.tlsConfig()).isEqualTo(TlsConfig.DEFAULT);
    assertThat(c.toBuilder().build()).isEqualTo(c);
  }

  @Test
  void scrapeConfigChecks() {
    assertThatThrownBy(() -> ScrapeConfig.builder("j").seriesLimit(-1).build())
        .hasMessage("limits must not be negative for scrape config with job name \"j\"");
    assertThatThrownBy(() -> ScrapeConfig.builder("").build()).hasMessage("job_name is empty");
    assertThatThrownBy(() -> ScrapeConfig.builder("j").scrapeTimeout(Duration.ofMinutes(2)).build())
        .hasMessage(
            "scrape timeout greater than scrape interval for scrape config with job name \"j\"");
    assertThatThrownBy(() -> ScrapeConfig.builder("j").scheme("ftp").build())
        .hasMessage(
            "invalid scheme \"ftp\" for scrape config with job name \"j\": must be \"http\" or"
                + " \"https\"");
    assertThatThrownBy(
            () -> ScrapeConfig.builder("j").bearerToken("a").bearerTokenFile("b").build())
        .hasMessage("at most one of bearer_token & bearer_token_file must be configured");
    assertThatThrownBy(
            () ->
                ScrapeConfig.builder("j")
                    .staticConfigs(List.of(new StaticConfig(List.of("http://x"), Labels.EMPTY)))
                    .build())
        .hasMessage("\"http://x\" is not a valid hostname");
    assertThatThrownBy(
            () ->
                ScrapeConfig.builder("j")
                    .relabelConfigs(List.of(RelabelConfig.builder().build()))
                    .build())
        .hasMessage("relabel configuration for replace action requires 'target_label' value");
  }

  @Test
  void scrapeConfigIsDeeplyImmutable() {
    List<String> values = new ArrayList<>(List.of("a"));
    ScrapeConfig c = ScrapeConfig.builder("j").params(Map.of("match[]", values)).build();
    values.add("b");
    assertThat(c.params().get("match[]")).containsExactly("a");
    assertThatThrownBy(() -> c.params().put("x", List.of()))
        .isInstanceOf(UnsupportedOperationException.class);
    assertThat(ScrapeConfig.builder("j").bearerToken("t0ken").build().toString())
        .doesNotContain("t0ken");
  }

  @Test
  void globalConfigChecks() {
    assertThatThrownBy(
            () ->
                new GlobalConfig(
                    Duration.ofSeconds(5),
                    Duration.ofSeconds(6),
                    Duration.ofMinutes(1),
                    Labels.EMPTY))
        .hasMessage("global scrape timeout greater than scrape interval");
    assertThatThrownBy(
            () ->
                new GlobalConfig(
                    Duration.ofSeconds(5),
                    Duration.ofSeconds(5),
                    Duration.ofMinutes(1),
                    Labels.of("a.b", "x")))
        .hasMessage("\"a.b\" is not a valid label name");
  }

  @Test
  void prometheusConfigChecks() {
    ScrapeConfig a = ScrapeConfig.builder("a").build();
    assertThatThrownBy(
            () -> new PrometheusConfig(GlobalConfig.DEFAULT, List.of(), List.of(a, a), List.of()))
        .hasMessage("found multiple scrape configs with job name \"a\"");
    assertThatThrownBy(
            () ->
                new PrometheusConfig(
                    GlobalConfig.DEFAULT, List.of("a/*/b.yml"), List.of(), List.of()))
        .hasMessage("invalid rule file path \"a/*/b.yml\"");
    assertThat(
            new PrometheusConfig(GlobalConfig.DEFAULT, List.of("/x/*.yml"), List.of(a), List.of())
                .scrapeConfig("nope"))
        .isNull();
  }

  @Test
  void remoteWriteConfigChecks() {
    assertThatThrownBy(
            () ->
                new RemoteWriteConfig(
                    null, Duration.ofSeconds(30), List.of(), null, "", "", QueueConfig.DEFAULT))
        .hasMessage("url for remote_write is empty");
    assertThatThrownBy(
            () ->
                new RemoteWriteConfig(
                    URI.create("http://x/push"),
                    Duration.ofSeconds(30),
                    List.of(),
                    new BasicAuth("u", "p", ""),
                    "tok",
                    "",
                    QueueConfig.DEFAULT))
        .hasMessage(
            "at most one of basic_auth, oauth2, bearer_token & bearer_token_file must be"
                + " configured");
  }

  @Test
  void tlsAndBasicAuthChecks() {
    assertThatThrownBy(() -> new TlsConfig("", "", "k.key", "", false))
        .hasMessage(
            "exactly one of cert or cert_file must be configured when a client key is configured");
    assertThat(new BasicAuth("u", "hunter2", "").toString()).doesNotContain("hunter2");
  }

  @Test
  void kubernetesSelectorsPerRole() {
    assertThatThrownBy(
            () ->
                new KubernetesSdConfig(
                    "service",
                    List.of(),
                    false,
                    List.of(new KubernetesSdConfig.Selector("pod", "a=b", "")),
                    "",
                    ""))
        .hasMessage("service role supports only service selectors");
    assertThatThrownBy(
            () ->
                new KubernetesSdConfig(
                    "pod",
                    List.of(),
                    false,
                    List.of(new KubernetesSdConfig.Selector("service", "", "")),
                    "",
                    ""))
        .hasMessage("pod role supports only pod, node selectors");
    assertThatThrownBy(
            () ->
                new KubernetesSdConfig(
                    "node",
                    List.of(),
                    false,
                    List.of(new KubernetesSdConfig.Selector("pod", "", "")),
                    "",
                    ""))
        .hasMessage("node role supports only node selectors");
    assertThat(
            new KubernetesSdConfig(
                    "endpointslice",
                    List.of("a"),
                    false,
                    List.of(
                        new KubernetesSdConfig.Selector("pod", "", ""),
                        new KubernetesSdConfig.Selector("service", "", ""),
                        new KubernetesSdConfig.Selector("endpointslice", "", "")),
                    "",
                    "")
                .selectors())
        .hasSize(3);
    assertThatThrownBy(
            () -> new KubernetesSdConfig("pod", List.of(), false, List.of(), "http://a b", ""))
        .hasMessageStartingWith("parse \"http://a b\": ");
  }
}
