package io.promfed.scrape;

import static java.nio.charset.StandardCharsets.UTF_8;
import static org.assertj.core.api.Assertions.assertThat;

import io.promfed.model.labels.Labels;
import io.promfed.model.labels.LabelsBuilder;
import io.promfed.model.textparse.ParseException;
import io.promfed.model.textparse.Parser;
import io.promfed.model.textparse.PromTextParser;
import java.util.ArrayList;
import java.util.Collections;
import java.util.HashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Random;
import org.junit.jupiter.api.Test;

class ScrapeCacheTest {

  final ScrapeCache cache = new ScrapeCache();

  /** {@code raw} inside a larger buffer, as the parser hands it over. */
  int get(String raw) {
    byte[] buf = ("xx" + raw + " 1\n").getBytes(UTF_8);
    return cache.get(buf, 2, 2 + raw.length());
  }

  int put(String raw, Labels lset) {
    byte[] buf = ("# " + raw + " 42").getBytes(UTF_8);
    return cache.put(buf, 2, 2 + raw.length(), lset);
  }

  static String raw(int i) {
    return "node_cpu_seconds_total{cpu=\"" + (i % 64) + "\",mode=\"m" + (i / 64) + "\"}";
  }

  @Test
  void findsWhatWasPutByItsRawBytesOnly() {
    Labels a = Labels.of("__name__", "a");
    int e = put("a{x=\"1\"}", a);
    cache.setRef(e, 7);
    assertThat(get("a{x=\"1\"}")).isEqualTo(e);
    assertThat(cache.ref(e)).isEqualTo(7);
    assertThat(cache.labels(e)).isSameAs(a);
    assertThat(get("a{x=\"2\"}")).isEqualTo(ScrapeCache.ABSENT);
    assertThat(get("a{x=\"1\"")).isEqualTo(ScrapeCache.ABSENT); // a prefix is another key
    assertThat(get("")).isEqualTo(ScrapeCache.ABSENT);
  }

  @Test
  void manyEntriesGrowTheTableAndArenaAndStayFindable() {
    List<Integer> ids = new ArrayList<>();
    for (int i = 0; i < 20_000; i++) {
      int e = put(raw(i), Labels.of("__name__", "n" + i));
      cache.setRef(e, i + 1);
      ids.add(e);
    }
    for (int i = 0; i < 20_000; i++) {
      int e = get(raw(i));
      assertThat(e).isEqualTo(ids.get(i));
      assertThat(cache.ref(e)).isEqualTo(i + 1);
    }
    assertThat(cache.size()).isEqualTo(20_000);
  }

  @Test
  void findsEntriesInTheScrapesOrderInAnotherOrderAndAfterEviction() {
    for (int i = 0; i < 300; i++) {
      cache.setRef(put(raw(i), Labels.of("__name__", "n" + i)), i + 1);
    }
    cache.iterationDone(true);
    // Same order as they were put (the guessed path), then reversed, then every third.
    for (int i = 0; i < 300; i++) {
      assertThat(cache.ref(get(raw(i)))).isEqualTo(i + 1);
    }
    for (int i = 299; i >= 0; i--) {
      assertThat(cache.ref(get(raw(i)))).isEqualTo(i + 1);
    }
    assertThat(get(raw(300))).isEqualTo(ScrapeCache.ABSENT);
    for (int round = 0; round < 4; round++) {
      for (int i = 0; i < 300; i += 3) {
        cache.markSeen(get(raw(i)));
      }
      cache.iterationDone(true);
    }
    assertThat(cache.size()).isEqualTo(100); // the others were evicted and the rest renumbered
    for (int i = 0; i < 300; i++) {
      int e = get(raw(i));
      if (i % 3 == 0) {
        assertThat(cache.ref(e)).isEqualTo(i + 1);
      } else {
        assertThat(e).isEqualTo(ScrapeCache.ABSENT);
      }
    }
  }

