package io.promfed.metrics;

import static org.assertj.core.api.Assertions.assertThat;

import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import io.promfed.config.ConfigReloader;
import io.promfed.model.labels.Labels;
import io.promfed.scrape.ScrapeStats;
import io.promfed.storage.Appender;
import io.promfed.tsdb.Head;
import java.nio.file.Path;
import java.time.Clock;
import java.time.Duration;
import java.util.List;
import org.junit.jupiter.api.Test;

class EngineMetricsTest {

  @Test
  void chunkGaugesStillReadAfterAGarbageCollection() throws Exception {
    long t0 = 1_700_000_000_000L;
    Head head = new Head(() -> t0, Duration.ofHours(2));
    Appender app = head.appender();
    long ref = app.append(0, Labels.of("__name__", "up", "job", "a"), t0, 1);
    for (int i = 1; i < 10; i++) {
      app.append(ref, null, t0 + i * 15_000L, 1);
    }
    app.commit();
    SimpleMeterRegistry registry = new SimpleMeterRegistry();
    ConfigReloader reloader = new ConfigReloader(Path.of("none.yml"), Clock.systemUTC(), List.of());
    new EngineMetrics(head, new ScrapeStats(), reloader).bindTo(registry);

    // Micrometer holds a gauge's state object weakly; the chunk stats snapshot has no other owner.
    for (int i = 0; i < 3; i++) {
      System.gc();
    }

    double samples = registry.get("promfed.head.chunk.samples").gauge().value();
    double bytes = registry.get("promfed.head.chunk.bytes").gauge().value();
    assertThat(samples).isEqualTo(10);
    assertThat(bytes).isGreaterThan(0).isLessThan(10 * 16);
  }
}
