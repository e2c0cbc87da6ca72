package io.promfed.model.textparse;

/** A malformed exposition body; the message names the line and the reason. */
public final class ParseException extends Exception {

  private final int line;

  public ParseException(int line, String reason) {
    super("line " + line + ": " + reason);
    this.line = line;
  }

  /** 1-based line number of the offending input. */
  public int line() {
    return line;
  }
}
