package io.promfed.scrape;

import io.promfed.config.ScrapeConfig;
import io.promfed.model.labels.Labels;
import io.promfed.model.labels.LabelsBuilder;
import io.promfed.model.relabel.RelabelConfig;
import io.promfed.model.relabel.Relabeler;
import io.promfed.model.textparse.ParseException;
import io.promfed.model.textparse.Parser;
import io.promfed.model.textparse.Parsers;
import io.promfed.model.value.StaleNaN;
import io.promfed.storage.Appendable;
import io.promfed.storage.Appender;
import io.promfed.storage.MetricMetadata;
import io.promfed.storage.Series;
import io.promfed.storage.SeriesCursor;
import io.promfed.storage.SeriesSet;
import io.promfed.storage.StorageException;
import it.unimi.dsi.fastutil.ints.IntArrayList;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;

/**
 * Scrapes one target and appends what it exposes, one transaction per scrape (Prometheus's
 * {@code scrapeLoop}, scrape/scrape.go). Each scrape either commits all its samples plus the report
 * series ({@code up}, {@code scrape_duration_seconds}, …) or, when it fails, only stale markers
 * for the series seen last time plus a report with {@code up 0}: a failed scrape is data, not an
 * exception.
 *
 * <p>With a series limit (vmagent's {@code series_limit}) the loop also owns a {@link
 * SeriesLimiter} and writes vmagent's three extra report series for it.
 *
 * <p>The loop owns its buffers, its parser state and its {@link ScrapeCache}; it is driven by
 * {@link #scrapeAndReport(long)}, which its pool calls on schedule and tests call directly with an
 * injected timestamp. Not thread-safe: calls must not overlap.
 */
public final class ScrapeLoop {

  private static final System.Logger LOG = System.getLogger(ScrapeLoop.class.getName());

  /** Samples further than this in the future are out of bounds ({@code timeLimitAppender}). */
  static final long MAX_FUTURE_MS = 10 * 60 * 1000L;

  static final String[] REPORT_NAMES = {
    "up",
    "scrape_duration_seconds",
    "scrape_samples_scraped",
    "scrape_samples_post_metric_relabeling",
    "scrape_series_added"
  };

  /** vmagent's report series of the series limit, written only when a limit is in force. */
  static final String[] SERIES_LIMIT_REPORT_NAMES = {
    "scrape_series_limit", "scrape_series_current", "scrape_series_limit_samples_dropped"
  };

  private final Target target;
  private final ScrapeConfig config;
  private final TargetScraper scraper;
  private final Appendable appendable;
  private final ScrapeStats stats;

  /** Entries whose series {@link #touchAhead} reads at once; a power of two. */
  private static final int TOUCH_AHEAD = 16;

  /** Where {@link #touchAhead} leaves its reads' sum; never read. */
  @SuppressWarnings("unused")
  private int touchSink;

  private final ScrapeCache cache = new ScrapeCache();
  private final LabelsBuilder builder = new LabelsBuilder();
  private final SeriesLimiter seriesLimiter; // null: no series limit
  private final Labels[] reportLabels;
  private final long[] reportRefs;
  private final Map<String, MetricMetadata> publishedMetadata = new HashMap<>();
  private final List<RelabelConfig> metricRelabelConfigs;
  private final GapFiller gapFiller;

  /** Scrape time of the last successful scrape, or MIN_VALUE. */
  private long lastSuccessMs = Long.MIN_VALUE;

  /** Scrape time of the first failed scrape of the current failure streak, or MIN_VALUE. */
  private long gapStartMs = Long.MIN_VALUE;

  /** A loop with the series limit of {@code config} alone (none when the config sets none). */
  ScrapeLoop(
      Target target,
      ScrapeConfig config,
      TargetScraper scraper,
      Appendable appendable,
      ScrapeStats stats) {
    this(target, config, scraper, appendable, stats, GapFiller.NONE, config.seriesLimit().orElse(0));
  }

