package io.promfed.web.api;

import io.promfed.model.labels.Labels;
import java.time.Duration;
import java.time.Instant;
import java.util.List;

/** Rule groups for the rules endpoint's golden cases, as a rules engine would report them. */
final class RulesFixture {

  private RulesFixture() {}

  static final RulesRetriever RULES =
      () ->
          List.of(
              new RulesRetriever.Group(
                  "api",
                  "/etc/prometheus/rules/api.yml",
                  Duration.ofSeconds(30),
                  0,
                  List.of(
                      new RulesRetriever.RecordingRule(
                          "job:http_requests:rate5m",
                          "sum by (job) (rate(http_requests_total[5m]))",
                          Labels.EMPTY,
                          RulesRetriever.Health.OK,
                          "",
                          0.000412,
                          Instant.parse("2026-08-01T12:59:30.5Z")),
                      new RulesRetriever.RecordingRule(
                          "instance:up:ratio",
                          "avg by (instance) (up > 0)",
                          Labels.of("team", "a&b"),
                          RulesRetriever.Health.ERR,
                          "vector contains metrics with the same labelset after applying rule"
                              + " labels",
                          1.5e-7,
                          Instant.parse("2026-08-01T12:59:30Z"))),
                  0.00123,
                  Instant.parse("2026-08-01T12:59:30.499Z")),
              new RulesRetriever.Group(
                  "node",
                  "/etc/prometheus/rules/node.yml",
                  Duration.ofMillis(1500),
                  100,
                  List.of(
                      new RulesRetriever.RecordingRule(
                          "job:up:sum",
                          "sum by (job) (up)",
                          Labels.of("source", "node"),
                          RulesRetriever.Health.UNKNOWN,
                          "",
                          0,
                          null)),
                  0,
                  null));
}
