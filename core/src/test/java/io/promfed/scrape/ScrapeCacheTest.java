package io.promfed.scrape;

import static java.nio.charset.StandardCharsets.UTF_8;
import static org.assertj.core.api.Assertions.assertThat;

import io.promfed.model.labels.Labels;
import java.util.ArrayList;
import java.util.List;
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
  void costsWellUnderAHundredBytesPerEntryPlusTheRawSeries() {
    int n = 100_000;
    long rawBytes = 0;
    for (int i = 0; i < n; i++) {
      String r = raw(i);
      rawBytes += r.length();
      cache.markSeen(put(r, Labels.EMPTY), true);
    }
    cache.iterationDone(true);
    double overheadPerEntry = (cache.ramBytesUsed() - rawBytes) / (double) n;
    System.out.printf(
        "scrape cache, %d entries: %.1f bytes/entry besides %.1f raw bytes%n",
        n, overheadPerEntry, rawBytes / (double) n);
    assertThat(overheadPerEntry).isLessThan(100);
  }
}
