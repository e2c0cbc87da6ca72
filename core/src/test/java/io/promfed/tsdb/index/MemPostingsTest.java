package io.promfed.tsdb.index;

import static org.assertj.core.api.Assertions.assertThat;

import io.promfed.model.labels.Labels;
import io.promfed.model.labels.Matcher;
import io.promfed.model.labels.Matcher.Type;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.SplittableRandom;
import java.util.TreeMap;
import java.util.TreeSet;
import java.util.stream.Stream;
import org.junit.jupiter.api.RepeatedTest;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;

class MemPostingsTest {

  // ---- The case table of Prometheus's TestPostingsForMatchers (tsdb/querier_test.go), as data.

  private static final List<Labels> TABLE_SERIES =
      List.of(
          Labels.of("n", "1"),
          Labels.of("n", "1", "i", "a"),
          Labels.of("n", "1", "i", "b"),
          Labels.of("n", "1", "i", "\n"),
          Labels.of("n", "2"),
          Labels.of("n", "2.5"));

  private static Matcher m(Type t, String name, String value) {
    return Matcher.of(t, name, value);
  }

  private static Arguments c(List<Matcher> ms, Labels... expected) {
    return Arguments.of(ms, List.of(expected));
  }

  static Stream<Arguments> prometheusTable() {
    Labels n1 = Labels.of("n", "1");
    Labels n1a = Labels.of("n", "1", "i", "a");
    Labels n1b = Labels.of("n", "1", "i", "b");
    Labels n1nl = Labels.of("n", "1", "i", "\n");
    Labels n2 = Labels.of("n", "2");
    Labels n25 = Labels.of("n", "2.5");
    Type eq = Type.EQUAL;
    Type ne = Type.NOT_EQUAL;
    Type re = Type.REGEX;
    Type nre = Type.NOT_REGEX;
    return Stream.of(
        // Simple equals.
        c(List.of(m(eq, "n", "1")), n1, n1a, n1b, n1nl),
        c(List.of(m(eq, "n", "1"), m(eq, "i", "a")), n1a),
        c(List.of(m(eq, "n", "1"), m(eq, "i", "missing"))),
        c(List.of(m(eq, "missing", "")), n1, n1a, n1b, n1nl, n2, n25),
        // Not equals.
        c(List.of(m(ne, "n", "1")), n2, n25),
        c(List.of(m(ne, "i", "")), n1a, n1b, n1nl),
        c(List.of(m(ne, "missing", ""))),
        c(List.of(m(eq, "n", "1"), m(ne, "i", "a")), n1, n1b, n1nl),
        c(List.of(m(eq, "n", "1"), m(ne, "i", "")), n1a, n1b, n1nl),
        // Regex.
        c(List.of(m(re, "n", "^1$")), n1, n1a, n1b, n1nl),
        c(List.of(m(eq, "n", "1"), m(re, "i", "^a$")), n1a),
        c(List.of(m(eq, "n", "1"), m(re, "i", "^a?$")), n1, n1a),
        c(List.of(m(re, "i", "^$")), n1, n2, n25),
        c(List.of(m(eq, "n", "1"), m(re, "i", "^$")), n1),
        c(List.of(m(eq, "n", "1"), m(re, "i", "^.*$")), n1, n1a, n1b, n1nl),
        c(List.of(m(eq, "n", "1"), m(re, "i", "^.+$")), n1a, n1b, n1nl),
        // Not regex.
        c(List.of(m(nre, "i", "")), n1a, n1b, n1nl),
        c(List.of(m(nre, "n", "^1$")), n2, n25),
        c(List.of(m(nre, "n", "1")), n2, n25),
        c(List.of(m(nre, "n", "1|2.5")), n2),
        c(List.of(m(nre, "n", "(1|2.5)")), n2),
        c(List.of(m(eq, "n", "1"), m(nre, "i", "^a$")), n1, n1b, n1nl),
        c(List.of(m(eq, "n", "1"), m(nre, "i", "^a?$")), n1b, n1nl),
        c(List.of(m(eq, "n", "1"), m(nre, "i", "^$")), n1a, n1b, n1nl),
        c(List.of(m(eq, "n", "1"), m(nre, "i", "^.*$"))),
        c(List.of(m(eq, "n", "1"), m(nre, "i", "^.+$")), n1),
        // Combinations.
        c(List.of(m(eq, "n", "1"), m(ne, "i", ""), m(eq, "i", "a")), n1a),
        c(List.of(m(eq, "n", "1"), m(ne, "i", "b"), m(re, "i", "^(b|a).*$")), n1a),
        // Set optimisation for regex (prometheus#2651).
        c(List.of(m(re, "n", "1|2")), n1, n1a, n1b, n1nl, n2),
        c(List.of(m(re, "i", "a|b")), n1a, n1b),
        c(List.of(m(re, "i", "(a|b)")), n1a, n1b),
        c(List.of(m(re, "n", "x1|2")), n2),
        c(List.of(m(re, "n", "2|2\\.5")), n2, n25),
        // Empty value.
        c(List.of(m(re, "i", "c||d")), n1, n2, n25),
        c(List.of(m(re, "i", "(c||d)")), n1, n2, n25),
        // Shortcuts for .* and .+.
        c(List.of(m(re, "i", ".*")), n1, n1a, n1b, n1nl, n2, n25),
        c(List.of(m(re, "n", ".*"), m(re, "i", "^.*$")), n1, n1a, n1b, n1nl, n2, n25),
        c(List.of(m(re, "n", "^.*$"), m(eq, "i", "a")), n1a),
        c(List.of(m(nre, "i", ".*"))),
        c(List.of(m(nre, "n", "^.*$"), m(nre, "i", ".*"))),
        c(List.of(m(re, "n", ".*"), m(nre, "i", ".*"))),
        c(List.of(m(eq, "n", "1"), m(nre, "i", "^.*$"))),
        c(List.of(m(re, "n", ".*"), m(nre, "i", ".+")), n1, n2, n25),
        // Prometheus's "all postings" key: name="" value="".
        c(List.of(m(eq, "", "")), n1, n1a, n1b, n1nl, n2, n25));
  }

