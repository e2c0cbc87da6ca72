package io.promfed.storage.remote;

import io.promfed.config.RemoteReadConfig;
import io.promfed.model.labels.Labels;
import io.promfed.model.labels.LabelsBuilder;
import io.promfed.model.labels.Matcher;
import io.promfed.storage.MetricMetadata;
import io.promfed.storage.Querier;
import io.promfed.storage.Queryable;
import io.promfed.storage.Series;
import io.promfed.storage.SeriesSet;
import java.io.UncheckedIOException;
import java.net.http.HttpClient;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.TreeSet;
import java.util.function.LongSupplier;
import java.util.function.Supplier;

/**
 * One {@code remote_read} endpoint as a {@link Queryable}: Prometheus's remote read querier with its
 * filters (prometheus/prometheus storage/remote/read.go and storage.go).
 *
 * <ul>
 *   <li>{@code read_recent: false} ({@code PreferLocalStorageFilter}): only samples older than the
 *       local store's start time ({@code localStartTimeMs}) are read remotely; a querier starting
 *       after it reads nothing.
 *   <li>{@code required_matchers} ({@code RequiredMatchersFilter}): a selector is sent only when
 *       it contains every required matcher as an equality matcher; otherwise it selects nothing.
 *   <li>{@code filter_external_labels} ({@code addExternalLabels}): each of our external labels
 *       that the selector does not constrain is added as an equality matcher, and removed again
 *       from the series read back.
 * </ul>
 *
 * <p>Each select is one HTTP request, started when {@code select} is called and awaited when the
 * set is first iterated. Label names and values are answered with a labels-only select ({@code
 * func: "series"} hints; a Prometheus server then reads no chunks), so the series and labels APIs
 * see remote series too; metadata is not part of remote read and is empty. Failures are {@link
 * UncheckedIOException}s naming the endpoint, which {@link io.promfed.storage.MergeQueryable}
 * turns into warnings.
 *
 * <p>Thread-safe; its queriers are not.
 */
public final class RemoteReadQueryable implements Queryable {

  /** The default largest response, compressed or not: the server's default limit. */
  public static final int DEFAULT_MAX_RESPONSE_BYTES = RemoteReadHandler.DEFAULT_MAX_RESPONSE_BYTES;

  private final RemoteReadClient client;
  private final Supplier<Labels> externalLabels;
  private final LongSupplier localStartTimeMs;

  /**
   * @param config the endpoint and its filters
   * @param http the HTTP client (shared)
   * @param userAgent the {@code User-Agent}, e.g. {@code promfed/1.0}
   * @param externalLabels our external labels, for {@code filter_external_labels}
   * @param localStartTimeMs the oldest timestamp the local store holds, for {@code read_recent:
   *     false}
   */
  public RemoteReadQueryable(
      RemoteReadConfig config,
      HttpClient http,
      String userAgent,
      Supplier<Labels> externalLabels,
      LongSupplier localStartTimeMs) {
    this.client =
        new RemoteReadClient(
            Objects.requireNonNull(config, "config"),
            Objects.requireNonNull(http, "http"),
            Objects.requireNonNull(userAgent, "userAgent"),
            DEFAULT_MAX_RESPONSE_BYTES);
    this.externalLabels = Objects.requireNonNull(externalLabels, "externalLabels");
    this.localStartTimeMs = Objects.requireNonNull(localStartTimeMs, "localStartTimeMs");
  }

  /** The endpoint's configuration. */
  public RemoteReadConfig config() {
    return client.config();
  }

  @Override
  public Querier querier(long mintMs, long maxtMs) {
    if (!client.config().readRecent()) {
      long localStart = localStartTimeMs.getAsLong();
      if (mintMs > localStart) {
        return new RemoteQuerier(mintMs, maxtMs, true);
      }
      maxtMs = Math.min(maxtMs, localStart);
    }
    return new RemoteQuerier(mintMs, maxtMs, false);
  }

  /** A remote read querier over {@code [mintMs, maxtMs]}; {@code noop} when filtered away. */
  private final class RemoteQuerier implements Querier {

    private final long mintMs;
    private final long maxtMs;
    private final boolean noop;

    RemoteQuerier(long mintMs, long maxtMs, boolean noop) {
      this.mintMs = mintMs;
      this.maxtMs = maxtMs;
      this.noop = noop;
    }

