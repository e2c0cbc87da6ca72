package io.promfed.master.web;

import jakarta.servlet.http.HttpServletResponse;
import java.io.IOException;
import java.nio.charset.StandardCharsets;

/** Go's {@code http.Error}: a plain-text body ending in a newline, which Prometheus uses. */
final class PlainText {

  private PlainText() {}

  static void error(HttpServletResponse response, int status, String message) throws IOException {
    write(response, status, message + "\n");
  }

  static void write(HttpServletResponse response, int status, String body) throws IOException {
    response.setStatus(status);
    response.setContentType("text/plain; charset=utf-8");
    response.setHeader("X-Content-Type-Options", "nosniff");
    response.getOutputStream().write(body.getBytes(StandardCharsets.UTF_8));
  }
}
