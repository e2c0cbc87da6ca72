package io.promfed.demo;

import java.nio.file.Path;
import org.springframework.boot.context.properties.ConfigurationProperties;
import org.springframework.boot.context.properties.bind.DefaultValue;

/**
 * Settings of the demo server under {@code demo.*}.
 *
 * @param accessLog where and how the per-request access log is written
 */
@ConfigurationProperties("demo")
public record DemoProperties(@DefaultValue AccessLog accessLog) {

  /**
   * The access log the Go original appends to on every {@code /hello} request.
   *
   * @param path file the lines are appended to; relative paths resolve against the working
   *     directory, exactly like the Go server's {@code "access_log"}
   * @param queueCapacity lines that may wait for the writer thread before request threads have to
   *     wait for it (back-pressure); at 30,000 requests per second the default absorbs about two
   *     seconds of a stalled disk
   */
  public record AccessLog(
      @DefaultValue("access_log") Path path, @DefaultValue("65536") int queueCapacity) {

    public AccessLog {
      if (path == null || path.toString().isBlank()) {
        throw new IllegalArgumentException("demo.access-log.path must name a file, was empty");
      }
      if (queueCapacity < 1) {
        throw new IllegalArgumentException(
            "demo.access-log.queue-capacity must be at least 1, was " + queueCapacity);
      }
    }
  }
}