  /** A loop whose gaps {@code gapFiller} heals when it applies to {@code config}. */
  ScrapeLoop(
      Target target,
      ScrapeConfig config,
      TargetScraper scraper,
      Appendable appendable,
      ScrapeStats stats,
      GapFiller gapFiller) {
    this(target, config, scraper, appendable, stats, gapFiller, config.seriesLimit().orElse(0));
  }

  /** A loop with a series limit and no gap healing. */
  ScrapeLoop(
      Target target,
      ScrapeConfig config,
      TargetScraper scraper,
      Appendable appendable,
      ScrapeStats stats,
      long seriesLimit) {
    this(target, config, scraper, appendable, stats, GapFiller.NONE, seriesLimit);
  }

  /**
   * @param gapFiller heals the gaps of failed scrapes when it applies to {@code config}
   * @param seriesLimit unique series admitted per target and 24 hours, 0 for none: the config's
   *     {@code series_limit}, or the scrape manager's default when the config sets none
   */
  ScrapeLoop(
      Target target,
      ScrapeConfig config,
      TargetScraper scraper,
      Appendable appendable,
      ScrapeStats stats,
      GapFiller gapFiller,
      long seriesLimit) {
    this.gapFiller = gapFiller.appliesTo(config) ? gapFiller : GapFiller.NONE;
    this.target = target;
    this.config = config;
    this.scraper = scraper;
    this.appendable = appendable;
    this.stats = stats;
    this.metricRelabelConfigs = config.metricRelabelConfigs();
    this.seriesLimiter = seriesLimit > 0 ? new SeriesLimiter(seriesLimit) : null;
    int n = REPORT_NAMES.length + (seriesLimiter == null ? 0 : SERIES_LIMIT_REPORT_NAMES.length);
    reportLabels = new Labels[n];
    reportRefs = new long[n];
    for (int i = 0; i < n; i++) {
      String name =
          i < REPORT_NAMES.length
              ? REPORT_NAMES[i]
              : SERIES_LIMIT_REPORT_NAMES[i - REPORT_NAMES.length];
      reportLabels[i] = target.labels().toBuilder().set(Labels.METRIC_NAME, name).build();
    }
  }

  public Target target() {
    return target;
  }

  /** Closes the target's connection: the loop has scraped for the last time. */
  public void close() {
    scraper.close();
  }

  /** This loop's cache; for tests. */
  ScrapeCache cache() {
    return cache;
  }

  /** Counts from appending one body; {@code error} non-null fails the scrape. */
  static final class AppendResult {
    int scraped;
    int postRelabel;
    int seriesAdded;
    /** Samples the store accepted (for {@link ScrapeStats#samplesAppended}). */
    int appended;
    /** Samples of series the series limit did not admit. */
    int seriesLimitDropped;
    String error;
  }

