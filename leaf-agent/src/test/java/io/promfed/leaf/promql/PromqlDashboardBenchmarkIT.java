package io.promfed.leaf.promql;

import io.promfed.model.labels.Labels;
import io.promfed.storage.remote.SnappyBlock;
import io.promfed.storage.remote.WriteRequestEncoder;
import io.promfed.testing.ExternalBinary;
import java.net.http.HttpResponse;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Random;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.condition.EnabledIfSystemProperty;
import org.junit.jupiter.api.io.TempDir;

/**
 * Issue #4 benchmark, not a test: typical dashboard queries timed on our leaf and on a real
 * Prometheus (Debian's 2.42) holding the same remote-written data, median of N runs each. Off by
 * default; run with
 *
 * <pre>
 * ./mvnw -q -B -pl leaf-agent verify -Dtest=NONE -Dsurefire.failIfNoSpecifiedTests=false \
 *   -Dit.test=PromqlDashboardBenchmarkIT -Dfailsafe.failIfNoSpecifiedTests=false \
 *   -Dpromql.bench=true -Dpromql.bench.targets=1000 -Dpromql.bench.runs=5
 * </pre>
 *
 * Each target has 100 series: 20 request counters (10 handlers × 2 codes), a classic histogram
 * per handler (4 buckets, _sum, _count: 60 series) and 20 gauges; 30 minutes at 15 s.
 */
@Tag("benchmark")
@EnabledIfSystemProperty(named = "promql.bench", matches = "true")
class PromqlDashboardBenchmarkIT {

  @TempDir Path dir;

  static final String[] QUERIES = {
    "sum by (job) (rate(bench_requests_total[5m]))",
    "sum by (instance) (rate(bench_requests_total[5m]))",
    "histogram_quantile(0.99, sum by (le) (rate(bench_latency_seconds_bucket[5m])))",
    "topk(10, sum by (instance) (rate(bench_requests_total[5m])))",
    "RANGE sum by (job) (rate(bench_requests_total[5m]))",
    "RANGE histogram_quantile(0.99, sum by (le) (rate(bench_latency_seconds_bucket[5m])))",
  };

  @Test
  void dashboardQueries() throws Exception {
    int targets = Integer.getInteger("promql.bench.targets", 1000);
    int runs = Integer.getInteger("promql.bench.runs", 5);
    int minutes = 30;
    int samples = minutes * 4;
    long now = System.currentTimeMillis();
    long start = (now / 60_000) * 60_000 - (minutes + 1) * 60_000L;
    Path binary = ExternalBinary.require("prometheus");
    try (Servers servers = new Servers(binary, dir)) {
      long t0 = System.nanoTime();
      long series = load(servers, targets, start, samples);
      long loadMs = (System.nanoTime() - t0) / 1_000_000;
      long evalAt = (now / 60_000) * 60_000;
      String count = "count(bench_requests_total)";
      check(servers.get(servers.prom + Servers.instant(count, evalAt)), count);
      System.out.println(
          "count: prometheus "
              + servers.get(servers.prom + Servers.instant("count by (__name__) ({__name__=~\"bench_.*\"})", evalAt)).body()
              + " ours "
              + servers.get(servers.ours + Servers.instant("count by (__name__) ({__name__=~\"bench_.*\"})", evalAt)).body());
      StringBuilder table = new StringBuilder();
      table.append(
          String.format(
              "%d targets, %d series, %d samples each (%d min at 15 s), loaded into both in %d ms;"
                  + " median of %d runs after 1 warm-up%n%n",
              targets, series, samples, minutes, loadMs, runs));
      table.append("| query | Prometheus 2.42 ms | leaf ms | leaf/Prometheus | same answer |\n");
      table.append("| --- | ---: | ---: | ---: | --- |\n");
      for (String q : QUERIES) {
        String request =
            q.startsWith("RANGE ")
                ? Servers.range(q.substring(6), evalAt - 3_600_000L, evalAt, 15_000)
                : Servers.instant(q, evalAt);
        String diff =
            PromqlDifferentialIT.compare(
                servers.get(servers.prom + request).body(),
                servers.get(servers.ours + request).body());
        double prom = median(servers, servers.prom + request, runs);
        double ours = median(servers, servers.ours + request, runs);
        String label =
            q.startsWith("RANGE ") ? q.substring(6) + " (range 1h, step 15s)" : q + " (instant)";
        table.append(
            String.format(
                "| `%s` | %.1f | %.1f | %.2f | %s |%n",
                label,
                prom,
                ours,
                ours / Math.max(prom, 0.001),
                diff == null ? "yes" : "NO: " + diff));
      }
      System.out.println(table);
      java.nio.file.Files.createDirectories(Path.of("target"));
      java.nio.file.Files.writeString(Path.of("target", "promql-benchmark.md"), table);
    }
  }

