package io.promfed.storage;

/**
 * HELP, TYPE and UNIT of a metric family, as exposed by the target.
 *
 * @param type the family's type as named in the exposition formats ("counter", "gauge",
 *     "histogram", "summary", "gaugehistogram", "info", "stateset", "unknown"/"untyped")
 * @param help the help text, unescaped
 * @param unit the OpenMetrics unit, or empty
 */
public record MetricMetadata(String type, String help, String unit) {

  public MetricMetadata {
    type = type == null ? "unknown" : type;
    help = help == null ? "" : help;
    unit = unit == null ? "" : unit;
  }
}