  /**
   * One scrape at {@code scrapeTimeMs}: fetch, parse and append, stale markers, report series,
   * commit. Never throws for target problems; they end up in {@code up} and the target's health.
   */
  public void scrapeAndReport(long scrapeTimeMs) {
    long startNanos = System.nanoTime();
    stats.scrapes.increment();
    AppendResult result = new AppendResult();
    if (seriesLimiter != null) {
      seriesLimiter.startScrape(scrapeTimeMs);
    }
    Appender app = appendable.appender();
    long filled = 0;
    try {
      TargetScraper.Body body = scraper.scrape();
      if (gapStartMs != Long.MIN_VALUE) {
        // Before the body's samples: the head takes each series' samples in time order only.
        filled = fillGap(app, scrapeTimeMs);
      }
      appendBody(app, body, scrapeTimeMs, result);
    } catch (ScrapeException e) {
      result.error = e.getMessage();
    } finally {
      scraper.release(); // the body's samples are in the appender (or rejected): buffers go back
    }
    if (result.error != null) {
      // Nothing of a failed scrape is kept (a malformed line 9,000 must not leave 8,999 samples),
      // and a failed scrape is the same as an empty one: everything seen last time goes stale.
      app.rollback();
      app = appendable.appender();
      stats.scrapesFailed.increment();
      if (gapFiller == GapFiller.NONE) {
        appendStaleMarkers(app, cache.seenPrevious(), scrapeTimeMs);
      } else if (gapStartMs == Long.MIN_VALUE) {
        // Stale markers now would be newer than the samples the gap filler will bring back.
        gapStartMs = scrapeTimeMs;
      }
      cache.iterationDone(false);
      LOG.log(System.Logger.Level.DEBUG, "scrape of {0} failed: {1}", target, result.error);
    } else {
      appendStaleMarkers(app, cache.disappeared(), scrapeTimeMs);
      cache.iterationDone(true);
    }
    double durationSeconds = (System.nanoTime() - startNanos) / 1e9;
    appendReport(app, scrapeTimeMs, durationSeconds, result);
    app.commit();
    if (result.error == null) {
      // Once per scrape, not per sample (a LongAdder increment per sample showed in profiles),
      // and only for samples that were committed.
      stats.samplesAppended.add(result.appended);
      lastSuccessMs = scrapeTimeMs;
      gapStartMs = Long.MIN_VALUE;
      stats.gapSamplesFilled.add(filled);
    }
    target.report(scrapeTimeMs, durationSeconds, result.scraped, result.error);
  }

  /**
   * Writes stale markers for every series of this target and its report series: the target went
   * away (Prometheus's end-of-run staleness), so queries stop showing it at once instead of after
   * the 5 minute lookback.
   */
  public void endOfRunStaleness(long timestampMs) {
    Appender app = appendable.appender();
    appendStaleMarkers(app, cache.seenPrevious(), timestampMs);
    for (int i = 0; i < reportLabels.length; i++) {
      appendReportSample(app, i, timestampMs, StaleNaN.VALUE);
    }
    app.commit();
    cache.iterationDone(false);
  }

  /**
   * Appends what the target held during the open gap: samples after the last successful scrape
   * (or, if there was none, one interval before the first failure) up to this scrape. Samples the
   * store already holds are rejected by it as old or duplicate and skipped without counting.
   *
   * @return the samples appended
   */
  private long fillGap(Appender app, long scrapeTimeMs) {
    long afterMs =
        lastSuccessMs != Long.MIN_VALUE ? lastSuccessMs : gapStartMs - target.interval().toMillis();
    long filled = 0;
    try {
      SeriesSet missed = gapFiller.missed(config, target, afterMs, scrapeTimeMs);
      while (missed.next()) {
        Series s = missed.at();
        Labels lset = mutateSampleLabels(s.labels());
        if (lset == null || checkLabels(lset) != null) {
          continue; // dropped by metric relabeling, or one a scrape would refuse
        }
        long ref = 0;
        SeriesCursor c = s.cursor();
        for (boolean ok = c.seek(afterMs + 1); ok && c.atT() <= scrapeTimeMs; ok = c.next()) {
          try {
            ref = app.append(ref, lset, c.atT(), c.atV());
            filled++;
          } catch (StorageException ex) {
            if (ex.reason() == StorageException.Reason.TOO_MANY_SERIES) {
              countRejected(ex);
              break;
            }
            // Out of order, duplicate or out of bounds: the store has this span already.
          }
        }
      }
    } catch (IOException | UncheckedIOException e) {
      stats.gapFillFailures.increment();
      LOG.log(
          System.Logger.Level.WARNING,
          "cannot fill the gap of {0} since {1}: {2}",
          target,
          afterMs,
          e.getMessage());
    }
    return filled;
  }

