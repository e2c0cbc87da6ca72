package io.promfed.promql.parser;

import io.promfed.model.gostrconv.GoQuote;

/**
 * The PromQL lexer: a pull cursor over the query text producing {@link Item}s.
 *
 * <p>It follows the state machine of Prometheus's {@code promql/parser/lex.go} (v3.0 grammar)
 * closely, because token boundaries and lexer error texts and positions are user-visible: {@code
 * unclosed left parenthesis}, {@code bad number or duration syntax: "5mm"}, {@code unexpected
 * character inside braces: '*'}. Inside braces keywords are plain identifiers; after {@code [} a
 * number or duration is expected. After an {@link ItemType#ERROR} item only {@link ItemType#EOF}
 * follows. Not thread-safe: one lexer per parse.
 */
public final class Lexer {

  private final String input;
  private int pos;
  private int start;
  private int parenDepth;
  private boolean braceOpen;
  private boolean bracketOpen;
  private boolean gotColon;
  private boolean expectDuration;
  private boolean done;

  public Lexer(String input) {
    this.input = input;
  }

  /** The next item; comments are returned as {@link ItemType#COMMENT} items. */
  public Item next() {
    if (done) {
      return new Item(ItemType.EOF, input.length(), "");
    }
    while (true) {
      start = pos;
      if (expectDuration) {
        expectDuration = false;
        return lexNumberOrDuration();
      }
      if (input.startsWith("#", pos)) {
        return lexLineComment();
      }
      if (braceOpen) {
        Item it = lexInsideBraces();
        if (it != null) {
          return it;
        }
        continue;
      }
      if (pos >= input.length()) {
        if (parenDepth != 0) {
          return error("unclosed left parenthesis");
        }
        if (bracketOpen) {
          return error("unclosed left bracket");
        }
        done = true;
        return new Item(ItemType.EOF, pos, "");
      }
      int r = nextRune();
      switch (r) {
        case ',':
          return emit(ItemType.COMMA);
        case ' ', '\t', '\n', '\r':
          skipSpaces();
          continue;
        case '*':
          return emit(ItemType.MUL);
        case '/':
          return emit(ItemType.DIV);
        case '%':
          return emit(ItemType.MOD);
        case '+':
          return emit(ItemType.ADD);
        case '-':
          return emit(ItemType.SUB);
        case '^':
          return emit(ItemType.POW);
        case '@':
          return emit(ItemType.AT);
        case '=':
          if (peek() == '=') {
            pos++;
            return emit(ItemType.EQLC);
          }
          if (peek() == '~') {
            return error("unexpected character after '=': " + GoQuote.quoteRune('~'));
          }
          return emit(ItemType.EQL);
        case '!':
          {
            int t = nextRune();
            if (t != '=') {
              return error("unexpected character after '!': " + quoteRuneOrEof(t));
            }
            return emit(ItemType.NEQ);
          }
        case '<':
          if (peek() == '=') {
            pos++;
            return emit(ItemType.LTE);
          }
          return emit(ItemType.LSS);
        case '>':
          if (peek() == '=') {
            pos++;
            return emit(ItemType.GTE);
          }
          return emit(ItemType.GTR);
        case '"', '\'':
          return lexString((char) r);
        case '`':
          return lexRawString();
        case '(':
          parenDepth++;
          return emit(ItemType.LEFT_PAREN);
        case ')':
          {
            Item it = emit(ItemType.RIGHT_PAREN);
            parenDepth--;
            if (parenDepth < 0) {
              return error("unexpected right parenthesis " + GoQuote.quoteRune(')'));
            }
            return it;
          }
        case '{':
          braceOpen = true;
          return emit(ItemType.LEFT_BRACE);
        case '[':
          {
            if (bracketOpen) {
              return error("unexpected left bracket " + GoQuote.quoteRune('['));
            }
            gotColon = false;
            Item it = emit(ItemType.LEFT_BRACKET);
            while (pos < input.length() && isSpace(input.charAt(pos))) {
              pos++;
            }
            bracketOpen = true;
            expectDuration = true;
            return it;
          }
        case ']':
          if (!bracketOpen) {
            return error("unexpected right bracket " + GoQuote.quoteRune(']'));
          }
          bracketOpen = false;
          return emit(ItemType.RIGHT_BRACKET);
        default:
          break;
      }
      if (isDigit(r) || (r == '.' && isDigit(peek()))) {
        pos = start;
        return lexNumberOrDuration();
      }
      if (isAlpha(r) || r == ':') {
        if (!bracketOpen) {
          pos = start;
          return lexKeywordOrIdentifier();
        }
        if (r == ':') {
          if (gotColon) {
            return error("unexpected colon " + GoQuote.quoteRune(':'));
          }
          gotColon = true;
          return emit(ItemType.COLON);
        }
        return error(
            "unexpected character: "
                + GoQuote.quoteRune(r)
                + ", expected "
                + GoQuote.quoteRune(':'));
      }
      return error("unexpected character: " + GoQuote.quoteRune(r));
    }
  }

