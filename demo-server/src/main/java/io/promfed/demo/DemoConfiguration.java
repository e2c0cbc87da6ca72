package io.promfed.demo;

import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.observation.ObservationPredicate;
import io.promfed.demo.accesslog.AccessLogWriter;
import io.promfed.demo.web.HelloObservationPredicate;
import io.promfed.demo.web.HelloServlet;
import java.time.Clock;
import org.springframework.boot.context.properties.EnableConfigurationProperties;
import org.springframework.boot.tomcat.TomcatConnectorCustomizer;
import org.springframework.boot.web.servlet.ServletRegistrationBean;
import org.springframework.context.annotation.Bean;
import org.springframework.context.annotation.Configuration;

/** Wires the Go server's pieces: counters, access log and the {@code /hello} servlet. */
@Configuration(proxyBeanMethods = false)
@EnableConfigurationProperties(DemoProperties.class)
class DemoConfiguration {

  /** Local time, as Go's logger uses for the access log. */
  @Bean
  Clock clock() {
    return Clock.systemDefaultZone();
  }

  @Bean
  HelloCounters helloCounters(MeterRegistry registry) {
    return new HelloCounters(registry);
  }

  @Bean
  AccessLogWriter accessLogWriter(DemoProperties properties, Clock clock, MeterRegistry registry) {
    return new AccessLogWriter(
        properties.accessLog().path(),
        properties.accessLog().queueCapacity(),
        clock,
        registry,
        writer -> new Thread(writer, "access-log-writer"));
  }

  /** Exactly {@code /hello}: a servlet exact-match mapping, like Go's mux pattern. */
  @Bean
  ServletRegistrationBean<HelloServlet> helloServlet(
      HelloCounters counters, AccessLogWriter accessLog) {
    return new ServletRegistrationBean<>(new HelloServlet(counters, accessLog), "/hello");
  }

  @Bean
  PromlintMeterFilter promlintMeterFilter() {
    return new PromlintMeterFilter();
  }

  @Bean
  ProcessCpuSecondsMetrics processCpuSecondsMetrics() {
    return new ProcessCpuSecondsMetrics();
  }

  @Bean
  ObservationPredicate helloObservationPredicate() {
    return new HelloObservationPredicate();
  }

  /**
   * Tomcat answers TRACE with 405 before any servlet runs; Go hands it to the handler, which
   * answers "handle get method only". Elsewhere TRACE reaches Spring MVC (see {@code
   * spring.mvc.dispatch-trace-request}), which has no TRACE mappings.
   */
  @Bean
  TomcatConnectorCustomizer allowTraceLikeGo() {
    return connector -> connector.setAllowTrace(true);
  }
}
