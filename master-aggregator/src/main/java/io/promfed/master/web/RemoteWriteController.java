package io.promfed.master.web;

import io.promfed.storage.remote.RemoteWriteHandler;
import jakarta.servlet.http.HttpServletRequest;
import jakarta.servlet.http.HttpServletResponse;
import java.io.IOException;
import java.io.InputStream;
import org.springframework.web.bind.annotation.PostMapping;
import org.springframework.web.bind.annotation.RestController;

/**
 * {@code POST /api/v1/write}: Prometheus remote write 1.0 receiver, so agents can push and tests
 * can load exact data sets. The compressed body is capped before it is read whole.
 */
@RestController
class RemoteWriteController {

  private final RemoteWriteHandler handler;

  RemoteWriteController(RemoteWriteHandler handler) {
    this.handler = handler;
  }

  @PostMapping("/api/v1/write")
  void write(HttpServletRequest request, HttpServletResponse response) throws IOException {
    RemoteWriteHandler.Result r;
    try (InputStream in = request.getInputStream()) {
      r =
          handler.handle(
              request.getHeader("Content-Encoding"),
              request.getContentType(),
              request.getContentLengthLong(),
              in);
    }
    if (r.isSuccess()) {
      response.setStatus(r.status());
    } else {
      PlainText.error(response, r.status(), r.message());
    }
  }
}
