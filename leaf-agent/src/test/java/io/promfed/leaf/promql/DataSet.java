package io.promfed.leaf.promql;

import io.promfed.model.labels.Labels;
import io.promfed.model.value.StaleNaN;
import io.promfed.storage.remote.SnappyBlock;
import io.promfed.storage.remote.WriteRequestEncoder;
import java.util.ArrayList;
import java.util.List;
import java.util.Random;

/**
 * A deterministic data set (seeded) for the differential test. Samples are every 15 s at offset
 * 7 s past a whole minute (:07, :22, :37, :52), so that no sample lies on the left edge of a
 * window whose evaluation time and range are whole minutes or half minutes: there Prometheus 2.42
 * (closed windows) and 3.x (left-open windows) must agree.
 */
final class DataSet {

  record Series(Labels labels, long[] t, double[] v) {}

  static final long STEP_MS = 15_000;
  static final long OFFSET_MS = 7_000;

  final long startMs; // a whole minute
  final int samplesPerSeries;
  final List<Series> series = new ArrayList<>();

  DataSet(long startMs, int minutes, long seed) {
    this.startMs = startMs;
    this.samplesPerSeries = (int) (minutes * 60_000L / STEP_MS);
    Random r = new Random(seed);
    String[] jobs = {"api", "web", "db"};
    String[] methods = {"GET", "POST"};
    String[] codes = {"200", "500"};
    for (String job : jobs) {
      for (int inst = 0; inst < 4; inst++) {
        String instance = "10.0.0." + inst + ":9090";
        for (String m : methods) {
          for (String c : codes) {
            counter(
                r,
                Labels.of(
                    "__name__", "http_requests_total", "job", job, "instance", instance, "method",
                    m, "code", c),
                c.equals("500") ? 0.3 : 5);
          }
        }
        gauge(
            r,
            Labels.of("__name__", "memory_usage_bytes", "job", job, "instance", instance),
            5e8,
            5e7,
            false);
        up(r, Labels.of("__name__", "up", "job", job, "instance", instance));
        histogram(r, "request_duration_seconds", job, instance);
      }
    }
    zeroPointProbe();
    String[] modes = {"idle", "user", "system"};
    for (int inst = 0; inst < 6; inst++) {
      for (int cpu = 0; cpu < 2; cpu++) {
        for (String mode : modes) {
          counter(
              r,
              Labels.of(
                  "__name__", "node_cpu_seconds_total", "instance", "node-" + inst, "cpu",
                  Integer.toString(cpu), "mode", mode),
              mode.equals("idle") ? 12 : 2);
        }
      }
    }
    for (String site : new String[] {"north", "south", "east", "west"}) {
      for (int s = 0; s < 5; s++) {
        gauge(
            r,
            Labels.of("__name__", "temperature_celsius", "site", site, "sensor", "s" + s),
            site.equals("north") ? -5 : 15,
            8,
            false);
      }
    }
    for (int q = 0; q < 6; q++) {
      for (int shard = 0; shard < 5; shard++) {
        gauge(
            r,
            Labels.of(
                "__name__", "queue_length", "queue", "q" + q, "shard", Integer.toString(shard)),
            20,
            15,
            true);
      }
    }
  }

  /**
   * One counter starting near zero ({@code zero_point_total}), the case where 2.42 and 3.x
   * extrapolate rate()/increase() differently at the start of a series: 3.x first caps the
   * extrapolation to the start at half an average sample interval and only then limits it to the
   * counter's zero point; 2.42 did it the other way round. All other counters start far from zero
   * so that the difference shows only here.
   */
  private void zeroPointProbe() {
    long[] t = new long[samplesPerSeries];
    double[] v = new double[samplesPerSeries];
    for (int i = 0; i < samplesPerSeries; i++) {
      t[i] = t(i);
      v[i] = 8 + 10 * i; // zero point 12 s before the first sample: between 7.5 s and 16.5 s
    }
    series.add(new Series(Labels.of("__name__", "zero_point_total", "probe", "1"), t, v));
  }

  long t(int i) {
    return startMs + OFFSET_MS + i * STEP_MS;
  }

  long endMs() {
    return t(samplesPerSeries - 1);
  }

  private void add(Labels l, List<Long> ts, List<Double> vs) {
    long[] t = new long[ts.size()];
    double[] v = new double[vs.size()];
    for (int i = 0; i < t.length; i++) {
      t[i] = ts.get(i);
      v[i] = vs.get(i);
    }
    series.add(new Series(l, t, v));
  }

