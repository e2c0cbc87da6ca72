/**
 * Pull parsers over scrape bodies, Prometheus's model/textparse: the {@link
 * io.promfed.model.textparse.Parser} contract, {@link io.promfed.model.textparse.PromTextParser}
 * (text format 0.0.4), {@link io.promfed.model.textparse.OpenMetricsParser} (OpenMetrics 1.0) and
 * {@link io.promfed.model.textparse.Parsers}, which picks one from a {@code Content-Type}.
 */
package io.promfed.model.textparse;
