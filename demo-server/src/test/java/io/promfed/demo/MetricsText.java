package io.promfed.demo;

import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;

/** Picks metric families out of a Prometheus text-format body, for exact comparisons. */
final class MetricsText {

  private MetricsText() {}

  /**
   * The HELP, TYPE and sample lines of the named families, families sorted by name (the order Go's
   * client writes them in; Micrometer's order is its registry's, which nothing promises).
   */
  static String families(String body, String... names) {
    Map<String, List<String>> byFamily = new TreeMap<>();
    for (String name : names) {
      byFamily.put(name, new ArrayList<>());
    }
    for (String line : body.split("\n")) {
      String family = familyOf(line);
      if (byFamily.containsKey(family)) {
        byFamily.get(family).add(line);
      }
    }
    StringBuilder out = new StringBuilder();
    byFamily.values().forEach(lines -> lines.forEach(line -> out.append(line).append('\n')));
    return out.toString();
  }

  /** The value of the one sample line named {@code series} (name plus labels, as written). */
  static double value(String body, String series) {
    for (String line : body.split("\n")) {
      if (line.startsWith(series + " ")) {
        return Double.parseDouble(line.substring(series.length() + 1).trim());
      }
    }
    throw new AssertionError("no sample " + series + " in\n" + body);
  }

  private static String familyOf(String line) {
    if (line.startsWith("# HELP ") || line.startsWith("# TYPE ")) {
      String rest = line.substring(7);
      int space = rest.indexOf(' ');
      return space < 0 ? rest : rest.substring(0, space);
    }
    int end = 0;
    while (end < line.length() && line.charAt(end) != ' ' && line.charAt(end) != '{') {
      end++;
    }
    return line.substring(0, end);
  }
}
