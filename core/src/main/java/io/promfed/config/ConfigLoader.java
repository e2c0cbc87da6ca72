package io.promfed.config;

import java.io.IOException;
import java.io.StringReader;
import java.nio.ByteBuffer;
import java.nio.CharBuffer;
import java.nio.charset.CharsetDecoder;
import java.nio.charset.CoderResult;
import java.nio.charset.CodingErrorAction;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.function.Function;
import org.yaml.snakeyaml.LoaderOptions;
import org.yaml.snakeyaml.Yaml;
import org.yaml.snakeyaml.error.Mark;
import org.yaml.snakeyaml.error.MarkedYAMLException;
import org.yaml.snakeyaml.error.YAMLException;
import org.yaml.snakeyaml.nodes.Node;

/**
 * Loads Prometheus's YAML configuration into a validated {@link PrometheusConfig}: Prometheus's
 * {@code config.LoadFile} / {@code config.Load} (prometheus/prometheus {@code config/config.go}).
 *
 * <p>The YAML is composed into SnakeYAML nodes (no object construction, so no arbitrary types can
 * be instantiated) and decoded field by field, so every error carries the line of the offending key
 * or value: {@code prometheus.yml:12: field scrape_intervall not found in type
 * config.ScrapeConfig}. Like Prometheus, the loader expands {@code $VAR}/{@code ${VAR}} in {@code
 * external_labels} values from the environment and, for files, resolves relative file paths ({@code
 * rule_files}, {@code *_file}) against the file's directory. Stateless and thread-safe.
 */
public final class ConfigLoader {

  /** Large enough for configs with many thousands of static targets. */
  private static final int CODE_POINT_LIMIT = 64 * 1024 * 1024;

  private ConfigLoader() {}

  /**
   * Reads and validates a config file. Messages name the file as given.
   *
   * @throws ConfigException when the file cannot be read, is not valid UTF-8 or YAML, or is not a
   *     valid configuration
   */
  public static PrometheusConfig load(Path file) throws ConfigException {
    String name = file.toString();
    byte[] bytes;
    try {
      bytes = Files.readAllBytes(file);
    } catch (IOException e) {
      throw new ConfigException(name, 0, 0, "cannot read file: " + e, e);
    }
    String text = decodeUtf8(bytes, name);
    Path dir = file.getParent() != null ? file.getParent() : Path.of("");
    return load(text, name, System::getenv, dir);
  }

  /**
   * Parses and validates config text. Relative file paths are kept as written.
   *
   * @param sourceName names the input in messages, e.g. a file name
   * @throws ConfigException when the text is not valid YAML or not a valid configuration
   */
  public static PrometheusConfig loadString(String yaml, String sourceName) throws ConfigException {
    return load(yaml, sourceName, System::getenv, null);
  }

  /**
   * The loader with its inputs explicit, for tests: {@code env} replaces {@link System#getenv} and
   * {@code baseDir}, when not null, anchors relative paths.
   */
  static PrometheusConfig load(
      String yaml, String sourceName, Function<String, String> env, Path baseDir)
      throws ConfigException {
    Node root;
    try {
      LoaderOptions options = new LoaderOptions();
      options.setCodePointLimit(CODE_POINT_LIMIT);
      options.setProcessComments(false);
      root = new Yaml(options).compose(new StringReader(yaml));
    } catch (MarkedYAMLException e) {
      Mark m = e.getProblemMark() != null ? e.getProblemMark() : e.getContextMark();
      String problem = e.getProblem() != null ? e.getProblem() : e.getContext();
      if (m == null) {
        throw new ConfigException(sourceName, 0, 0, problem, e);
      }
      throw new ConfigException(sourceName, m.getLine() + 1, m.getColumn() + 1, problem, e);
    } catch (YAMLException e) {
      throw new ConfigException(sourceName, 0, 0, e.getMessage(), e);
    }
    return new ConfigDecoder(sourceName, env, baseDir).decode(root);
  }

  /** Strict UTF-8, so a bad byte is reported (with its line) instead of silently replaced. */
  private static String decodeUtf8(byte[] bytes, String name) throws ConfigException {
    CharsetDecoder dec =
        StandardCharsets.UTF_8
            .newDecoder()
            .onMalformedInput(CodingErrorAction.REPORT)
            .onUnmappableCharacter(CodingErrorAction.REPORT);
    ByteBuffer in = ByteBuffer.wrap(bytes);
    CharBuffer out = CharBuffer.allocate(bytes.length);
    CoderResult res = dec.decode(in, out, true);
    if (!res.isError()) {
      res = dec.flush(out);
    }
    if (res.isError()) {
      int offset = in.position();
      int line = 1;
      for (int i = 0; i < offset; i++) {
        if (bytes[i] == '\n') {
          line++;
        }
      }
      throw new ConfigException(
          name, line, 0, "invalid UTF-8 at byte offset " + offset + ": the file must be UTF-8");
    }
    out.flip();
    return out.toString();
  }
}
