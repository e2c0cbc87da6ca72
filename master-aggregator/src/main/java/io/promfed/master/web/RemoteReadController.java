package io.promfed.master.web;

import io.promfed.storage.remote.RemoteReadHandler;
import jakarta.servlet.http.HttpServletRequest;
import jakarta.servlet.http.HttpServletResponse;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.nio.charset.StandardCharsets;
import org.springframework.web.bind.annotation.PostMapping;
import org.springframework.web.bind.annotation.RestController;

/**
 * {@code POST /api/v1/read}: Prometheus remote read 1.0 (SAMPLES), so the master, or a real
 * Prometheus with {@code remote_read}, can query the raw series this leaf keeps. A request is a
 * few matchers, so its compressed body is capped small before it is read.
 */
@RestController
class RemoteReadController {

  private final RemoteReadHandler handler;

  RemoteReadController(RemoteReadHandler handler) {
    this.handler = handler;
  }

  @PostMapping("/api/v1/read")
  void read(HttpServletRequest request, HttpServletResponse response)
      throws IOException, InterruptedException {
    RemoteReadHandler.Response r;
    try (InputStream in = request.getInputStream()) {
      r = handler.handle(request.getContentLengthLong(), in);
    }
    if (!r.isSuccess()) {
      PlainText.write(response, r.status(), new String(r.body(), StandardCharsets.UTF_8));
      return;
    }
    response.setStatus(r.status());
    response.setContentType(r.contentType());
    if (r.contentEncoding() != null) {
      response.setHeader("Content-Encoding", r.contentEncoding());
    }
    response.setContentLength(r.body().length);
    try (OutputStream out = response.getOutputStream()) {
      out.write(r.body());
    }
  }
}
