/**
 * Writing the Prometheus exposition formats exactly as Prometheus does: {@link
 * io.promfed.model.exposition.TextFormatWriter} for text format 0.0.4 bodies ({@code /federate},
 * {@code /metrics}) and {@link io.promfed.model.exposition.GoFloatFormat} for every number written
 * as text (Go's shortest {@code %g}, the HTTP API's JSON form, OpenMetrics label floats).
 */
package io.promfed.model.exposition;
