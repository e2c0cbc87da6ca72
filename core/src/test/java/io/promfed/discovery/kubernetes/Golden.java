package io.promfed.discovery.kubernetes;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;

/**
 * Golden files under {@code src/test/resources}: compared whole; {@code -Dgolden.update=true}
 * rewrites them instead (review the diff like code).
 */
final class Golden {

  private Golden() {}

  static void assertMatches(String fixture, String actual) throws IOException {
    Path file = Path.of("src/test/resources" + MockCluster.TESTDATA + fixture);
    if (Boolean.getBoolean("golden.update")) {
      Files.createDirectories(file.getParent());
      Files.writeString(file, actual, StandardCharsets.UTF_8);
      return;
    }
    assertThat(file).as("golden file %s (create it with -Dgolden.update=true)", file).exists();
    assertThat(actual).isEqualTo(Files.readString(file, StandardCharsets.UTF_8));
  }

  static String read(String fixture) throws IOException {
    try (var in = Golden.class.getResourceAsStream(MockCluster.TESTDATA + fixture)) {
      return new String(in.readAllBytes(), StandardCharsets.UTF_8);
    }
  }
}
