package io.promfed.model.relabel;

import com.google.re2j.Pattern;
import io.promfed.model.gostrconv.GoQuote;
import java.util.List;
import java.util.Objects;

/**
 * One relabeling rule, Prometheus's {@code relabel.Config} (prometheus/prometheus {@code
 * model/relabel/relabel.go}). Immutable and thread-safe; one instance is shared by every scrape
 * loop of a job.
 *
 * <p>The constructor only checks that components are present; Prometheus's semantic rules (which
 * fields each action needs) are in {@link #validate()}, which {@code io.promfed.config} calls at
 * load time, as Prometheus calls {@code Config.Validate}. Absent YAML fields take the defaults of
 * {@code DefaultRelabelConfig}; use {@link #builder()} to get them in code.
 *
 * @param sourceLabels labels whose values are joined with {@code separator}; a missing label counts
 *     as ""
 * @param separator the join string, default {@code ";"}
 * @param regex the anchored regex, default {@link Regexp#DEFAULT} {@code (.*)}
 * @param modulus the {@code hashmod} divisor, an unsigned 64-bit value (0 when unused)
 * @param targetLabel the label written by replace, hashmod, lowercase, uppercase and compared by
 *     keepequal/dropequal; may hold {@code $} references for replace
 * @param replacement the {@code Regexp.Expand} template for replace and labelmap, default {@code
 *     $1}
 * @param action what the rule does, default {@link Action#REPLACE}
 */
public record RelabelConfig(
    List<String> sourceLabels,
    String separator,
    Regexp regex,
    long modulus,
    String targetLabel,
    String replacement,
    Action action) {

  /** Default separator, {@code DefaultRelabelConfig.Separator}. */
  public static final String DEFAULT_SEPARATOR = ";";

  /** Default replacement, {@code DefaultRelabelConfig.Replacement}. */
  public static final String DEFAULT_REPLACEMENT = "$1";

  /**
   * {@code relabelTargetLegacy}: a legacy label name in which {@code $var} / {@code ${var}}
   * references may stand for characters.
   */
  private static final Pattern TARGET_WITH_REFERENCES =
      Pattern.compile("^(?:(?:[a-zA-Z_]|\\$(?:\\{\\w+\\}|\\w+))+\\w*)+$");

  public RelabelConfig {
    sourceLabels = List.copyOf(sourceLabels);
    Objects.requireNonNull(separator, "separator");
    Objects.requireNonNull(regex, "regex");
    Objects.requireNonNull(targetLabel, "targetLabel");
    Objects.requireNonNull(replacement, "replacement");
    Objects.requireNonNull(action, "action");
  }

  /** A builder preset with Prometheus's defaults. */
  public static Builder builder() {
    return new Builder();
  }

  /**
   * Prometheus's {@code Config.Validate} with legacy name validation: the same checks, in the same
   * order, with the same messages.
   *
   * @throws IllegalArgumentException e.g. {@code relabel configuration for hashmod requires
   *     non-zero modulus} or {@code labelkeep action requires only 'regex', and no other fields}
   */
  public void validate() {
    if (modulus == 0 && action == Action.HASHMOD) {
      throw invalid("relabel configuration for hashmod requires non-zero modulus");
    }
    boolean writesTarget =
        switch (action) {
          case REPLACE, HASHMOD, LOWERCASE, UPPERCASE, KEEPEQUAL, DROPEQUAL -> true;
          default -> false;
        };
    if (writesTarget && targetLabel.isEmpty()) {
      throw invalid(
          "relabel configuration for " + action + " action requires 'target_label' value");
    }
    boolean hasReference = targetLabel.contains("$");
    if (action == Action.REPLACE && !hasReference && !Names.isValidLabelName(targetLabel)) {
      throw invalidTarget();
    }
    if (action == Action.REPLACE && hasReference && !TARGET_WITH_REFERENCES.matches(targetLabel)) {
      throw invalidTarget();
    }
    boolean targetOnly =
        switch (action) {
          case LOWERCASE, UPPERCASE, KEEPEQUAL, DROPEQUAL -> true;
          default -> false;
        };
    if (targetOnly && !Names.isValidLabelName(targetLabel)) {
      throw invalidTarget();
    }
    if (targetOnly && !replacement.equals(DEFAULT_REPLACEMENT)) {
      throw invalid("'replacement' can not be set for " + action + " action");
    }
    if (action == Action.LABELMAP && !TARGET_WITH_REFERENCES.matches(replacement)) {
      throw invalid(
          GoQuote.quote(replacement) + " is invalid 'replacement' for " + action + " action");
    }
    if (action == Action.HASHMOD && !Names.isValidLabelName(targetLabel)) {
      throw invalidTarget();
    }
    if ((action == Action.DROPEQUAL || action == Action.KEEPEQUAL)
        && (!regex.isDefault()
            || modulus != 0
            || !separator.equals(DEFAULT_SEPARATOR)
            || !replacement.equals(DEFAULT_REPLACEMENT))) {
      throw invalid(
          action + " action requires only 'source_labels' and `target_label`, and no other fields");
    }
    if ((action == Action.LABELDROP || action == Action.LABELKEEP)
        && (!sourceLabels.isEmpty()
            || !targetLabel.isEmpty()
            || modulus != 0
            || !separator.equals(DEFAULT_SEPARATOR)
            || !replacement.equals(DEFAULT_REPLACEMENT))) {
      throw invalid(action + " action requires only 'regex', and no other fields");
    }
  }

  private IllegalArgumentException invalidTarget() {
    return invalid(
        GoQuote.quote(targetLabel) + " is invalid 'target_label' for " + action + " action");
  }

  private static IllegalArgumentException invalid(String message) {
    return new IllegalArgumentException(message);
  }

  /** Builds a {@link RelabelConfig} starting from Prometheus's defaults. Not thread-safe. */
  public static final class Builder {
    private List<String> sourceLabels = List.of();
    private String separator = DEFAULT_SEPARATOR;
    private Regexp regex = Regexp.DEFAULT;
    private long modulus;
    private String targetLabel = "";
    private String replacement = DEFAULT_REPLACEMENT;
    private Action action = Action.REPLACE;

    private Builder() {}

    public Builder sourceLabels(String... names) {
      this.sourceLabels = List.of(names);
      return this;
    }

    public Builder sourceLabels(List<String> names) {
      this.sourceLabels = List.copyOf(names);
      return this;
    }

    public Builder separator(String separator) {
      this.separator = separator;
      return this;
    }

    /** Compiles {@code regex} with {@link Regexp#compile}; throws its syntax error. */
    public Builder regex(String regex) {
      this.regex = Regexp.compile(regex);
      return this;
    }

    public Builder regex(Regexp regex) {
      this.regex = regex;
      return this;
    }

    /** An unsigned 64-bit modulus (use {@link Long#parseUnsignedLong} for values above 2^63-1). */
    public Builder modulus(long modulus) {
      this.modulus = modulus;
      return this;
    }

    public Builder targetLabel(String targetLabel) {
      this.targetLabel = targetLabel;
      return this;
    }

    public Builder replacement(String replacement) {
      this.replacement = replacement;
      return this;
    }

    public Builder action(Action action) {
      this.action = action;
      return this;
    }

    /** Builds without validating; call {@link RelabelConfig#validate()} for Prometheus's checks. */
    public RelabelConfig build() {
      return new RelabelConfig(
          sourceLabels, separator, regex, modulus, targetLabel, replacement, action);
    }
  }
}
