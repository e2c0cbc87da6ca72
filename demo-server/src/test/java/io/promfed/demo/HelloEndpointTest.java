package io.promfed.demo;

import static org.assertj.core.api.Assertions.assertThat;

import java.net.http.HttpResponse;
import java.nio.file.Path;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;
import org.springframework.http.MediaType;

/** {@code /hello} answers every request the way the Go handler does. */
class HelloEndpointTest {

  @TempDir static Path directory;
  static RunningDemoServer server;

  @BeforeAll
  static void start() {
    server = RunningDemoServer.start(directory);
  }

  @AfterAll
  static void stop() {
    server.close();
  }

  @Test
  void getAnswersHello() {
    HttpResponse<String> response = server.send("GET", "/hello");

    assertThat(response.statusCode()).isEqualTo(200);
    assertThat(response.body()).isEqualTo("hello!!!\n");
    assertIsGoTextPlain(response);
    assertThat(response.headers().firstValueAsLong("Content-Length")).hasValue(9);
  }

  /**
   * Go's handler checks {@code r.Method != "GET"} and never calls WriteHeader: every other method,
   * including OPTIONS, TRACE, a lower-case "get" and an extension method, gets the message and 200.
   */
  @ParameterizedTest
  @ValueSource(strings = {"POST", "PUT", "DELETE", "PATCH", "OPTIONS", "TRACE", "get", "PURGE"})
  void everyOtherMethodAnswersGetOnly(String method) {
    HttpResponse<String> response = server.send(method, "/hello");

    assertThat(response.statusCode()).isEqualTo(200);
    assertThat(response.body()).isEqualTo("handle get method only!!!\n");
    assertIsGoTextPlain(response);
  }

  /** Go writes the message for HEAD too; net/http drops the body but keeps its length. */
  @Test
  void headAnswersGetOnlyWithoutABody() {
    HttpResponse<String> response = server.send("HEAD", "/hello");

    assertThat(response.statusCode()).isEqualTo(200);
    assertThat(response.body()).isEmpty();
    assertThat(response.headers().firstValueAsLong("Content-Length"))
        .hasValue("handle get method only!!!\n".length());
    assertIsGoTextPlain(response);
  }

  @Test
  void aQueryStringIsStillHello() {
    assertThat(server.send("GET", "/hello?name=x").body()).isEqualTo("hello!!!\n");
  }

  /** Go's mux pattern "/hello" (no trailing slash) matches that path only. */
  @ParameterizedTest
  @ValueSource(strings = {"/hello/", "/hello/world", "/hellox", "/Hello"})
  void onlyTheExactPathIsHello(String path) {
    HttpResponse<String> response = server.send("GET", path);

    assertThat(response.statusCode()).isEqualTo(404);
    assertThat(response.body()).doesNotContain("hello!!!");
  }

  /**
   * Go's http.DetectContentType answers exactly {@code text/plain; charset=utf-8}; Tomcat writes
   * the same media type without the optional space after the semicolon (RFC 9110 section 5.6.6).
   */
  private static void assertIsGoTextPlain(HttpResponse<String> response) {
    String contentType = response.headers().firstValue("Content-Type").orElseThrow();
    MediaType mediaType = MediaType.parseMediaType(contentType);
    assertThat(mediaType.getType()).isEqualTo("text");
    assertThat(mediaType.getSubtype()).isEqualTo("plain");
    assertThat(mediaType.getParameters()).containsOnlyKeys("charset");
    assertThat(mediaType.getParameter("charset")).isEqualToIgnoringCase("utf-8");
  }
}
