package io.promfed.storage;

import java.io.UncheckedIOException;
import java.util.ArrayList;
import java.util.List;
import java.util.Objects;
import java.util.function.Supplier;

/**
 * One primary store and any number of secondary ones read as one (Prometheus's {@code
 * storage.NewFanout} with its merge querier, storage/fanout.go and storage/merge.go): series with
 * identical labels in several stores are merged into one series, their samples deduplicated by
 * timestamp with the primary's sample winning a tie.
 *
 * <p>Failures follow Prometheus: the primary failing fails the read, while a secondary failing
 * (reported by throwing {@link UncheckedIOException}, from opening its querier, selecting or
 * iterating) only drops that secondary's contribution and adds its message to {@link
 * Querier#warnings()}, so a query still succeeds with a partial-response warning. The master uses
 * it with its own head as the primary and the leaves' remote read endpoints as secondaries.
 *
 * <p>The secondaries are asked for anew at every {@link #querier} call, so a supplier may follow
 * config reloads and discovered leaves. Thread-safe when the stores and the supplier are.
 */
public final class MergeQueryable implements Queryable {

  private final Queryable primary;
  private final Supplier<? extends List<? extends Queryable>> secondaries;

  /** A fixed set of secondaries. */
  public MergeQueryable(Queryable primary, List<? extends Queryable> secondaries) {
    this(primary, constant(List.copyOf(secondaries)));
  }

  /**
   * @param primary the store whose failure fails a read, and whose samples win timestamp ties
   * @param secondaries the stores whose failures become warnings; called once per querier
   */
  public MergeQueryable(
      Queryable primary, Supplier<? extends List<? extends Queryable>> secondaries) {
    this.primary = Objects.requireNonNull(primary, "primary");
    this.secondaries = Objects.requireNonNull(secondaries, "secondaries");
  }

  private static Supplier<List<? extends Queryable>> constant(List<? extends Queryable> list) {
    return () -> list;
  }

  @Override
  public Querier querier(long mintMs, long maxtMs) {
    List<? extends Queryable> others = secondaries.get();
    if (others.isEmpty()) {
      return primary.querier(mintMs, maxtMs);
    }
    Querier p = primary.querier(mintMs, maxtMs);
    List<Querier> opened = new ArrayList<>(others.size());
    List<String> warnings = new ArrayList<>();
    for (Queryable q : others) {
      try {
        opened.add(q.querier(mintMs, maxtMs));
      } catch (UncheckedIOException e) {
        warnings.add(e.getMessage());
      }
    }
    return new MergeQuerier(p, opened, warnings);
  }
}