  void appendBody(Appender app, TargetScraper.Body body, long ts, AppendResult r)
      throws ScrapeException {
    Parser p = Parsers.forContentType(body.contentType(), body.bytes(), body.length());
    byte[] buf = p.buffer();
    boolean honorTimestamps = config.honorTimestamps();
    boolean trackTimestampStaleness = config.trackTimestampsStaleness();
    long sampleLimit = config.sampleLimit();
    boolean limitExceeded = false;
    Map<String, MetricMetadata> metadata = null;
    try {
      Parser.Entry kind;
      while (true) {
        cache.offerNext(p);
        if ((kind = p.next()) == Parser.Entry.EOF) {
          break;
        }
        switch (kind) {
          case SERIES -> {
            r.scraped++;
            int e = cache.get(buf, p.seriesStart(), p.seriesEnd());
            boolean added = false;
            if ((e & (TOUCH_AHEAD - 1)) == 0) {
              touchAhead(app, e);
            }
            if (e == ScrapeCache.ABSENT) {
              Labels lset = mutateSampleLabels(p);
              if (lset != null) {
                String problem = checkLabels(lset);
                if (problem != null) {
                  r.error = problem;
                  return;
                }
              }
              e = cache.put(buf, p.seriesStart(), p.seriesEnd(), lset);
              added = true;
            }
            if (cache.dropped(e)) {
              cache.markSeen(e); // keeps the drop decision cached
              continue;
            }
            r.postRelabel++;
            if (sampleLimit > 0 && r.postRelabel > sampleLimit) {
              // Keep parsing so scrape_samples_scraped is right, but this scrape is lost whole.
              limitExceeded = true;
              continue;
            }
            boolean explicitTs = honorTimestamps && p.hasTimestamp();
            long t = explicitTs ? p.timestampMs() : ts;
            cache.markSeen(e);
            if (t > ts + MAX_FUTURE_MS) {
              stats.outOfBounds.increment();
              continue;
            }
            if (seriesLimiter != null && !admittedBySeriesLimit(e)) {
              r.seriesLimitDropped++;
              stats.seriesLimitSamplesDropped.increment();
              continue;
            }
            try {
              appendCached(app, e, t, p.value());
              // As in Prometheus's scrapeLoopAppender.append: a series is tracked for staleness
              // only once its sample was accepted, and samples carrying their own timestamps
              // (federated data) only with track_timestamps_staleness.
              if (!explicitTs || trackTimestampStaleness) {
                cache.trackStaleness(e);
              }
              r.appended++;
              if (added) {
                r.seriesAdded++;
              }
            } catch (StorageException ex) {
              countRejected(ex);
            }
          }
          case TYPE, HELP, UNIT -> metadata = collectMetadata(metadata, kind, p);
          default -> {}
        }
      }
    } catch (ParseException ex) {
      stats.parseErrors.increment();
      r.error = ex.getMessage();
      return;
    }
    if (limitExceeded) {
      stats.sampleLimitExceeded.increment();
      r.error = "sample limit exceeded";
      return;
    }
    if (metadata != null) {
      publishMetadata(app, metadata);
    }
  }

  /**
   * Touches the series of the {@value #TOUCH_AHEAD} entries after {@code e}, the lines the target
   * most likely sends next, so that their memory is fetched in parallel (see {@link
   * Appender#touch}) rather than one miss per append.
   */
  private void touchAhead(Appender app, int e) {
    int end = Math.min(cache.size(), e + 1 + TOUCH_AHEAD);
    int sum = 0;
    for (int k = e + 1; k < end; k++) {
      long ref = cache.ref(k);
      if (ref != 0) {
        sum += app.touch(ref);
      }
    }
    touchSink += sum;
  }

  /**
   * Asks the series limiter once per series and window; later samples of an admitted series pass
   * on the cache entry alone.
   */
  private boolean admittedBySeriesLimit(int e) {
    int generation = seriesLimiter.generation();
    if (cache.admittedGeneration(e) == generation) {
      return true;
    }
    if (!seriesLimiter.admit(cache.labels(e))) {
      return false;
    }
    cache.setAdmittedGeneration(e, generation);
    return true;
  }


