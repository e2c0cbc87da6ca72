package io.promfed.model.relabel;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.google.re2j.Matcher;
import com.google.re2j.PatternSyntaxException;
import java.util.List;
import org.junit.jupiter.api.Test;

class RegexpTest {

  @Test
  void expandMatchesGo() {
    List<String[]> rows = GoTestData.rows(getClass(), "testdata/expand.go.tsv");
    assertThat(rows).hasSizeGreaterThan(30);
    for (String[] row : rows) {
      Regexp re = Regexp.compile(row[0]);
      Matcher m = re.match(row[1]);
      assertThat(m).as("%s matches %s", row[0], row[1]).isNotNull();
      assertThat(re.expand(row[2], row[1], m))
          .as("expand(%s) with %s on %s", row[2], row[0], row[1])
          .isEqualTo(row[3]);
    }
  }

  @Test
  void anchoredWithDotAll() {
    Regexp re = Regexp.compile("a.b");
    assertThat(re.pattern().pattern()).isEqualTo("^(?s:a.b)$");
    assertThat(re.matches("a\nb")).isTrue();
    assertThat(re.matches("xa\nb")).isFalse();
    assertThat(re.matches("a\nbx")).isFalse();
    assertThat(re.match("zzz")).isNull();
  }

  @Test
  void theDefaultIsASingleton() {
    Regexp explicit = Regexp.compile("(.*)");
    assertThat(Regexp.DEFAULT.isDefault()).isTrue();
    assertThat(explicit.isDefault()).isFalse();
    assertThat(explicit).isEqualTo(Regexp.DEFAULT).hasToString("(.*)");
    assertThat(explicit.source()).isEqualTo("(.*)");
  }

  @Test
  void syntaxErrorsUseGoWording() {
    assertThatThrownBy(() -> Regexp.compile("abc(def"))
        .isInstanceOf(PatternSyntaxException.class)
        .hasMessage("error parsing regexp: missing closing ): `^(?s:abc(def)$`");
    assertThatThrownBy(() -> Regexp.compile("a\\1"))
        .hasMessage("error parsing regexp: invalid escape sequence: `\\1`");
  }

  @Test
  void templateWithoutDollarIsReturnedAsIs() {
    Regexp re = Regexp.compile("(.*)");
    String template = "literal";
    assertThat(re.expand(template, "x", re.match("x"))).isSameAs(template);
  }
}
