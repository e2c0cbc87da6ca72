package io.promfed.model.relabel;

/**
 * Go's {@code strconv.Quote}, which is what {@code %q} prints in Prometheus's error messages. Used
 * so that our messages quote values exactly like Prometheus's ({@code "foo-bar" is not a valid
 * label name}). Stateless and thread-safe.
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
      switch (cp) {
        case '"' -> sb.append("\\\"");
        case '\\' -> sb.append("\\\\");
        case 0x07 -> sb.append("\\a");
        case '\b' -> sb.append("\\b");
        case '\f' -> sb.append("\\f");
        case '\n' -> sb.append("\\n");
        case '\r' -> sb.append("\\r");
        case '\t' -> sb.append("\\t");
        case 0x0b -> sb.append("\\v");
        default -> {
          if (isPrint(cp)) {
            sb.appendCodePoint(cp);
          } else if (cp < 0x80) {
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
    return sb.append('"').toString();
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
}
