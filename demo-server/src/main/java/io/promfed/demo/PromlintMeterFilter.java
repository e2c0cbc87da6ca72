package io.promfed.demo;

import io.micrometer.core.instrument.Meter;
import io.micrometer.core.instrument.Tags;
import io.micrometer.core.instrument.config.MeterFilter;
import io.micrometer.core.instrument.config.MeterFilterReply;

/**
 * Keeps {@code /metrics} clean under {@code promtool check metrics}, which runs client_golang's
 * {@code promlint} and exits 3 on any finding. Micrometer's defaults give four findings:
 *
 * <ul>
 *   <li>{@code jvm_compilation_time_ms_total}: "metric names should not contain abbreviated
 *       units"; denied.
 *   <li>{@code process_cpu_time_ns_total}: the same; denied, and {@link ProcessCpuSecondsMetrics}
 *       exports the time in seconds as {@code process_cpu_seconds_total}, the name every
 *       Prometheus client library uses.
 *   <li>{@code system_cpu_count}: "non-histogram and non-summary metrics should not have _count
 *       suffix"; denied.
 *   <li>{@code http_server_requests_seconds}: "no help text", because observation-made timers
 *       carry no description; given one here.
 * </ul>
 *
 * The unit checks match name and base unit, so a meter of the same name in base units passes.
 */
public final class PromlintMeterFilter implements MeterFilter {

  private static final String HTTP_SERVER_REQUESTS = "http.server.requests";
  private static final String HTTP_SERVER_REQUESTS_HELP =
      "Duration of HTTP server request handling";

  @Override
  public MeterFilterReply accept(Meter.Id id) {
    return switch (id.getName()) {
      case "jvm.compilation.time" -> denyIf("ms".equals(id.getBaseUnit()));
      case "process.cpu.time" -> denyIf("ns".equals(id.getBaseUnit()));
      case "system.cpu.count" -> MeterFilterReply.DENY;
      default -> MeterFilterReply.NEUTRAL;
    };
  }

  @Override
  public Meter.Id map(Meter.Id id) {
    boolean needsHelp =
        HTTP_SERVER_REQUESTS.equals(id.getName())
            && (id.getDescription() == null || id.getDescription().isBlank())
            && id.syntheticAssociation() == null;
    if (!needsHelp) {
      return id;
    }
    return new Meter.Id(
        id.getName(),
        Tags.of(id.getTagsAsIterable()),
        id.getBaseUnit(),
        HTTP_SERVER_REQUESTS_HELP,
        id.getType());
  }

  private static MeterFilterReply denyIf(boolean abbreviatedUnit) {
    return abbreviatedUnit ? MeterFilterReply.DENY : MeterFilterReply.NEUTRAL;
  }
}
