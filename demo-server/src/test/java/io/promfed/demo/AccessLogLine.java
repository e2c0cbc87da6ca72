package io.promfed.demo;

import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * The shape of one access log line as the Go server's {@code log.New(file, "INFO",
 * log.Ldate|log.Ltime|log.Lshortfile)} and {@code Println("connect from ", r.RemoteAddr, "
 * Success!!!")} write it, for a client on IPv4 loopback.
 */
record AccessLogLine(String file, int line, int remotePort, String outcome) {

  static final Pattern SHAPE =
      Pattern.compile(
          "INFO\\d{4}/\\d{2}/\\d{2} \\d{2}:\\d{2}:\\d{2} "
              + "(?<file>[A-Za-z0-9_]+\\.java):(?<line>\\d+): "
              + "connect from  127\\.0\\.0\\.1:(?<port>\\d{1,5})  (?<outcome>Success|Failed)!!!");

  /** Parses a line, failing with the line quoted if it does not have the exact shape. */
  static AccessLogLine parse(String text) {
    Matcher m = SHAPE.matcher(text);
    if (!m.matches()) {
      throw new AssertionError("access log line does not have the Go shape: '" + text + "'");
    }
    return new AccessLogLine(
        m.group("file"),
        Integer.parseInt(m.group("line")),
        Integer.parseInt(m.group("port")),
        m.group("outcome"));
  }

  boolean success() {
    return outcome.equals("Success");
  }
}
