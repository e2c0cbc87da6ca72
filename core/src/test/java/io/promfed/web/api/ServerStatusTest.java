package io.promfed.web.api;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.promfed.config.ConfigException;
import io.promfed.config.ConfigReloader;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Clock;
import java.time.Instant;
import java.time.ZoneOffset;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The status facts of a server whose config a {@link ConfigReloader} loads. */
class ServerStatusTest {

  @TempDir Path dir;

  @Test
  void configTextFollowsSuccessfulReloadsOnly() throws Exception {
    Path file = dir.resolve("prometheus.yml");
    String first = "# first\nglobal:\n  scrape_interval: 15s\n";
    Files.writeString(file, first);
    Clock clock = Clock.fixed(Instant.parse("2026-08-01T12:00:00Z"), ZoneOffset.UTC);
    ConfigReloader reloader = new ConfigReloader(file, clock, List.of());
    ServerStatus status =
        new ServerStatus(
            reloader,
            BuildInfo.of(QueryApi.class),
            Map.of("b", "2", "a", "1"),
            "1d",
            () -> 1_785_585_600_000L);

    assertThat(status.configYaml()).isEmpty(); // nothing loaded yet
    assertThat(status.runtimeInfo().lastConfigTime()).isNull();

    reloader.reload();
    assertThat(status.configYaml()).isEqualTo(first);

    Files.writeString(file, "scrape_configs: [oops\n");
    assertThat(status.configYaml()).as("an edit without reload does not show").isEqualTo(first);
    assertThatThrownBy(reloader::reload).isInstanceOf(ConfigException.class);
    assertThat(status.configYaml()).as("a failed reload does not show").isEqualTo(first);

    RuntimeInfo info = status.runtimeInfo();
    assertThat(info.reloadConfigSuccess()).isFalse();
    assertThat(info.lastConfigTime()).isEqualTo(Instant.parse("2026-08-01T12:00:00Z"));
    assertThat(info.startTime()).isEqualTo(Instant.ofEpochMilli(1_785_585_600_000L));
    assertThat(info.storageRetention()).isEqualTo("1d");
    assertThat(info.goroutineCount()).isPositive();
    assertThat(info.gomaxprocs()).isPositive();

    String second = "global:\n  scrape_interval: 30s\n";
    Files.writeString(file, second);
    reloader.reload();
    assertThat(status.configYaml()).isEqualTo(second);
    assertThat(status.runtimeInfo().reloadConfigSuccess()).isTrue();
    assertThat(status.flags()).containsExactly(Map.entry("a", "1"), Map.entry("b", "2"));
  }

  @Test
  void buildInfoOutsideAJarHasNoVersionAndNamesTheJavaRuntime() {
    BuildInfo b = BuildInfo.of(QueryApi.class);
    assertThat(b.version()).isEmpty();
    assertThat(b.goVersion()).isEqualTo("java" + Runtime.version());
  }
}