    @Override
    public SeriesSet select(boolean sorted, Matcher... matchers) {
      return select(null, matchers);
    }

    private SeriesSet select(ReadRequest.ReadHints hints, Matcher... matchers) {
      if (noop || !hasRequiredMatchers(matchers)) {
        return SeriesSet.EMPTY;
      }
      List<Matcher> sent = new ArrayList<>(List.of(matchers));
      List<String> added = new ArrayList<>();
      if (client.config().filterExternalLabels()) {
        Labels external = externalLabels.get();
        for (int i = 0; i < external.size(); i++) {
          String name = external.name(i);
          if (!constrains(matchers, name)) {
            sent.add(Matcher.equal(name, external.value(i)));
            added.add(name);
          }
        }
      }
      RemoteReadClient.Pending pending =
          client.send(new ReadRequest.Query(mintMs, maxtMs, sent, hints));
      return new LazySeriesSet(pending, added);
    }

    private boolean hasRequiredMatchers(Matcher[] matchers) {
      for (Map.Entry<String, String> r : client.config().requiredMatchers().entrySet()) {
        boolean found = false;
        for (Matcher m : matchers) {
          if (m.type() == Matcher.Type.EQUAL
              && m.name().equals(r.getKey())
              && m.value().equals(r.getValue())) {
            found = true;
            break;
          }
        }
        if (!found) {
          return false;
        }
      }
      return true;
    }

    @Override
    public List<String> labelValues(String name, Matcher... matchers) {
      Matcher[] ms = matchers.length > 0 ? matchers : new Matcher[] {Matcher.regex(name, ".+")};
      TreeSet<String> values = new TreeSet<>();
      SeriesSet set = select(ReadRequest.ReadHints.seriesOnly(mintMs, maxtMs), ms);
      while (set.next()) {
        String v = set.at().labels().get(name);
        if (v != null) {
          values.add(v);
        }
      }
      return new ArrayList<>(values);
    }

    @Override
    public List<String> labelNames(Matcher... matchers) {
      Matcher[] ms =
          matchers.length > 0 ? matchers : new Matcher[] {Matcher.regex(Labels.METRIC_NAME, ".+")};
      TreeSet<String> names = new TreeSet<>();
      SeriesSet set = select(ReadRequest.ReadHints.seriesOnly(mintMs, maxtMs), ms);
      while (set.next()) {
        set.at().labels().forEach((n, v) -> names.add(n));
      }
      return new ArrayList<>(names);
    }

    @Override
    public Map<String, List<MetricMetadata>> metadata(String metric) {
      return Map.of();
    }

    @Override
    public void close() {}
  }

  private static boolean constrains(Matcher[] matchers, String name) {
    for (Matcher m : matchers) {
      if (m.name().equals(name)) {
        return true;
      }
    }
    return false;
  }

  /**
   * The series of a request in flight: awaited on the first {@link #next()}, with the external
   * label names this querier added removed ({@code seriesSetFilter}), then re-sorted since
   * removing a label can change the order.
   */
  private static final class LazySeriesSet implements SeriesSet {

    private final RemoteReadClient.Pending pending;
    private final List<String> added;
    private List<Series> series;
    private int i = -1;

    LazySeriesSet(RemoteReadClient.Pending pending, List<String> added) {
      this.pending = pending;
      this.added = added;
    }

    @Override
    public boolean next() {
      if (series == null) {
        series = pending.await();
        if (!added.isEmpty()) {
          series = withoutLabels(series, added);
        }
      }
      if (i < series.size()) {
        i++;
      }
      return i < series.size();
    }

    @Override
    public Series at() {
      if (series == null || i < 0 || i >= series.size()) {
        throw new IllegalStateException("no current series");
      }
      return series.get(i);
    }

    private static List<Series> withoutLabels(List<Series> in, List<String> names) {
      List<Series> out = new ArrayList<>(in.size());
      LabelsBuilder b = new LabelsBuilder();
      for (Series s : in) {
        b.reset(s.labels());
        for (String n : names) {
          b.delete(n);
        }
        Labels stripped = b.build();
        out.add(
            new Series() {
              @Override
              public Labels labels() {
                return stripped;
              }

              @Override
              public io.promfed.storage.SeriesCursor cursor() {
                return s.cursor();
              }
            });
      }
      out.sort((x, y) -> x.labels().compareTo(y.labels()));
      return out;
    }
  }
}