  /** Scans the inside of a vector selector; returns null after skipping whitespace. */
  private Item lexInsideBraces() {
    if (pos >= input.length()) {
      return error("unexpected end of input inside braces");
    }
    int r = nextRune();
    if (isSpace(r)) {
      skipSpaces();
      return null;
    }
    if (isAlpha(r)) {
      while (pos < input.length() && isAlphaNumeric(input.charAt(pos))) {
        pos++;
      }
      return emit(ItemType.IDENTIFIER);
    }
    switch (r) {
      case ',':
        return emit(ItemType.COMMA);
      case '"', '\'':
        return lexString((char) r);
      case '`':
        return lexRawString();
      case '=':
        if (peek() == '~') {
          pos++;
          return emit(ItemType.EQL_REGEX);
        }
        return emit(ItemType.EQL);
      case '!':
        {
          int nr = nextRune();
          if (nr == '~') {
            return emit(ItemType.NEQ_REGEX);
          }
          if (nr == '=') {
            return emit(ItemType.NEQ);
          }
          return error("unexpected character after '!' inside braces: " + quoteRuneOrEof(nr));
        }
      case '{':
        return error("unexpected left brace " + GoQuote.quoteRune('{'));
      case '}':
        braceOpen = false;
        return emit(ItemType.RIGHT_BRACE);
      default:
        return error("unexpected character inside braces: " + GoQuote.quoteRune(r));
    }
  }

  private Item lexLineComment() {
    pos++;
    while (pos < input.length() && input.charAt(pos) != '\n' && input.charAt(pos) != '\r') {
      pos++;
    }
    return emit(ItemType.COMMENT);
  }

  /** Scans a quoted string (the opening quote is consumed), validating escapes like Go. */
  private Item lexString(char quote) {
    while (true) {
      if (pos >= input.length()) {
        return error("unterminated quoted string");
      }
      int c = nextRune();
      if (c == '\\') {
        String err = lexEscape(quote);
        if (err != null) {
          return error(err);
        }
      } else if (c == '\n') {
        return error("unterminated quoted string");
      } else if (c == quote) {
        return emit(ItemType.STRING);
      }
    }
  }

  /** Validates one escape sequence after the backslash; returns the error or null. */
  private String lexEscape(char quote) {
    int ch = pos < input.length() ? nextRune() : -1;
    int n;
    int base;
    int max;
    switch (ch) {
      case 'a', 'b', 'f', 'n', 'r', 't', 'v', '\\':
        return null;
      case '0', '1', '2', '3', '4', '5', '6', '7':
        n = 3;
        base = 8;
        max = 255;
        break;
      case 'x':
        ch = pos < input.length() ? nextRune() : -1;
        n = 2;
        base = 16;
        max = 255;
        break;
      case 'u':
        ch = pos < input.length() ? nextRune() : -1;
        n = 4;
        base = 16;
        max = Character.MAX_CODE_POINT;
        break;
      case 'U':
        ch = pos < input.length() ? nextRune() : -1;
        n = 8;
        base = 16;
        max = Character.MAX_CODE_POINT;
        break;
      case -1:
        return "escape sequence not terminated";
      default:
        if (ch == quote) {
          return null;
        }
        return "unknown escape sequence " + GoQuote.unicodeRune(ch);
    }
    long x = 0;
    while (n > 0) {
      int d = ch < 0 ? 16 : Character.digit(ch, 16);
      if (ch > 127) {
        d = 16;
      }
      if (d < 0 || d >= base) {
        if (ch < 0) {
          return "escape sequence not terminated";
        }
        return "illegal character " + GoQuote.unicodeRune(ch) + " in escape sequence";
      }
      x = x * base + d;
      n--;
      if (n > 0) {
        ch = pos < input.length() ? nextRune() : -1;
      }
    }
    if (x > max || (0xD800 <= x && x < 0xE000)) {
      return "escape sequence is an invalid Unicode code point";
    }
    return null;
  }

  private Item lexRawString() {
    while (true) {
      if (pos >= input.length()) {
        return error("unterminated raw string");
      }
      if (nextRune() == '`') {
        return emit(ItemType.STRING);
      }
    }
  }

