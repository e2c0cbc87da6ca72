package io.promfed.demo.accesslog;

import java.nio.charset.StandardCharsets;

/** How a {@code /hello} request ended, as the last word of its access log line. */
public enum Outcome {
  SUCCESS(" Success!!!"),
  FAILED(" Failed!!!");

  private final byte[] lastOperand;

  Outcome(String lastOperand) {
    this.lastOperand = lastOperand.getBytes(StandardCharsets.US_ASCII);
  }

  /** The Go code's third {@code Println} operand; callers must not modify the array. */
  byte[] lastOperand() {
    return lastOperand;
  }
}