  @ParameterizedTest(name = "{0}")
  @MethodSource("prometheusTable")
  void postingsForMatchersMatchesPrometheusTable(List<Matcher> matchers, List<Labels> expected) {
    MemPostings mp = new MemPostings();
    for (int i = 0; i < TABLE_SERIES.size(); i++) {
      mp.add(i + 1, TABLE_SERIES.get(i));
    }
    Postings p = mp.postingsForMatchers(matchers.toArray(new Matcher[0]));
    List<Labels> got = new ArrayList<>();
    for (int i = 0; i < p.size(); i++) {
      got.add(TABLE_SERIES.get((int) p.get(i) - 1));
    }
    assertThat(got).containsExactlyInAnyOrderElementsOf(expected);
  }

  // ---- Randomised against a brute-force model.

  private static final String[] NAMES = {"__name__", "a", "b", "c", "job"};
  private static final String[] VALUES = {
    "x", "y", "xy", "yx", "1", "2", "2.5", "foo", "foobar", "fo", "FOO", "\n", "a|b", "ä", "😀",
    "x😀"
  };
  private static final String[] PATTERNS = {
    ".*",
    ".+",
    "",
    "x|y",
    "(x|y)",
    "fo.*",
    "foo?",
    "fo+",
    "x.*|y",
    "^x$",
    "foo(bar)?",
    "[xy]+",
    "(?i)foo.*",
    "2\\.5|1",
    "c||d",
    "x?",
    "\n",
    "f.o.*",
    "a\\|b",
    "x😀?",
    "😀|ä",
    "(xy|yx)z?",
    "foo|",
    ".*x",
    "[^x]*",
    "y.",
    "^(fo|x)",
    "\\d",
    "(x)(y)",
    "x{0}y?",
    "(?s:.)+",
    "foo$"
  };

