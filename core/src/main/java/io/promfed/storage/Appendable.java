package io.promfed.storage;

/** Something samples can be appended to. Scraping, rule evaluation and remote write see only this. */
public interface Appendable {

  /** A new appender; each scrape or rule evaluation uses one and commits or rolls it back whole. */
  Appender appender();
}
