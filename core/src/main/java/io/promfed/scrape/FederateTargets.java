package io.promfed.scrape;

import io.promfed.storage.remote.RemoteReadFanout;
import java.net.URI;
import java.util.LinkedHashSet;
import java.util.Set;
import java.util.function.Supplier;

/**
 * The remote read URLs of the leaves a master federates from: every active target of a scrape
 * pool whose {@code metrics_path} ends in {@code /federate}, its URL turned into the leaf's {@code
 * /api/v1/read} by {@link RemoteReadFanout#readUrlOf}. Targets that are down are included, so a
 * dead leaf shows up as a query warning rather than silently missing data. Hand it to {@link
 * RemoteReadFanout} so that leaves found by static or Kubernetes discovery are queried without
 * listing them again under {@code remote_read}.
 *
 * <p>Thread-safe: each call reads the pools' current targets.
 */
public final class FederateTargets implements Supplier<Set<URI>> {

  private final ScrapeManager scrapeManager;

  public FederateTargets(ScrapeManager scrapeManager) {
    this.scrapeManager = scrapeManager;
  }

  @Override
  public Set<URI> get() {
    Set<URI> urls = new LinkedHashSet<>();
    for (ScrapePool pool : scrapeManager.pools().values()) {
      if (!pool.config().metricsPath().endsWith("/federate")) {
        continue;
      }
      for (Target t : pool.activeTargets()) {
        urls.add(RemoteReadFanout.readUrlOf(t.url()));
      }
    }
    return urls;
  }
}
