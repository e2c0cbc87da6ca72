package io.promfed.model.relabel;

import com.google.re2j.Matcher;
import io.promfed.model.labels.Labels;
import io.promfed.model.labels.LabelsBuilder;
import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.List;

/**
 * Applies relabeling rules: Prometheus's {@code relabel.Process} and {@code relabel.ProcessBuilder}
 * (prometheus/prometheus {@code model/relabel/relabel.go}), rule by rule with the same semantics.
 *
 * <p>A pure function with no state: safe to call from any number of threads with shared rules. The
 * builder variant works in place on a caller-owned {@link LabelsBuilder}, so a scrape loop can
 * reuse one builder per series and allocate only when a rule actually produces a new string.
 */
public final class Relabeler {

  private static final String DOLLAR = "$";

  private Relabeler() {}

  /**
   * Relabels {@code lset} with {@code cfgs} in order.
   *
   * @return the new label set, {@code lset} itself when there are no rules, or {@code null} when a
   *     rule dropped it
   */
  public static Labels process(Labels lset, List<RelabelConfig> cfgs) {
    if (cfgs.isEmpty()) {
      return lset;
    }
    LabelsBuilder lb = new LabelsBuilder(lset);
    return process(lb, cfgs) ? lb.build() : null;
  }

  /**
   * Relabels the labels held by {@code lb} in place, stopping at the first rule that drops them.
   *
   * @return {@code false} when a rule dropped the label set (the builder is then in an unspecified
   *     intermediate state), {@code true} otherwise
   */
  public static boolean process(LabelsBuilder lb, List<RelabelConfig> cfgs) {
    for (int i = 0, n = cfgs.size(); i < n; i++) {
      if (!relabel(cfgs.get(i), lb)) {
        return false;
      }
    }
    return true;
  }

  private static boolean relabel(RelabelConfig cfg, LabelsBuilder lb) {
    String val = sourceValue(cfg, lb);
    Regexp regex = cfg.regex();
    switch (cfg.action()) {
      case DROP -> {
        if (regex.matches(val)) {
          return false;
        }
      }
      case KEEP -> {
        if (!regex.matches(val)) {
          return false;
        }
      }
      case DROPEQUAL -> {
        if (valueOrEmpty(lb, cfg.targetLabel()).equals(val)) {
          return false;
        }
      }
      case KEEPEQUAL -> {
        if (!valueOrEmpty(lb, cfg.targetLabel()).equals(val)) {
          return false;
        }
      }
      case REPLACE -> replace(cfg, lb, val);
      case LOWERCASE -> lb.set(cfg.targetLabel(), mapCase(val, false));
      case UPPERCASE -> lb.set(cfg.targetLabel(), mapCase(val, true));
      case HASHMOD -> lb.set(cfg.targetLabel(), hashmod(val, cfg.modulus()));
      case LABELMAP -> labelmap(cfg, lb);
      case LABELDROP -> dropLabels(regex, lb, true);
      case LABELKEEP -> dropLabels(regex, lb, false);
      default -> throw new IllegalStateException("relabel: unknown relabel action " + cfg.action());
    }
    return true;
  }

  /** The source label values joined by the separator; a missing label counts as "". */
  private static String sourceValue(RelabelConfig cfg, LabelsBuilder lb) {
    List<String> names = cfg.sourceLabels();
    int n = names.size();
    if (n == 0) {
      return "";
    }
    if (n == 1) {
      return valueOrEmpty(lb, names.get(0)); // the common case: no join, no copy
    }
    StringBuilder sb = new StringBuilder();
    for (int i = 0; i < n; i++) {
      if (i > 0) {
        sb.append(cfg.separator());
      }
      sb.append(valueOrEmpty(lb, names.get(i)));
    }
    return sb.toString();
  }

  private static String valueOrEmpty(LabelsBuilder lb, String name) {
    String v = lb.get(name);
    return v == null ? "" : v;
  }

