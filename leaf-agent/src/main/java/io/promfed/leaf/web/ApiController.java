package io.promfed.leaf.web;

import io.promfed.leaf.LeafLifecycle;
import io.promfed.web.api.ApiParams;
import io.promfed.web.api.ApiResponse;
import io.promfed.web.api.QueryApi;
import jakarta.servlet.http.HttpServletRequest;
import jakarta.servlet.http.HttpServletResponse;
import java.io.IOException;
import java.util.function.Function;
import org.springframework.web.bind.annotation.CrossOrigin;
import org.springframework.web.bind.annotation.GetMapping;
import org.springframework.web.bind.annotation.PathVariable;
import org.springframework.web.bind.annotation.RequestMapping;
import org.springframework.web.bind.annotation.RequestMethod;
import org.springframework.web.bind.annotation.RestController;

/**
 * Prometheus's HTTP API ({@code /api/v1}) over {@link QueryApi}: parameters from the query string
 * or a form-encoded POST body, the answer streamed as it is produced. The methods are Prometheus's:
 * GET and POST where it allows both (query, query_range, query_exemplars, format_query, series,
 * labels), GET only elsewhere, so a POST there is answered 405 and Grafana's backend retries it as
 * a GET. Until the leaf is ready (and once it stops) every call is answered {@code 503 Service
 * Unavailable}, as Prometheus's web handler does.
 *
 * <p>CORS is Prometheus's default ({@code --web.cors.origin=".*"}, util/httputil/cors.go): any
 * origin, the methods GET, POST and OPTIONS, the headers Accept, Authorization, Content-Type and
 * Origin, and Date exposed; Spring answers the preflights.
 */
@RestController
@RequestMapping("/api/v1")
@CrossOrigin(
    origins = "*",
    methods = {RequestMethod.GET, RequestMethod.POST, RequestMethod.OPTIONS},
    allowedHeaders = {"Accept", "Authorization", "Content-Type", "Origin"},
    exposedHeaders = "Date")
class ApiController {

  private final QueryApi api;
  private final LeafLifecycle lifecycle;

  ApiController(QueryApi api, LeafLifecycle lifecycle) {
    this.api = api;
    this.lifecycle = lifecycle;
  }

  @RequestMapping(
      path = "/query",
      method = {RequestMethod.GET, RequestMethod.POST})
  void query(HttpServletRequest req, HttpServletResponse resp) throws IOException {
    serve(req, resp, api::query);
  }

  @RequestMapping(
      path = "/query_range",
      method = {RequestMethod.GET, RequestMethod.POST})
  void queryRange(HttpServletRequest req, HttpServletResponse resp) throws IOException {
    serve(req, resp, api::queryRange);
  }

  @RequestMapping(
      path = "/query_exemplars",
      method = {RequestMethod.GET, RequestMethod.POST})
  void queryExemplars(HttpServletRequest req, HttpServletResponse resp) throws IOException {
    serve(req, resp, api::queryExemplars);
  }

  @RequestMapping(
      path = "/format_query",
      method = {RequestMethod.GET, RequestMethod.POST})
  void formatQuery(HttpServletRequest req, HttpServletResponse resp) throws IOException {
    serve(req, resp, api::formatQuery);
  }

  @RequestMapping(
      path = "/series",
      method = {RequestMethod.GET, RequestMethod.POST})
  void series(HttpServletRequest req, HttpServletResponse resp) throws IOException {
    serve(req, resp, api::series);
  }

  @RequestMapping(
      path = "/labels",
      method = {RequestMethod.GET, RequestMethod.POST})
  void labels(HttpServletRequest req, HttpServletResponse resp) throws IOException {
    serve(req, resp, api::labelNames);
  }

  @GetMapping("/label/{name}/values")
  void labelValues(
      @PathVariable("name") String name, HttpServletRequest req, HttpServletResponse resp)
      throws IOException {
    serve(req, resp, p -> api.labelValues(name, p));
  }

  @GetMapping("/metadata")
  void metadata(HttpServletRequest req, HttpServletResponse resp) throws IOException {
    serve(req, resp, api::metadata);
  }

  @GetMapping("/targets")
  void targets(HttpServletRequest req, HttpServletResponse resp) throws IOException {
    serve(req, resp, api::targets);
  }

  @GetMapping("/rules")
  void rules(HttpServletRequest req, HttpServletResponse resp) throws IOException {
    serve(req, resp, api::rules);
  }

  @GetMapping("/status/buildinfo")
  void buildInfo(HttpServletRequest req, HttpServletResponse resp) throws IOException {
    serve(req, resp, p -> api.buildInfo());
  }

  @GetMapping("/status/config")
  void config(HttpServletRequest req, HttpServletResponse resp) throws IOException {
    serve(req, resp, p -> api.config());
  }

  @GetMapping("/status/flags")
  void flags(HttpServletRequest req, HttpServletResponse resp) throws IOException {
    serve(req, resp, p -> api.flags());
  }

  @GetMapping("/status/runtimeinfo")
  void runtimeInfo(HttpServletRequest req, HttpServletResponse resp) throws IOException {
    serve(req, resp, p -> api.runtimeInfo());
  }

  /** Prometheus answers any other {@code OPTIONS} under the API with 204 and no body. */
  @RequestMapping(path = "/**", method = RequestMethod.OPTIONS)
  void options(HttpServletResponse resp) {
    resp.setStatus(HttpServletResponse.SC_NO_CONTENT);
  }

  private void serve(
      HttpServletRequest req, HttpServletResponse resp, Function<ApiParams, ApiResponse> call)
      throws IOException {
    if (!lifecycle.isRunning()) {
      resp.setHeader("X-Prometheus-Stopping", "false");
      PlainText.write(resp, HttpServletResponse.SC_SERVICE_UNAVAILABLE, "Service Unavailable");
      return;
    }
    ApiResponse r = call.apply(ApiParams.ofArrays(req.getParameterMap()));
    resp.setStatus(r.status());
    if (r.hasBody()) {
      resp.setContentType(r.contentType());
      r.writeTo(resp.getOutputStream());
    }
  }
}
