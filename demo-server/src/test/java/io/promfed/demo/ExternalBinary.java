package io.promfed.demo;

import static org.junit.jupiter.api.Assertions.fail;

import java.io.File;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Map;
import java.util.Optional;
import java.util.stream.Stream;
import org.junit.jupiter.api.Assumptions;

/**
 * Finds a program an interop test needs, such as {@code promtool}. When it is missing, a local
 * build skips the test with a message saying so, while a CI build ({@code CI=true}, as GitHub
 * Actions and GitLab set it) fails: CI must not go green by skipping the very test it exists to
 * run.
 */
final class ExternalBinary {

  private ExternalBinary() {}

  /** The program on this process's PATH; skips or fails the calling test when it is missing. */
  static Path require(String program) {
    return require(program, System.getenv());
  }

  static Path require(String program, Map<String, String> environment) {
    Optional<Path> found = findOnPath(program, environment.getOrDefault("PATH", ""));
    if (found.isPresent()) {
      return found.get();
    }
    String missing = "'" + program + "' is not on the PATH";
    if ("true".equalsIgnoreCase(environment.get("CI"))) {
      return fail(missing + "; CI=true, so this test must run: install " + program + " on the CI image");
    }
    return Assumptions.abort(missing + "; skipping this test (under CI=true it would fail)");
  }

  private static Optional<Path> findOnPath(String program, String path) {
    return Stream.of(path.split(File.pathSeparator))
        .filter(directory -> !directory.isEmpty())
        .map(directory -> Path.of(directory, program))
        .filter(Files::isExecutable)
        .findFirst();
  }
}
