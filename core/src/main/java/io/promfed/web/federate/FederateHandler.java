package io.promfed.web.federate;

import io.promfed.model.exposition.TextFormatWriter;
import io.promfed.model.labels.Labels;
import io.promfed.model.labels.Matcher;
import io.promfed.model.value.StaleNaN;
import io.promfed.promql.parser.Parser;
import io.promfed.promql.parser.PromQLParseException;
import io.promfed.storage.Querier;
import io.promfed.storage.Queryable;
import io.promfed.storage.Series;
import io.promfed.storage.SeriesSet;
import java.io.IOException;
import java.io.OutputStream;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.TreeSet;
import java.util.function.LongSupplier;
import java.util.function.Supplier;

/**
 * Serves {@code /federate}: the latest sample of every series matching any {@code match[]}
 * selector, in the Prometheus text format, as Prometheus's web/federate.go writes it (integer
 * millisecond timestamps, series whose latest sample is a stale marker left out, external labels
 * appended when absent, {@code instance=""} for series without an instance), with one difference:
 * where Prometheus declares every name {@code untyped}, we write the {@code # HELP} and {@code #
 * TYPE} scraped at this server, grouping a histogram's or summary's names into one family (see
 * {@link FederatedFamilies} for the rules and the fallback to {@code untyped}).
 *
 * <p>Unlike Prometheus, which builds and sorts the whole matched vector in memory before writing
 * a byte (the source of prometheus#5622's OOMs), this handler walks metric names in order and
 * streams each name's series straight from the index to the output: memory stays flat however
 * many series match. Thread-safe; each call opens its own querier.
 */
public final class FederateHandler {

  /** The media type Prometheus's federation answers with (expfmt.FmtText). */
  public static final String CONTENT_TYPE = "text/plain; version=0.0.4; charset=utf-8";

  private static final String INSTANCE = "instance";

  private final Queryable storage;
  private final Supplier<Labels> externalLabels;
  private final Duration lookbackDelta;
  private final LongSupplier nowMs;

  /**
   * @param externalLabels read per request, so a config reload takes effect at once
   * @param lookbackDelta how old the latest sample may be (Prometheus's --query.lookback-delta)
   */
  public FederateHandler(
      Queryable storage, Supplier<Labels> externalLabels, Duration lookbackDelta, LongSupplier nowMs) {
    this.storage = storage;
    this.externalLabels = externalLabels;
    this.lookbackDelta = lookbackDelta;
    this.nowMs = nowMs;
  }

  /**
   * Parses the {@code match[]} values. The first bad one fails the request, as in Prometheus.
   *
   * @throws PromQLParseException with the PromQL parser's message, for a 400 answer
   */
  public static List<List<Matcher>> parseSelectors(List<String> matchParams)
      throws PromQLParseException {
    List<List<Matcher>> selectors = new ArrayList<>(matchParams.size());
    for (String m : matchParams) {
      selectors.add(Parser.parseMetricSelector(m));
    }
    return selectors;
  }

  /**
   * Writes the federation body for {@code selectors} to {@code out}. No selectors: empty body.
   *
   * @return the number of series written
   */
  public long write(List<List<Matcher>> selectors, OutputStream out) throws IOException {
    if (selectors.isEmpty()) {
      return 0;
    }
    long now = nowMs.getAsLong();
    Labels external = externalLabels.get();
    long written = 0;
    TextFormatWriter w = new TextFormatWriter(out);
    try (Querier q = storage.querier(now - lookbackDelta.toMillis(), now)) {
      TreeSet<String> names = new TreeSet<>();
      for (List<Matcher> sel : selectors) {
        names.addAll(q.labelValues(Labels.METRIC_NAME, sel.toArray(Matcher[]::new)));
      }
      FederatedFamilies families = new FederatedFamilies(names, q.metadata(null));
      for (String name : names) {
        FederatedFamilies.Family family = families.familyOf(name);
        if (!family.members().get(0).equals(name)) {
          continue; // written with the family's first member
        }
        Header header = new Header(family);
        for (String member : family.members()) {
          written += writeName(q, member, selectors, external, w, header);
        }
      }
    }
    w.flush();
    return written;
  }

  /**
   * A family's {@code # HELP} and {@code # TYPE} lines, written before its first series: a family
   * whose series are all stale or outside the lookback window is left out whole.
   */
  private static final class Header {
    final FederatedFamilies.Family family;
    boolean written;

    Header(FederatedFamilies.Family family) {
      this.family = family;
    }

    void writeOnce(TextFormatWriter w) throws IOException {
      if (!written) {
        if (family.help() != null) {
          w.writeHelp(family.name(), family.help());
        }
        w.writeType(family.name(), family.type());
        written = true;
      }
    }
  }

