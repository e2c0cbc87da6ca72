package io.promfed.leaf.web;

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

  /** Snappy rarely compresses metrics below 1/10; 8 MiB compressed is far above real batches. */
  static final int MAX_COMPRESSED_BYTES = 8 << 20;

  private final RemoteWriteHandler handler;

  RemoteWriteController(RemoteWriteHandler handler) {
    this.handler = handler;
  }

  @PostMapping("/api/v1/write")
  void write(HttpServletRequest request, HttpServletResponse response) throws IOException {
    long declared = request.getContentLengthLong();
    if (declared > MAX_COMPRESSED_BYTES) {
      PlainText.error(response, 413, "request body too large: " + declared + " bytes");
      return;
    }
    byte[] body;
    try (InputStream in = request.getInputStream()) {
      body = in.readNBytes(MAX_COMPRESSED_BYTES + 1);
    }
    if (body.length > MAX_COMPRESSED_BYTES) {
      PlainText.error(response, 413, "request body too large: more than " + MAX_COMPRESSED_BYTES + " bytes");
      return;
    }
    RemoteWriteHandler.Result r =
        handler.handle(request.getHeader("Content-Encoding"), request.getContentType(), body);
    if (r.isSuccess()) {
      response.setStatus(r.status());
    } else {
      PlainText.error(response, r.status(), r.message());
    }
  }
}
