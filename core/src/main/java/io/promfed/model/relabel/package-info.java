/**
 * Prometheus relabeling: {@link io.promfed.model.relabel.RelabelConfig} rules and the pure {@link
 * io.promfed.model.relabel.Relabeler} that applies them to a label set.
 *
 * <p>Semantics follow prometheus/prometheus {@code model/relabel/relabel.go} exactly, including
 * Go's {@code Regexp.Expand} template rules (hand-written in {@link
 * io.promfed.model.relabel.Regexp}) and the legacy label name rules ({@link
 * io.promfed.model.relabel.Names}). Nothing here depends on the config file format; {@code
 * io.promfed.config} builds these rules from YAML.
 */
package io.promfed.model.relabel;
