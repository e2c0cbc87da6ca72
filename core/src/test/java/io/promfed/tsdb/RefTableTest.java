package io.promfed.tsdb;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.promfed.model.labels.Labels;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.atomic.AtomicReference;
import org.junit.jupiter.api.Test;

class RefTableTest {

  private final RefTable table = new RefTable();

  private static MemSeries series(long ref) {
    return new MemSeries(ref, Labels.of("__name__", "m", "ref", Long.toString(ref)));
  }

  @Test
  void findsWhatWasPutAndNothingElse() {
    MemSeries a = series(1);
    MemSeries b = series(RefTable.PAGE_SIZE * 3L + 7);
    table.put(a.ref, a);
    table.put(b.ref, b);
    assertThat(table.get(1)).isSameAs(a);
    assertThat(table.get(b.ref)).isSameAs(b);
    assertThat(table.get(2)).isNull();
    assertThat(table.get(0)).isNull();
    assertThat(table.get(-5)).isNull();
    assertThat(table.get(1L << 40)).isNull(); // beyond every page
    assertThatThrownBy(() -> table.put(0, a)).isInstanceOf(IllegalArgumentException.class);
  }

  @Test
  void aPageGoesAwayWithItsLastSeriesAndTheWalkSeesRefOrder() {
    long base = table.ramBytesUsed();
    List<MemSeries> all = new ArrayList<>();
    for (long ref = 1; ref <= 2 * RefTable.PAGE_SIZE; ref++) {
      MemSeries s = series(ref);
      all.add(s);
      table.put(ref, s);
    }
    long twoPages = table.ramBytesUsed();
    assertThat(twoPages).isGreaterThan(base + 2 * 4L * RefTable.PAGE_SIZE);
    // Remove the whole first page (refs 1..4095 live there, 4096.. on the next).
    for (long ref = 1; ref < RefTable.PAGE_SIZE; ref++) {
      table.remove(ref);
    }
    table.remove(1); // twice: harmless
    assertThat(table.ramBytesUsed()).isLessThan(twoPages);
    List<Long> seen = new ArrayList<>();
    table.forEach(s -> seen.add(s.ref));
    assertThat(seen).hasSize(RefTable.PAGE_SIZE + 1).isSorted();
    assertThat(seen.get(0)).isEqualTo(RefTable.PAGE_SIZE);
    // A new series may land in a freed page again (refs are not reused, but the table allows it).
    table.put(5, all.get(4));
    assertThat(table.get(5)).isSameAs(all.get(4));
  }

  @Test
  void readersWithoutLocksSeeEverySeriesOncePutReturned() throws Exception {
    int n = 200_000;
    AtomicLong published = new AtomicLong();
    AtomicReference<String> problem = new AtomicReference<>();
    Thread reader =
        new Thread(
            () -> {
              while (published.get() < n && problem.get() == null) {
                long upTo = published.get();
                for (long ref = Math.max(1, upTo - 64); ref <= upTo; ref++) {
                  MemSeries s = table.get(ref);
                  if (s == null || s.ref != ref) {
                    problem.set("ref " + ref + " missing after put returned");
                  }
                }
              }
            });
    reader.start();
    for (long ref = 1; ref <= n; ref++) {
      table.put(ref, series(ref));
      published.set(ref);
    }
    reader.join();
    assertThat(problem.get()).isNull();
  }
}
