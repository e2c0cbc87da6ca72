package io.promfed.model.labels;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.util.Map;
import java.util.Random;
import java.util.TreeMap;
import org.junit.jupiter.api.Test;

class LabelsTest {

  @Test
  void sortsByNameAndDropsEmptyValues() {
    Labels l = Labels.of("job", "api", "__name__", "up", "instance", "");
    assertThat(l.size()).isEqualTo(2);
    assertThat(l.name(0)).isEqualTo("__name__");
    assertThat(l.get("job")).isEqualTo("api");
    assertThat(l.get("instance")).isNull();
    assertThat(l.getOrEmpty("instance")).isEmpty();
    assertThat(l.metricName()).isEqualTo("up");
    assertThat(l).hasToString("{__name__=\"up\", job=\"api\"}");
  }

  @Test
  void rejectsOddAndDuplicateInput() {
    assertThatThrownBy(() -> Labels.of("a")).hasMessageContaining("odd");
    assertThatThrownBy(() -> Labels.of("a", "1", "a", "2")).hasMessageContaining("duplicate");
  }

  @Test
  void builderSetDeletesOnEmptyButAddKeepsUntilBuild() {
    LabelsBuilder b = new LabelsBuilder();
    b.add("instance", "").add("__name__", "x");
    assertThat(b.has("instance")).isTrue();
    assertThat(b.get("instance")).isEmpty();
    assertThat(b.build()).isEqualTo(Labels.of("__name__", "x"));
    b.set("instance", "");
    assertThat(b.has("instance")).isFalse();
  }

  @Test
  void compareMatchesPrometheusOrder() {
    assertThat(Labels.of("a", "1").compareTo(Labels.of("a", "1", "b", "2"))).isNegative();
    assertThat(Labels.of("a", "2").compareTo(Labels.of("a", "1", "b", "2"))).isPositive();
    assertThat(Labels.of("b", "1").compareTo(Labels.of("a", "1"))).isPositive();
  }

  @Test
  void randomizedAgainstTreeMap() {
    long seed = System.nanoTime();
    Random rnd = new Random(seed);
    for (int round = 0; round < 2000; round++) {
      TreeMap<String, String> model = new TreeMap<>();
      LabelsBuilder b = new LabelsBuilder();
      for (int op = 0; op < 20; op++) {
        String name = "l" + rnd.nextInt(8);
        String value = rnd.nextInt(5) == 0 ? "" : "v" + rnd.nextInt(3);
        if (rnd.nextBoolean()) {
          b.set(name, value);
          if (value.isEmpty()) {
            model.remove(name);
          } else {
            model.put(name, value);
          }
        } else {
          b.delete(name);
          model.remove(name);
        }
      }
      Labels l = b.build();
      assertThat(toMap(l)).as("seed %d", seed).isEqualTo(model);
      assertThat(l).as("seed %d", seed).isEqualTo(Labels.from(model));
      assertThat(l.hash64()).isEqualTo(Labels.from(model).hash64());
    }
  }

  private static Map<String, String> toMap(Labels l) {
    Map<String, String> m = new TreeMap<>();
    l.forEach(m::put);
    return m;
  }

  @Test
  void matcherRegexIsFullyAnchoredAndDotMatchesNewline() {
    Matcher m = Matcher.regex("job", "api.*");
    assertThat(m.matches("api-server")).isTrue();
    assertThat(m.matches("my-api")).isFalse();
    assertThat(Matcher.regex("x", "a.b").matches("a\nb")).isTrue();
    assertThat(Matcher.regex("x", ".*").matchesEmpty()).isTrue();
    assertThat(Matcher.of(Matcher.Type.NOT_EQUAL, "x", "").matches(Labels.EMPTY)).isFalse();
    assertThatThrownBy(() -> Matcher.regex("x", "(")).hasMessageContaining("invalid regular expression");
  }
}
