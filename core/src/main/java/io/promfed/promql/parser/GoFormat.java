package io.promfed.promql.parser;

import java.io.ByteArrayOutputStream;
import java.math.BigDecimal;
import java.nio.charset.StandardCharsets;

/**
 * The few Go {@code strconv}/{@code fmt} behaviours that show up in PromQL's user-visible text:
 * quoting in error messages ({@code %q}), unquoting string literals ({@code util/strutil.Unquote}),
 * and float formatting ({@code FormatFloat(f, 'f', -1, 64)} and {@code %g}). Kept in one place so
 * that messages and label values read exactly like Prometheus's. Stateless and thread-safe.
 */
public final class GoFormat {

  private GoFormat() {}

  /** Go's {@code strconv.Quote}: double-quoted, with Go escapes for non-printable characters. */
  public static String quote(String s) {
    StringBuilder sb = new StringBuilder(s.length() + 2).append('"');
    for (int i = 0; i < s.length(); ) {
      int cp = s.codePointAt(i);
      i += Character.charCount(cp);
      appendEscapedRune(sb, cp, '"');
    }
    return sb.append('"').toString();
  }

  /**
   * Go's {@code %.Nq}: the string truncated to {@code maxRunes} code points, then quoted; used by
   * the lexer's item descriptions.
   */
  public static String quoteTruncated(String s, int maxRunes) {
    int count = s.codePointCount(0, s.length());
    if (count <= maxRunes) {
      return quote(s);
    }
    return quote(s.substring(0, s.offsetByCodePoints(0, maxRunes)));
  }

  /** Go's {@code %q} for a rune: single-quoted with Go escapes. */
  public static String quoteRune(int cp) {
    StringBuilder sb = new StringBuilder(8).append('\'');
    appendEscapedRune(sb, cp, '\'');
    return sb.append('\'').toString();
  }

  /** Go's {@code %#U}: {@code U+0063 'c'}, the quoted rune only when printable. */
  public static String unicodeRune(int cp) {
    String hex = String.format("U+%04X", cp);
    return isPrint(cp) ? hex + " '" + new String(Character.toChars(cp)) + "'" : hex;
  }