  private static long seed() {
    return Long.getLong("tsdb.seed", new SplittableRandom().nextLong());
  }

  private static Labels randomLabels(SplittableRandom r) {
    Map<String, String> m = new HashMap<>();
    for (String n : NAMES) {
      if (r.nextInt(3) != 0) {
        m.put(n, VALUES[r.nextInt(VALUES.length)]);
      }
    }
    if (m.isEmpty()) {
      m.put("a", "x");
    }
    return Labels.from(m);
  }

  private static Matcher randomMatcher(SplittableRandom r) {
    String name = r.nextInt(8) == 0 ? "missing" : NAMES[r.nextInt(NAMES.length)];
    Type t = Type.values()[r.nextInt(4)];
    String v =
        switch (t) {
          case EQUAL, NOT_EQUAL -> r.nextInt(5) == 0 ? "" : VALUES[r.nextInt(VALUES.length)];
          default ->
              r.nextInt(4) == 0
                  ? VALUES[r.nextInt(VALUES.length)].replace("|", "\\|")
                  : PATTERNS[r.nextInt(PATTERNS.length)];
        };
    return Matcher.of(t, name, v);
  }

  private static long[] bruteForce(Map<Long, Labels> series, Matcher[] ms) {
    return series.entrySet().stream()
        .filter(e -> Arrays.stream(ms).allMatch(m -> m.matches(e.getValue())))
        .mapToLong(Map.Entry::getKey)
        .sorted()
        .toArray();
  }

  @RepeatedTest(12)
  void randomSelectorsMatchBruteForce() {
    long seed = seed();
    SplittableRandom r = new SplittableRandom(seed);
    MemPostings mp = new MemPostings();
    Map<Long, Labels> model = new TreeMap<>();
    int n = 1 + r.nextInt(300);
    for (long ref = 1; ref <= n; ref++) {
      Labels l = randomLabels(r);
      model.put(ref, l);
      mp.add(ref, l);
    }
    for (int round = 0; round < 3; round++) {
      for (int q = 0; q < 60; q++) {
        Matcher[] ms = new Matcher[r.nextInt(4)];
        for (int i = 0; i < ms.length; i++) {
          ms[i] = randomMatcher(r);
        }
        String why = "seed=" + seed + " (-Dtsdb.seed=" + seed + ") matchers=" + Arrays.toString(ms);
        long[] expected = bruteForce(model, ms);
        assertThat(mp.postingsForMatchers(ms).toArray()).as(why).containsExactly(expected);

        String name = r.nextInt(6) == 0 ? "missing" : NAMES[r.nextInt(NAMES.length)];
        TreeSet<String> values = new TreeSet<>();
        TreeSet<String> names = new TreeSet<>();
        for (long ref : expected) {
          Labels l = model.get(ref);
          if (l.has(name)) {
            values.add(l.get(name));
          }
          l.forEach((k, v) -> names.add(k));
        }
        // Prometheus filters values by matchers on the same label without consulting series, so
        // every matching value is returned; with the model that is exactly the matched series'.
        assertThat(mp.labelValues(name, ms))
            .as(why + " labelValues " + name)
            .containsExactlyElementsOf(values);
        assertThat(mp.labelNames(model::get, ms))
            .as(why + " labelNames")
            .containsExactlyElementsOf(names);
      }
      // Delete a random third, then add some new series (some with refs out of order).
      List<Long> dead = new ArrayList<>();
      for (Long ref : model.keySet()) {
        if (r.nextInt(3) == 0) {
          dead.add(ref);
        }
      }
      List<Labels> deadLabels = dead.stream().map(model::get).toList();
      mp.delete(dead.stream().mapToLong(Long::longValue).toArray(), deadLabels);
      dead.forEach(model::remove);
      long base = 10_000L * (round + 1);
      for (int i = 0; i < 50; i++) {
        long ref = base + r.nextInt(5_000);
        if (!model.containsKey(ref)) {
          Labels l = randomLabels(r);
          model.put(ref, l);
          mp.add(ref, l);
        }
      }
      assertThat(mp.allPostings().toArray())
          .as("seed=" + seed)
          .containsExactly(model.keySet().stream().mapToLong(Long::longValue).toArray());
    }
  }

