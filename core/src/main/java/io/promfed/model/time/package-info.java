/**
 * Prometheus's time values from prometheus/common {@code model/time.go}: {@link
 * io.promfed.model.time.Durations} parses and prints the {@code 1h30m} duration syntax for both the
 * config file and PromQL.
 */
package io.promfed.model.time;
