package io.promfed.testing;

import static org.junit.jupiter.api.Assertions.fail;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Optional;
import java.util.stream.Stream;
import org.junit.jupiter.api.Assumptions;

/**
 * The executable jar of a sibling module (demo-server, leaf-agent), which an end-to-end test runs
 * as a real process. The reactor builds those modules before the one whose tests need them; a run
 * of one module alone may lack the jar: then the test skips, except under {@code CI=true}, where
 * it fails (as {@link ExternalBinary} does).
 */
public final class ModuleJar {

  private ModuleJar() {}

  /** {@code ../<module>/target/<module>-<version>.jar}, relative to the calling module. */
  public static Path require(String module) {
    Path target = Path.of("..", module, "target");
    Optional<Path> jar = Optional.empty();
    if (Files.isDirectory(target)) {
      try (Stream<Path> files = Files.list(target)) {
        jar =
            files
                .filter(p -> p.getFileName().toString().matches(module + "-[0-9].*(?<!-tests)\\.jar"))
                .findFirst();
      } catch (IOException e) {
        throw new UncheckedIOException(e);
      }
    }
    if (jar.isPresent()) {
      return jar.get().toAbsolutePath();
    }
    String missing =
        module + " jar missing in " + target.toAbsolutePath() + "; run ./mvnw verify from the top";
    if ("true".equalsIgnoreCase(System.getenv("CI"))) {
      return fail(missing);
    }
    return Assumptions.abort(missing + "; skipping this test (under CI=true it would fail)");
  }
}
