package io.promfed.web.federate;

import io.promfed.storage.MetricMetadata;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.NavigableSet;

/**
 * Decides how {@code /federate} declares each metric name it writes: which text-format family the
 * name belongs to, with which {@code # TYPE} and {@code # HELP}. Prometheus writes every name as
 * its own {@code untyped} family (web/federate.go); we carry the metadata scraped at this server,
 * within the rules of the text format (expfmt's {@code TextParser}, which the strict consumers
 * such as promtool use): a family is declared once and its lines are contiguous.
 *
 * <p>The rules:
 *
 * <ul>
 *   <li>A histogram family {@code x} owns the names {@code x_bucket}, {@code x_count} and {@code
 *       x_sum}; a summary family {@code x} owns {@code x}, {@code x_count} and {@code x_sum}. Its
 *       members are written together, at the place of the first one in name order, so names
 *       sorting between them (say {@code x_bucketz}) come after the family, not inside it.
 *   <li>Counters, gauges and untyped names are families of one name. An OpenMetrics counter
 *       family {@code x} is written as the text-format family {@code x_total}.
 *   <li>Whenever the metadata is not clear, the name falls back to Prometheus's {@code untyped}
 *       without HELP: when sources disagree on the type, when the type has no text-format
 *       counterpart (gaugehistogram, info, stateset), when a histogram's own name carries samples,
 *       or when a would-be member is declared as a family of its own. Names without metadata
 *       (recording rule outputs, series received by remote write) are untyped too.
 * </ul>
 *
 * <p>Prometheus's scrape parser ({@code textparse.PromParser}) accepts every body these rules
 * produce; RealPrometheusFederatesFromLeafIT checks that with a real Prometheus. Immutable once
 * built; one instance per request.
 */
final class FederatedFamilies {

  /**
   * One family as written: its {@code # TYPE} name, type and help (null for none), and the metric
   * names it owns, in name order.
   */
  record Family(String name, String type, String help, List<String> members) {
    boolean compound() {
      return type.equals("histogram") || type.equals("summary");
    }
  }

  private static final String UNTYPED = "untyped";

  private final Map<String, Family> byName = new HashMap<>();

  /**
   * @param names every metric name that will be written, sorted
   * @param metadata the store's metadata by family name, each with its distinct variants
   */
  FederatedFamilies(NavigableSet<String> names, Map<String, List<MetricMetadata>> metadata) {
    for (Map.Entry<String, List<MetricMetadata>> e : metadata.entrySet()) {
      String type = agreedType(e.getValue());
      if (type != null && (type.equals("histogram") || type.equals("summary"))) {
        claimMembers(e.getKey(), type, help(e.getValue()), names, metadata);
      }
    }
    for (String name : names) {
      if (!byName.containsKey(name)) {
        byName.put(name, simpleFamily(name, metadata));
      }
    }
  }

  /** The family that declares {@code name}; {@code name} must be one of the names given. */
  Family familyOf(String name) {
    return byName.get(name);
  }

  private void claimMembers(
      String family,
      String type,
      String help,
      NavigableSet<String> names,
      Map<String, List<MetricMetadata>> metadata) {
    boolean histogram = type.equals("histogram");
    if (histogram && names.contains(family)) {
      return; // a bare sample named like a histogram family has no place in it
    }
    List<String> members = new ArrayList<>(3);
    for (String candidate :
        histogram
            ? new String[] {family + "_bucket", family + "_count", family + "_sum"}
            : new String[] {family, family + "_count", family + "_sum"}) {
      if (!names.contains(candidate)) {
        continue;
      }
      if (!candidate.equals(family) && metadata.containsKey(candidate)) {
        return; // the member is declared as a family of its own somewhere: not ours to claim
      }
      members.add(candidate);
    }
    if (members.isEmpty()) {
      return;
    }
    members.sort(null);
    Family f = new Family(family, type, help, List.copyOf(members));
    for (String m : members) {
      byName.put(m, f);
    }
  }

  private static Family simpleFamily(String name, Map<String, List<MetricMetadata>> metadata) {
    List<MetricMetadata> md = metadata.get(name);
    if (md == null && name.endsWith("_total")) {
      // OpenMetrics declares counter "x" with samples "x_total"; text format names it x_total.
      List<MetricMetadata> base = metadata.get(name.substring(0, name.length() - 6));
      if (base != null && "counter".equals(agreedType(base))) {
        md = base;
      }
    }
    String type = md == null ? null : agreedType(md);
    if (type == null || !(type.equals("counter") || type.equals("gauge") || type.equals(UNTYPED))) {
      return new Family(name, UNTYPED, null, List.of(name));
    }
    return new Family(name, type, help(md), List.of(name));
  }

  /** The text-format type all variants agree on, or null when they disagree or it has none. */
  private static String agreedType(List<MetricMetadata> variants) {
    String agreed = null;
    for (MetricMetadata md : variants) {
      String t = textType(md.type());
      if (t == null || (agreed != null && !agreed.equals(t))) {
        return null;
      }
      agreed = t;
    }
    return agreed;
  }

  /** The text format's name for an exposition type, or null if it has no counterpart. */
  private static String textType(String type) {
    return switch (type) {
      case "counter", "gauge", "histogram", "summary" -> type;
      case "untyped", "unknown" -> UNTYPED;
      default -> null;
    };
  }

  /** The most recently reported help text, or null when there is none. */
  private static String help(List<MetricMetadata> variants) {
    String h = variants.get(variants.size() - 1).help();
    return h.isEmpty() ? null : h;
  }
}
