package io.promfed.model.gostrconv;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.promfed.model.relabel.GoTestData;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;
import org.junit.jupiter.params.provider.ValueSource;

class GoQuoteTest {

  /** Input and the output of Go's strconv.Quote for it (go1.19). */
  static Stream<Arguments> cases() {
    return Stream.of(
        Arguments.of("foo-bar", "\"foo-bar\""),
        Arguments.of("a\"b\\c", "\"a\\\"b\\\\c\""),
        Arguments.of("tab\tnl\n", "\"tab\\tnl\\n\""),
        Arguments.of("\u0007\b\f\r\u000b", "\"\\a\\b\\f\\r\\v\""),
        Arguments.of("\u0000\u001f\u007f", "\"\\x00\\x1f\\x7f\""),
        Arguments.of("\u00a0", "\"\\u00a0\""),
        Arguments.of("é", "\"é\""),
        Arguments.of("\uD83D\uDE42", "\"\uD83D\uDE42\""),
        Arguments.of("\u200b", "\"\\u200b\""),
        Arguments.of("\uDB40\uDC01", "\"\\U000e0001\""),
        Arguments.of("日本語", "\"日本語\""),
        Arguments.of("\ufffd", "\"\ufffd\""));
  }

  @ParameterizedTest
  @MethodSource("cases")
  void quotesLikeGo(String input, String expected) {
    assertThat(GoQuote.quote(input)).isEqualTo(expected);
    assertThat(GoTestData.unquote(expected)).isEqualTo(input);
  }

  /** A rune, then Go's {@code %q} and {@code %#U} of it (go1.19). */
  static Stream<Arguments> runes() {
    return Stream.of(
        Arguments.of((int) 'a', "'a'", "U+0061 'a'"),
        Arguments.of((int) '\'', "'\\''", "U+0027 '''"),
        Arguments.of((int) '"', "'\"'", "U+0022 '\"'"),
        Arguments.of((int) '\\', "'\\\\'", "U+005C '\\'"),
        Arguments.of((int) '\n', "'\\n'", "U+000A"),
        Arguments.of(0x07, "'\\a'", "U+0007"),
        Arguments.of(0x7f, "'\\x7f'", "U+007F"),
        Arguments.of(0xa0, "'\\u00a0'", "U+00A0"),
        Arguments.of((int) '日', "'日'", "U+65E5 '日'"),
        Arguments.of(0x200b, "'\\u200b'", "U+200B"),
        Arguments.of(0x1F600, "'\uD83D\uDE00'", "U+1F600 '\uD83D\uDE00'"),
        Arguments.of(0xE0001, "'\\U000e0001'", "U+E0001"));
  }

  @ParameterizedTest
  @MethodSource("runes")
  void quotesRunesLikeGo(int rune, String quoted, String unicode) {
    assertThat(GoQuote.quoteRune(rune)).isEqualTo(quoted);
    assertThat(GoQuote.unicodeRune(rune)).isEqualTo(unicode);
  }

  @Test
  void quoteTruncatedIsGoPrecisionQ() {
    // Go's %.3q counts runes, not bytes (go1.19).
    assertThat(GoQuote.quoteTruncated("abcdefghijklm", 3)).isEqualTo("\"abc\"");
    assertThat(GoQuote.quoteTruncated("日本語テキスト", 3)).isEqualTo("\"日本語\"");
    assertThat(GoQuote.quoteTruncated("ab", 3)).isEqualTo("\"ab\"");
  }

  @Test
  void unquoteResolvesEscapesInAllThreeQuotes() {
    assertThat(GoQuote.unquote("\"a\\tb\"")).isEqualTo("a\tb");
    assertThat(GoQuote.unquote("'a\"b\\''")).isEqualTo("a\"b'");
    assertThat(GoQuote.unquote("`raw\\n`")).isEqualTo("raw\\n");
    assertThat(GoQuote.unquote("\"\\x41\\101\\u00e9\\U0001F600\"")).isEqualTo("AAé\uD83D\uDE00");
    assertThat(GoQuote.unquote("\"\\xc3\\xa9\"")).isEqualTo("é"); // byte escapes decode as UTF-8
  }

  @ParameterizedTest
  @ValueSource(
      strings = {
        "\"",
        "\"a",
        "'a\"",
        "'\\\"'",
        "\"\\\"",
        "\"\\q\"",
        "\"\\400\"",
        "\"a\nb\"",
        "`a`b`"
      })
  void unquoteRejectsWhatStrutilRejects(String s) {
    assertThatThrownBy(() -> GoQuote.unquote(s)).hasMessage("invalid syntax");
  }
}
