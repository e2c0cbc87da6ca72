package io.promfed.storage.remote;

import io.promfed.config.PrometheusConfig;
import io.promfed.config.RemoteReadConfig;
import io.promfed.storage.MergeQueryable;
import io.promfed.storage.Querier;
import io.promfed.storage.Queryable;
import java.net.URI;
import java.net.http.HttpClient;
import java.util.ArrayList;
import java.util.Collection;
import java.util.HashSet;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Objects;
import java.util.Set;
import java.util.function.LongSupplier;
import java.util.function.Supplier;

/**
 * The master's global view: its own store merged with every remote read endpoint, so that queries
 * for series kept only in the leaves are answered by fanning out to them (issue #6, "queries
 * proxied through the root"). Prometheus's fanout storage of local storage and remote storage
 * (storage/fanout.go, storage/remote/storage.go), as a {@link MergeQueryable}: the local store is
 * the primary, the endpoints are secondaries whose failures become query warnings such as {@code
 * remote read from http://leaf-1:9091/api/v1/read failed: connection refused}.
 *
 * <p>Configured entries keep Prometheus's defaults, so an entry for a leaf needs {@code
 * read_recent: true} (the leaf's recent raw series are exactly what the master lacks) and, when the
 * master has external labels, {@code filter_external_labels: false}; discovered leaves get both
 * automatically.
 *
 * <p>The endpoints are the config's {@code remote_read} entries plus, optionally, leaves found at
 * run time (their read URLs, e.g. from the federate targets via {@link #readUrlOf(URI)}), read with
 * {@link RemoteReadConfig#forLeaf}; a discovered URL that is also configured is read once, with
 * the configured settings. Both suppliers are consulted per querier; the clients are rebuilt only
 * when the config object or the set of discovered URLs changed, so a config reload takes effect on
 * the next query.
 *
 * <p>Thread-safe when the suppliers are.
 */
public final class RemoteReadFanout implements Queryable {

  private final Supplier<PrometheusConfig> config;
  private final Supplier<? extends Collection<URI>> leafReadUrls;
  private final HttpClient http;
  private final String userAgent;
  private final LongSupplier localStartTimeMs;
  private final MergeQueryable merged;
  private volatile Endpoints endpoints = new Endpoints(null, Set.of(), List.of());

  private record Endpoints(
      PrometheusConfig config, Set<URI> leafUrls, List<RemoteReadQueryable> remotes) {}

  /**
   * @param local the master's own store: the primary, whose failure fails a query
   * @param config the current Prometheus config (its {@code remote_read} and external labels)
   * @param leafReadUrls remote read URLs of leaves found at run time; {@code Set::of} for none
   * @param http the HTTP client for all endpoints
   * @param userAgent the {@code User-Agent} of remote read requests
   * @param localStartTimeMs the oldest timestamp the local store holds, for entries with {@code
   *     read_recent: false}
   */
  public RemoteReadFanout(
      Queryable local,
      Supplier<PrometheusConfig> config,
      Supplier<? extends Collection<URI>> leafReadUrls,
      HttpClient http,
      String userAgent,
      LongSupplier localStartTimeMs) {
    this.config = Objects.requireNonNull(config, "config");
    this.leafReadUrls = Objects.requireNonNull(leafReadUrls, "leafReadUrls");
    this.http = Objects.requireNonNull(http, "http");
    this.userAgent = Objects.requireNonNull(userAgent, "userAgent");
    this.localStartTimeMs = Objects.requireNonNull(localStartTimeMs, "localStartTimeMs");
    this.merged = new MergeQueryable(Objects.requireNonNull(local, "local"), this::remotes);
  }

  @Override
  public Querier querier(long mintMs, long maxtMs) {
    return merged.querier(mintMs, maxtMs);
  }

  /** The endpoints read now: configured ones first, then discovered ones. */
  public List<RemoteReadQueryable> remotes() {
    PrometheusConfig cfg = config.get();
    Set<URI> leaves = new LinkedHashSet<>(leafReadUrls.get());
    Endpoints current = endpoints;
    if (current.config == cfg && current.leafUrls.equals(leaves)) {
      return current.remotes;
    }
    List<RemoteReadQueryable> remotes = new ArrayList<>();
    Set<URI> configured = new HashSet<>();
    for (RemoteReadConfig rr : cfg.remoteReadConfigs()) {
      configured.add(rr.url());
      remotes.add(remote(rr, cfg));
    }
    for (URI url : leaves) {
      if (!configured.contains(url)) {
        remotes.add(remote(RemoteReadConfig.forLeaf(url), cfg));
      }
    }
    endpoints = new Endpoints(cfg, Set.copyOf(leaves), List.copyOf(remotes));
    return remotes;
  }

  private RemoteReadQueryable remote(RemoteReadConfig rr, PrometheusConfig cfg) {
    return new RemoteReadQueryable(
        rr, http, userAgent, () -> cfg.global().externalLabels(), localStartTimeMs);
  }

  /**
   * The remote read URL of a leaf from its federate URL: {@code http://leaf:9091/federate} (any
   * query dropped, any path prefix kept) becomes {@code http://leaf:9091/api/v1/read}.
   */
  public static URI readUrlOf(URI federateUrl) {
    String path = federateUrl.getPath() == null ? "" : federateUrl.getPath();
    int slash = path.lastIndexOf('/');
    String prefix = slash < 0 ? "" : path.substring(0, slash);
    return federateUrl.resolve(prefix + "/api/v1/read").normalize();
  }
}
