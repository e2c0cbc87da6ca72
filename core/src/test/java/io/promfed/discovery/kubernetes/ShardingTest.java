package io.promfed.discovery.kubernetes;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.promfed.config.ScrapeConfig;
import io.promfed.config.StaticConfig;
import io.promfed.discovery.TargetGroup;
import io.promfed.discovery.TargetLabels;
import io.promfed.model.labels.Labels;
import io.promfed.model.relabel.Relabeler;
import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

class ShardingTest {

  static List<String> addresses() {
    List<String> out = new ArrayList<>();
    for (int i = 0; i < 1000; i++) {
      out.add("10." + (i / 250) + "." + (i % 250) + ".7:" + (8080 + i % 3));
    }
    return out;
  }

  /** Prometheus's hashmod, computed here independently: md5 bytes 8..15 big-endian, mod n. */
  static long goHashmod(String value, long n) throws Exception {
    byte[] sum = MessageDigest.getInstance("MD5").digest(value.getBytes(StandardCharsets.UTF_8));
    return new java.math.BigInteger(1, java.util.Arrays.copyOfRange(sum, 8, 16))
        .mod(java.math.BigInteger.valueOf(n))
        .longValueExact();
  }

  @ParameterizedTest
  @ValueSource(ints = {1, 2, 3, 5})
  void everyAddressLandsInExactlyOneShard(int shards) throws Exception {
    int[] perShard = new int[shards];
    for (String addr : addresses()) {
      int owners = 0;
      for (int shard = 0; shard < shards; shard++) {
        Labels kept =
            Relabeler.process(
                Labels.of(TargetGroup.ADDRESS_LABEL, addr),
                new Sharding(shard, shards).relabelConfigs());
        if (kept != null) {
          owners++;
          perShard[shard]++;
          assertThat(kept.get(Sharding.HASH_LABEL))
              .isEqualTo(Long.toString(goHashmod(addr, shards)))
              .isEqualTo(Integer.toString(shard));
        }
      }
      assertThat(owners).as("shards owning %s", addr).isEqualTo(1);
    }
    for (int count : perShard) {
      // 1000/shards expected; a binomial spread of a few standard deviations at most.
      assertThat(count).isBetween(1000 / shards - 100, 1000 / shards + 100);
    }
  }

  @Test
  void disablingShardingKeepsTheTargetOnEveryShard() {
    for (int shard = 0; shard < 3; shard++) {
      assertThat(
              Relabeler.process(
                  Labels.of("__address__", "a:1", Sharding.DISABLE_LABEL, "true"),
                  new Sharding(shard, 3).relabelConfigs()))
          .isNotNull();
    }
  }

  @Test
  void shardComesFromTheStatefulSetOrdinal() {
    assertThat(Sharding.fromPodName("leaf-agent-2", 3)).isEqualTo(new Sharding(2, 3));
    assertThat(Sharding.fromPodName("leaf-agent-0", 1)).isEqualTo(Sharding.NONE);
    assertThatThrownBy(() -> Sharding.fromPodName("leaf-agent-3", 3))
        .hasMessage("shard must be in [0, 3), got 3");
    assertThatThrownBy(() -> Sharding.fromPodName("leaf-agent-7f9c8", 3))
        .hasMessageContaining("has no StatefulSet ordinal");
    assertThatThrownBy(() -> Sharding.fromPodName("leafagent", 3))
        .hasMessageContaining("has no StatefulSet ordinal");
  }

  @Test
  void applySplitsAPlainStaticJobAcrossReplicas() {
    ScrapeConfig job =
        ScrapeConfig.builder("node")
            .staticConfigs(List.of(new StaticConfig(addresses(), Labels.EMPTY)))
            .build();
    assertThat(Sharding.NONE.apply(job)).isSameAs(job);
    TargetGroup group =
        io.promfed.discovery.StaticDiscoverer.targetGroups(job.staticConfigs()).get(0);
    int total = 0;
    for (int shard = 0; shard < 2; shard++) {
      ScrapeConfig sharded = Sharding.fromPodName("leaf-agent-" + shard, 2).apply(job);
      for (Labels t : group.targets()) {
        if (TargetLabels.populate(group, t, sharded).isKept()) {
          total++;
        }
      }
    }
    assertThat(total).isEqualTo(1000);
  }
}