  @Test
  void expectsTheEntryAfterTheLastOneFoundOrPut() {
    int a = put("a", null);
    int b = put("b", null);
    int c = put("c", null);
    assertThat(cache.expectedNext()).isEqualTo(ScrapeCache.ABSENT); // c, just put, is the last
    cache.iterationDone(true);
    assertThat(cache.expectedNext()).isEqualTo(a); // a scrape starts at the first
    assertThat(get("b")).isEqualTo(b);
    assertThat(cache.expectedNext()).isEqualTo(c);
    assertThat(get("x")).isEqualTo(ScrapeCache.ABSENT); // a miss keeps the expectation
    assertThat(cache.expectedNext()).isEqualTo(c);
  }

  @Test
  void hashUsesEveryByteIncludingTheTail() {
    byte[] a = "abcdefgh12345".getBytes(UTF_8);
    byte[] b = "abcdefgh12346".getBytes(UTF_8);
    byte[] c = "abcdefgi12345".getBytes(UTF_8);
    int h = ScrapeCache.hash(a, 0, a.length);
    assertThat(ScrapeCache.hash(b, 0, b.length)).isNotEqualTo(h);
    assertThat(ScrapeCache.hash(c, 0, c.length)).isNotEqualTo(h);
    assertThat(ScrapeCache.hash(a, 0, 12)).isNotEqualTo(h);
  }

  @Test
  void seriesSeenLastScrapeButNotThisOneDisappear() {
    int a = put("a", Labels.of("__name__", "a"));
    int b = put("b", Labels.of("__name__", "b"));
    int c = put("c", Labels.of("__name__", "c"));
    assertThat(cache.markSeen(a, true)).isTrue();
    assertThat(cache.markSeen(a, true)).isFalse(); // a duplicate line in one scrape
    cache.markSeen(b, true);
    cache.markSeen(c, false); // a sample with its own timestamp: no staleness
    cache.iterationDone(true);

    cache.markSeen(a, true);
    assertThat(cache.disappeared().toIntArray()).containsExactly(b);
    cache.iterationDone(true);
    assertThat(cache.seenPrevious().toIntArray()).containsExactly(a);
  }

  @Test
  void failedScrapeRemembersNothingAsSeen() {
    int a = put("a", Labels.of("__name__", "a"));
    cache.markSeen(a, true);
    cache.iterationDone(true);
    cache.markSeen(a, true);
    cache.iterationDone(false);
    assertThat(cache.seenPrevious().toIntArray()).isEmpty();
  }

  @Test
  void aScrapeThatFailsHalfwayMakesEverySeriesOfThePreviousOneStale() {
    int a = put("a", Labels.of("__name__", "a"));
    int b = put("b", Labels.of("__name__", "b"));
    cache.markSeen(a, true);
    cache.markSeen(b, true);
    cache.iterationDone(true);
    cache.markSeen(a, true); // the failing scrape got as far as a
    assertThat(cache.seenPrevious().toIntArray()).containsExactly(a, b);
    cache.iterationDone(false);
    assertThat(cache.seenPrevious().toIntArray()).isEmpty();
    assertThat(cache.disappeared().toIntArray()).isEmpty();
  }

  @Test
  void unseenEntriesAreEvictedAndTheRestRenumberedWithTheirState() {
    Labels keptLabels = Labels.of("__name__", "kept");
    int kept = put("kept", keptLabels);
    cache.setRef(kept, 99);
    for (int i = 0; i < 200; i++) {
      cache.markSeen(put(raw(i), Labels.of("__name__", "x")), true);
    }
    cache.markSeen(kept, true);
    cache.iterationDone(true);
    for (int i = 0; i < 3; i++) {
      cache.markSeen(get("kept"), true);
      cache.iterationDone(true);
    }
    assertThat(cache.size()).isEqualTo(1);
    assertThat(get(raw(0))).isEqualTo(ScrapeCache.ABSENT);
    int e = get("kept");
    assertThat(e).isNotEqualTo(ScrapeCache.ABSENT);
    assertThat(cache.ref(e)).isEqualTo(99);
    assertThat(cache.labels(e)).isSameAs(keptLabels);
    assertThat(cache.seenPrevious().toIntArray()).containsExactly(e);

    // New entries after eviction go on working.
    int n = put(raw(5), Labels.of("__name__", "again"));
    assertThat(get(raw(5))).isEqualTo(n);
    assertThat(get("kept")).isEqualTo(e);
  }