  private static void appendEscapedRune(StringBuilder sb, int cp, char quote) {
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
        if (cp < ' ' || cp == 0x7f) {
          sb.append(String.format("\\x%02x", cp));
        } else if (cp < 0x10000) {
          sb.append(String.format("\\u%04x", cp));
        } else {
          sb.append(String.format("\\U%08x", cp));
        }
      }
    }
  }

  /** Go's {@code unicode.IsPrint}: graphic characters plus the ASCII space. */
  static boolean isPrint(int cp) {
    if (cp == ' ') {
      return true;
    }
    switch (Character.getType(cp)) {
      case Character.SPACE_SEPARATOR,
          Character.LINE_SEPARATOR,
          Character.PARAGRAPH_SEPARATOR,
          Character.CONTROL,
          Character.FORMAT,
          Character.SURROGATE,
          Character.PRIVATE_USE,
          Character.UNASSIGNED -> {
        return false;
      }
      default -> {
        return true;
      }
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

  /**
   * Go's {@code strconv.FormatFloat(f, 'f', -1, 64)}: the shortest decimal that round-trips, never
   * in exponent form; {@code +Inf}, {@code -Inf}, {@code NaN} for the special values. Used for
   * {@code count_values} label values and number literals in printed expressions.
   */
  public static String formatFloat(double f) {
    if (Double.isNaN(f)) {
      return "NaN";
    }
    if (Double.isInfinite(f)) {
      return f > 0 ? "+Inf" : "-Inf";
    }
    if (f == 0) {
      return (Double.doubleToRawLongBits(f) < 0) ? "-0" : "0";
    }
    if (f == Math.rint(f) && Math.abs(f) < 1e15) {
      return Long.toString((long) f);
    }
    String plain = new BigDecimal(shortest(f)).toPlainString();
    if (plain.indexOf('.') >= 0) {
      int end = plain.length();
      while (plain.charAt(end - 1) == '0') {
        end--;
      }
      if (plain.charAt(end - 1) == '.') {
        end--;
      }
      plain = plain.substring(0, end);
    }
    return plain;
  }

  /**
   * Go's {@code %g} with the shortest representation ({@code strconv.FormatFloat(f, 'g', -1, 64)}):
   * exponent form when the exponent is below -4 or at least 21.
   */
  public static String formatG(double f) {
    if (Double.isNaN(f)) {
      return "NaN";
    }
    if (Double.isInfinite(f)) {
      return f > 0 ? "+Inf" : "-Inf";
    }
    if (f == 0) {
      return (Double.doubleToRawLongBits(f) < 0) ? "-0" : "0";
    }
    BigDecimal bd = new BigDecimal(shortest(f)).stripTrailingZeros();
    int exp = bd.precision() - bd.scale() - 1;
    if (exp < -4 || exp >= 21) {
      String digits = bd.unscaledValue().abs().toString();
      StringBuilder sb = new StringBuilder();
      if (f < 0) {
        sb.append('-');
      }
      sb.append(digits.charAt(0));
      if (digits.length() > 1) {
        sb.append('.').append(digits, 1, digits.length());
      }
      sb.append('e').append(exp < 0 ? '-' : '+');
      int ae = Math.abs(exp);
      if (ae < 10) {
        sb.append('0');
      }
      return sb.append(ae).toString();
    }
    return bd.toPlainString();
  }

  /**
   * The shortest decimal string that round-trips to {@code f}. Java 17's {@link
   * Double#toString(double)} is not always minimal (JDK-4511638), so try fewer digits first.
   */
  static String shortest(double f) {
    for (int digits = 1; digits <= 17; digits++) {
      String s = String.format("%." + (digits - 1) + "e", f);
      if (Double.parseDouble(s) == f) {
        return s;
      }
    }
    return Double.toString(f);
  }

  /**
   * Go's {@code strconv.ParseFloat(s, 64)} for label values such as {@code le}: accepts decimal and
   * hex floats, {@code Inf}/{@code Infinity}/{@code NaN} in any case with an optional sign; rejects
   * everything Java would additionally accept (whitespace, {@code d}/{@code f} suffixes).
   *
   * @throws NumberFormatException when Go would return a syntax error
   */
  public static double parseFloat(String s) {
    String t = s;
    boolean neg = false;
    if (!t.isEmpty() && (t.charAt(0) == '+' || t.charAt(0) == '-')) {
      neg = t.charAt(0) == '-';
      t = t.substring(1);
    }
    if (t.equalsIgnoreCase("inf") || t.equalsIgnoreCase("infinity")) {
      return neg ? Double.NEGATIVE_INFINITY : Double.POSITIVE_INFINITY;
    }
    if (t.equalsIgnoreCase("nan") && s.length() == t.length()) {
      return Double.NaN;
    }
    if (t.isEmpty()) {
      throw new NumberFormatException("invalid syntax");
    }
    boolean hex =
        t.length() > 2 && t.charAt(0) == '0' && (t.charAt(1) == 'x' || t.charAt(1) == 'X');
    for (int i = 0; i < t.length(); i++) {
      char c = t.charAt(i);
      boolean ok =
          (c >= '0' && c <= '9')
              || c == '.'
              || c == 'e'
              || c == 'E'
              || c == '+'
              || c == '-'
              || (hex
                  && (c == 'x'
                      || c == 'X'
                      || c == 'p'
                      || c == 'P'
                      || (c >= 'a' && c <= 'f')
                      || (c >= 'A' && c <= 'F')
                      || c == '_'));
      if (!ok) {
        throw new NumberFormatException("invalid syntax");
      }
    }
    if (hex) {
      t = t.replace("_", "");
      if (t.indexOf('p') < 0 && t.indexOf('P') < 0) {
        t = t + "p0";
      }
    }
    double v = Double.parseDouble(t);
    return neg ? -v : v;
  }
}
