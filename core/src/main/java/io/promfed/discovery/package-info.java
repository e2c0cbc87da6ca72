/**
 * Service discovery: {@link io.promfed.discovery.TargetGroup}s produced by {@link
 * io.promfed.discovery.Discoverer}s, and {@link io.promfed.discovery.TargetLabels}, which turns a
 * discovered target into its final label set and scrape URL.
 *
 * <p>Mirrors prometheus/prometheus {@code discovery/} (groups, discoverers) and the label part of
 * {@code scrape/target.go}, which lives here so that it can be tested and used without a scraper.
 * Depends on {@code io.promfed.config} and {@code io.promfed.model}.
 */
package io.promfed.discovery;