  // ---- Postings set operations against sorted-set arithmetic.

  @RepeatedTest(20)
  void setOperationsMatchTreeSetModel() {
    long seed = seed();
    SplittableRandom r = new SplittableRandom(seed);
    List<TreeSet<Long>> sets = new ArrayList<>();
    List<Postings> lists = new ArrayList<>();
    for (int k = 0; k < 1 + r.nextInt(6); k++) {
      TreeSet<Long> s = new TreeSet<>();
      // Mix small and large lists so both the linear and the galloping paths run.
      int size = r.nextInt(3) == 0 ? r.nextInt(5_000) : r.nextInt(40);
      long bound = 1 + r.nextInt(20_000);
      for (int i = 0; i < size; i++) {
        s.add(r.nextLong(bound));
      }
      sets.add(s);
      lists.add(Postings.of(s.stream().mapToLong(Long::longValue).toArray()));
    }
    TreeSet<Long> inter = new TreeSet<>(sets.get(0));
    TreeSet<Long> union = new TreeSet<>();
    for (TreeSet<Long> s : sets) {
      inter.retainAll(s);
      union.addAll(s);
    }
    TreeSet<Long> without = new TreeSet<>(sets.get(0));
    without.removeAll(sets.get(sets.size() - 1));
    String why = "seed=" + seed;
    assertThat(Postings.intersect(lists).toArray()).as(why).containsExactly(toArray(inter));
    assertThat(Postings.union(lists).toArray()).as(why).containsExactly(toArray(union));
    assertThat(Postings.without(lists.get(0), lists.get(lists.size() - 1)).toArray())
        .as(why)
        .containsExactly(toArray(without));
    assertThat(lists.get(0).intersects(lists.get(lists.size() - 1)))
        .as(why)
        .isEqualTo(!intersection(sets.get(0), sets.get(sets.size() - 1)).isEmpty());
  }

  private static TreeSet<Long> intersection(TreeSet<Long> a, TreeSet<Long> b) {
    TreeSet<Long> s = new TreeSet<>(a);
    s.retainAll(b);
    return s;
  }

  private static long[] toArray(TreeSet<Long> s) {
    return s.stream().mapToLong(Long::longValue).toArray();
  }

  // ---- Details.

  @Test
  void concurrentCreationsDrawRefsUnderTheLockSoEveryListGrowsInOrder() throws Exception {
    MemPostings mp = new MemPostings();
    java.util.concurrent.atomic.AtomicLong next = new java.util.concurrent.atomic.AtomicLong();
    int threads = 4;
    int perThread = 20_000;
    long[][] drawn = new long[threads][perThread];
    List<Thread> workers = new ArrayList<>();
    for (int t = 0; t < threads; t++) {
      int id = t;
      Thread w =
          new Thread(
              () -> {
                for (int i = 0; i < perThread; i++) {
                  drawn[id][i] =
                      mp.addNew(next::incrementAndGet, Labels.of("job", "j" + id, "i", "" + i));
                }
              });
      w.start();
      workers.add(w);
    }
    for (Thread w : workers) {
      w.join();
    }
    long[] all = mp.allPostings().toArray();
    assertThat(all).hasSize(threads * perThread);
    for (int i = 1; i < all.length; i++) {
      assertThat(all[i]).isEqualTo(all[i - 1] + 1);
    }
    for (int t = 0; t < threads; t++) {
      assertThat(mp.postings("job", "j" + t).toArray()).containsExactly(drawn[t]);
    }
  }

