package io.promfed.scrape;

import static org.assertj.core.api.Assertions.assertThat;

import io.promfed.config.ScrapeConfig;
import io.promfed.model.labels.Labels;
import io.promfed.model.labels.Matcher;
import io.promfed.model.value.StaleNaN;
import io.promfed.storage.Querier;
import io.promfed.storage.Series;
import io.promfed.storage.SeriesCursor;
import io.promfed.storage.SeriesSet;
import io.promfed.tsdb.Head;
import java.io.IOException;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/** Gap healing in the scrape loop: a {@link GapFiller} backfills what failed scrapes missed. */
class ScrapeLoopGapTest {

  static final long T0 = 1_700_000_000_000L;

  TestTargetServer server;
  Head head;
  ScrapeStats stats;
  ScrapeHttpClient client = ScrapeHttpClient.plain();

  /** A filler holding series {@code a{x="1"}} with samples at the given seconds after T0. */
  static final class FakeFiller implements GapFiller {
    final boolean applies;
    final long[] secondsAfterT0;
    final List<long[]> calls = new ArrayList<>();
    IOException failure;

    FakeFiller(boolean applies, long... secondsAfterT0) {
      this.applies = applies;
      this.secondsAfterT0 = secondsAfterT0;
    }

    @Override
    public boolean appliesTo(ScrapeConfig config) {
      return applies;
    }

    @Override
    public SeriesSet missed(ScrapeConfig config, Target target, long afterMs, long untilMs)
        throws IOException {
      calls.add(new long[] {afterMs, untilMs});
      if (failure != null) {
        throw failure;
      }
      Series s =
          new Series() {
            @Override
            public Labels labels() {
              return Labels.of("__name__", "a", "x", "1");
            }

            @Override
            public SeriesCursor cursor() {
              return new SeriesCursor() {
                int i = -1;

                @Override
                public boolean next() {
                  return ++i < secondsAfterT0.length;
                }

                @Override
                public boolean seek(long t) {
                  i = Math.max(i, 0);
                  while (i < secondsAfterT0.length && atT() < t) {
                    i++;
                  }
                  return i < secondsAfterT0.length;
                }

                @Override
                public long atT() {
                  return T0 + secondsAfterT0[i] * 1000;
                }

                @Override
                public double atV() {
                  return secondsAfterT0[i];
                }
              };
            }
          };
      return new SeriesSet() {
        boolean done;

        @Override
        public boolean next() {
          boolean more = !done;
          done = true;
          return more;
        }

        @Override
        public Series at() {
          return s;
        }
      };
    }
  }

  @BeforeEach
  void setUp() throws Exception {
    server = new TestTargetServer();
    head = new Head(() -> T0 + 3_600_000L, Duration.ofDays(1));
    stats = new ScrapeStats();
  }

  @AfterEach
  void tearDown() {
    server.close();
  }

  /** A federate-like job: honor_labels, samples with their own timestamps, tracked for staleness. */
  ScrapeLoop loop(GapFiller filler) {
    ScrapeConfig cfg =
        ScrapeConfig.builder("federate")
            .scrapeInterval(Duration.ofSeconds(15))
            .scrapeTimeout(Duration.ofSeconds(2))
            .honorLabels(true)
            .trackTimestampsStaleness(true)
            .build();
    Target t =
        new Target(
            "federate",
            Labels.of("job", "federate", "instance", server.address()),
            Labels.EMPTY,
            server.url(),
            cfg.scrapeInterval(),
            cfg.scrapeTimeout());
    TargetScraper scraper =
        new TargetScraper(
            client,
            server.url(),
            cfg.scrapeTimeout(),
            cfg.bodySizeLimitBytes(),
            cfg.enableCompression(),
            new ScrapeAuth(cfg));
    return new ScrapeLoop(t, cfg, scraper, head, stats, filler);
  }

  /** The samples of {@code a{x="1"}} as "seconds=value", stale markers as "stale". */
  String a() {
    try (Querier q = head.querier(Long.MIN_VALUE, Long.MAX_VALUE)) {
      SeriesSet ss = q.select(true, Matcher.equal("__name__", "a"));
      Map<String, String> out = new TreeMap<>();
      while (ss.next()) {
        SeriesCursor c = ss.at().cursor();
        List<String> pts = new ArrayList<>();
        while (c.next()) {
          pts.add((c.atT() - T0) / 1000 + "=" + (StaleNaN.is(c.atV()) ? "stale" : c.atV()));
        }
        out.put(ss.at().labels().toString(), String.join(" ", pts));
      }
      assertThat(out).hasSize(1);
      assertThat(out.keySet().iterator().next())
          .isEqualTo(
              Labels.of("__name__", "a", "instance", server.address(), "job", "federate", "x", "1")
                  .toString());
      return out.values().iterator().next();
    }
  }

