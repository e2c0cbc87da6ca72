package io.promfed.config;

import io.promfed.model.gostrconv.GoQuote;
import io.promfed.model.labels.Labels;
import io.promfed.model.relabel.Names;
import java.time.Duration;
import java.util.Objects;

/**
 * The {@code global} block (prometheus/prometheus {@code config/config.go}, {@code GlobalConfig}):
 * defaults inherited by every scrape config, and the external labels. Immutable.
 *
 * <p>The global sample/label/body-size/target limits are accepted by the loader and copied into
 * each {@link ScrapeConfig} that does not set its own, as Prometheus's {@code
 * ScrapeConfig.Validate} does; they are not kept here.
 *
 * @param scrapeInterval default {@code scrape_interval}, 1m
 * @param scrapeTimeout default {@code scrape_timeout}, 10s (or the interval, when that is shorter)
 * @param evaluationInterval rule evaluation interval, 1m
 * @param externalLabels labels added to federated, remote-written and alerting data when absent
 */
public record GlobalConfig(
    Duration scrapeInterval,
    Duration scrapeTimeout,
    Duration evaluationInterval,
    Labels externalLabels) {

  /** Prometheus's {@code DefaultGlobalConfig}: 1m, 10s, 1m, no external labels. */
  public static final GlobalConfig DEFAULT =
      new GlobalConfig(
          Duration.ofMinutes(1), Duration.ofSeconds(10), Duration.ofMinutes(1), Labels.EMPTY);

  /** The checks of {@code GlobalConfig.UnmarshalYAML}, with its messages. */
  public GlobalConfig {
    Objects.requireNonNull(scrapeInterval, "scrapeInterval");
    Objects.requireNonNull(scrapeTimeout, "scrapeTimeout");
    Objects.requireNonNull(evaluationInterval, "evaluationInterval");
    Objects.requireNonNull(externalLabels, "externalLabels");
    for (int i = 0; i < externalLabels.size(); i++) {
      if (!Names.isValidLabelName(externalLabels.name(i))) {
        throw new IllegalArgumentException(
            GoQuote.quote(externalLabels.name(i)) + " is not a valid label name");
      }
      if (!Names.isValidLabelValue(externalLabels.value(i))) {
        throw new IllegalArgumentException(
            GoQuote.quote(externalLabels.value(i)) + " is not a valid label value");
      }
    }
    if (scrapeInterval.compareTo(Duration.ZERO) <= 0
        || scrapeTimeout.compareTo(Duration.ZERO) <= 0) {
      throw new IllegalArgumentException("global scrape interval and timeout must be positive");
    }
    if (scrapeTimeout.compareTo(scrapeInterval) > 0) {
      throw new IllegalArgumentException("global scrape timeout greater than scrape interval");
    }
    if (evaluationInterval.compareTo(Duration.ZERO) <= 0) {
      throw new IllegalArgumentException("global evaluation interval must be positive");
    }
  }
}
