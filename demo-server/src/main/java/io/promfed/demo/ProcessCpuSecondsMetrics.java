package io.promfed.demo;

import io.micrometer.core.instrument.FunctionCounter;
import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.binder.MeterBinder;
import java.lang.management.ManagementFactory;
import java.lang.management.OperatingSystemMXBean;

/**
 * {@code process_cpu_seconds_total}, with the HELP text of the Go server's process collector, so
 * {@code rate(process_cpu_seconds_total[5m])} works for the Java port as it did for the Go server.
 * Registers nothing on JVMs without {@code com.sun.management.OperatingSystemMXBean}.
 */
public final class ProcessCpuSecondsMetrics implements MeterBinder {

  private static final double NANOS_PER_SECOND = 1e9;

  @Override
  public void bindTo(MeterRegistry registry) {
    OperatingSystemMXBean os = ManagementFactory.getOperatingSystemMXBean();
    if (os instanceof com.sun.management.OperatingSystemMXBean cpu) {
      FunctionCounter.builder(
              "process.cpu", cpu, bean -> bean.getProcessCpuTime() / NANOS_PER_SECOND)
          .baseUnit("seconds")
          .description("Total user and system CPU time spent in seconds.")
          .register(registry);
    }
  }
}
