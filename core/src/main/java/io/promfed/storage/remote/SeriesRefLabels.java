package io.promfed.storage.remote;

import io.promfed.model.labels.Labels;
import it.unimi.dsi.fastutil.longs.Long2ObjectOpenHashMap;

/**
 * Series reference → labels, for appends that pass only a cached reference ({@code labels == null},
 * which {@link io.promfed.storage.Appender#append} allows). Prometheus's remote write gets the same
 * mapping from the WAL's series records (storage/remote/queue_manager.go {@code StoreSeries}); we
 * learn it from the appends that did carry labels.
 *
 * <p>Bounded without a clock by two generations per stripe: when a stripe's current map is full it
 * becomes the previous one; entries found there are promoted, the rest are forgotten with it. A
 * series appended with labels at least once per generation is always found.
 *
 * <p>Thread-safe: striped by reference, one monitor per stripe; primitive keys, no boxing.
 */
final class SeriesRefLabels {

  private static final int STRIPES = 64;

  private final Stripe[] stripes = new Stripe[STRIPES];
  private final int generationSizePerStripe;

  SeriesRefLabels(int generationSize) {
    this.generationSizePerStripe = Math.max(1, generationSize / STRIPES);
    for (int i = 0; i < STRIPES; i++) {
      stripes[i] = new Stripe();
    }
  }

  private Stripe stripe(long ref) {
    return stripes[(int) ((ref ^ (ref >>> 17)) & (STRIPES - 1))];
  }

  void put(long ref, Labels labels) {
    Stripe s = stripe(ref);
    synchronized (s) {
      s.current.put(ref, labels);
      if (s.current.size() > generationSizePerStripe) {
        s.previous = s.current;
        s.current = new Long2ObjectOpenHashMap<>();
      }
    }
  }

  /** The labels last seen with {@code ref}, or null. */
  Labels get(long ref) {
    Stripe s = stripe(ref);
    synchronized (s) {
      Labels l = s.current.get(ref);
      if (l == null) {
        l = s.previous.get(ref);
        if (l != null) {
          s.current.put(ref, l);
        }
      }
      return l;
    }
  }

  private static final class Stripe {
    Long2ObjectOpenHashMap<Labels> current = new Long2ObjectOpenHashMap<>();
    Long2ObjectOpenHashMap<Labels> previous = new Long2ObjectOpenHashMap<>();
  }
}
