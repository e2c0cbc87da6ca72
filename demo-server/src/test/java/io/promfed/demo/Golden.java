package io.promfed.demo;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;

/**
 * Byte-for-byte comparison with a golden file under {@code src/test/resources/<package>/testdata}.
 * Run with {@code -Dgolden.update=true} to rewrite the files instead; review that diff like code.
 */
final class Golden {

  private static final Path TESTDATA = Path.of("src/test/resources/io/promfed/demo/testdata");

  private Golden() {}

  static void assertMatches(String name, String actual) throws IOException {
    Path file = TESTDATA.resolve(name + ".golden");
    if (Boolean.getBoolean("golden.update")) {
      Files.createDirectories(file.getParent());
      Files.writeString(file, actual, StandardCharsets.UTF_8);
    }
    assertThat(actual)
        .as("%s (rewrite with -Dgolden.update=true)", file)
        .isEqualTo(Files.readString(file, StandardCharsets.UTF_8));
  }
}
