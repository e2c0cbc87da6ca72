/**
 * Prometheus's own configuration file ({@code prometheus.yml}) as typed, validated records.
 *
 * <p>{@link io.promfed.config.ConfigLoader} reads the YAML with SnakeYAML's node API, so every
 * error names the file and line; the records ({@link io.promfed.config.PrometheusConfig}, {@link
 * io.promfed.config.ScrapeConfig} …) apply Prometheus's defaults and validation rules from
 * prometheus/prometheus {@code config/config.go} and prometheus/common {@code
 * config/http_config.go}. Keys keep Prometheus's spelling. Only the subset this suite implements is
 * accepted; other known Prometheus keys are rejected with "is not supported" rather than silently
 * ignored.
 *
 * <p>Depends only on {@code io.promfed.model}; discovery and scraping depend on this package.
 */
package io.promfed.config;
