package io.promfed.demo;

import static org.assertj.core.api.Assertions.assertThat;

import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.FunctionCounter;
import io.micrometer.core.instrument.Gauge;
import io.micrometer.core.instrument.Timer;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import org.junit.jupiter.api.Test;

class PromlintMeterFilterTest {

  private final SimpleMeterRegistry registry = new SimpleMeterRegistry();

  PromlintMeterFilterTest() {
    registry.config().meterFilter(new PromlintMeterFilter());
  }

  @Test
  void deniesMetersInAbbreviatedUnits() {
    FunctionCounter.builder("jvm.compilation.time", this, x -> 1).baseUnit("ms").register(registry);
    FunctionCounter.builder("process.cpu.time", this, x -> 1).baseUnit("ns").register(registry);

    assertThat(registry.find("jvm.compilation.time").meter()).isNull();
    assertThat(registry.find("process.cpu.time").meter()).isNull();
  }

  @Test
  void keepsTheSameNamesInBaseUnits() {
    FunctionCounter.builder("jvm.compilation.time", this, x -> 1)
        .baseUnit("seconds")
        .register(registry);

    assertThat(registry.find("jvm.compilation.time").meter()).isNotNull();
  }

  @Test
  void deniesAGaugeNamedLikeASummaryCount() {
    Gauge.builder("system.cpu.count", () -> 2).register(registry);

    assertThat(registry.find("system.cpu.count").meter()).isNull();
  }

  @Test
  void givesHttpServerRequestsAHelpText() {
    Timer timer = Timer.builder("http.server.requests").tag("uri", "/health").register(registry);

    assertThat(timer.getId().getDescription()).isEqualTo("Duration of HTTP server request handling");
    assertThat(timer.getId().getTag("uri")).isEqualTo("/health");
  }

  @Test
  void leavesEverythingElseAlone() {
    Counter counter =
        Counter.builder("http.request").description("access count total").register(registry);

    assertThat(counter.getId().getDescription()).isEqualTo("access count total");
  }
}
