package io.promfed.model.relabel;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatCode;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.util.List;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;

/**
 * {@link RelabelConfig#validate()}: upstream's {@code TestRelabelValidate} and more, legacy names.
 */
class RelabelConfigTest {

  private static RelabelConfig.Builder rule() {
    return RelabelConfig.builder();
  }

  static Stream<Arguments> invalid() {
    return Stream.of(
        Arguments.of(
            rule().action(Action.HASHMOD).targetLabel("t"),
            "relabel configuration for hashmod requires non-zero modulus"),
        Arguments.of(
            rule(), "relabel configuration for replace action requires 'target_label' value"),
        Arguments.of(
            rule().action(Action.HASHMOD).modulus(3),
            "relabel configuration for hashmod action requires 'target_label' value"),
        Arguments.of(
            rule().action(Action.LOWERCASE),
            "relabel configuration for lowercase action requires 'target_label' value"),
        Arguments.of(
            rule().action(Action.UPPERCASE),
            "relabel configuration for uppercase action requires 'target_label' value"),
        Arguments.of(
            rule().action(Action.KEEPEQUAL),
            "relabel configuration for keepequal action requires 'target_label' value"),
        Arguments.of(
            rule().action(Action.DROPEQUAL),
            "relabel configuration for dropequal action requires 'target_label' value"),
        Arguments.of(
            rule().targetLabel("foo-bar"),
            "\"foo-bar\" is invalid 'target_label' for replace action"),
        Arguments.of(
            rule().targetLabel("-${1}"), "\"-${1}\" is invalid 'target_label' for replace action"),
        Arguments.of(
            rule().targetLabel("0${3}"), "\"0${3}\" is invalid 'target_label' for replace action"),
        Arguments.of(
            rule().action(Action.LOWERCASE).targetLabel("${3}"),
            "\"${3}\" is invalid 'target_label' for lowercase action"),
        Arguments.of(
            rule().action(Action.HASHMOD).modulus(2).targetLabel("${1}"),
            "\"${1}\" is invalid 'target_label' for hashmod action"),
        Arguments.of(
            rule().action(Action.LOWERCASE).targetLabel("t").replacement("bar"),
            "'replacement' can not be set for lowercase action"),
        Arguments.of(
            rule().action(Action.UPPERCASE).targetLabel("t").replacement("bar"),
            "'replacement' can not be set for uppercase action"),
        Arguments.of(
            rule().action(Action.LABELMAP).replacement("foo-$1"),
            "\"foo-$1\" is invalid 'replacement' for labelmap action"),
        Arguments.of(
            rule().action(Action.KEEPEQUAL).targetLabel("t").regex("foo"),
            "keepequal action requires only 'source_labels' and `target_label`, and no other"
                + " fields"),
        Arguments.of(
            rule().action(Action.KEEPEQUAL).targetLabel("t").regex("(.*)"),
            "keepequal action requires only 'source_labels' and `target_label`, and no other"
                + " fields"),
        Arguments.of(
            rule().action(Action.DROPEQUAL).targetLabel("t").separator(","),
            "dropequal action requires only 'source_labels' and `target_label`, and no other"
                + " fields"),
        Arguments.of(
            rule().action(Action.DROPEQUAL).targetLabel("t").modulus(1),
            "dropequal action requires only 'source_labels' and `target_label`, and no other"
                + " fields"),
        Arguments.of(
            rule().action(Action.LABELKEEP).separator(","),
            "labelkeep action requires only 'regex', and no other fields"),
        Arguments.of(
            rule().action(Action.LABELKEEP).sourceLabels("a"),
            "labelkeep action requires only 'regex', and no other fields"),
        Arguments.of(
            rule().action(Action.LABELKEEP).targetLabel("a"),
            "labelkeep action requires only 'regex', and no other fields"),
        Arguments.of(
            rule().action(Action.LABELDROP).modulus(2),
            "labeldrop action requires only 'regex', and no other fields"),
        Arguments.of(
            rule().action(Action.LABELDROP).replacement("x"),
            "labeldrop action requires only 'regex', and no other fields"));
  }

  @ParameterizedTest
  @MethodSource("invalid")
  void rejects(RelabelConfig.Builder b, String message) {
    assertThatThrownBy(() -> b.build().validate())
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessage(message);
  }

  static Stream<RelabelConfig.Builder> valid() {
    return Stream.of(
        rule().targetLabel("t"),
        rule().sourceLabels("a").regex("some-([^-]+)-([^,]+)").targetLabel("${3}"),
        rule().regex("__meta_kubernetes_pod_label_(strimzi_io_.+)").action(Action.LABELMAP),
        rule().regex("__meta_(.+)").replacement("${1}").action(Action.LABELMAP),
        rule().action(Action.KEEPEQUAL).sourceLabels("a").targetLabel("b"),
        rule().action(Action.LABELDROP).regex("x"),
        rule().action(Action.KEEP).regex("x"),
        rule().action(Action.DROP),
        rule().action(Action.HASHMOD).targetLabel("t").modulus(1));
  }

  @ParameterizedTest
  @MethodSource("valid")
  void accepts(RelabelConfig.Builder b) {
    assertThatCode(() -> b.build().validate()).doesNotThrowAnyException();
  }

  /** Upstream's TestTargetLabelLegacyValidity, through replace's target validation. */
  @ParameterizedTest
  @MethodSource("targets")
  void legacyTargetLabelsWithReferences(String target, boolean valid) {
    RelabelConfig c = rule().targetLabel(target).build();
    if (valid) {
      assertThatCode(c::validate).doesNotThrowAnyException();
    } else {
      assertThatThrownBy(c::validate).isInstanceOf(IllegalArgumentException.class);
    }
  }

  static Stream<Arguments> targets() {
    return Stream.of(
        Arguments.of("-label", false),
        Arguments.of("label", true),
        Arguments.of("label${1}", true),
        Arguments.of("${1}label", true),
        Arguments.of("${1}", true),
        Arguments.of("${", false),
        Arguments.of("$", false),
        Arguments.of("${}", false),
        Arguments.of("foo${", false),
        Arguments.of("$1", true),
        Arguments.of("asd$2asd", true),
        Arguments.of("-foo${1}bar-", false),
        Arguments.of("bar.foo${1}bar", false),
        Arguments.of("_${1}_", true),
        Arguments.of("foo${bar}foo", true));
  }

  @Test
  void builderDefaultsAreUpstreamDefaults() {
    RelabelConfig c = rule().build();
    assertThat(c.sourceLabels()).isEmpty();
    assertThat(c.separator()).isEqualTo(";");
    assertThat(c.regex()).isSameAs(Regexp.DEFAULT);
    assertThat(c.modulus()).isZero();
    assertThat(c.targetLabel()).isEmpty();
    assertThat(c.replacement()).isEqualTo("$1");
    assertThat(c.action()).isEqualTo(Action.REPLACE);
  }

  @Test
  void actionsParseCaseInsensitively() {
    assertThat(Action.parse("LabelMap")).isEqualTo(Action.LABELMAP);
    assertThat(Action.parse("keepequal")).isEqualTo(Action.KEEPEQUAL);
    assertThatThrownBy(() -> Action.parse("replacee"))
        .hasMessage("unknown relabel action \"replacee\"");
    assertThat(List.of(Action.values()))
        .extracting(Action::toString)
        .containsExactly(
            "replace",
            "keep",
            "drop",
            "keepequal",
            "dropequal",
            "hashmod",
            "labelmap",
            "labeldrop",
            "labelkeep",
            "lowercase",
            "uppercase");
  }
}