  @Test
  void viewsTakenEarlierDoNotChangeWhenTheListIsModified() {
    MemPostings mp = new MemPostings();
    for (long ref = 1; ref <= 10; ref++) {
      mp.add(ref, Labels.of("job", "a"));
    }
    Postings before = mp.postings("job", "a");
    mp.add(5_000, Labels.of("job", "a"));
    mp.add(11, Labels.of("job", "a")); // out of order: the list is re-encoded
    mp.delete(new long[] {1, 2, 3}, List.of(Labels.of("job", "a")));
    assertThat(before.toArray()).containsExactly(1, 2, 3, 4, 5, 6, 7, 8, 9, 10);
    assertThat(mp.postings("job", "a").toArray()).containsExactly(4, 5, 6, 7, 8, 9, 10, 11, 5_000);
  }

  @Test
  void deletingTheLastSeriesOfANameDropsTheName() {
    MemPostings mp = new MemPostings();
    mp.add(1, Labels.of("a", "x", "b", "y"));
    mp.add(2, Labels.of("a", "x"));
    mp.delete(new long[] {1}, List.of(Labels.of("a", "x", "b", "y")));
    assertThat(mp.labelNames()).containsExactly("a");
    assertThat(mp.labelValues("b")).isEmpty();
    assertThat(mp.numSeries()).isEqualTo(1);
    long empty = new MemPostings().ramBytesUsed();
    assertThat(mp.ramBytesUsed()).isGreaterThan(empty);
  }

  @Test
  void regexShortcutsAreConservative() {
    assertThat(RegexShortcuts.literalSet("a|b")).containsExactly("a", "b");
    assertThat(RegexShortcuts.literalSet("(a|b)")).containsExactly("a", "b");
    assertThat(RegexShortcuts.literalSet("^1$")).containsExactly("1");
    assertThat(RegexShortcuts.literalSet("2|2\\.5")).containsExactly("2", "2.5");
    assertThat(RegexShortcuts.literalSet("c||d")).containsExactly("c", "", "d");
    assertThat(RegexShortcuts.literalSet("a\\$")).containsExactly("a$");
    assertThat(RegexShortcuts.literalSet("1|2.5")).isNull();
    assertThat(RegexShortcuts.literalSet("(?i)a|b")).isNull();
    assertThat(RegexShortcuts.literalSet("(a)|(b)")).isNull();
    assertThat(RegexShortcuts.literalSet("\\d")).isNull();

    assertThat(RegexShortcuts.literalPrefix("foo.*")).isEqualTo("foo");
    assertThat(RegexShortcuts.literalPrefix("^foo.*")).isEqualTo("foo");
    assertThat(RegexShortcuts.literalPrefix("foob?")).isEqualTo("foo");
    assertThat(RegexShortcuts.literalPrefix("foob*")).isEqualTo("foo");
    assertThat(RegexShortcuts.literalPrefix("foob{0,1}")).isEqualTo("foo");
    assertThat(RegexShortcuts.literalPrefix("foo+")).isEqualTo("foo");
    assertThat(RegexShortcuts.literalPrefix("foo(a|b)")).isEqualTo("foo");
    assertThat(RegexShortcuts.literalPrefix("foo|bar")).isEmpty();
    assertThat(RegexShortcuts.literalPrefix("fo[|]o|x")).isEmpty();
    assertThat(RegexShortcuts.literalPrefix("(?i)foo")).isEmpty();
    assertThat(RegexShortcuts.literalPrefix("a\\.b.*")).isEqualTo("a.b");
    assertThat(RegexShortcuts.literalPrefix("x😀?")).isEqualTo("x");
  }

