package io.promfed.model.relabel;

import static org.assertj.core.api.Assertions.assertThat;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

class NamesTest {

  @ParameterizedTest
  @ValueSource(strings = {"a", "_", "__name__", "job", "Abc_123", "__meta_kubernetes_pod_name"})
  void validLabelNames(String name) {
    assertThat(Names.isValidLabelName(name)).isTrue();
  }

  @ParameterizedTest
  @ValueSource(strings = {"", "1a", "a-b", "a.b", "a:b", "é", "a b", "${1}", "utf-8.label"})
  void invalidLabelNames(String name) {
    assertThat(Names.isValidLabelName(name)).isFalse();
  }

  @ParameterizedTest
  @ValueSource(strings = {"up", "job:requests:rate5m", ":a", "_", "a_1:b"})
  void validMetricNames(String name) {
    assertThat(Names.isValidMetricName(name)).isTrue();
  }

  @ParameterizedTest
  @ValueSource(strings = {"", "1up", "a-b", "a.b", "é"})
  void invalidMetricNames(String name) {
    assertThat(Names.isValidMetricName(name)).isFalse();
  }

  @Test
  void nullIsNotAName() {
    assertThat(Names.isValidLabelName(null)).isFalse();
    assertThat(Names.isValidMetricName(null)).isFalse();
  }

  @Test
  void labelValuesMustBeWellFormedUtf16() {
    assertThat(Names.isValidLabelValue("")).isTrue();
    assertThat(Names.isValidLabelValue("日本 \uD83D\uDE42 \n")).isTrue();
    assertThat(Names.isValidLabelValue("a\uD83D")).isFalse();
    assertThat(Names.isValidLabelValue("\uDE42a")).isFalse();
    assertThat(Names.isValidLabelValue("\uD83Da")).isFalse();
  }
}
