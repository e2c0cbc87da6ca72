package io.promfed.web.federate;

import io.promfed.config.RemoteReadConfig;
import io.promfed.config.ScrapeConfig;
import io.promfed.model.labels.Labels;
import io.promfed.model.labels.Matcher;
import io.promfed.promql.parser.Parser;
import io.promfed.promql.parser.PromQLParseException;
import io.promfed.scrape.GapFiller;
import io.promfed.scrape.Target;
import io.promfed.storage.MergeSeriesSet;
import io.promfed.storage.Querier;
import io.promfed.storage.Series;
import io.promfed.storage.SeriesSet;
import io.promfed.storage.remote.RemoteReadFanout;
import io.promfed.storage.remote.RemoteReadQueryable;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.URI;
import java.net.URLDecoder;
import java.net.http.HttpClient;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Objects;

/**
 * Heals the gaps of federate jobs from the leaf's own store (issue #6, "gaps heal"): for a target
 * scraped at {@code …/federate?match[]=…}, the missed span is read from the same leaf's {@code
 * …/api/v1/read} with the same {@code match[]} selectors and credentials, so exactly the series
 * federation would have brought arrive, with the leaf's external labels as {@code /federate}
 * gives them. The scrape loop then labels them like scraped series and appends them in order
 * before the first successful scrape after the gap ({@link GapFiller}).
 *
 * <p>At most {@code maxGap} before the recovering scrape is read, which bounds the response of a
 * leaf that was away for long (its store may not hold more anyway). Works with our leaves and with
 * real Prometheus leaves, whose remote read endpoint is the same path. Thread-safe.
 */
public final class FederationGapFiller implements GapFiller {

  private final HttpClient http;
  private final String userAgent;
  private final long maxGapMs;

  /**
   * @param http the HTTP client for remote reads
   * @param userAgent the {@code User-Agent} of remote reads
   * @param maxGap the longest span healed; positive
   */
  public FederationGapFiller(HttpClient http, String userAgent, Duration maxGap) {
    this.http = Objects.requireNonNull(http, "http");
    this.userAgent = Objects.requireNonNull(userAgent, "userAgent");
    if (maxGap.isNegative() || maxGap.isZero()) {
      throw new IllegalArgumentException("maxGap must be positive, got " + maxGap);
    }
    this.maxGapMs = maxGap.toMillis();
  }

  /** Jobs that scrape {@code /federate} (any path prefix). */
  @Override
  public boolean appliesTo(ScrapeConfig config) {
    return config.metricsPath().endsWith("/federate");
  }

  @Override
  public SeriesSet missed(ScrapeConfig config, Target target, long afterMs, long untilMs)
      throws IOException {
    List<String> match = matchParams(target.url());
    if (match.isEmpty()) {
      return SeriesSet.EMPTY; // /federate without match[] exposes nothing either
    }
    List<List<Matcher>> selectors;
    try {
      selectors = Parser.parseMetricSelectors(match);
    } catch (PromQLParseException e) {
      throw new IOException("bad match[] of " + target.url() + ": " + e.getMessage(), e);
    }
    long fromMs = Math.max(afterMs, untilMs - maxGapMs);
    RemoteReadQueryable leaf =
        new RemoteReadQueryable(
            new RemoteReadConfig(
                RemoteReadFanout.readUrlOf(target.url()),
                "",
                target.timeout(),
                Map.of(),
                true,
                Map.of(),
                false,
                config.basicAuth(),
                config.bearerToken(),
                config.bearerTokenFile()),
            http,
            userAgent,
            () -> Labels.EMPTY,
            () -> Long.MAX_VALUE);
    List<Series> series = new ArrayList<>();
    try (Querier q = leaf.querier(fromMs + 1, untilMs)) {
      List<SeriesSet> sets = new ArrayList<>(selectors.size());
      for (List<Matcher> ms : selectors) {
        sets.add(q.select(true, ms.toArray(new Matcher[0])));
      }
      // Selectors may overlap, as /federate's do; the merge keeps each series once.
      SeriesSet merged = new MergeSeriesSet(sets);
      while (merged.next()) {
        series.add(merged.at());
      }
    } catch (UncheckedIOException e) {
      throw e.getCause();
    }
    return new SeriesSet() {
      private int i = -1;

      @Override
      public boolean next() {
        return ++i < series.size();
      }

      @Override
      public Series at() {
        return series.get(i);
      }
    };
  }

  /** The {@code match[]} values of the target's URL, decoded. */
  static List<String> matchParams(URI url) {
    List<String> out = new ArrayList<>();
    String query = url.getRawQuery();
    if (query == null) {
      return out;
    }
    for (String pair : query.split("&")) {
      int eq = pair.indexOf('=');
      String name = URLDecoder.decode(eq < 0 ? pair : pair.substring(0, eq), StandardCharsets.UTF_8);
      if (name.equals("match[]") && eq >= 0) {
        out.add(URLDecoder.decode(pair.substring(eq + 1), StandardCharsets.UTF_8));
      }
    }
    return out;
  }
}
