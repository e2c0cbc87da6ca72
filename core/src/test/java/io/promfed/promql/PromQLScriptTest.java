package io.promfed.promql;

import java.io.IOException;
import java.net.URISyntaxException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.stream.Stream;
import org.junit.jupiter.api.DynamicContainer;
import org.junit.jupiter.api.DynamicNode;
import org.junit.jupiter.api.TestFactory;

/**
 * Runs every {@code testdata/*.test} script (the promqltest language) against the {@link Engine}
 * and a {@link TestStorage}; each {@code eval} is a dynamic test named {@code file:line expr}. The
 * engine is configured like Prometheus's test engine: 10 000 samples per query, a 1m step for
 * subqueries without one, experimental functions enabled.
 */
class PromQLScriptTest {

  static Engine testEngine() {
    return new Engine(
        new EngineOptions(
            Duration.ofSeconds(100), 10_000, Duration.ofMinutes(5), Duration.ofMinutes(1), true));
  }

  @TestFactory
  Stream<DynamicNode> scripts() throws IOException, URISyntaxException {
    Path dir = Path.of(getClass().getResource("testdata").toURI());
    Engine engine = testEngine();
    List<Path> files;
    try (Stream<Path> s = Files.list(dir)) {
      files = s.filter(p -> p.toString().endsWith(".test")).sorted().toList();
    }
    return files.stream()
        .map(
            f -> {
              try {
                String name = f.getFileName().toString();
                String script = Files.readString(f, StandardCharsets.UTF_8);
                return DynamicContainer.dynamicContainer(
                    name, ScriptRunner.tests(name, script, engine).stream());
              } catch (IOException e) {
                throw new IllegalStateException(e);
              }
            });
  }
}