  /** Writes every series named {@code name} matched by any selector, each once, in label order. */
  private long writeName(
      Querier q,
      String name,
      List<List<Matcher>> selectors,
      Labels external,
      TextFormatWriter w,
      Header header)
      throws IOException {
    Matcher nameMatcher = Matcher.equal(Labels.METRIC_NAME, name);
    List<SeriesSet> sets = new ArrayList<>(selectors.size());
    selectors:
    for (List<Matcher> sel : selectors) {
      List<Matcher> ms = new ArrayList<>(sel.size() + 1);
      for (Matcher m : sel) {
        if (m.name().equals(Labels.METRIC_NAME)) {
          // Decided for this name here, instead of once per name through the index: a
          // {__name__=~".+"} would otherwise union every series' postings for every name.
          if (!m.matches(name)) {
            continue selectors;
          }
        } else {
          ms.add(m);
        }
      }
      ms.add(nameMatcher);
      sets.add(q.select(true, ms.toArray(Matcher[]::new)));
    }
    if (sets.isEmpty()) {
      return 0;
    }
    long written = 0;
    // One selector (the usual case) needs no merge: its set is sorted and has no duplicates.
    SeriesStream merged = sets.size() == 1 ? single(sets.get(0)) : new MergedSeries(sets);
    double[] value = new double[1];
    Series s;
    while ((s = merged.next()) != null) {
      long t = s.latest(value);
      double v = value[0];
      // No sample in the lookback window, or the series ended with a stale marker: the text
      // format cannot carry stale markers, so, like Prometheus, leave the series out.
      if (t == Long.MIN_VALUE || StaleNaN.is(v)) {
        continue;
      }
      header.writeOnce(w);
      writeSeries(w, name, s.labels(), external, v, t);
      written++;
    }
    return written;
  }

  private static void writeSeries(
      TextFormatWriter w, String name, Labels labels, Labels external, double v, long t)
      throws IOException {
    w.beginSample(name);
    for (int i = 0; i < labels.size(); i++) {
      if (!labels.name(i).equals(Labels.METRIC_NAME)) {
        w.label(labels.name(i), labels.value(i));
      }
    }
    // External labels come after the series' own, only where the series lacks them; an
    // instance="" stands for "no instance" so the federating server's honor_labels keeps the
    // series free of its target's instance (web/federate.go).
    boolean instanceWritten = labels.has(INSTANCE);
    for (int i = 0; i < external.size(); i++) {
      if (!labels.has(external.name(i))) {
        if (!instanceWritten && INSTANCE.compareTo(external.name(i)) < 0) {
          w.label(INSTANCE, "");
          instanceWritten = true;
        }
        w.label(external.name(i), external.value(i));
        instanceWritten |= external.name(i).equals(INSTANCE);
      }
    }
    if (!instanceWritten) {
      w.label(INSTANCE, "");
    }
    w.endSample(v, t);
  }

  /** Series one after the other; null at the end. */
  private interface SeriesStream {
    Series next();
  }

  private static SeriesStream single(SeriesSet set) {
    return () -> set.next() ? set.at() : null;
  }

  /**
   * Merges sorted series sets into one sorted stream without duplicates (Prometheus's chained
   * merge of several selectors), holding only the current series of each set.
   */
  private static final class MergedSeries implements SeriesStream {
    private final List<SeriesSet> sets;
    private final Series[] heads;
    private final boolean[] advance;

    MergedSeries(List<SeriesSet> sets) {
      this.sets = sets;
      this.heads = new Series[sets.size()];
      this.advance = new boolean[sets.size()];
      java.util.Arrays.fill(advance, true);
    }

    /**
     * The next series; it stays valid until the following call, because sets are only advanced
     * then (a set's current series is only valid until its next {@code next()}).
     */
    @Override
    public Series next() {
      for (int i = 0; i < heads.length; i++) {
        if (advance[i]) {
          heads[i] = sets.get(i).next() ? sets.get(i).at() : null;
          advance[i] = false;
        }
      }
      int min = -1;
      for (int i = 0; i < heads.length; i++) {
        if (heads[i] != null
            && (min < 0 || heads[i].labels().compareTo(heads[min].labels()) < 0)) {
          min = i;
        }
      }
      if (min < 0) {
        return null;
      }
      Labels l = heads[min].labels();
      for (int i = 0; i < heads.length; i++) {
        advance[i] = heads[i] != null && (i == min || heads[i].labels().equals(l));
      }
      return heads[min];
    }
  }
}
