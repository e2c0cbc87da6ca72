package io.promfed.demo.accesslog;

import java.nio.charset.StandardCharsets;
import java.time.Instant;
import java.time.LocalDateTime;
import java.time.ZoneId;
import java.time.ZoneOffset;
import java.util.Arrays;

/**
 * Encodes access log lines exactly as the Go server's logger writes them:
 *
 * <pre>{@code
 * log.New(file, "INFO", log.Ldate|log.Ltime|log.Lshortfile)
 *     .Println("connect from ", r.RemoteAddr, " Success!!!")
 * }</pre>
 *
 * gives {@code INFO2026/11/25 18:04:05 HelloServlet.java:57: connect from  127.0.0.1:54321
 * Success!!!} followed by a newline. {@code Println} puts a space between operands, hence the
 * double spaces, and Go's {@code RemoteAddr} is {@code ip:port}, with IPv6 addresses in brackets.
 * The time is local time in the given zone, like Go's logger without {@code LUTC}.
 *
 * <p>Not thread-safe: owned by the writer thread. The array returned by {@link #bytes()} is reused
 * and valid until the next {@link #encode}.
 */
final class GoLogLineEncoder {

  private static final byte[] PREFIX = ascii("INFO");
  private static final byte[] MESSAGE_START = ascii("connect from  ");
  private static final int DATE_TIME_LENGTH = "2006/01/02 15:04:05 ".length();

  private final ZoneId zone;
  // Lines of one second share their date and time, so they are formatted once per second.
  private final byte[] dateTime = new byte[DATE_TIME_LENGTH];
  private long dateTimeEpochSecond = Long.MIN_VALUE;
  private byte[] line = new byte[128];
  private int length;

  GoLogLineEncoder(ZoneId zone) {
    this.zone = zone;
  }

  /** Encodes one line, newline included, and returns its length in bytes. */
  int encode(AccessLogEntry entry) {
    length = 0;
    append(PREFIX);
    append(dateTimeOf(entry.epochMillis()));
    appendAscii(entry.site().fileAndLine());
    appendByte(':');
    appendByte(' ');
    append(MESSAGE_START);
    appendRemoteAddr(entry.remoteAddr(), entry.remotePort());
    appendByte(' ');
    append(entry.outcome().lastOperand());
    appendByte('\n');
    return length;
  }

  byte[] bytes() {
    return line;
  }

  private byte[] dateTimeOf(long epochMillis) {
    long epochSecond = Math.floorDiv(epochMillis, 1000L);
    if (epochSecond != dateTimeEpochSecond) {
      ZoneOffset offset = zone.getRules().getOffset(Instant.ofEpochSecond(epochSecond));
      LocalDateTime t = LocalDateTime.ofEpochSecond(epochSecond, 0, offset);
      writeDigits(dateTime, 0, t.getYear(), 4);
      dateTime[4] = '/';
      writeDigits(dateTime, 5, t.getMonthValue(), 2);
      dateTime[7] = '/';
      writeDigits(dateTime, 8, t.getDayOfMonth(), 2);
      dateTime[10] = ' ';
      writeDigits(dateTime, 11, t.getHour(), 2);
      dateTime[13] = ':';
      writeDigits(dateTime, 14, t.getMinute(), 2);
      dateTime[16] = ':';
      writeDigits(dateTime, 17, t.getSecond(), 2);
      dateTime[19] = ' ';
      dateTimeEpochSecond = epochSecond;
    }
    return dateTime;
  }

  // Go's net/http formats RemoteAddr with net.JoinHostPort, which brackets IPv6 hosts.
  private void appendRemoteAddr(String addr, int port) {
    boolean ipv6 = addr.indexOf(':') >= 0;
    if (ipv6) {
      appendByte('[');
    }
    appendAscii(addr);
    if (ipv6) {
      appendByte(']');
    }
    appendByte(':');
    appendInt(port);
  }

  private void appendInt(int value) {
    if (value < 0 || value > 99_999) { // not a TCP port; written as is rather than guessed
      appendAscii(Integer.toString(value));
      return;
    }
    int digits = value < 10 ? 1 : value < 100 ? 2 : value < 1000 ? 3 : value < 10000 ? 4 : 5;
    ensureCapacity(digits);
    writeDigits(line, length, value, digits);
    length += digits;
  }

  private static void writeDigits(byte[] target, int offset, int value, int width) {
    for (int i = offset + width - 1; i >= offset; i--) {
      target[i] = (byte) ('0' + value % 10);
      value /= 10;
    }
  }

  // Addresses and file names are ASCII; anything else would be a container bug, shown as '?'.
  private void appendAscii(String text) {
    ensureCapacity(text.length());
    for (int i = 0; i < text.length(); i++) {
      char c = text.charAt(i);
      line[length++] = c < 0x80 ? (byte) c : (byte) '?';
    }
  }

  private void append(byte[] bytes) {
    ensureCapacity(bytes.length);
    System.arraycopy(bytes, 0, line, length, bytes.length);
    length += bytes.length;
  }

  private void appendByte(char c) {
    ensureCapacity(1);
    line[length++] = (byte) c;
  }

  private void ensureCapacity(int more) {
    if (length + more > line.length) {
      line = Arrays.copyOf(line, Math.max(line.length * 2, length + more));
    }
  }

  private static byte[] ascii(String s) {
    return s.getBytes(StandardCharsets.US_ASCII);
  }
}
