package io.promfed.web.api;

import static io.promfed.web.api.ApiFixtures.params;
import static org.assertj.core.api.Assertions.assertThat;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import io.promfed.model.labels.Labels;
import io.promfed.promql.Engine;
import io.promfed.promql.EngineOptions;
import io.promfed.storage.Appender;
import io.promfed.tsdb.Head;
import java.io.OutputStream;
import java.lang.management.ManagementFactory;
import java.time.Duration;
import java.util.List;
import org.junit.jupiter.api.Test;

/** API behaviour that golden files show poorly: limits, sizes and the cost of streaming. */
class QueryApiTest {

  @Test
  void tooManySamplesIsAnExecutionError() {
    Head head = ApiFixtures.head();
    QueryApi api =
        new QueryApi(
            head,
            new Engine(EngineOptions.defaults().withMaxSamples(10)),
            TargetRetriever.NONE,
            RulesRetriever.NONE,
            ApiFixtures.STATUS,
            () -> ApiFixtures.NOW_MS);
    ApiResponse r = api.queryRange(params("query", "up", "start", "0", "end", "600", "step", "60"));
    assertThat(r.status()).isEqualTo(422);
    assertThat(r.errorType()).isEqualTo(ApiErrorType.EXECUTION);
    assertThat(r.errorMessage())
        .isEqualTo("query processing would load too many samples into memory in query execution");
  }

  @Test
  void elevenThousandStepsAreTheMostAndAllArrive() {
    QueryApi api = ApiFixtures.api(ApiFixtures.head(), TargetRetriever.NONE, RulesRetriever.NONE);
    ApiResponse ok =
        api.queryRange(params("query", "vector(1)", "start", "0", "end", "1100", "step", "0.1"));
    assertThat(ok.status()).isEqualTo(200);
    assertThat(ok.body().split("\\],\\[", -1)).hasSize(11_001);
    ApiResponse tooMany =
        api.queryRange(params("query", "vector(1)", "start", "0", "end", "1100.1", "step", "0.1"));
    assertThat(tooMany.status()).isEqualTo(400);
    assertThat(tooMany.errorMessage()).startsWith("exceeded maximum resolution of 11,000 points");
  }

  @Test
  void annotationsAreCappedAtTenOfEachKindLikeAsStrings() {
    List<String> many = new java.util.ArrayList<>();
    for (int i = 0; i < 12; i++) {
      many.add("w" + i);
    }
    assertThat(QueryApi.capped(many, "warning"))
        .hasSize(11)
        .startsWith("w0")
        .endsWith("2 more warning annotations omitted");
    assertThat(QueryApi.capped(many.subList(0, 10), "info")).hasSize(10);
  }

  @Test
  void aLargeMatrixStreamsWithoutAllocatingPerPoint() throws Exception {
    java.lang.management.ThreadMXBean mx = ManagementFactory.getThreadMXBean();
    assumeTrue(
        mx instanceof com.sun.management.ThreadMXBean sun && sun.isThreadAllocatedMemorySupported(),
        "thread allocation counters are not available on this JVM");
    com.sun.management.ThreadMXBean threads = (com.sun.management.ThreadMXBean) mx;

    long now = 10_000L * 60_000;
    Head head = new Head(() -> now, Duration.ofDays(3650));
    for (int s = 0; s < 20; s++) {
      Appender app = head.appender();
      Labels l = Labels.of("__name__", "load", "series", Integer.toString(s));
      for (long t = 0; t <= now; t += 300_000) {
        app.append(0, l, t, s + t / 1e6);
      }
      app.commit();
    }
    QueryApi api =
        new QueryApi(
            head,
            ApiFixtures.engine(),
            TargetRetriever.NONE,
            RulesRetriever.NONE,
            ApiFixtures.STATUS,
            () -> now);
    ApiResponse r =
        api.queryRange(params("query", "load", "start", "0", "end", "600000", "step", "60"));
    assertThat(r.status()).isEqualTo(200);

    CountingStream out = new CountingStream();
    r.writeTo(out); // warm up
    long before = threads.getThreadAllocatedBytes(Thread.currentThread().getId());
    out = new CountingStream();
    r.writeTo(out);
    long allocated = threads.getThreadAllocatedBytes(Thread.currentThread().getId()) - before;

    long points = 20L * 10_001;
    assertThat(out.bytes).isGreaterThan(points * 10);
    // One 16 KiB buffer and a few small objects per response, nothing per point.
    assertThat(allocated).as("bytes allocated writing %d points", points).isLessThan(64 * 1024);
  }

  static final class CountingStream extends OutputStream {
    long bytes;

    @Override
    public void write(int b) {
      bytes++;
    }

    @Override
    public void write(byte[] b, int off, int len) {
      bytes += len;
    }
  }
}