  /** A counter with occasional resets and, for some series, a gap of several minutes. */
  private void counter(Random r, Labels l, double rate) {
    List<Long> ts = new ArrayList<>();
    List<Double> vs = new ArrayList<>();
    // Far from zero at the start: see zeroPointProbe().
    double v = 10_000 + r.nextInt(1000);
    int gapFrom = r.nextInt(5) == 0 ? r.nextInt(samplesPerSeries) : -1;
    int gapLen = 8 + r.nextInt(30);
    for (int i = 0; i < samplesPerSeries; i++) {
      if (r.nextInt(150) == 0) {
        v = r.nextInt(3);
      } else {
        v += Math.floor(r.nextDouble() * rate * 15);
      }
      if (gapFrom >= 0 && i >= gapFrom && i < gapFrom + gapLen) {
        continue;
      }
      ts.add(t(i));
      vs.add(v);
    }
    add(l, ts, vs);
  }

  /** A gauge; with stale, some series end in a stale marker and come back later. */
  private void gauge(Random r, Labels l, double mean, double spread, boolean stale) {
    List<Long> ts = new ArrayList<>();
    List<Double> vs = new ArrayList<>();
    boolean integer = stale; // queue lengths are whole numbers
    int staleAt = stale && r.nextInt(4) == 0 ? 20 + r.nextInt(samplesPerSeries - 40) : -1;
    int back = staleAt + 4 + r.nextInt(40);
    double v = mean;
    for (int i = 0; i < samplesPerSeries; i++) {
      v += (r.nextDouble() - 0.5) * spread * 0.3 + (mean - v) * 0.05;
      if (staleAt >= 0 && i > staleAt && i < back) {
        continue;
      }
      ts.add(t(i));
      vs.add(staleAt == i ? StaleNaN.VALUE : integer ? Math.max(0, Math.rint(v)) : v);
    }
    add(l, ts, vs);
  }

  private void up(Random r, Labels l) {
    List<Long> ts = new ArrayList<>();
    List<Double> vs = new ArrayList<>();
    for (int i = 0; i < samplesPerSeries; i++) {
      ts.add(t(i));
      vs.add(r.nextInt(25) == 0 ? 0.0 : 1.0);
    }
    add(l, ts, vs);
  }

  /** A classic histogram: cumulative buckets le=0.1,0.5,1,+Inf, _sum and _count; rare resets. */
  private void histogram(Random r, String name, String job, String instance) {
    String[] les = {"0.1", "0.5", "1", "+Inf"};
    double[] cum = new double[les.length];
    for (int k = 0; k < les.length; k++) {
      cum[k] = 5_000 + 1_000 * k; // far from zero at the start: see zeroPointProbe()
    }
    double sum = 2_000;
    int n = samplesPerSeries;
    double[][] b = new double[les.length][n];
    double[] sums = new double[n];
    double speed = 0.2 + r.nextDouble();
    for (int i = 0; i < n; i++) {
      if (r.nextInt(200) == 0) {
        cum = new double[les.length];
        sum = 0;
      }
      int obs = r.nextInt(20);
      for (int o = 0; o < obs; o++) {
        double d = -Math.log(1 - r.nextDouble()) * 0.3 * speed;
        sum += d;
        for (int k = 0; k < les.length; k++) {
          if (k == les.length - 1 || d <= Double.parseDouble(les[k])) {
            cum[k]++;
          }
        }
      }
      for (int k = 0; k < les.length; k++) {
        b[k][i] = cum[k];
      }
      sums[i] = sum;
    }
    long[] t = new long[n];
    for (int i = 0; i < n; i++) {
      t[i] = t(i);
    }
    for (int k = 0; k < les.length; k++) {
      series.add(
          new Series(
              Labels.of(
                  "__name__", name + "_bucket", "job", job, "instance", instance, "le", les[k]),
              t,
              b[k]));
    }
    series.add(
        new Series(Labels.of("__name__", name + "_sum", "job", job, "instance", instance), t, sums));
    series.add(
        new Series(
            Labels.of("__name__", name + "_count", "job", job, "instance", instance),
            t,
            b[les.length - 1]));
  }

  long sampleCount() {
    long n = 0;
    for (Series s : series) {
      n += s.t.length;
    }
    return n;
  }

  /** Writes everything to both servers, a batch of series per request, in time order per series. */
  void writeTo(Servers servers, int seriesPerBatch) throws Exception {
    WriteRequestEncoder enc = new WriteRequestEncoder();
    SnappyBlock snappy = new SnappyBlock();
    for (int from = 0; from < series.size(); from += seriesPerBatch) {
      enc.reset();
      for (Series s : series.subList(from, Math.min(series.size(), from + seriesPerBatch))) {
        enc.addSeries(s.labels, s.t, s.v);
      }
      servers.write(enc.encodeSnappy(snappy));
    }
  }
}
