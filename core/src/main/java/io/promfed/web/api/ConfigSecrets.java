package io.promfed.web.api;

import com.google.re2j.Pattern;

/**
 * Hides secrets in configuration text before {@code /api/v1/status/config} shows it. Prometheus
 * re-marshals its parsed config, and every {@code Secret} field (prometheus/common
 * config/config.go) marshals as {@code <secret>}; we show the file as written, so the values of the
 * keys that hold secrets in Prometheus's config ({@code password}, {@code credentials}, {@code
 * bearer_token}, {@code client_secret}, {@code secret_key}, a TLS {@code key}, HTTP header {@code
 * secrets}) are replaced by {@code <secret>} here: in block style, in flow style and as block
 * scalars or lists. {@code *_file} keys name files and stay. Stateless.
 */
final class ConfigSecrets {

  static final String SECRET = "<secret>";

  private static final String KEYS =
      "password|credentials|bearer_token|client_secret|secret_key|key|secrets";

  /** {@code <indent>[- ]<key>:<space><value>} in block style. */
  private static final Pattern BLOCK =
      Pattern.compile("^(\\s*(?:-\\s+)?)(?:\"|')?(" + KEYS + ")(?:\"|')?(\\s*:)(\\s*)(.*)$");

  /** {@code <key>: <value>} inside a flow mapping, up to the next comma or closing brace. */
  private static final Pattern FLOW =
      Pattern.compile(
          "([{,]\\s*)(?:\"|')?("
              + KEYS
              + ")(?:\"|')?(\\s*:\\s*)(\"(?:[^\"\\\\]|\\\\.)*\"|'(?:[^']|'')*'|[^,}\\s][^,}]*)");

  private ConfigSecrets() {}

  static String mask(String yaml) {
    String[] lines = yaml.split("\n", -1);
    StringBuilder out = new StringBuilder(yaml.length());
    int hideColumn = -1; // while >= 0, lines indented deeper belong to a hidden value
    boolean hideListAtColumn = false; // a list may also sit at the key's own column
    for (int i = 0; i < lines.length; i++) {
      String line = lines[i];
      if (i > 0) {
        out.append('\n');
      }
      if (hideColumn >= 0) {
        int indent = leading(line);
        if (line.isBlank()
            || indent > hideColumn
            || (hideListAtColumn && indent == hideColumn && line.stripLeading().startsWith("-"))) {
          out.append(hideContinuation(line, hideListAtColumn));
          continue;
        }
        hideColumn = -1;
      }
      com.google.re2j.Matcher m = BLOCK.matcher(line);
      if (m.matches()) {
        String value = m.group(5);
        int keyColumn = m.group(1).length();
        if (value.isEmpty() || value.startsWith("#")) {
          out.append(line); // the secret values follow on the next lines
          hideColumn = keyColumn;
          hideListAtColumn = true;
        } else {
          out.append(line, 0, m.start(5)).append(SECRET);
          if (value.startsWith("|") || value.startsWith(">")) {
            hideColumn = keyColumn; // a block scalar's lines
            hideListAtColumn = false;
          }
        }
        continue;
      }
      out.append(line.indexOf('{') >= 0 ? FLOW.matcher(line).replaceAll("$1$2$3" + SECRET) : line);
    }
    return out.toString();
  }

  /**
   * A line inside a hidden value: all of it goes, but for the dash of a list item in a list of
   * secrets.
   */
  private static String hideContinuation(String line, boolean list) {
    if (line.isBlank()) {
      return line;
    }
    String trimmed = line.stripLeading();
    String indent = line.substring(0, line.length() - trimmed.length());
    return list && trimmed.startsWith("-") ? indent + "- " + SECRET : indent + SECRET;
  }

  private static int leading(String s) {
    int n = 0;
    while (n < s.length() && s.charAt(n) == ' ') {
      n++;
    }
    return n;
  }
}
