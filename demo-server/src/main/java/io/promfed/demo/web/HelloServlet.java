package io.promfed.demo.web;

import io.promfed.demo.HelloCounters;
import io.promfed.demo.accesslog.AccessLogWriter;
import io.promfed.demo.accesslog.CallSite;
import io.promfed.demo.accesslog.Outcome;
import jakarta.servlet.http.HttpServlet;
import jakarta.servlet.http.HttpServletRequest;
import jakarta.servlet.http.HttpServletResponse;
import java.io.IOException;
import java.nio.charset.StandardCharsets;

/**
 * The Go server's {@code handler_for_hello_get}, mapped to exactly {@code /hello} as Go's {@code
 * http.HandleFunc("/hello", …)} is.
 *
 * <p>A plain servlet rather than a Spring MVC controller: the request never goes through the
 * DispatcherServlet's handler lookup, which keeps {@code /hello} at the Go server's throughput (see
 * docs/benchmarks.md). Thread-safe.
 */
public final class HelloServlet extends HttpServlet {

  private static final byte[] HELLO = "hello!!!\n".getBytes(StandardCharsets.US_ASCII);
  private static final byte[] GET_ONLY =
      "handle get method only!!!\n".getBytes(StandardCharsets.US_ASCII);
  // What Go's http.DetectContentType answers for both bodies.
  private static final String CONTENT_TYPE = "text/plain; charset=utf-8";

  private final transient HelloCounters counters;
  private final transient AccessLogWriter accessLog;
  private final transient CallSite successSite = new CallSite();
  private final transient CallSite failedSite = new CallSite();

  public HelloServlet(HelloCounters counters, AccessLogWriter accessLog) {
    this.counters = counters;
    this.accessLog = accessLog;
  }

  /**
   * Overrides {@code service} rather than {@code doGet}: HttpServlet would answer HEAD, OPTIONS and
   * TRACE itself, and 405 to the rest, where Go's handler answers every method that is not
   * exactly {@code GET} with its message and the implicit 200. For HEAD, Tomcat drops the body
   * like Go does, and the request still counts as a failure.
   *
   * <p>The request is logged and counted before the body is written, so a client holding its
   * answer finds its request already counted, as with Go, which sends the response only after
   * the handler returns.
   */
  @Override
  protected void service(HttpServletRequest request, HttpServletResponse response)
      throws IOException {
    if (!"GET".equals(request.getMethod())) {
      accessLog.append(
          failedSite, request.getRemoteAddr(), request.getRemotePort(), Outcome.FAILED);
      counters.recordFailure();
      write(response, GET_ONLY);
      return;
    }
    accessLog.append(
        successSite, request.getRemoteAddr(), request.getRemotePort(), Outcome.SUCCESS);
    counters.recordSuccess();
    write(response, HELLO);
  }

  private static void write(HttpServletResponse response, byte[] body) throws IOException {
    response.setContentType(CONTENT_TYPE);
    response.setContentLength(body.length);
    response.getOutputStream().write(body);
  }
}