  void body(long secondsAfterT0, double v) {
    server.status = 200;
    server.body("a{x=\"1\"} " + v + " " + (T0 + secondsAfterT0 * 1000) + "\n");
  }

  @Test
  void theFirstScrapeAfterFailuresBringsTheMissedSamplesFirst() {
    FakeFiller filler = new FakeFiller(true, -1, 0, 10, 25, 40, 44, 50);
    ScrapeLoop l = loop(filler);
    body(-1, -1);
    l.scrapeAndReport(T0);
    server.status = 500;
    l.scrapeAndReport(T0 + 15_000);
    l.scrapeAndReport(T0 + 30_000);
    assertThat(filler.calls).isEmpty();
    assertThat(a()).as("no stale marker that would block the backfill").isEqualTo("-1=-1.0");

    body(44, 44);
    l.scrapeAndReport(T0 + 45_000);
    assertThat(filler.calls).containsExactly(new long[] {T0, T0 + 45_000});
    // Samples up to the last success are not asked for again, nor beyond this scrape (50).
    assertThat(a()).isEqualTo("-1=-1.0 10=10.0 25=25.0 40=40.0 44=44.0");
    assertThat(stats.gapSamplesFilled()).isEqualTo(4); // 10, 25, 40, 44 (the body's 44 repeats it)
    assertThat(stats.outOfOrder()).isZero();
    assertThat(stats.duplicateTimestamp()).isZero();

    // The gap is closed: the next success asks nothing.
    body(59, 59);
    l.scrapeAndReport(T0 + 60_000);
    assertThat(filler.calls).hasSize(1);
  }

  @Test
  void withoutAnySuccessTheGapStartsOneIntervalBeforeTheFirstFailure() {
    FakeFiller filler = new FakeFiller(true, -20, -10, 5);
    ScrapeLoop l = loop(filler);
    server.status = 500;
    l.scrapeAndReport(T0);
    body(14, 14);
    l.scrapeAndReport(T0 + 15_000);
    assertThat(filler.calls).containsExactly(new long[] {T0 - 15_000, T0 + 15_000});
    assertThat(a()).isEqualTo("-10=-10.0 5=5.0 14=14.0");
  }

  @Test
  void aFailingFillerIsCountedAndTheScrapeStillSucceeds() {
    FakeFiller filler = new FakeFiller(true, 10);
    filler.failure = new IOException("remote read from http://leaf failed: connection refused");
    ScrapeLoop l = loop(filler);
    body(-1, -1);
    l.scrapeAndReport(T0);
    server.status = 500;
    l.scrapeAndReport(T0 + 15_000);
    body(29, 29);
    l.scrapeAndReport(T0 + 30_000);
    assertThat(a()).isEqualTo("-1=-1.0 29=29.0");
    assertThat(stats.gapFillFailures()).isEqualTo(1);
    assertThat(l.target().health()).isEqualTo(Target.Health.UP);
  }

  @Test
  void aScrapeThatFailsAfterFillingRollsTheFillBackAndTheNextSuccessRetries() {
    FakeFiller filler = new FakeFiller(true, 10, 20);
    ScrapeLoop l = loop(filler);
    body(-1, -1);
    l.scrapeAndReport(T0);
    server.status = 500;
    l.scrapeAndReport(T0 + 15_000);
    server.status = 200;
    server.body("a{x=\"1\"} 1 2 3 garbage\n");
    l.scrapeAndReport(T0 + 30_000);
    assertThat(a()).isEqualTo("-1=-1.0");
    assertThat(stats.gapSamplesFilled()).isZero();
    body(44, 44);
    l.scrapeAndReport(T0 + 45_000);
    assertThat(a()).isEqualTo("-1=-1.0 10=10.0 20=20.0 44=44.0");
    assertThat(filler.calls).hasSize(2);
  }

  @Test
  void jobsTheFillerDoesNotApplyToKeepPrometheusBehaviour() {
    FakeFiller filler = new FakeFiller(false, 10);
    ScrapeLoop l = loop(filler);
    body(-1, -1);
    l.scrapeAndReport(T0);
    server.status = 500;
    l.scrapeAndReport(T0 + 15_000);
    body(29, 29);
    l.scrapeAndReport(T0 + 30_000);
    assertThat(filler.calls).isEmpty();
    assertThat(a()).isEqualTo("-1=-1.0 15=stale 29=29.0");
  }
}
