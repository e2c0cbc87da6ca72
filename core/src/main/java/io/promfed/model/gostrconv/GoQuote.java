package io.promfed.model.gostrconv;

import java.io.ByteArrayOutputStream;
import java.nio.charset.StandardCharsets;

/**
 * Go's quoting: {@code strconv.Quote}, which is what {@code %q} prints in Prometheus's error
 * messages, its rune forms ({@code %q} of a rune, {@code %#U}), and Prometheus's {@code
 * util/strutil.Unquote} for PromQL string literals. Used so that our messages quote values exactly
 * like Prometheus's ({@code "foo-bar" is not a valid label name}). Stateless and thread-safe.
 */
public final class GoQuote {

  private static final char[] HEX = "0123456789abcdef".toCharArray();

  private GoQuote() {}

  /**
   * Returns {@code s} in double quotes with Go's escapes: {@code \"}, {@code \\}, the C escapes
   * {@code \a \b \f \n \r \t \v}, {@code \xNN} for other ASCII controls, and {@code \\uNNNN} /
   * {@code \UNNNNNNNN} for other non-printable code points. Printable Unicode is kept as is, like
   * Go.
   */
  public static String quote(String s) {
    StringBuilder sb = new StringBuilder(s.length() + 2).append('"');
    for (int i = 0; i < s.length(); ) {
      int cp = s.codePointAt(i);
      i += Character.charCount(cp);
      appendEscaped(sb, cp, '"');
    }
    return sb.append('"').toString();
  }

  /**
   * Go's {@code %.Nq}: the string truncated to {@code maxRunes} code points, then quoted; used by
   * the PromQL lexer's item descriptions.
   */
  public static String quoteTruncated(String s, int maxRunes) {
    int count = s.codePointCount(0, s.length());
    if (count <= maxRunes) {
      return quote(s);
    }
    return quote(s.substring(0, s.offsetByCodePoints(0, maxRunes)));
  }

  /** Go's {@code %q} for a rune ({@code strconv.QuoteRune}): single-quoted with Go escapes. */
  public static String quoteRune(int cp) {
    StringBuilder sb = new StringBuilder(8).append('\'');
    appendEscaped(sb, cp, '\'');
    return sb.append('\'').toString();
  }

  /** Go's {@code %#U}: {@code U+0063 'c'}, the quoted rune only when printable. */
  public static String unicodeRune(int cp) {
    String hex = String.format("U+%04X", cp);
    return isPrint(cp) ? hex + " '" + new String(Character.toChars(cp)) + "'" : hex;
  }

  /** strconv/quote.go {@code appendEscapedRune}: the quote character and backslash come first. */
  private static void appendEscaped(StringBuilder sb, int cp, char quote) {
    if (cp == quote || cp == '\\') {
      sb.append('\\').appendCodePoint(cp);
      return;
    }
    if (isPrint(cp)) {
      sb.appendCodePoint(cp);
      return;
    }
    switch (cp) {
      case 0x07 -> sb.append("\\a");
      case '\b' -> sb.append("\\b");
      case '\f' -> sb.append("\\f");
      case '\n' -> sb.append("\\n");
      case '\r' -> sb.append("\\r");
      case '\t' -> sb.append("\\t");
      case 0x0b -> sb.append("\\v");
      default -> {
        if (cp < 0x80) {
          sb.append("\\x").append(HEX[cp >> 4]).append(HEX[cp & 0xf]);
        } else if (cp < 0x10000) {
          sb.append("\\u");
          appendHex(sb, cp, 4);
        } else {
          sb.append("\\U");
          appendHex(sb, cp, 8);
        }
      }
    }
  }

  private static void appendHex(StringBuilder sb, int v, int digits) {
    for (int shift = (digits - 1) * 4; shift >= 0; shift -= 4) {
      sb.append(HEX[(v >> shift) & 0xf]);
    }
  }

  /**
   * Go's {@code strconv.IsPrint}: letters, marks, numbers, punctuation, symbols and the ASCII
   * space. Other spaces (U+00A0 …), controls, format characters, surrogates and unassigned code
   * points are escaped.
   */
  private static boolean isPrint(int cp) {
    if (cp < 0x80) {
      return cp >= 0x20 && cp < 0x7f;
    }
    switch (Character.getType(cp)) {
      case Character.UPPERCASE_LETTER,
      Character.LOWERCASE_LETTER,
      Character.TITLECASE_LETTER,
      Character.MODIFIER_LETTER,
      Character.OTHER_LETTER,
      Character.NON_SPACING_MARK,
      Character.ENCLOSING_MARK,
      Character.COMBINING_SPACING_MARK,
      Character.DECIMAL_DIGIT_NUMBER,
      Character.LETTER_NUMBER,
      Character.OTHER_NUMBER,
      Character.CONNECTOR_PUNCTUATION,
      Character.DASH_PUNCTUATION,
      Character.START_PUNCTUATION,
      Character.END_PUNCTUATION,
      Character.INITIAL_QUOTE_PUNCTUATION,
      Character.FINAL_QUOTE_PUNCTUATION,
      Character.OTHER_PUNCTUATION,
      Character.MATH_SYMBOL,
      Character.CURRENCY_SYMBOL,
      Character.MODIFIER_SYMBOL,
      Character.OTHER_SYMBOL:
        return true;
      default:
        return false;
    }
  }

