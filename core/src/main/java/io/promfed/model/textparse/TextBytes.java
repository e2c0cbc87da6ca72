package io.promfed.model.textparse;

import java.nio.charset.StandardCharsets;

/** Byte-level text operations shared by the text parsers: UTF-8 checks, unescaping, quoting. */
final class TextBytes {

  /** Error messages quote at most this many bytes of input. */
  private static final int QUOTE_LIMIT = 64;

  private TextBytes() {}

  /** Go's {@code utf8.Valid}: no overlongs, no surrogates, nothing above U+10FFFF. */
  static boolean isValidUtf8(byte[] b, int start, int end) {
    int i = start;
    while (i < end) {
      int c = b[i] & 0xff;
      if (c < 0x80) {
        i++;
        continue;
      }
      int n = utf8SequenceLength(b, i, end);
      if (n < 0) {
        return false;
      }
      i += n;
    }
    return true;
  }

  /** Length of the valid UTF-8 sequence starting at {@code i} (non-ASCII lead), or -1. */
  private static int utf8SequenceLength(byte[] b, int i, int end) {
    int c = b[i] & 0xff;
    int n;
    int lo = 0x80;
    int hi = 0xbf;
    if (c >= 0xc2 && c <= 0xdf) {
      n = 2;
    } else if (c >= 0xe0 && c <= 0xef) {
      n = 3;
      if (c == 0xe0) {
        lo = 0xa0;
      } else if (c == 0xed) {
        hi = 0x9f; // no surrogates
      }
    } else if (c >= 0xf0 && c <= 0xf4) {
      n = 4;
      if (c == 0xf0) {
        lo = 0x90;
      } else if (c == 0xf4) {
        hi = 0x8f;
      }
    } else {
      return -1;
    }
    if (i + n > end) {
      return -1;
    }
    int c1 = b[i + 1] & 0xff;
    if (c1 < lo || c1 > hi) {
      return -1;
    }
    for (int k = 2; k < n; k++) {
      int ck = b[i + k] & 0xff;
      if (ck < 0x80 || ck > 0xbf) {
        return -1;
      }
    }
    return n;
  }

  /** The UTF-8 string of {@code b[start, end)}. */
  static String decode(byte[] b, int start, int end) {
    return new String(b, start, end - start, StandardCharsets.UTF_8);
  }

  /**
   * Decodes {@code b[start, end)}, resolving {@code \\}, {@code \n} and, if {@code quotes}, {@code
   * \"}; any other backslash is kept as written. This is Go's {@code strings.Replacer} as
   * Prometheus builds it: {@code lvalReplacer} (with quotes) for label names and values and for
   * OpenMetrics HELP, {@code helpReplacer} (without) for text-format HELP.
   */
  static String unescape(byte[] b, int start, int end, boolean quotes) {
    int bs = -1;
    for (int i = start; i < end; i++) {
      if (b[i] == '\\') {
        bs = i;
        break;
      }
    }
    if (bs < 0) {
      return decode(b, start, end);
    }
    byte[] out = new byte[end - start];
    int n = bs - start;
    System.arraycopy(b, start, out, 0, n);
    for (int i = bs; i < end; i++) {
      byte c = b[i];
      if (c == '\\' && i + 1 < end) {
        byte d = b[i + 1];
        if (d == '\\') {
          out[n++] = '\\';
          i++;
          continue;
        } else if (d == 'n') {
          out[n++] = '\n';
          i++;
          continue;
        } else if (d == '"' && quotes) {
          out[n++] = '"';
          i++;
          continue;
        }
      }
      out[n++] = c;
    }
    return new String(out, 0, n, StandardCharsets.UTF_8);
  }

  /** Whether {@code b[start, end)} equals the ASCII string {@code s}. */
  static boolean equalsAscii(byte[] b, int start, int end, String s) {
    if (end - start != s.length()) {
      return false;
    }
    for (int i = 0; i < s.length(); i++) {
      if (b[start + i] != s.charAt(i)) {
        return false;
      }
    }
    return true;
  }

  /** Whether {@code b[at, …)} starts with the ASCII string {@code s} (within {@code end}). */
  static boolean startsWith(byte[] b, int at, int end, String s) {
    if (end - at < s.length()) {
      return false;
    }
    for (int i = 0; i < s.length(); i++) {
      if (b[at + i] != s.charAt(i)) {
        return false;
      }
    }
    return true;
  }

  /**
   * {@code b[start, end)} as a double-quoted string in the style of Go's {@code %q}, for error
   * messages: printable text as is, {@code \n}, {@code \t}, {@code \"}, {@code \\}, other control
   * and invalid bytes as {@code \xNN}; longer input is cut with {@code ...}.
   */
  static String quote(byte[] b, int start, int end) {
    return quote(b, start, end, QUOTE_LIMIT);
  }

  /** {@link #quote(byte[], int, int)} cutting after {@code maxBytes} instead of the default. */
  static String quote(byte[] b, int start, int end, int maxBytes) {
    StringBuilder sb = new StringBuilder(Math.min(end - start, maxBytes) + 8).append('"');
    int limit = (int) Math.min(end, (long) start + maxBytes);
    int i = start;
    while (i < limit) {
      int c = b[i] & 0xff;
      if (c >= 0x80) {
        int n = utf8SequenceLength(b, i, end);
        if (n > 0) {
          sb.append(new String(b, i, n, StandardCharsets.UTF_8));
          i += n;
        } else {
          hex(sb, c);
          i++;
        }
        continue;
      }
      switch (c) {
        case '"' -> sb.append("\\\"");
        case '\\' -> sb.append("\\\\");
        case '\n' -> sb.append("\\n");
        case '\t' -> sb.append("\\t");
        case '\r' -> sb.append("\\r");
        default -> {
          if (c < 0x20 || c == 0x7f) {
            hex(sb, c);
          } else {
            sb.append((char) c);
          }
        }
      }
      i++;
    }
    sb.append('"');
    if (end > limit) {
      sb.append("...");
    }
    return sb.toString();
  }

  private static void hex(StringBuilder sb, int c) {
    sb.append("\\x").append(Character.forDigit(c >> 4, 16)).append(Character.forDigit(c & 15, 16));
  }
}
