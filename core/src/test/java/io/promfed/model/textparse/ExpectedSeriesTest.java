package io.promfed.model.textparse;

import static org.assertj.core.api.Assertions.assertThat;

import io.promfed.model.labels.Labels;
import io.promfed.model.labels.LabelsBuilder;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Random;
import org.junit.jupiter.api.Test;

/**
 * {@link Parser#expectSeries}: a hint may make the text parser skip a label block, but never change
 * what it returns, which error it reports or on which line.
 */
class ExpectedSeriesTest {

  @Test
  void aMatchingHintGivesTheSameEntriesAndLabels() {
    String body = "# TYPE a counter\na{x=\"1\",y=\"2\"} 3 1000\na{x=\"1\",y=\"3\"} 4\n";
    String plain = Fixtures.dump(parser(body));
    byte[] first = bytes("a{x=\"1\",y=\"2\"}");
    byte[] second = bytes("a{x=\"1\",y=\"3\"}");
    Hinting p = new Hinting(parser(body), List.of(first, second));

    assertThat(Fixtures.dump(p)).isEqualTo(plain);
    assertThat(p.matched).as("series whose label block was skipped").isEqualTo(2);
  }

  @Test
  void aHintThatIsOnlyAPrefixOfTheSeriesDoesNotMatch() {
    // "foo" is a complete series text, but here it starts "foobar" and "foo {...}".
    String body = "foobar 1\nfoo {a=\"b\"} 2\nfoo\t3\n";
    byte[] foo = bytes("foo");
    Hinting p = new Hinting(parser(body), List.of(foo, foo, foo));

    assertThat(Fixtures.dump(p)).isEqualTo(Fixtures.dump(parser(body)));
    assertThat(p.matched).isEqualTo(1);
  }

  @Test
  void linesInsideAMatchedLabelValueStillCountForLaterErrors() {
    String body = "a{x=\"one\ntwo\"} 1\nb 2\nc{ 3\n";
    byte[] a = bytes("a{x=\"one\ntwo\"}");
    Hinting p = new Hinting(parser(body), List.of(a, a, a));

    String hinted = Fixtures.dump(p);
    assertThat(hinted).isEqualTo(Fixtures.dump(parser(body))).contains("ERROR line 4:");
    assertThat(p.matched).isEqualTo(1);
  }

  @Test
  void labelsOfAMatchedSeriesAreScannedOnRequest() throws ParseException {
    PromTextParser p = parser("m{b=\"2\",a=\"x\\\"y\"} 1\n");
    byte[] key = bytes("m{b=\"2\",a=\"x\\\"y\"}");
    p.expectSeries(key, 0, key.length);

    assertThat(p.next()).isEqualTo(Parser.Entry.SERIES);
    LabelsBuilder lb = new LabelsBuilder();
    p.labels(lb);
    assertThat(lb.build())
        .isEqualTo(Labels.of(Labels.METRIC_NAME, "m", "a", "x\"y", "b", "2"));
  }

  /**
   * Every body of the upstream corpus, parsed with hints drawn from series the parsers accepted
   * anywhere in the corpus (in the body's own order, as a scrape cache offers them, mixed with
   * random ones), dumps exactly as it does without hints.
   */
  @Test
  void hintsNeverChangeWhatTheCorpusParsesTo() {
    List<byte[]> bodies = new ArrayList<>();
    for (String line : Fixtures.tableLines("upstream_corpus.cases")) {
      bodies.add(Fixtures.goUnquote(line));
    }
    List<byte[]> pool = new ArrayList<>();
    List<List<byte[]>> own = new ArrayList<>();
    for (byte[] b : bodies) {
      List<byte[]> accepted = acceptedSeries(new PromTextParser(b, b.length));
      own.add(accepted);
      pool.addAll(accepted);
      pool.addAll(acceptedSeries(new OpenMetricsParser(b, b.length)));
    }
    assertThat(pool).hasSizeGreaterThan(1000);

    Random random = new Random(42);
    List<String> mismatches = new ArrayList<>();
    int matched = 0;
    for (int i = 0; i < bodies.size(); i++) {
      byte[] b = bodies.get(i);
      List<byte[]> hints = new ArrayList<>();
      for (byte[] k : own.get(i)) {
        hints.add(k);
        hints.add(random.nextInt(4) == 0 ? pool.get(random.nextInt(pool.size())) : k);
      }
      for (int j = 0; j < 8; j++) {
        hints.add(pool.get(random.nextInt(pool.size())));
      }
      Hinting hinted = new Hinting(new PromTextParser(b, b.length), hints);
      String got = Fixtures.dump(hinted);
      String want = Fixtures.dump(new PromTextParser(b, b.length));
      matched += hinted.matched;
      if (!got.equals(want) && mismatches.size() < 5) {
        mismatches.add(i + ": " + want + " -- with hints: " + got);
      }
    }
    assertThat(mismatches).isEmpty();
    assertThat(matched).as("series that matched a hint").isGreaterThan(1000);
  }

  private static List<byte[]> acceptedSeries(Parser p) {
    List<byte[]> out = new ArrayList<>();
    try {
      Parser.Entry e;
      while ((e = p.next()) != Parser.Entry.EOF) {
        if (e == Parser.Entry.SERIES) {
          out.add(Arrays.copyOfRange(p.buffer(), p.seriesStart(), p.seriesEnd()));
        }
      }
    } catch (ParseException ignored) {
      // the series before the error were accepted
    }
    return out;
  }

  private static PromTextParser parser(String body) {
    byte[] b = bytes(body);
    return new PromTextParser(b, b.length);
  }

  private static byte[] bytes(String s) {
    return s.getBytes(StandardCharsets.UTF_8);
  }

  /**
   * Offers the next hint before every {@link #next()}, as the scrape loop does, and counts the
   * series that were exactly the offered text.
   */
  private static final class Hinting implements Parser {
    private final Parser p;
    private final List<byte[]> hints;
    private int nextHint;
    private byte[] offered;
    int matched;

    Hinting(Parser p, List<byte[]> hints) {
      this.p = p;
      this.hints = hints;
    }

    @Override
    public Entry next() throws ParseException {
      if (offered == null && nextHint < hints.size()) {
        offered = hints.get(nextHint++);
        // Offer it at an offset inside a larger array, as the cache's arena does.
        byte[] arena = new byte[offered.length + 7];
        System.arraycopy(offered, 0, arena, 3, offered.length);
        p.expectSeries(arena, 3, offered.length);
      }
      Entry e = p.next();
      if (e == Entry.SERIES) {
        if (offered != null
            && Arrays.equals(
                p.buffer(), p.seriesStart(), p.seriesEnd(), offered, 0, offered.length)) {
          matched++;
        }
        offered = null;
      }
      return e;
    }

    @Override
    public byte[] buffer() {
      return p.buffer();
    }

    @Override
    public int seriesStart() {
      return p.seriesStart();
    }

    @Override
    public int seriesEnd() {
      return p.seriesEnd();
    }

    @Override
    public double value() {
      return p.value();
    }

    @Override
    public boolean hasTimestamp() {
      return p.hasTimestamp();
    }

    @Override
    public long timestampMs() {
      return p.timestampMs();
    }

    @Override
    public void labels(LabelsBuilder into) {
      p.labels(into);
    }

    @Override
    public String metricFamilyName() {
      return p.metricFamilyName();
    }

    @Override
    public String type() {
      return p.type();
    }

    @Override
    public String text() {
      return p.text();
    }
  }
}