  /**
   * Prometheus's {@code util/strutil.Unquote}: strips {@code "…"}, {@code '…'} or a raw {@code `…`}
   * quote and resolves Go escapes ({@code \n}, {@code \x41}, {@code \101}, {@code \u00e9}, …). Byte
   * escapes produce raw bytes that are decoded as UTF-8 at the end.
   *
   * @throws IllegalArgumentException with Go's message {@code invalid syntax}
   */
  public static String unquote(String s) {
    int n = s.length();
    if (n < 2) {
      throw new IllegalArgumentException("invalid syntax");
    }
    char quote = s.charAt(0);
    if (quote != s.charAt(n - 1)) {
      throw new IllegalArgumentException("invalid syntax");
    }
    String body = s.substring(1, n - 1);
    if (quote == '`') {
      if (body.indexOf('`') >= 0) {
        throw new IllegalArgumentException("invalid syntax");
      }
      return body;
    }
    if (quote != '"' && quote != '\'') {
      throw new IllegalArgumentException("invalid syntax");
    }
    if (body.indexOf('\n') >= 0) {
      throw new IllegalArgumentException("invalid syntax");
    }
    if (body.indexOf('\\') < 0 && body.indexOf(quote) < 0) {
      return body;
    }
    ByteArrayOutputStream out = new ByteArrayOutputStream(body.length());
    int i = 0;
    while (i < body.length()) {
      char c = body.charAt(i);
      if (c == quote) {
        throw new IllegalArgumentException("invalid syntax");
      }
      if (c != '\\') {
        int cp = body.codePointAt(i);
        i += Character.charCount(cp);
        writeUtf8(out, cp);
        continue;
      }
      if (i + 1 >= body.length()) {
        throw new IllegalArgumentException("invalid syntax");
      }
      char e = body.charAt(i + 1);
      i += 2;
      switch (e) {
        case 'a' -> out.write(0x07);
        case 'b' -> out.write('\b');
        case 'f' -> out.write('\f');
        case 'n' -> out.write('\n');
        case 'r' -> out.write('\r');
        case 't' -> out.write('\t');
        case 'v' -> out.write(0x0b);
        case '\\' -> out.write('\\');
        case '\'', '"' -> {
          if (e != quote) {
            throw new IllegalArgumentException("invalid syntax");
          }
          out.write(e);
        }
        case 'x', 'u', 'U' -> {
          int digits = e == 'x' ? 2 : e == 'u' ? 4 : 8;
          if (i + digits > body.length()) {
            throw new IllegalArgumentException("invalid syntax");
          }
          int v = 0;
          for (int j = 0; j < digits; j++) {
            int d = Character.digit(body.charAt(i + j), 16);
            if (d < 0) {
              throw new IllegalArgumentException("invalid syntax");
            }
            v = (v << 4) | d;
          }
          i += digits;
          if (e == 'x') {
            out.write(v);
          } else {
            if (v > Character.MAX_CODE_POINT || v < 0) {
              throw new IllegalArgumentException("invalid syntax");
            }
            writeUtf8(out, v);
          }
        }
        case '0', '1', '2', '3', '4', '5', '6', '7' -> {
          if (i + 2 > body.length()) {
            throw new IllegalArgumentException("invalid syntax");
          }
          int v = e - '0';
          for (int j = 0; j < 2; j++) {
            int d = body.charAt(i + j) - '0';
            if (d < 0 || d > 7) {
              throw new IllegalArgumentException("invalid syntax");
            }
            v = (v << 3) | d;
          }
          i += 2;
          if (v > 255) {
            throw new IllegalArgumentException("invalid syntax");
          }
          out.write(v);
        }
        default -> throw new IllegalArgumentException("invalid syntax");
      }
    }
    return out.toString(StandardCharsets.UTF_8);
  }

  private static void writeUtf8(ByteArrayOutputStream out, int cp) {
    byte[] b = new String(Character.toChars(cp)).getBytes(StandardCharsets.UTF_8);
    out.write(b, 0, b.length);
  }
}
