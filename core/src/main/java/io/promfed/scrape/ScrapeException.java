package io.promfed.scrape;

/** Why a scrape failed; the message is what the targets page and logs show. */
public final class ScrapeException extends Exception {

  public ScrapeException(String message) {
    super(message);
  }

  public ScrapeException(String message, Throwable cause) {
    super(message, cause);
  }
}