  static double median(Servers servers, String url, int runs) throws Exception {
    check(servers.get(url), url); // warm-up
    double[] ms = new double[runs];
    for (int i = 0; i < runs; i++) {
      long t = System.nanoTime();
      check(servers.get(url), url);
      ms[i] = (System.nanoTime() - t) / 1e6;
    }
    Arrays.sort(ms);
    return runs % 2 == 1 ? ms[runs / 2] : (ms[runs / 2 - 1] + ms[runs / 2]) / 2;
  }

  static void check(HttpResponse<String> r, String url) {
    if (r.statusCode() != 200 || !r.body().contains("\"success\"")) {
      throw new AssertionError(url + ": " + r.statusCode() + " " + r.body());
    }
  }

  static long load(Servers servers, int targets, long start, int samples) throws Exception {
    Random r = new Random(7);
    WriteRequestEncoder enc = new WriteRequestEncoder();
    SnappyBlock snappy = new SnappyBlock();
    long[] t = new long[samples];
    for (int i = 0; i < samples; i++) {
      t[i] = start + 7_000 + i * 15_000L;
    }
    String[] les = {"0.1", "0.5", "1", "+Inf"};
    long series = 0;
    for (int target = 0; target < targets; target++) {
      String job = "job-" + (target % 20);
      String instance = "host-" + target + ":9100";
      for (int h = 0; h < 10; h++) {
        String handler = "/h" + h;
        for (String code : new String[] {"200", "500"}) {
          enc.addSeries(
              Labels.of(
                  "__name__", "bench_requests_total", "job", job, "instance", instance,
                  "handler", handler, "code", code),
              t,
              counter(r, samples, code.equals("200") ? 50 : 2));
          series++;
        }
        double[][] b = new double[les.length][samples];
        double[] sum = new double[samples];
        double[] cum = {5_000, 6_000, 7_000, 8_000};
        double s = 2_000;
        for (int i = 0; i < samples; i++) {
          int obs = r.nextInt(30);
          for (int o = 0; o < obs; o++) {
            double d = -Math.log(1 - r.nextDouble()) * 0.3;
            s += d;
            for (int k = 0; k < les.length; k++) {
              if (k == les.length - 1 || d <= Double.parseDouble(les[k])) {
                cum[k]++;
              }
            }
          }
          for (int k = 0; k < les.length; k++) {
            b[k][i] = cum[k];
          }
          sum[i] = s;
        }
        for (int k = 0; k < les.length; k++) {
          enc.addSeries(
              Labels.of(
                  "__name__", "bench_latency_seconds_bucket", "job", job, "instance", instance,
                  "handler", handler, "le", les[k]),
              t,
              b[k]);
        }
        enc.addSeries(
            Labels.of(
                "__name__", "bench_latency_seconds_sum", "job", job, "instance", instance,
                "handler", handler),
            t,
            sum);
        enc.addSeries(
            Labels.of(
                "__name__", "bench_latency_seconds_count", "job", job, "instance", instance,
                "handler", handler),
            t,
            b[les.length - 1]);
        series += les.length + 2;
      }
      for (int g = 0; g < 20; g++) {
        double[] v = new double[samples];
        double x = 1e6 * (1 + r.nextDouble());
        for (int i = 0; i < samples; i++) {
          x += (r.nextDouble() - 0.5) * 1e4;
          v[i] = x;
        }
        enc.addSeries(
            Labels.of(
                "__name__", "bench_memory_bytes", "job", job, "instance", instance, "area",
                "a" + g),
            t,
            v);
        series++;
      }
      if (target % 5 == 4 || target == targets - 1) {
        servers.write(enc.encodeSnappy(snappy));
        enc.reset();
      }
    }
    return series;
  }

  static double[] counter(Random r, int samples, double rate) {
    double[] v = new double[samples];
    double x = 10_000 + r.nextInt(1000); // far from zero: no 2.42/3.x zero-point difference
    for (int i = 0; i < samples; i++) {
      x += Math.floor(r.nextDouble() * rate * 15);
      v[i] = x;
    }
    return v;
  }
}
