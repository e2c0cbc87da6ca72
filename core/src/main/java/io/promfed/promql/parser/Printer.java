package io.promfed.promql.parser;

import io.promfed.model.gostrconv.GoQuote;
import io.promfed.model.labels.Matcher;
import io.promfed.model.relabel.Names;
import io.promfed.model.time.Durations;
import java.util.List;
import java.util.Locale;

/** Shared pieces of the PromQL printer ({@code promql/parser/printer.go}). */
final class Printer {

  private Printer() {}

  static String atString(Long timestampMs, ItemType startOrEnd) {
    if (timestampMs != null) {
      return String.format(Locale.ROOT, " @ %.3f", timestampMs / 1000.0);
    }
    if (startOrEnd == ItemType.START) {
      return " @ start()";
    }
    if (startOrEnd == ItemType.END) {
      return " @ end()";
    }
    return "";
  }

  static String offsetString(long offsetMs) {
    if (offsetMs > 0) {
      return " offset " + Durations.formatMillis(offsetMs);
    }
    if (offsetMs < 0) {
      return " offset -" + Durations.formatMillis(-offsetMs);
    }
    return "";
  }

  static String labelList(List<String> names) {
    StringBuilder sb = new StringBuilder();
    for (int i = 0; i < names.size(); i++) {
      if (i > 0) {
        sb.append(", ");
      }
      sb.append(labelName(names.get(i)));
    }
    return sb.toString();
  }

  /** A label name, quoted when it is not a legacy (ASCII identifier) name. */
  static String labelName(String name) {
    return Names.isValidLabelName(name) ? name : GoQuote.quote(name);
  }

  static String matcherString(Matcher m) {
    return labelName(m.name()) + m.type().op() + GoQuote.quote(m.value());
  }
}