  @Test
  void droppedSeriesStayCachedWhileSeenSoRelabelingIsNotRedone() {
    List<Integer> dropped = new ArrayList<>();
    for (int i = 0; i < 500; i++) {
      dropped.add(put(raw(i), null));
    }
    int kept = put("kept", Labels.of("__name__", "kept"));
    for (int iter = 0; iter < 5; iter++) {
      for (int i = 0; i < 500; i++) {
        int e = get(raw(i));
        assertThat(e).as("iteration %d, series %d", iter, i).isNotEqualTo(ScrapeCache.ABSENT);
        assertThat(cache.dropped(e)).isTrue();
        cache.markSeen(e, false);
      }
      cache.markSeen(get("kept"), true);
      cache.iterationDone(true);
    }
    assertThat(cache.size()).isEqualTo(501);
    assertThat(cache.dropped(get("kept"))).isFalse();
    assertThat(kept).isEqualTo(get("kept"));
  }

  @Test
  void keysThatArePrefixesOfEachOtherStayApart() {
    // Front coding stores each key as what it does not share with the previous one; a key that
    // is a prefix of its neighbour, or equal to it up to its length, shares all of its bytes.
    String[] keys = {"m", "m{a=\"1\"}", "m{a=\"1\",b=\"2\"}", "m{a=\"1\"", "m", "mm", "m"};
    List<Integer> ids = new ArrayList<>();
    for (int i = 0; i < 4; i++) {
      ids.add(put(keys[i], Labels.of("__name__", "k" + i)));
    }
    ids.add(put("mm", null));
    for (int i = 0; i < 4; i++) {
      assertThat(get(keys[i])).isEqualTo(ids.get(i));
    }
    assertThat(get("mm")).isEqualTo(ids.get(4));
    assertThat(get("m{a=\"1\",b=\"2")).isEqualTo(ScrapeCache.ABSENT);
    assertThat(get("m{")).isEqualTo(ScrapeCache.ABSENT);
  }

