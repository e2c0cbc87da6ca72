package io.promfed.web.api;

import java.util.Map;
import java.util.function.Function;

/**
 * Prometheus's {@code /api/v1} routing table (web/api/v1/api.go Register) over {@link QueryApi},
 * kept free of any web framework so the leaf and the master serve the very same API. The methods
 * are Prometheus's: GET and POST where it allows both (query, query_range, query_exemplars,
 * format_query, series, labels), GET only elsewhere, so a POST there is answered 405 and Grafana's
 * backend retries it as a GET.
 */
public final class ApiRoutes {

  /** One API endpoint: what it calls and whether a form POST is accepted besides GET. */
  public record Route(boolean allowsPost, Function<ApiParams, ApiResponse> call) {

    /** Whether Prometheus serves this endpoint for {@code method} (OPTIONS is handled apart). */
    public boolean allows(String method) {
      return "GET".equals(method) || (allowsPost && "POST".equals(method));
    }
  }

  private static final String LABEL_PREFIX = "label/";
  private static final String VALUES_SUFFIX = "/values";

  private final Map<String, Route> routes;
  private final QueryApi api;

  public ApiRoutes(QueryApi api) {
    this.api = api;
    this.routes =
        Map.ofEntries(
            Map.entry("query", new Route(true, api::query)),
            Map.entry("query_range", new Route(true, api::queryRange)),
            Map.entry("query_exemplars", new Route(true, api::queryExemplars)),
            Map.entry("format_query", new Route(true, api::formatQuery)),
            Map.entry("series", new Route(true, api::series)),
            Map.entry("labels", new Route(true, api::labelNames)),
            Map.entry("metadata", new Route(false, api::metadata)),
            Map.entry("targets", new Route(false, api::targets)),
            Map.entry("rules", new Route(false, api::rules)),
            Map.entry("status/buildinfo", new Route(false, p -> api.buildInfo())),
            Map.entry("status/config", new Route(false, p -> api.config())),
            Map.entry("status/flags", new Route(false, p -> api.flags())),
            Map.entry("status/runtimeinfo", new Route(false, p -> api.runtimeInfo())));
  }

  /**
   * The route for a path below {@code /api/v1/} (decoded, without a leading slash), or null when
   * the API has no such endpoint.
   */
  public Route find(String subPath) {
    Route route = routes.get(subPath);
    if (route != null) {
      return route;
    }
    // label/<name>/values: the one route with a parameter in its path.
    if (subPath.startsWith(LABEL_PREFIX) && subPath.endsWith(VALUES_SUFFIX)) {
      String name =
          subPath.substring(LABEL_PREFIX.length(), subPath.length() - VALUES_SUFFIX.length());
      if (!name.isEmpty() && name.indexOf('/') < 0) {
        return new Route(false, p -> api.labelValues(name, p));
      }
    }
    return null;
  }
}
