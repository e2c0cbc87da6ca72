package io.promfed.model.textparse;

import static org.assertj.core.api.Assertions.assertThat;

import io.promfed.model.textparse.Parsers.Format;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

class ParsersTest {

  @ParameterizedTest(name = "[{0}] -> {1}")
  @CsvSource(
      delimiter = '|',
      nullValues = "NULL",
      value = {
        // What Prometheus 2.42 does (model/textparse/interface.go New): OpenMetrics by media type,
        // everything else, blank and unparseable headers included, falls back to the text format.
        "application/openmetrics-text; version=1.0.0; charset=utf-8 | OPENMETRICS_TEXT",
        "application/openmetrics-text;version=0.0.1                 | OPENMETRICS_TEXT",
        "application/openmetrics-text                               | OPENMETRICS_TEXT",
        "Application/OpenMetrics-Text; Version=1.0.0                | OPENMETRICS_TEXT",
        "  application/openmetrics-text ;version=\"1.0.0\"          | OPENMETRICS_TEXT",
        "application/openmetrics-text; version=1.0.0;               | OPENMETRICS_TEXT",
        "application/openmetrics-text; a=\"\"                       | OPENMETRICS_TEXT",
        "text/plain; version=0.0.4; charset=utf-8                   | PROMETHEUS_TEXT",
        "text/plain                                                 | PROMETHEUS_TEXT",
        "text/plain; version=1.0.0; escaping=allow-utf-8            | PROMETHEUS_TEXT",
        "application/vnd.google.protobuf; proto=io.prometheus.client.MetricFamily;"
            + " encoding=delimited | PROMETHEUS_TEXT",
        "application/json                                           | PROMETHEUS_TEXT",
        "''                                                         | PROMETHEUS_TEXT",
        "NULL                                                       | PROMETHEUS_TEXT",
        // Malformed: Go's mime.ParseMediaType errors, and 2.x then uses the text parser.
        "application/openmetrics-text; version                      | PROMETHEUS_TEXT",
        "application/openmetrics-text; version=1.0.0; version=1.0.0 | PROMETHEUS_TEXT",
        "application/openmetrics-text;; version=1.0.0               | PROMETHEUS_TEXT",
        "application/openmetrics-text; version=\"1.0.0              | PROMETHEUS_TEXT",
        "application/openmetrics-text/x                             | PROMETHEUS_TEXT",
        "application/                                               | PROMETHEUS_TEXT",
      })
  void choosesTheParserLikePrometheus2(String contentType, Format want) {
    String ct = contentType == null ? null : contentType.strip();
    assertThat(Parsers.formatOf(ct)).isEqualTo(want);
    byte[] body = new byte[0];
    Parser p = Parsers.forContentType(ct, body, 0);
    assertThat(p)
        .isInstanceOf(
            want == Format.OPENMETRICS_TEXT ? OpenMetricsParser.class : PromTextParser.class);
  }

  @org.junit.jupiter.api.Test
  void acceptHeaderIsPrometheus242s() {
    assertThat(Parsers.SCRAPE_ACCEPT_HEADER)
        .isEqualTo(
            "application/openmetrics-text;version=1.0.0,application/openmetrics-text;version=0.0.1;q=0.75,text/plain;version=0.0.4;q=0.5,*/*;q=0.1");
  }

  @ParameterizedTest
  @CsvSource(
      delimiter = '|',
      value = {
        "text/plain; charset=utf-8 | text/plain",
        "TEXT/Plain | text/plain",
        "text | text",
        "text/plain; a=b; | text/plain",
      })
  void mediaTypeIsLowerCased(String header, String want) {
    assertThat(Parsers.parseMediaType(header)).isEqualTo(want);
  }
}