  /**
   * A list holds exactly the references added, in order and without duplicates, with inserts out
   * of order and removals in between: as unsigned ints while they fit in 32 bits (including
   * references with the top bit set), then widened to longs.
   */
  @RepeatedTest(5)
  void aListHoldsWhatWasAddedNarrowThenWide() {
    SplittableRandom rnd = new SplittableRandom();
    MemPostings.PostingsList list = new MemPostings.PostingsList();
    TreeSet<Long> model = new TreeSet<>();
    long next = 1;
    for (int op = 0; op < 5_000; op++) {
      int kind = rnd.nextInt(40);
      if (kind < 32) {
        // Mostly small gaps; now and then a leap, so the list crosses 2^31 and then 2^32.
        long gap = 1 + (kind == 0 ? rnd.nextLong(1L << 30) : rnd.nextInt(1_000));
        next += gap;
        list.add(next);
        model.add(next);
      } else if (model.isEmpty()) {
        continue;
      } else if (kind < 38) {
        long ref = rnd.nextInt(4) == 0 ? model.last() : rnd.nextLong(1, next); // maybe present
        list.add(ref);
        model.add(ref);
      } else {
        long[] dead = model.stream().filter(r -> rnd.nextInt(10) == 0).mapToLong(r -> r).toArray();
        list.removeAll(dead);
        Arrays.stream(dead).forEach(model::remove);
      }
      assertThat(list.size).isEqualTo(model.size());
      if (op % 500 == 0) {
        assertThat(list.view().toArray()).containsExactly(toArray(model));
      }
    }
    assertThat(next).isGreaterThan(1L << 32);
    assertThat(list.view().toArray()).containsExactly(toArray(model));
  }

  /** Set operations give the same lists whether either side is stored narrow or wide. */
  @RepeatedTest(5)
  void narrowAndWideListsCombineAlike() {
    SplittableRandom rnd = new SplittableRandom();
    for (int round = 0; round < 50; round++) {
      TreeSet<Long> a = new TreeSet<>();
      TreeSet<Long> b = new TreeSet<>();
      long span = rnd.nextBoolean() ? 200 : 0xFFFF_FFFFL; // dense, or up to the narrow limit
      int na = rnd.nextInt(300);
      int nb = rnd.nextInt(rnd.nextBoolean() ? 300 : 20_000); // sometimes galloping
      for (int i = 0; i < na; i++) {
        a.add(rnd.nextLong(1, span + 1));
      }
      for (int i = 0; i < nb; i++) {
        b.add(rnd.nextLong(1, span + 1));
      }
      Postings wa = Postings.of(toArray(a));
      Postings wb = Postings.of(toArray(b));
      Postings ra = narrow(a);
      Postings rb = narrow(b);
      for (Postings x : List.of(wa, ra)) {
        for (Postings y : List.of(wb, rb)) {
          assertThat(Postings.intersect(x, y)).isEqualTo(Postings.intersect(wa, wb));
          assertThat(Postings.union(x, y)).isEqualTo(Postings.union(wa, wb));
          assertThat(Postings.without(x, y)).isEqualTo(Postings.without(wa, wb));
          assertThat(x.intersects(y)).isEqualTo(wa.intersects(wb));
        }
      }
      assertThat(ra).isEqualTo(wa).hasSameHashCodeAs(wa);
      for (long probe : new long[] {1, span, span / 2, 0xFFFF_FFFFL}) {
        assertThat(ra.contains(probe)).isEqualTo(a.contains(probe));
      }
    }
  }

  private static Postings narrow(TreeSet<Long> refs) {
    MemPostings.PostingsList list = new MemPostings.PostingsList();
    refs.forEach(list::add);
    return list.view();
  }

  @Test
  void referencesThatFitIn32BitsTakeFourBytesEach() {
    MemPostings.PostingsList all = new MemPostings.PostingsList();
    for (long ref = 1; ref <= 100_000; ref++) {
      all.add(ref);
    }
    // Spare capacity of up to half the array counts as used.
    assertThat(all.ramBytesUsed()).isLessThan(4 * 100_000 * 3 / 2 + 64);
    assertThat(all.view().get(99_999)).isEqualTo(100_000);
  }
}
