package io.promfed.web.api;

import io.promfed.scrape.ScrapePool;
import io.promfed.scrape.Target;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.function.Supplier;

/**
 * Where {@code /api/v1/targets} gets its targets (Prometheus's {@code TargetRetriever}, which the
 * scrape manager implements). Implementations must be thread-safe; each call returns a snapshot.
 */
public interface TargetRetriever {

  /** The active targets by scrape pool (job) name. */
  Map<String, List<Target>> targetsActive();

  /**
   * The targets relabeling dropped, by scrape pool. Every pool appears, with an empty list when it
   * dropped nothing, so that {@code droppedTargetCounts} lists it with 0 as Prometheus does.
   */
  Map<String, List<ScrapePool.DroppedTarget>> targetsDropped();

  /**
   * How to rewrite a localhost scrape URL into the {@code globalUrl} other machines can use, or
   * null to show the scrape URL unchanged.
   */
  default GlobalUrlOptions globalUrlOptions() {
    return null;
  }

  /** No targets at all (a server that does not scrape). */
  TargetRetriever NONE =
      new TargetRetriever() {
        @Override
        public Map<String, List<Target>> targetsActive() {
          return Map.of();
        }

        @Override
        public Map<String, List<ScrapePool.DroppedTarget>> targetsDropped() {
          return Map.of();
        }
      };

  /**
   * The targets of a scrape manager's pools, read on every call.
   *
   * @param pools typically {@code scrapeManager::pools}
   * @param globalUrlOptions see {@link #globalUrlOptions()}; may be null
   */
  static TargetRetriever of(
      Supplier<Map<String, ScrapePool>> pools, GlobalUrlOptions globalUrlOptions) {
    return new TargetRetriever() {
      @Override
      public Map<String, List<Target>> targetsActive() {
        Map<String, List<Target>> out = new LinkedHashMap<>();
        pools.get().forEach((job, pool) -> out.put(job, pool.activeTargets()));
        return out;
      }

      @Override
      public Map<String, List<ScrapePool.DroppedTarget>> targetsDropped() {
        Map<String, List<ScrapePool.DroppedTarget>> out = new LinkedHashMap<>();
        pools.get().forEach((job, pool) -> out.put(job, pool.droppedTargets()));
        return out;
      }

      @Override
      public GlobalUrlOptions globalUrlOptions() {
        return globalUrlOptions;
      }
    };
  }
}