  private void countRejected(StorageException ex) {
    switch (ex.reason()) {
      case OUT_OF_ORDER_SAMPLE -> stats.outOfOrder.increment();
      case DUPLICATE_SAMPLE_FOR_TIMESTAMP -> stats.duplicateTimestamp.increment();
      case OUT_OF_BOUNDS -> stats.outOfBounds.increment();
      case TOO_MANY_SERIES -> stats.seriesLimitRejected.increment();
    }
  }

  /**
   * Applies the target's labels to a new sample's labels, then metric relabeling
   * (scrape/scrape.go {@code mutateSampleLabels}). With honor_labels the scraped labels win, and a
   * scraped label with an empty value still counts as present (federation's {@code
   * instance=""}). Without it, a conflicting scraped label moves to {@code exported_<name>},
   * shortest names first, prefixing again until the name is free.
   *
   * @return the labels to store, or null when metric relabeling drops the series
   */
  Labels mutateSampleLabels(Parser p) {
    LabelsBuilder lb = builder.reset();
    p.labels(lb);
    return mutateSampleLabels(lb);
  }

  /** {@link #mutateSampleLabels(Parser)} for labels read from elsewhere (gap filling). */
  Labels mutateSampleLabels(Labels scraped) {
    return mutateSampleLabels(builder.reset(scraped));
  }

  private Labels mutateSampleLabels(LabelsBuilder lb) {
    Labels tl = target.labels();
    if (config.honorLabels()) {
      for (int i = 0; i < tl.size(); i++) {
        if (!lb.has(tl.name(i))) {
          lb.set(tl.name(i), tl.value(i));
        }
      }
    } else {
      List<String[]> conflicts = null;
      for (int i = 0; i < tl.size(); i++) {
        String existing = lb.get(tl.name(i));
        if (existing != null && !existing.isEmpty()) {
          if (conflicts == null) {
            conflicts = new ArrayList<>(2);
          }
          conflicts.add(new String[] {tl.name(i), existing});
        }
        lb.set(tl.name(i), tl.value(i));
      }
      if (conflicts != null) {
        conflicts.sort((a, b) -> Integer.compare(a[0].length(), b[0].length()));
        for (String[] c : conflicts) {
          String name = c[0];
          while (true) {
            name = "exported_" + name;
            String taken = lb.get(name);
            if (taken == null || taken.isEmpty()) {
              lb.set(name, c[1]);
              break;
            }
          }
        }
      }
    }
    if (!metricRelabelConfigs.isEmpty() && !Relabeler.process(lb, metricRelabelConfigs)) {
      return null;
    }
    return lb.build();
  }

  /** Prometheus's per-series checks (scrape/scrape.go {@code verifyLabelLimits}); null if fine. */
  String checkLabels(Labels lset) {
    String name = lset.metricName();
    if (name == null) {
      return "missing metric name (__name__ label)";
    }
    long labelLimit = config.labelLimit();
    if (labelLimit > 0 && lset.size() > labelLimit) {
      return "label_limit exceeded (metric: "
          + truncate(name)
          + ", number of labels: "
          + lset.size()
          + ", limit: "
          + labelLimit
          + ")";
    }
    long nameLimit = config.labelNameLengthLimit();
    long valueLimit = config.labelValueLengthLimit();
    if (nameLimit <= 0 && valueLimit <= 0) {
      return null;
    }
    for (int i = 0; i < lset.size(); i++) {
      if (nameLimit > 0 && lset.name(i).length() > nameLimit) {
        return "label_name_length_limit exceeded (metric: "
            + truncate(name)
            + ", label name: "
            + truncate(lset.name(i))
            + ", length: "
            + lset.name(i).length()
            + ", limit: "
            + nameLimit
            + ")";
      }
      if (valueLimit > 0 && lset.value(i).length() > valueLimit) {
        return "label_value_length_limit exceeded (metric: "
            + truncate(name)
            + ", label name: "
            + truncate(lset.name(i))
            + ", value: \""
            + truncate(lset.value(i))
            + "\", length: "
            + lset.value(i).length()
            + ", limit: "
            + valueLimit
            + ")";
      }
    }
    return null;
  }

