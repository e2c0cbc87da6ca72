package io.promfed.scrape;

import io.promfed.model.time.Durations;
import io.promfed.config.ScrapeConfig;
import io.promfed.discovery.TargetGroup;
import io.promfed.discovery.TargetLabels;
import io.promfed.model.labels.Labels;
import io.promfed.model.labels.LabelsBuilder;
import java.net.URI;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;

/**
 * Turns discovered target groups into {@link Target}s for one job (Prometheus's {@code
 * TargetsFromGroup}): label population and relabeling via {@link TargetLabels}, then the URL,
 * interval and timeout each target carries (relabeling may change them per target).
 */
final class TargetBuilder {

  private TargetBuilder() {}

  record Result(List<Target> targets, List<ScrapePool.DroppedTarget> dropped) {}

  static Result build(ScrapeConfig cfg, List<TargetGroup> groups) {
    List<Target> targets = new ArrayList<>();
    List<ScrapePool.DroppedTarget> dropped = new ArrayList<>();
    for (TargetGroup g : groups) {
      for (Labels t : g.targets()) {
        TargetLabels.Result r = TargetLabels.populate(g, t, cfg);
        if (r.isKept()) {
          targets.add(toTarget(cfg, r));
        } else {
          dropped.add(
              new ScrapePool.DroppedTarget(
                  r.discoveredLabels(), r.isFailed() ? r.error() : "dropped by relabeling"));
        }
      }
    }
    return new Result(targets, dropped);
  }

  private static Target toTarget(ScrapeConfig cfg, TargetLabels.Result r) {
    Labels all = r.labels();
    URI url = URI.create(TargetLabels.scrapeUrl(all, cfg));
    Duration interval = durationOr(all.get(TargetLabels.SCRAPE_INTERVAL), cfg.scrapeInterval());
    Duration timeout = durationOr(all.get(TargetLabels.SCRAPE_TIMEOUT), cfg.scrapeTimeout());
    LabelsBuilder visible = new LabelsBuilder();
    for (int i = 0; i < all.size(); i++) {
      if (!all.name(i).startsWith(TargetLabels.RESERVED_PREFIX)) {
        visible.set(all.name(i), all.value(i));
      }
    }
    return new Target(cfg.jobName(), visible.build(), r.discoveredLabels(), url, interval, timeout);
  }

  private static Duration durationOr(String text, Duration fallback) {
    // populate() already rejected unparseable values, so this only parses valid ones.
    return text == null ? fallback : Durations.parse(text);
  }
}
