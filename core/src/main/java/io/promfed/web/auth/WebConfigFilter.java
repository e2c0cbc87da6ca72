package io.promfed.web.auth;

import io.promfed.config.WebConfig;
import jakarta.servlet.Filter;
import jakarta.servlet.FilterChain;
import jakarta.servlet.ServletException;
import jakarta.servlet.ServletRequest;
import jakarta.servlet.ServletResponse;
import jakarta.servlet.http.HttpServletRequest;
import jakarta.servlet.http.HttpServletResponse;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.util.Set;

/**
 * Applies a {@link WebConfig} to every request, as exporter-toolkit's web handler wraps
 * Prometheus's whole mux: the configured response headers, then basic auth when users are
 * configured, or a bearer token from {@link BearerTokens} ({@code 401 Unauthorized} with {@code
 * WWW-Authenticate} otherwise). The
 * Kubernetes probe paths stay open, so a kubelet needs no credentials; they reveal only up/down.
 */
public final class WebConfigFilter implements Filter {

  /** Actuator's probe groups: liveness and readiness carry no data. */
  public static final Set<String> OPEN_PATHS = Set.of("/health/liveness", "/health/readiness");

  private final WebConfig config;
  private final BasicAuthenticator auth;
  private final BearerTokens bearer;

  public WebConfigFilter(WebConfig config) {
    this(config, BearerTokens.NONE);
  }

  /** With {@code bearer} tokens accepted as well as the web config's basic auth users. */
  public WebConfigFilter(WebConfig config, BearerTokens bearer) {
    this.config = config;
    this.auth = new BasicAuthenticator(config.basicAuthUsers());
    this.bearer = bearer;
  }

  @Override
  public void doFilter(ServletRequest req, ServletResponse resp, FilterChain chain)
      throws IOException, ServletException {
    HttpServletRequest request = (HttpServletRequest) req;
    HttpServletResponse response = (HttpServletResponse) resp;
    config.headers().forEach(response::setHeader);
    String authorization = request.getHeader("Authorization");
    if ((auth.enabled() || bearer.enabled())
        && !OPEN_PATHS.contains(request.getRequestURI())
        && !auth.allowsIfEnabled(authorization)
        && !bearer.allows(authorization)) {
      response.setHeader("WWW-Authenticate", auth.enabled() ? BasicAuthenticator.CHALLENGE : "Bearer");
      response.setStatus(HttpServletResponse.SC_UNAUTHORIZED);
      response.setContentType("text/plain; charset=utf-8");
      response.setHeader("X-Content-Type-Options", "nosniff");
      response.getOutputStream().write("Unauthorized\n".getBytes(StandardCharsets.UTF_8));
      return;
    }
    chain.doFilter(req, resp);
  }
}
