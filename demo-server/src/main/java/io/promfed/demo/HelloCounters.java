package io.promfed.demo;

import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.MeterRegistry;

/**
 * The Go server's three counters, with its names and HELP texts kept byte for byte (including
 * "faile"), so dashboards and recording rules written for the Go server keep working.
 *
 * <p>Micrometer appends {@code _total} to counters in the Prometheus output, so {@code
 * http.request.success} is exposed as {@code http_request_success_total}. Thread-safe.
 */
public final class HelloCounters {

  private final Counter success;
  private final Counter fail;
  private final Counter total;

  public HelloCounters(MeterRegistry registry) {
    this.success =
        Counter.builder("http.request.success")
            .description("access success count")
            .register(registry);
    this.fail =
        Counter.builder("http.request.fail").description("access faile count").register(registry);
    this.total =
        Counter.builder("http.request").description("access count total").register(registry);
  }

  /** A GET: like Go, success first, then total. */
  public void recordSuccess() {
    success.increment();
    total.increment();
  }

  /** Any other method: like Go, fail first, then total. */
  public void recordFailure() {
    fail.increment();
    total.increment();
  }
}
