package io.promfed.discovery;

import static org.assertj.core.api.Assertions.assertThat;

import io.promfed.config.StaticConfig;
import io.promfed.model.labels.Labels;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;

class StaticDiscovererTest {

  @Test
  void deliversOneGroupPerStaticConfigNumberedInFileOrder() {
    List<StaticConfig> configs =
        List.of(
            new StaticConfig(List.of("a:1", "b:2"), Labels.of("env", "prod")),
            new StaticConfig(List.of(), Labels.EMPTY),
            new StaticConfig(List.of("c:3", ""), Labels.of("env", "canary")));
    List<List<TargetGroup>> updates = new ArrayList<>();
    try (StaticDiscoverer d = new StaticDiscoverer(configs)) {
      d.start(updates::add);
    }
    assertThat(updates)
        .containsExactly(
            List.of(
                new TargetGroup(
                    "0",
                    List.of(Labels.of("__address__", "a:1"), Labels.of("__address__", "b:2")),
                    Labels.of("env", "prod")),
                new TargetGroup("1", List.of(), Labels.EMPTY),
                new TargetGroup(
                    "2",
                    // An empty target string yields a target without address ("no address" later).
                    List.of(Labels.of("__address__", "c:3"), Labels.EMPTY),
                    Labels.of("env", "canary"))));
    assertThat(StaticDiscoverer.targetGroups(configs)).isEqualTo(updates.get(0));
  }
}
