package io.promfed.scrape;

import java.io.IOException;

/**
 * A scrape body reached its limit, on the wire ({@link ScrapeHttpClient}) or decompressed ({@link
 * GzipBody}); {@link TargetScraper} reports it with the configured limit. No stack trace: it is an
 * expected outcome, not a bug.
 */
final class BodyTooLarge extends IOException {
  BodyTooLarge() {
    super("body size limit exceeded", null);
  }

  @Override
  public synchronized Throwable fillInStackTrace() {
    return this;
  }
}