  private static void replace(RelabelConfig cfg, LabelsBuilder lb, String val) {
    String target = cfg.targetLabel();
    String replacement = cfg.replacement();
    // Fast path to add or delete a label pair, as upstream: no regex run, and (like upstream) no
    // check of the target name, which validate() has already done for literal targets.
    if (val.isEmpty()
        && cfg.regex().isDefault()
        && !target.contains(DOLLAR)
        && !replacement.contains(DOLLAR)) {
      lb.set(target, replacement);
      return;
    }
    Regexp regex = cfg.regex();
    Matcher m = regex.match(val);
    if (m == null) {
      return; // no match, no replacement
    }
    String name = regex.expand(target, val, m);
    if (!Names.isValidLabelName(name)) {
      return;
    }
    String res = regex.expand(replacement, val, m);
    if (res.isEmpty()) {
      lb.delete(name);
    } else {
      lb.set(name, res);
    }
  }

  /**
   * Per-code-point simple case mapping, as Go's {@code strings.ToLower/ToUpper} map rune by rune
   * with {@code unicode.ToLower/ToUpper}. {@link String#toLowerCase} would apply context-sensitive
   * and multi-char mappings ({@code "ΣΑΣ"} → {@code "σας"}, {@code "ß"} → {@code "SS"}) that Go
   * does not.
   */
  private static String mapCase(String s, boolean upper) {
    StringBuilder sb = null;
    for (int i = 0, n = s.length(); i < n; ) {
      int cp = s.codePointAt(i);
      int mapped = upper ? Character.toUpperCase(cp) : Character.toLowerCase(cp);
      if (mapped != cp && sb == null) {
        sb = new StringBuilder(n).append(s, 0, i);
      }
      if (sb != null) {
        sb.appendCodePoint(mapped);
      }
      i += Character.charCount(cp);
    }
    return sb == null ? s : sb.toString();
  }

  /** {@code md5(val)}, bytes 8..15 as a big-endian unsigned 64-bit integer, mod {@code modulus}. */
  static String hashmod(String val, long modulus) {
    byte[] sum = md5().digest(val.getBytes(StandardCharsets.UTF_8));
    long h = 0;
    for (int i = 8; i < 16; i++) {
      h = (h << 8) | (sum[i] & 0xff);
    }
    return Long.toUnsignedString(Long.remainderUnsigned(h, modulus));
  }

  private static MessageDigest md5() {
    try {
      return MessageDigest.getInstance("MD5");
    } catch (NoSuchAlgorithmException e) {
      throw new IllegalStateException("MD5 is required of every Java platform", e);
    }
  }

  /**
   * Copies each label whose name matches to the expanded replacement name, keeping the original.
   * Iterates over a snapshot taken before any change, like {@code labels.Builder.Range}, so labels
   * added or overwritten by this rule are not themselves mapped again and are read with their old
   * values.
   */
  private static void labelmap(RelabelConfig cfg, LabelsBuilder lb) {
    int n = lb.size();
    String[] names = new String[n];
    String[] values = new String[n];
    for (int i = 0; i < n; i++) {
      names[i] = lb.name(i);
      values[i] = lb.value(i);
    }
    Regexp regex = cfg.regex();
    for (int i = 0; i < n; i++) {
      Matcher m = regex.match(names[i]);
      if (m != null) {
        // ReplaceAllString on an anchored regex that matched replaces exactly the whole name once.
        lb.set(regex.expand(cfg.replacement(), names[i], m), values[i]);
      }
    }
  }

  /**
   * labeldrop ({@code dropMatching}) or labelkeep. Walks indices downwards: {@link
   * LabelsBuilder#delete} moves the last entry into the freed slot, and every entry above the
   * current index has already been visited, so each original label is seen exactly once without
   * taking a snapshot.
   */
  private static void dropLabels(Regexp regex, LabelsBuilder lb, boolean dropMatching) {
    for (int i = lb.size() - 1; i >= 0; i--) {
      String name = lb.name(i);
      if (regex.matches(name) == dropMatching) {
        lb.delete(name);
      }
    }
  }
}
