package io.promfed.benchmarks;

import io.promfed.model.exposition.GoFloatFormat;
import java.nio.charset.StandardCharsets;
import java.util.Random;

/**
 * Deterministic, node-exporter-like scrape bodies: families of counters, gauges, histograms and a
 * summary with the label shapes node_exporter and Go clients produce (cpu/mode, device,
 * device/fstype/mountpoint, handler/le, quantile), values as Go's {@code 'g'} prints them.
 */
final class ExpositionBodies {

  /** The same series, in the text format 0.0.4 and in OpenMetrics. */
  record Bodies(byte[] text, byte[] openMetrics, int series) {}

  private ExpositionBodies() {}

  static Bodies generate(int targetSeries) {
    Random r = new Random(42);
    StringBuilder text = new StringBuilder(targetSeries * 80);
    StringBuilder om = new StringBuilder(targetSeries * 80);
    int n = 0;
    String[] modes = {"idle", "iowait", "irq", "nice", "softirq", "steal", "system", "user"};
    String[] fsTypes = {"ext4", "tmpfs", "xfs", "overlay"};
    String[] handlers = {
      "/api/v1/query", "/api/v1/query_range", "/federate", "/metrics", "/-/ready"
    };
    double[] buckets = {0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10};
    int family = 0;
    while (n < targetSeries) {
      switch (family++ % 6) {
        case 0 -> { // node_cpu_seconds_total{cpu,mode}
          String name = "node_cpu_seconds_total_" + family;
          meta(text, om, name, "counter", "Seconds the CPUs spent in each mode.");
          for (int cpu = 0; cpu < 32 && n < targetSeries; cpu++) {
            for (String mode : modes) {
              if (n++ >= targetSeries) {
                break;
              }
              sample(
                  text,
                  om,
                  name,
                  r.nextInt(1_000_000) / 100.0 * 100,
                  false,
                  "cpu",
                  Integer.toString(cpu),
                  "mode",
                  mode);
            }
          }
        }
        case 1 -> { // node_network_receive_bytes_total{device}
          String name = "node_network_receive_bytes_total_" + family;
          meta(text, om, name, "counter", "Network device statistic receive_bytes.");
          for (int d = 0; d < 40 && n < targetSeries; d++, n++) {
            sample(
                text,
                om,
                name,
                Math.floor(r.nextDouble() * 1e11),
                false,
                "device",
                (d % 3 == 0 ? "eth" : d % 3 == 1 ? "veth" : "br-") + Integer.toHexString(d * 7919));
          }
        }
        case 2 -> { // node_filesystem_avail_bytes{device,fstype,mountpoint}
          String name = "node_filesystem_avail_bytes_" + family;
          meta(text, om, name, "gauge", "Filesystem space available to non-root users in bytes.");
          for (int d = 0; d < 30 && n < targetSeries; d++, n++) {
            sample(
                text,
                om,
                name,
                Math.floor(r.nextDouble() * 5e11),
                false,
                "device",
                "/dev/nvme0n1p" + d,
                "fstype",
                fsTypes[d % fsTypes.length],
                "mountpoint",
                "/var/lib/kubelet/pods/" + Long.toHexString(r.nextLong()) + "/volumes");
          }
        }
        case 3 -> { // http_request_duration_seconds histogram {handler,le}
          String name = "prometheus_http_request_duration_seconds_" + family;
          meta(text, om, name, "histogram", "Histogram of latencies for HTTP requests.");
          for (String h : handlers) {
            long count = 0;
            for (double le : buckets) {
              if (n++ >= targetSeries) {
                break;
              }
              count += r.nextInt(1000);
              sample(
                  text,
                  om,
                  name + "_bucket",
                  count,
                  false,
                  "handler",
                  h,
                  "le",
                  GoFloatFormat.formatG(le));
            }
            if (n < targetSeries) {
              n++;
              sample(text, om, name + "_bucket", count, false, "handler", h, "le", "+Inf");
            }
            if (n < targetSeries) {
              n++;
              sample(text, om, name + "_sum", r.nextDouble() * count, false, "handler", h);
            }
            if (n < targetSeries) {
              n++;
              sample(text, om, name + "_count", count, false, "handler", h);
            }
          }
        }
        case 4 -> { // go_gc_duration_seconds summary {quantile}
          String name = "go_gc_duration_seconds_" + family;
          meta(text, om, name, "summary", "A summary of the pause duration of GC cycles.");
          for (String q : new String[] {"0", "0.25", "0.5", "0.75", "1"}) {
            if (n++ < targetSeries) {
              sample(text, om, name, r.nextDouble() * 1e-4, false, "quantile", q);
            }
          }
          if (n++ < targetSeries) {
            sample(text, om, name + "_sum", r.nextDouble(), false);
          }
          if (n++ < targetSeries) {
            sample(text, om, name + "_count", r.nextInt(100000), false);
          }
        }
        default -> { // gauges with timestamps
          String name = "node_load_" + family;
          meta(text, om, name, "gauge", "Load average.");
          for (int i = 0; i < 3 && n < targetSeries; i++, n++) {
            sample(
                text, om, name, Math.round(r.nextDouble() * 400) / 100.0, true, "window", i + "m");
          }
        }
      }
    }
    om.append("# EOF\n");
    return new Bodies(
        text.toString().getBytes(StandardCharsets.UTF_8),
        om.toString().getBytes(StandardCharsets.UTF_8),
        n);
  }

  private static void meta(
      StringBuilder text, StringBuilder om, String name, String type, String help) {
    text.append("# HELP ").append(name).append(' ').append(help).append('\n');
    text.append("# TYPE ").append(name).append(' ').append(type).append('\n');
    String family =
        type.equals("counter") && name.contains("_total") ? name.replace("_total", "") : name;
    om.append("# TYPE ").append(family).append(' ').append(type).append('\n');
    om.append("# HELP ").append(family).append(' ').append(help).append('\n');
  }

  private static void sample(
      StringBuilder text, StringBuilder om, String name, double v, boolean ts, String... labels) {
    StringBuilder line = new StringBuilder(name);
    if (labels.length > 0) {
      line.append('{');
      for (int i = 0; i < labels.length; i += 2) {
        if (i > 0) {
          line.append(',');
        }
        line.append(labels[i]).append("=\"").append(labels[i + 1]).append('"');
      }
      line.append('}');
    }
    line.append(' ').append(GoFloatFormat.formatText(v));
    text.append(line);
    om.append(line);
    if (ts) {
      text.append(" 1700000000123");
      om.append(" 1700000000.123");
    }
    text.append('\n');
    om.append('\n');
  }
}
