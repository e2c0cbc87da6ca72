package io.promfed.rules;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.junit.jupiter.api.DynamicTest.dynamicTest;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.stream.Stream;
import org.junit.jupiter.api.DynamicTest;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestFactory;
import org.junit.jupiter.api.io.TempDir;

/**
 * {@link GoGlob} against Go: the {@code filepath.Match} cases of Go's match_test.go plus a few rule
 * file names, with the results Go 1.19's {@code filepath.Match} printed for them ("error" is {@code
 * ErrBadPattern}).
 */
class GoGlobTest {

  private static final String[][] MATCH_CASES = {
    {"abc", "abc", "true"},
    {"*", "abc", "true"},
    {"*c", "abc", "true"},
    {"a*", "a", "true"},
    {"a*", "abc", "true"},
    {"a*", "ab/c", "false"},
    {"a*/b", "abc/b", "true"},
    {"a*/b", "a/c/b", "false"},
    {"a*b*c*d*e*/f", "axbxcxdxe/f", "true"},
    {"a*b*c*d*e*/f", "axbxcxdxexxx/f", "true"},
    {"a*b*c*d*e*/f", "axbxcxdxe/xxx/f", "false"},
    {"a*b*c*d*e*/f", "axbxcxdxexxx/fff", "false"},
    {"a*b?c*x", "abxbbxdbxebxczzx", "true"},
    {"a*b?c*x", "abxbbxdbxebxczzy", "false"},
    {"ab[c]", "abc", "true"},
    {"ab[b-d]", "abc", "true"},
    {"ab[e-g]", "abc", "false"},
    {"ab[^c]", "abc", "false"},
    {"ab[^b-d]", "abc", "false"},
    {"ab[^e-g]", "abc", "true"},
    {"a\\*b", "a*b", "true"},
    {"a\\*b", "ab", "false"},
    {"a?b", "a☺b", "true"},
    {"a[^a]b", "a☺b", "true"},
    {"a???b", "a☺b", "false"},
    {"a[^a][^a][^a]b", "a☺b", "false"},
    {"[a-ζ]*", "α", "true"},
    {"*[a-ζ]", "A", "false"},
    {"a?b", "a/b", "false"},
    {"a*b", "a/b", "false"},
    {"[\\]a]", "]", "true"},
    {"[\\-]", "-", "true"},
    {"[x\\-]", "x", "true"},
    {"[x\\-]", "-", "true"},
    {"[x\\-]", "z", "false"},
    {"[\\-x]", "x", "true"},
    {"[\\-x]", "-", "true"},
    {"[\\-x]", "a", "false"},
    {"[]a]", "]", "error"},
    {"[-]", "-", "error"},
    {"[x-]", "x", "error"},
    {"[x-]", "-", "error"},
    {"[x-]", "z", "error"},
    {"[-x]", "x", "error"},
    {"[-x]", "-", "error"},
    {"[-x]", "a", "error"},
    {"\\", "a", "error"},
    {"[a-b-c]", "a", "error"},
    {"[", "a", "error"},
    {"[^", "a", "error"},
    {"[^bc", "a", "error"},
    {"a[", "a", "error"},
    {"a[", "ab", "error"},
    {"a[", "x", "error"},
    {"a/b[", "x", "error"},
    {"*x", "xxx", "true"},
    {"*.yml", "rules.yml", "true"},
    {"*.yml", ".hidden.yml", "true"},
    {"rules-*.y*ml", "rules-a.yaml", "true"},
  };

  @TestFactory
  Stream<DynamicTest> matchAgreesWithGo() {
    return Arrays.stream(MATCH_CASES)
        .map(
            c ->
                dynamicTest(
                    c[0] + " ~ " + c[1] + " -> " + c[2],
                    () -> {
                      if (c[2].equals("error")) {
                        assertThatThrownBy(() -> GoGlob.match(c[0], c[1]))
                            .isInstanceOf(GoGlob.BadPatternException.class);
                      } else {
                        assertThat(GoGlob.match(c[0], c[1])).isEqualTo(Boolean.parseBoolean(c[2]));
                      }
                    }));
  }

  @Test
  void globListsMatchesInLexicalOrderPerDirectory(@TempDir Path dir) throws Exception {
    for (String f : new String[] {"x/b.yml", "x/a.yml", "y/c.yml", "y/sub/d.yml", "x/.e.yml"}) {
      Path p = dir.resolve(f);
      Files.createDirectories(p.getParent());
      Files.writeString(p, "");
    }
    String d = dir.toString();
    assertThat(GoGlob.glob(d + "/x/*.yml"))
        .containsExactly(d + "/x/.e.yml", d + "/x/a.yml", d + "/x/b.yml"); // Go: * matches dots
    // Metacharacters in directories are expanded too, as filepath.Glob does.
    assertThat(GoGlob.glob(d + "/?/*.yml"))
        .containsExactly(d + "/x/.e.yml", d + "/x/a.yml", d + "/x/b.yml", d + "/y/c.yml");
    assertThat(GoGlob.glob(d + "/x/a.yml")).containsExactly(d + "/x/a.yml");
    assertThat(GoGlob.glob(d + "/x/zzz.yml")).isEmpty();
    assertThat(GoGlob.glob(d + "/nodir/*.yml")).isEmpty();
    assertThatThrownBy(() -> GoGlob.glob(d + "/x/[.yml"))
        .isInstanceOf(GoGlob.BadPatternException.class);
  }

  @Test
  void relativePatternsAreCleanedLikeFilepathJoin() {
    assertThat(GoGlob.clean("./rules/a.yml")).isEqualTo("rules/a.yml");
    assertThat(GoGlob.clean("/etc//prometheus/../rules/./a.yml")).isEqualTo("/etc/rules/a.yml");
    assertThat(GoGlob.clean("../a")).isEqualTo("../a");
    assertThat(GoGlob.clean("/..")).isEqualTo("/");
    assertThat(GoGlob.clean("")).isEqualTo(".");
  }
}
