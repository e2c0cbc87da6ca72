package io.promfed.model.relabel;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.stream.Stream;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;

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
}
