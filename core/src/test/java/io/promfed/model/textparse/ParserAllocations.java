package io.promfed.model.textparse;

import java.lang.management.ManagementFactory;
import java.nio.charset.StandardCharsets;
import java.util.function.Supplier;

/** Measures heap allocated by the calling thread while parsing, via HotSpot's thread MX bean. */
final class ParserAllocations {

  private ParserAllocations() {}

  /** 2,000 node-exporter-like samples, in the text format or OpenMetrics. */
  static byte[] body(boolean openMetrics) {
    StringBuilder sb = new StringBuilder();
    sb.append("# HELP node_cpu_seconds_total Seconds the CPUs spent in each mode.\n");
    sb.append("# TYPE node_cpu_seconds_total counter\n");
    String[] modes = {"idle", "iowait", "irq", "nice", "softirq", "steal", "system", "user"};
    for (int cpu = 0; cpu < 250; cpu++) {
      for (int m = 0; m < modes.length; m++) {
        sb.append("node_cpu_seconds_total{cpu=\"")
            .append(cpu)
            .append("\",mode=\"")
            .append(modes[m])
            .append("\"} ");
        switch ((cpu + m) % 4) {
          case 0 -> sb.append(cpu * 1000 + m);
          case 1 -> sb.append(cpu).append('.').append(m * 7);
          case 2 -> sb.append("2.36425903e+0").append(m % 8);
          default -> sb.append("1.2345678901234567e+0").append(m % 8);
        }
        if (m % 2 == 0) {
          sb.append(openMetrics ? " 1700000000.123" : " 1700000000123");
        }
        sb.append('\n');
      }
    }
    if (openMetrics) {
      sb.append("# EOF\n");
    }
    return sb.toString().getBytes(StandardCharsets.UTF_8);
  }

  /** Bytes allocated per series entry when draining parsers from {@code factory}, after warm-up. */
  static long bytesPerSample(Supplier<Parser> factory) throws ParseException {
    com.sun.management.ThreadMXBean mx =
        (com.sun.management.ThreadMXBean) ManagementFactory.getThreadMXBean();
    long tid = Thread.currentThread().getId();
    long sink = 0;
    for (int i = 0; i < 200; i++) { // warm up, so the JIT has compiled the loop
      sink += drain(factory.get());
    }
    long samples = 0;
    Parser[] parsers = new Parser[50];
    for (int i = 0; i < parsers.length; i++) {
      parsers[i] = factory.get(); // the parser objects themselves are not per sample
    }
    long before = mx.getThreadAllocatedBytes(tid);
    for (Parser p : parsers) {
      samples += drain(p);
    }
    long after = mx.getThreadAllocatedBytes(tid);
    if (sink == 42) {
      System.out.println(); // keep sink alive
    }
    return (after - before) / samples;
  }

  private static long drain(Parser p) throws ParseException {
    long n = 0;
    Parser.Entry e;
    while ((e = p.next()) != Parser.Entry.EOF) {
      if (e == Parser.Entry.SERIES) {
        n++;
      }
    }
    return n;
  }
}
