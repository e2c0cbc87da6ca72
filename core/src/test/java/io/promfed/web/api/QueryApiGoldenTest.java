package io.promfed.web.api;

import static org.assertj.core.api.Assertions.assertThat;

import io.promfed.tsdb.Head;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.stream.Stream;
import org.junit.jupiter.api.DynamicContainer;
import org.junit.jupiter.api.DynamicTest;
import org.junit.jupiter.api.TestFactory;

/**
 * Every endpoint's answers, success and error, compared byte for byte with golden transcripts: each
 * {@code testdata/<endpoint>.cases} file has its {@code <endpoint>.golden}. The data set is {@code
 * testdata/api.load}; targets and rules come from {@link TargetsFixture}. {@code
 * -Dgolden.update=true} rewrites the golden files.
 */
class QueryApiGoldenTest {

  static final List<String> FILES =
      List.of(
          "query",
          "query_range",
          "series",
          "labels",
          "label_values",
          "metadata",
          "exemplars",
          "format_query",
          "rules",
          "status");

  @TestFactory
  Stream<DynamicContainer> goldenTranscripts() {
    Head head = ApiFixtures.head();
    QueryApi api = ApiFixtures.api(head, TargetRetriever.NONE, RulesFixture.RULES);
    return FILES.stream().map(f -> DynamicContainer.dynamicContainer(f, run(api, f)));
  }

  static Stream<DynamicTest> run(QueryApi api, String file) {
    List<ApiFixtures.Case> cases = ApiFixtures.cases(file + ".cases");
    StringBuilder all = new StringBuilder();
    List<String[]> actual = new ArrayList<>();
    for (ApiFixtures.Case c : cases) {
      String t = ApiFixtures.transcript(c, ApiFixtures.dispatch(api, c.path(), c.apiParams()));
      all.append(t);
      actual.add(new String[] {c.name(), t});
    }
    if (ApiFixtures.updateGolden()) {
      ApiFixtures.writeGolden(file + ".golden", all.toString());
    }
    Map<String, String> expected =
        ApiFixtures.sections(
            ApiFixtures.updateGolden()
                ? all.toString()
                : ApiFixtures.resourceText(file + ".golden"));
    Stream<DynamicTest> perCase =
        actual.stream()
            .map(
                a ->
                    DynamicTest.dynamicTest(
                        a[0], () -> assertThat(a[1]).isEqualTo(expected.get(a[0]))));
    DynamicTest whole =
        DynamicTest.dynamicTest(
            "no stale sections",
            () ->
                assertThat(expected.keySet())
                    .containsExactlyElementsOf(actual.stream().map(a -> a[0]).toList()));
    return Stream.concat(perCase, Stream.of(whole));
  }
}
