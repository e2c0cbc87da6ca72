package io.promfed.model.relabel;

import io.promfed.model.gostrconv.GoQuote;
import java.util.Locale;

/**
 * A relabeling action, spelled as in the config file ({@code action: labelmap}). Mirrors {@code
 * relabel.Action} in prometheus/prometheus {@code model/relabel/relabel.go}. Constant names are the
 * config names upper-cased so that grepping for a Prometheus action lands here.
 */
public enum Action {
  /** Expand {@code replacement} into {@code target_label} when {@code regex} matches. */
  REPLACE("replace"),
  /** Drop the label set unless {@code regex} matches the joined source value. */
  KEEP("keep"),
  /** Drop the label set if {@code regex} matches the joined source value. */
  DROP("drop"),
  /** Drop the label set unless the joined source value equals {@code target_label}'s value. */
  KEEPEQUAL("keepequal"),
  /** Drop the label set if the joined source value equals {@code target_label}'s value. */
  DROPEQUAL("dropequal"),
  /** Set {@code target_label} to {@code md5(value) mod modulus}. */
  HASHMOD("hashmod"),
  /** Copy every label whose name matches {@code regex} to the expanded {@code replacement}. */
  LABELMAP("labelmap"),
  /** Delete every label whose name matches {@code regex}. */
  LABELDROP("labeldrop"),
  /** Delete every label whose name does not match {@code regex}. */
  LABELKEEP("labelkeep"),
  /** Set {@code target_label} to the lower-cased joined source value. */
  LOWERCASE("lowercase"),
  /** Set {@code target_label} to the upper-cased joined source value. */
  UPPERCASE("uppercase");

  private final String configName;

  Action(String configName) {
    this.configName = configName;
  }

  /** The spelling used in the config file, e.g. {@code "keepequal"}. */
  public String configName() {
    return configName;
  }

  /**
   * Parses a config value case-insensitively, as {@code Action.UnmarshalYAML} lower-cases its
   * input.
   *
   * @throws IllegalArgumentException {@code unknown relabel action "x"} (Prometheus's wording)
   */
  public static Action parse(String s) {
    String lower = s.toLowerCase(Locale.ROOT);
    for (Action a : values()) {
      if (a.configName.equals(lower)) {
        return a;
      }
    }
    throw new IllegalArgumentException("unknown relabel action " + GoQuote.quote(s));
  }

  /** The config spelling, so messages read like Prometheus's ({@code "for labelmap action"}). */
  @Override
  public String toString() {
    return configName;
  }
}
