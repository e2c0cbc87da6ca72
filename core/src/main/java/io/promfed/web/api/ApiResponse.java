package io.promfed.web.api;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.OutputStream;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.util.List;

/**
 * The answer to one API call, ready to stream: an HTTP status, a content type and a body in
 * Prometheus's envelope (web/api/v1/api.go {@code Response}):
 *
 * <pre>{"status":"success"|"error","data":…,"errorType":"…","error":"…","warnings":[…],"infos":[…]}
 * </pre>
 *
 * <p>Members are written in that order and only when present, as Go's {@code omitempty} does. The
 * status of an error comes from its {@link ApiErrorType}; a call that has nothing to return (an
 * exemplar query without selectors) answers 204 without a body, as Prometheus does.
 *
 * <p>The data is held as computed (a query result, a list of label sets) and serialised only by
 * {@link #writeTo}, straight into the output. Immutable; {@link #writeTo} may be called more than
 * once.
 */
public final class ApiResponse {

  /** The content type of every API body ({@code JSONCodec.ContentType}). */
  public static final String CONTENT_TYPE = "application/json";

  /** Writes the value of the {@code data} member. */
  @FunctionalInterface
  interface Data {
    void write(JsonWriter w) throws IOException;
  }

  private static final int NO_CONTENT = 204;

  private final int status;
  private final Data data;
  private final ApiError error;
  private final List<String> warnings;
  private final List<String> infos;

  private ApiResponse(
      int status, Data data, ApiError error, List<String> warnings, List<String> infos) {
    this.status = status;
    this.data = data;
    this.error = error;
    this.warnings = List.copyOf(warnings);
    this.infos = List.copyOf(infos);
  }

  static ApiResponse success(Data data) {
    return new ApiResponse(200, data, null, List.of(), List.of());
  }

  static ApiResponse success(Data data, List<String> warnings, List<String> infos) {
    return new ApiResponse(200, data, null, warnings, infos);
  }

  /** {@code respondError}: the status of the error's type, no warnings. */
  static ApiResponse error(ApiError error) {
    return new ApiResponse(error.type().httpStatus(), null, error, List.of(), List.of());
  }

  static ApiResponse noContent() {
    return new ApiResponse(NO_CONTENT, null, null, List.of(), List.of());
  }

  /** The HTTP status code. */
  public int status() {
    return status;
  }

  /** Whether there is a body to write (false only for 204). */
  public boolean hasBody() {
    return status != NO_CONTENT;
  }

  /** {@value #CONTENT_TYPE} when there is a body, else null. */
  public String contentType() {
    return hasBody() ? CONTENT_TYPE : null;
  }

  /** The error's type, or null for a success. */
  public ApiErrorType errorType() {
    return error == null ? null : error.type();
  }

  /** The error message, or null for a success. */
  public String errorMessage() {
    return error == null ? null : error.getMessage();
  }

  public List<String> warnings() {
    return warnings;
  }

  public List<String> infos() {
    return infos;
  }

  /** Streams the body to {@code out} (which is not closed); nothing for a 204. */
  public void writeTo(OutputStream out) throws IOException {
    if (!hasBody()) {
      return;
    }
    JsonWriter w = new JsonWriter(out);
    w.beginObject();
    w.name("status").string(error == null ? "success" : "error");
    if (data != null) {
      w.name("data");
      data.write(w);
    }
    if (error != null) {
      w.name("errorType").string(error.type().apiName());
      w.name("error").string(error.getMessage());
    }
    writeList(w, "warnings", warnings);
    writeList(w, "infos", infos);
    w.endObject();
    w.flush();
  }

  private static void writeList(JsonWriter w, String name, List<String> values) throws IOException {
    if (values.isEmpty()) {
      return;
    }
    w.name(name).beginArray();
    for (String v : values) {
      w.string(v);
    }
    w.endArray();
  }

  /** The body as a string; builds it in memory, so meant for tests and small answers. */
  public String body() {
    ByteArrayOutputStream out = new ByteArrayOutputStream();
    try {
      writeTo(out);
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
    return out.toString(StandardCharsets.UTF_8);
  }

  @Override
  public String toString() {
    return status + " " + body();
  }
}