  /**
   * Scrapes through the real text parser, as {@link ScrapeLoop} drives the cache: the cache
   * offers the series it expects next, the parser may then skip its label block, and the cache
   * finds the entry. Bodies are random subsets of keys that share long prefixes, sometimes in
   * their usual order, sometimes shuffled, so the keys are rebuilt from their neighbours, from
   * restart points and after evictions renumber and re-code them. Every line must find the
   * entry its key was put under, and yield the same labels as a parser given no hint.
   */
  @Test
  void scrapesThroughTheParserFindTheirEntriesWhateverTheOrderAndEvictions()
      throws ParseException {
    Random rnd = new Random(42);
    List<String> universe = new ArrayList<>();
    for (int i = 0; i < 1_500; i++) {
      String name = i % 7 == 0 ? "node_cpu_seconds_total" : "m" + (i % 5);
      universe.add(
          i % 11 == 0
              ? name
              : name + "{cpu=\"" + (i / 40) + "\",mode=\"" + "idle".substring(i % 3) + i + "\"}");
    }
    universe = new ArrayList<>(new LinkedHashSet<>(universe));
    Map<String, Long> refOf = new HashMap<>();
    for (int i = 0; i < universe.size(); i++) {
      refOf.put(universe.get(i), i + 1L);
    }
    int hinted = 0;
    int lines = 0;
    List<String> trackedBefore = List.of();
    for (int scrape = 0; scrape < 40; scrape++) {
      List<String> body = new ArrayList<>();
      double keep = scrape % 10 == 9 ? 0.2 : 0.9; // now and then most series go away
      for (String k : universe) {
        if (rnd.nextDouble() < keep) {
          body.add(k);
        }
      }
      if (scrape % 4 == 3) {
        Collections.shuffle(body, rnd);
      }
      StringBuilder text = new StringBuilder();
      for (String k : body) {
        text.append(k).append(' ').append(scrape).append('\n');
      }
      byte[] bytes = text.toString().getBytes(UTF_8);
      Parser p = new PromTextParser(bytes, bytes.length);
      int expectedNext = ScrapeCache.ABSENT;
      while (true) {
        cache.offerNext(p);
        expectedNext = cache.expectedNext();
        if (p.next() == Parser.Entry.EOF) {
          break;
        }
        String key = new String(bytes, p.seriesStart(), p.seriesEnd() - p.seriesStart(), UTF_8);
        int e = cache.get(bytes, p.seriesStart(), p.seriesEnd());
        if (e == ScrapeCache.ABSENT) {
          e = cache.put(bytes, p.seriesStart(), p.seriesEnd(), Labels.EMPTY);
          cache.setRef(e, refOf.get(key));
        } else if (e == expectedNext) {
          hinted++;
        }
        lines++;
        assertThat(cache.ref(e)).as("scrape %d, %s", scrape, key).isEqualTo(refOf.get(key));
        LabelsBuilder hintedLabels = new LabelsBuilder();
        p.labels(hintedLabels);
        byte[] alone = (key + " 1\n").getBytes(UTF_8);
        Parser plain = new PromTextParser(alone, alone.length);
        plain.next();
        LabelsBuilder plainLabels = new LabelsBuilder();
        plain.labels(plainLabels);
        assertThat(hintedLabels.build()).isEqualTo(plainLabels.build());
        cache.markSeen(e, true);
      }
      // Staleness: the series of the last successful scrape that this one lacks disappeared; a
      // scrape that fails (after parsing its body) makes all of that scrape's series stale.
      boolean fails = scrape % 7 == 6;
      List<String> expectStale = new ArrayList<>(trackedBefore);
      if (!fails) {
        expectStale.removeAll(body);
      }
      List<Integer> staleIds = new ArrayList<>();
      for (String k : expectStale) {
        byte[] kb = k.getBytes(UTF_8);
        staleIds.add(cache.get(kb, 0, kb.length));
      }
      int[] stale = fails ? cache.seenPrevious().toIntArray() : cache.disappeared().toIntArray();
      assertThat(stale)
          .as("scrape %d", scrape)
          .containsExactlyInAnyOrder(staleIds.stream().mapToInt(i -> i).toArray());
      cache.iterationDone(!fails);
      trackedBefore = fails ? List.of() : body;
    }
    assertThat(hinted).as("lines found as the expected next entry").isGreaterThan(lines / 2);
  }

  @Test
  void storesOnlyTheBytesAKeyDoesNotShareWithThePreviousOne() {
    int n = 100_000;
    long rawBytes = 0;
    for (int i = 0; i < n; i++) {
      String r = raw(i);
      rawBytes += r.length();
      cache.markSeen(put(r, Labels.EMPTY), true);
    }
    cache.iterationDone(true);
    double perEntry = cache.ramBytesUsed() / (double) n;
    assertThat((long) cache.storedKeyBytes()).isLessThan(rawBytes / 2);
    System.out.printf(
        "scrape cache, %d entries: %.1f bytes/entry in all, keys of %.1f raw bytes%n",
        n, perEntry, rawBytes / (double) n);
    // Neighbours share the name and part of the label block: the arena keeps 17 of 44 bytes.
    assertThat(perEntry).isLessThan(rawBytes / (double) n + 40);

    // Eviction codes the keys that stay against their new neighbours.
    for (int round = 0; round < 3; round++) {
      for (int i = 0; i < n; i += 3) {
        cache.markSeen(get(raw(i)), true);
      }
      cache.iterationDone(true);
    }
    int kept = (n + 2) / 3;
    assertThat(cache.size()).isEqualTo(kept);
    double storedPerKey = cache.storedKeyBytes() / (double) kept;
    System.out.printf("after evicting two thirds: %.1f key bytes stored per entry%n", storedPerKey);
    assertThat(storedPerKey).isLessThan(rawBytes / (double) n / 2);
  }
}
