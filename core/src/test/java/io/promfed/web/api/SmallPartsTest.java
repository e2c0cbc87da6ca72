package io.promfed.web.api;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.promfed.promql.ErrorType;
import java.net.URI;
import org.junit.jupiter.api.Test;

/**
 * The small ports behind the API: Go integer parsing, label name unescaping, global URLs and the
 * error type table.
 */
class SmallPartsTest {

  @Test
  void errorTypesMapToPrometheusStatusCodes() {
    assertThat(ApiErrorType.BAD_DATA.httpStatus()).isEqualTo(400);
    assertThat(ApiErrorType.EXECUTION.httpStatus()).isEqualTo(422);
    assertThat(ApiErrorType.CANCELED.httpStatus()).isEqualTo(499);
    assertThat(ApiErrorType.TIMEOUT.httpStatus()).isEqualTo(503);
    assertThat(ApiErrorType.INTERNAL.httpStatus()).isEqualTo(500);
    assertThat(ApiErrorType.UNAVAILABLE.httpStatus()).isEqualTo(500);
    assertThat(ApiErrorType.NOT_FOUND.httpStatus()).isEqualTo(404);
    assertThat(ApiErrorType.NOT_ACCEPTABLE.httpStatus()).isEqualTo(406);
    for (ApiErrorType t : ApiErrorType.values()) {
      assertThat(t.apiName()).isEqualTo(t.name().toLowerCase(java.util.Locale.ROOT));
    }
    for (ErrorType e : ErrorType.values()) {
      assertThat(ApiErrorType.of(e).apiName()).isEqualTo(e.apiName());
    }
  }

  @Test
  void errorResponsesTakeTheirStatusFromTheType() {
    for (ApiErrorType t : ApiErrorType.values()) {
      ApiResponse r = ApiResponse.error(new ApiError(t, "x <y>"));
      assertThat(r.status()).isEqualTo(t.httpStatus());
      assertThat(r.contentType()).isEqualTo("application/json");
      assertThat(r.body())
          .isEqualTo(
              "{\"status\":\"error\",\"errorType\":\""
                  + t.apiName()
                  + "\",\"error\":\"x \\u003cy\\u003e\"}");
    }
  }

  @Test
  void atoiLikeGo() {
    assertThat(GoInts.atoi("42")).isEqualTo(42);
    assertThat(GoInts.atoi("+7")).isEqualTo(7);
    assertThat(GoInts.atoi("-0")).isZero();
    assertThat(GoInts.atoi("9223372036854775807")).isEqualTo(Integer.MAX_VALUE);
    assertThat(GoInts.atoi("-9223372036854775808")).isEqualTo(Integer.MIN_VALUE);
    assertThatThrownBy(() -> GoInts.atoi("9223372036854775808"))
        .hasMessage("strconv.Atoi: parsing \"9223372036854775808\": value out of range");
    for (String bad : new String[] {"", "+", "-", " 1", "1 ", "1_0", "0x10", "1.0", "١"}) {
      assertThatThrownBy(() -> GoInts.atoi(bad))
          .hasMessage(
              "strconv.Atoi: parsing "
                  + io.promfed.model.gostrconv.GoQuote.quote(bad)
                  + ": invalid syntax");
    }
    assertThatThrownBy(() -> GoInts.parseInt32("2147483648"))
        .hasMessage("strconv.ParseInt: parsing \"2147483648\": value out of range");
    assertThat(GoInts.parseInt32("-2147483648")).isEqualTo(Integer.MIN_VALUE);
  }

  @Test
  void unescapeLabelNamesLikePrometheusCommon() {
    assertThat(LabelNameEscaping.unescape("U__my_2e_label")).isEqualTo("my.label");
    assertThat(LabelNameEscaping.unescape("U__a__b")).isEqualTo("a_b");
    assertThat(LabelNameEscaping.unescape("U___1f642_")).isEqualTo("🙂");
    assertThat(LabelNameEscaping.unescape("U__")).isEmpty();
    // Invalid: kept as given.
    assertThat(LabelNameEscaping.unescape("U__a_")).isEqualTo("U__a_");
    assertThat(LabelNameEscaping.unescape("U__a_2e")).isEqualTo("U__a_2e");
    assertThat(LabelNameEscaping.unescape("U__a_xy_")).isEqualTo("U__a_xy_");
    assertThat(LabelNameEscaping.unescape("U___d800_")).isEqualTo("U___d800_");
    assertThat(LabelNameEscaping.unescape("U___110000_")).isEqualTo("U___110000_");
    // Five hex digits at most: six characters including the closing underscore.
    assertThat(LabelNameEscaping.unescape("U___01f642_")).isEqualTo("U___01f642_");
    assertThat(LabelNameEscaping.unescape("plain")).isEqualTo("plain");
    assertThat(LabelNameEscaping.unescape("U__é")).isEqualTo("é");
  }

  @Test
  void globalUrlsOfLocalTargets() {
    GlobalUrlOptions o = new GlobalUrlOptions("0.0.0.0:9090", "prom.example.com:443", "https");
    assertThat(GlobalUrls.of(URI.create("http://10.0.0.1:8080/metrics"), o))
        .isEqualTo("http://10.0.0.1:8080/metrics");
    assertThat(GlobalUrls.of(URI.create("http://localhost:8080/metrics?a=b"), o))
        .isEqualTo("http://prom.example.com:8080/metrics?a=b");
    assertThat(GlobalUrls.of(URI.create("http://127.0.0.1:9090/metrics"), o))
        .isEqualTo("https://prom.example.com:443/metrics");
    assertThat(GlobalUrls.of(URI.create("http://[::1]:8080/metrics"), o))
        .isEqualTo("http://prom.example.com:8080/metrics");
    assertThat(GlobalUrls.of(URI.create("http://localhost/metrics"), o))
        .isEqualTo("http://prom.example.com/metrics");
    assertThat(GlobalUrls.of(URI.create("http://localhost:1/metrics"), null))
        .isEqualTo("http://localhost:1/metrics");
    assertThatThrownBy(
            () ->
                GlobalUrls.of(
                    URI.create("http://localhost:1/metrics"),
                    new GlobalUrlOptions("9090", "h", "http")))
        .hasMessage("address 9090: missing port in address");
    assertThat(GlobalUrls.splitHostPort("[::1]:80")).containsExactly("::1", "80");
    assertThatThrownBy(() -> GlobalUrls.splitHostPort("a:b:c"))
        .hasMessage("address a:b:c: too many colons in address");
  }
}
