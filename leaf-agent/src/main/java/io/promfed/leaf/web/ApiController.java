package io.promfed.leaf.web;

import io.promfed.leaf.LeafLifecycle;
import io.promfed.web.api.ApiParams;
import io.promfed.web.api.ApiResponse;
import io.promfed.web.api.ApiRoutes;
import io.promfed.web.api.QueryApi;
import jakarta.servlet.http.HttpServletRequest;
import jakarta.servlet.http.HttpServletResponse;
import java.io.IOException;
import org.springframework.web.bind.annotation.CrossOrigin;
import org.springframework.web.bind.annotation.RequestMapping;
import org.springframework.web.bind.annotation.RequestMethod;
import org.springframework.web.bind.annotation.RestController;

/**
 * Prometheus's HTTP API ({@code /api/v1}) over core's {@link ApiRoutes}: parameters from the query
 * string or a form-encoded POST body, the answer streamed as it is produced. Paths and methods are
 * Prometheus's (unknown path 404, wrong method 405, any OPTIONS 204). Until the leaf is ready (and
 * once it stops) every call is answered {@code 503 Service Unavailable}, as Prometheus's web
 * handler does. Remote write and read have their own controllers (more specific paths win).
 *
 * <p>CORS is Prometheus's default ({@code --web.cors.origin=".*"}, util/httputil/cors.go): any
 * origin, the methods GET, POST and OPTIONS, the headers Accept, Authorization, Content-Type and
 * Origin, and Date exposed; Spring answers the preflights.
 */
@RestController
@CrossOrigin(
    origins = "*",
    methods = {RequestMethod.GET, RequestMethod.POST, RequestMethod.OPTIONS},
    allowedHeaders = {"Accept", "Authorization", "Content-Type", "Origin"},
    exposedHeaders = "Date")
class ApiController {

  private static final String PREFIX = "/api/v1/";

  private final ApiRoutes routes;
  private final LeafLifecycle lifecycle;

  ApiController(QueryApi api, LeafLifecycle lifecycle) {
    this.routes = new ApiRoutes(api);
    this.lifecycle = lifecycle;
  }

  /** Prometheus answers any {@code OPTIONS} under the API with 204 and no body. */
  @RequestMapping(path = PREFIX + "**", method = RequestMethod.OPTIONS)
  void options(HttpServletResponse resp) {
    resp.setStatus(HttpServletResponse.SC_NO_CONTENT);
  }

  @RequestMapping(PREFIX + "**")
  void serve(HttpServletRequest req, HttpServletResponse resp) throws IOException {
    ApiRoutes.Route route = routes.find(req.getServletPath().substring(PREFIX.length()));
    if (route == null) {
      PlainText.error(resp, HttpServletResponse.SC_NOT_FOUND, "404 page not found");
      return;
    }
    if (!route.allows(req.getMethod())) {
      PlainText.error(resp, HttpServletResponse.SC_METHOD_NOT_ALLOWED, "Method Not Allowed");
      return;
    }
    if (!lifecycle.isRunning()) {
      resp.setHeader("X-Prometheus-Stopping", "false");
      PlainText.write(resp, HttpServletResponse.SC_SERVICE_UNAVAILABLE, "Service Unavailable");
      return;
    }
    ApiResponse r = route.call().apply(ApiParams.ofArrays(req.getParameterMap()));
    resp.setStatus(r.status());
    if (r.hasBody()) {
      resp.setContentType(r.contentType());
      r.writeTo(resp.getOutputStream());
    }
  }
}
