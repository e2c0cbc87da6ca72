package io.promfed.demo;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import io.promfed.demo.accesslog.AccessLogWriter;
import io.promfed.demo.web.HelloServlet;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.springframework.boot.context.properties.EnableConfigurationProperties;
import org.springframework.boot.test.context.runner.ApplicationContextRunner;
import org.springframework.boot.web.servlet.ServletRegistrationBean;
import org.springframework.context.annotation.Configuration;

/** Which beans exist, and how {@code demo.*} binds, without starting a web server. */
class DemoConfigurationTest {

  @TempDir Path directory;

  @Configuration(proxyBeanMethods = false)
  @EnableConfigurationProperties(DemoProperties.class)
  static class PropertiesOnly {}

  private final ApplicationContextRunner properties =
      new ApplicationContextRunner().withUserConfiguration(PropertiesOnly.class);

  @Test
  void wiresTheGoServersPieces() {
    new ApplicationContextRunner()
        .withUserConfiguration(DemoConfiguration.class)
        .withBean(MeterRegistry.class, SimpleMeterRegistry::new)
        .withPropertyValues("demo.access-log.path=" + directory.resolve("access_log"))
        .run(
            context -> {
              assertThat(context).hasSingleBean(HelloCounters.class);
              assertThat(context).hasSingleBean(AccessLogWriter.class);
              assertThat(context).hasSingleBean(PromlintMeterFilter.class);
              assertThat(context).hasSingleBean(ProcessCpuSecondsMetrics.class);
              ServletRegistrationBean<?> hello =
                  context.getBean("helloServlet", ServletRegistrationBean.class);
              assertThat(hello.getServlet()).isInstanceOf(HelloServlet.class);
              assertThat(hello.getUrlMappings()).containsExactly("/hello");
              assertThat(context.getBean(AccessLogWriter.class).isRunning()).isTrue();
            });
  }

  @Test
  void defaultsMatchTheGoServer() {
    properties.run(
        context -> {
          DemoProperties.AccessLog accessLog = context.getBean(DemoProperties.class).accessLog();
          assertThat(accessLog.path()).isEqualTo(Path.of("access_log"));
          assertThat(accessLog.queueCapacity()).isEqualTo(65_536);
        });
  }

  @Test
  void bindsTheAccessLogSettings() {
    properties
        .withPropertyValues(
            "demo.access-log.path=/var/log/demo/access_log", "demo.access-log.queue-capacity=8")
        .run(
            context -> {
              DemoProperties.AccessLog accessLog =
                  context.getBean(DemoProperties.class).accessLog();
              assertThat(accessLog.path()).isEqualTo(Path.of("/var/log/demo/access_log"));
              assertThat(accessLog.queueCapacity()).isEqualTo(8);
            });
  }

  @Test
  void rejectsAnEmptyQueueAtStartup() {
    properties
        .withPropertyValues("demo.access-log.queue-capacity=0")
        .run(
            context ->
                assertThat(context)
                    .getFailure()
                    .rootCause()
                    .hasMessage("demo.access-log.queue-capacity must be at least 1, was 0"));
  }

  /** Binding turns an empty value into "not set", so this guards programmatic construction. */
  @Test
  void rejectsAnEmptyPath() {
    assertThatThrownBy(() -> new DemoProperties.AccessLog(Path.of(""), 1))
        .hasMessage("demo.access-log.path must name a file, was empty");
  }
}
