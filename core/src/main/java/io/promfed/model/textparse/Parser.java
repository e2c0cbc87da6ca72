package io.promfed.model.textparse;

import io.promfed.model.labels.LabelsBuilder;

/**
 * A pull cursor over one exposition body (Prometheus's {@code textparse.Parser}). {@link #next()}
 * returns the kind of the next entry; accessors describe the current entry and stay valid only
 * until the next call to {@link #next()}. Labels are built only on request, so a scrape cache hit
 * on the raw series bytes costs no label parsing. Not thread-safe; one parser per body.
 */
public interface Parser {

  /** The kinds of entry in an exposition body. */
  enum Entry {
    /** A {@code # TYPE} line. */
    TYPE,
    /** A {@code # HELP} line. */
    HELP,
    /** An OpenMetrics {@code # UNIT} line. */
    UNIT,
    /** Any other comment. */
    COMMENT,
    /** A sample line. */
    SERIES,
    /** End of input (for OpenMetrics: after {@code # EOF}). */
    EOF
  }

  /**
   * Advances to the next entry.
   *
   * @throws ParseException naming the line and the reason; the body is then unusable
   */
  Entry next() throws ParseException;

  /**
   * Offers the raw series text the caller expects on the next sample line: a scrape cache offers
   * the series that followed the last one it found, since targets expose their series in the same
   * order every scrape. When the next sample line's series is exactly {@code key[off, off + len)},
   * a parser may skip tokenizing and validating its label block ({@link #labels} still works). The
   * hint holds until a sample line is parsed. The caller must offer only text that {@link
   * #seriesStart()}..{@link #seriesEnd()} spanned in an earlier body this parser's format (or
   * OpenMetrics, whose series syntax the text format accepts) parsed without error. Parsers may
   * ignore hints.
   */
  default void expectSeries(byte[] key, int off, int len) {}

  /** The body being parsed; offsets of the current entry point into it. */
  byte[] buffer();

  /**
   * Start offset (inclusive) in {@link #buffer()} of the current sample's raw series text: the
   * metric name and its label block, exactly as written. Equal bytes mean the same series in the
   * same target, which is what the scrape cache keys on.
   */
  int seriesStart();

  /** End offset (exclusive) of the current sample's raw series text. */
  int seriesEnd();

  /** The current sample's value (NaN, ±Inf included). */
  double value();

  /** Whether the current sample carried an explicit timestamp. */
  boolean hasTimestamp();

  /** The current sample's timestamp in milliseconds (OpenMetrics seconds are converted). */
  long timestampMs();

  /**
   * Adds the current sample's labels, {@code __name__} included, to {@code into} (which the caller
   * has reset). Escapes are resolved.
   */
  void labels(LabelsBuilder into);

  /** For TYPE/HELP/UNIT entries: the metric family name. */
  String metricFamilyName();

  /** For TYPE entries: the type as written ("counter", "gauge", "histogram", "untyped", …). */
  String type();

  /** For HELP entries: the unescaped help text; for UNIT entries: the unit. */
  String text();
}