  private Item lexNumberOrDuration() {
    if (scanNumber()) {
      return emit(ItemType.NUMBER);
    }
    if (acceptRemainingDuration()) {
      return emit(ItemType.DURATION);
    }
    return error("bad number or duration syntax: " + GoQuote.quote(input.substring(start, pos)));
  }

  /** Consumes the unit part of a duration; the number has been scanned already. */
  private boolean acceptRemainingDuration() {
    if (!accept("smhdwy")) {
      return false;
    }
    accept("s"); // "ms"; bad units such as "hs" are reported when the duration is parsed.
    while (accept("0123456789")) {
      while (accept("0123456789")) {
        // Consume.
      }
      // "y" may only come first.
      if (!accept("smhdw")) {
        return false;
      }
      accept("s");
    }
    // A duration must not run into an identifier. Like lex.go, the offending character is
    // consumed, so it shows in the error ("5mm").
    if (pos < input.length() && isAlphaNumeric(input.charAt(pos))) {
      pos++;
      return false;
    }
    return true;
  }

  /**
   * Scans decimal, hex and float numbers with exponents and underscores ({@code scanNumber} in
   * lex.go). The scanned text is not necessarily valid; the parser reports that.
   */
  private boolean scanNumber() {
    int initial = pos;
    String digits = "0123456789";
    if (accept("0") && accept("xX")) {
      accept("_");
      digits = "0123456789abcdefABCDEF";
    }
    accept(".");
    accept(digits);
    boolean dotConsumed = false;
    boolean exponentConsumed = false;
    while (is(digits + "._eE")) {
      if (is(".") && dotConsumed) {
        accept(".");
        return false;
      }
      if (is("eE") && exponentConsumed) {
        accept("eE");
        return false;
      }
      if (accept(".")) {
        dotConsumed = true;
        if (accept("_.")) {
          return false;
        }
        if (digits.length() > 10) {
          return false;
        }
        continue;
      }
      if (accept("eE")) {
        exponentConsumed = true;
        accept("+-");
        if (accept("._eE") || pos >= input.length()) {
          return false;
        }
        continue;
      }
      if (accept("_")) {
        if (accept("._eE") || pos >= input.length()) {
          return false;
        }
        continue;
      }
      while (accept(digits)) {
        // Consume the run.
      }
    }
    if (pos == initial) {
      return false;
    }
    return pos >= input.length() || !isAlphaNumeric(input.charAt(pos));
  }

  private Item lexKeywordOrIdentifier() {
    while (pos < input.length()) {
      char c = input.charAt(pos);
      if (isAlphaNumeric(c) || c == ':') {
        pos++;
      } else {
        break;
      }
    }
    String word = input.substring(start, pos);
    ItemType kw = ItemType.keyword(word);
    if (kw != null) {
      return emit(kw);
    }
    return emit(word.indexOf(':') >= 0 ? ItemType.METRIC_IDENTIFIER : ItemType.IDENTIFIER);
  }

  private Item emit(ItemType type) {
    Item it = new Item(type, start, input.substring(start, pos));
    start = pos;
    return it;
  }

  private Item error(String message) {
    done = true;
    return new Item(ItemType.ERROR, start, message);
  }

  private int nextRune() {
    int cp = input.codePointAt(pos);
    pos += Character.charCount(cp);
    return cp;
  }

  private int peek() {
    return pos < input.length() ? input.codePointAt(pos) : -1;
  }

  private boolean accept(String valid) {
    if (pos < input.length() && valid.indexOf(input.charAt(pos)) >= 0) {
      pos++;
      return true;
    }
    return false;
  }

  private boolean is(String valid) {
    return pos < input.length() && valid.indexOf(input.charAt(pos)) >= 0;
  }

  private void skipSpaces() {
    while (pos < input.length() && isSpace(input.charAt(pos))) {
      pos++;
    }
  }

  private static String quoteRuneOrEof(int r) {
    return GoQuote.quoteRune(r < 0 ? 0xFFFD : r);
  }

  static boolean isSpace(int r) {
    return r == ' ' || r == '\t' || r == '\n' || r == '\r';
  }

  static boolean isDigit(int r) {
    return r >= '0' && r <= '9';
  }

  static boolean isAlpha(int r) {
    return r == '_' || (r >= 'a' && r <= 'z') || (r >= 'A' && r <= 'Z');
  }

  static boolean isAlphaNumeric(int r) {
    return isAlpha(r) || isDigit(r);
  }
}