  private static String truncate(String s) {
    return s.length() <= 50 ? s : s.substring(0, 50);
  }

  private static Map<String, MetricMetadata> collectMetadata(
      Map<String, MetricMetadata> acc, Parser.Entry kind, Parser p) {
    if (acc == null) {
      acc = new HashMap<>();
    }
    String family = p.metricFamilyName();
    MetricMetadata old = acc.getOrDefault(family, new MetricMetadata("unknown", "", ""));
    MetricMetadata updated =
        switch (kind) {
          // Prometheus's text parser reads "untyped" as model.MetricTypeUnknown, and that is
          // what its /api/v1/metadata shows.
          case TYPE ->
              new MetricMetadata(
                  p.type().equals("untyped") ? "unknown" : p.type(), old.help(), old.unit());
          case HELP -> new MetricMetadata(old.type(), p.text(), old.unit());
          default -> new MetricMetadata(old.type(), old.help(), p.text());
        };
    acc.put(family, updated);
    return acc;
  }

  /** Passes metadata to the store only when it changed, not on every scrape. */
  private void publishMetadata(Appender app, Map<String, MetricMetadata> current) {
    for (Map.Entry<String, MetricMetadata> e : current.entrySet()) {
      if (!Objects.equals(publishedMetadata.get(e.getKey()), e.getValue())) {
        app.updateMetadata(e.getKey(), e.getValue());
        publishedMetadata.put(e.getKey(), e.getValue());
      }
    }
  }

  private void appendStaleMarkers(Appender app, IntArrayList series, long ts) {
    for (int i = 0, n = series.size(); i < n; i++) {
      int e = series.getInt(i);
      if (cache.dropped(e)) {
        continue;
      }
      try {
        appendCached(app, e, ts, StaleNaN.VALUE);
      } catch (StorageException ex) {
        // A series that already has a newer sample needs no marker; nothing is lost.
      }
    }
  }

  /**
   * Appends to the series of cache entry {@code e} and remembers its reference. When the reference
   * is new (a new series, or one the store had dropped and created again) the entry swaps its
   * labels for the store's instance, so the cache holds no second copy of them.
   */
  private void appendCached(Appender app, int e, long t, double v) throws StorageException {
    long ref = cache.ref(e);
    long newRef = app.append(ref, cache.labels(e), t, v);
    if (newRef != ref) {
      cache.setRef(e, newRef);
      Labels stored = app.labelsOf(newRef);
      if (stored != null) {
        cache.setLabels(e, stored);
      }
    }
  }

  private void appendReport(Appender app, long ts, double durationSeconds, AppendResult r) {
    boolean up = r.error == null;
    appendReportSample(app, 0, ts, up ? 1 : 0);
    appendReportSample(app, 1, ts, durationSeconds);
    appendReportSample(app, 2, ts, r.scraped);
    appendReportSample(app, 3, ts, up ? r.postRelabel : 0);
    appendReportSample(app, 4, ts, up ? r.seriesAdded : 0);
    if (seriesLimiter != null) {
      // vmagent's addAutoMetrics, written only when a limit is in force.
      appendReportSample(app, 5, ts, seriesLimiter.maxSeries());
      appendReportSample(app, 6, ts, seriesLimiter.currentSeries());
      appendReportSample(app, 7, ts, up ? r.seriesLimitDropped : 0);
    }
  }

  private void appendReportSample(Appender app, int i, long ts, double v) {
    try {
      reportRefs[i] = app.append(reportRefs[i], reportLabels[i], ts, v);
    } catch (StorageException ex) {
      countRejected(ex);
    }
  }
}
