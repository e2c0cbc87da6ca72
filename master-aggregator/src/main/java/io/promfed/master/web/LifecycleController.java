package io.promfed.master.web;

import io.promfed.config.ConfigException;
import io.promfed.config.ConfigReloader;
import io.promfed.master.MasterLifecycle;
import jakarta.servlet.http.HttpServletResponse;
import java.io.IOException;
import org.springframework.web.bind.annotation.GetMapping;
import org.springframework.web.bind.annotation.RequestMapping;
import org.springframework.web.bind.annotation.RequestMethod;
import org.springframework.web.bind.annotation.RestController;

/**
 * Prometheus's management endpoints, so tools and probes written for Prometheus work unchanged:
 * {@code POST|PUT /-/reload}, {@code /-/healthy}, {@code /-/ready}.
 */
@RestController
class LifecycleController {

  private final ConfigReloader reloader;
  private final MasterLifecycle lifecycle;

  LifecycleController(ConfigReloader reloader, MasterLifecycle lifecycle) {
    this.reloader = reloader;
    this.lifecycle = lifecycle;
  }

  @RequestMapping(
      path = "/-/reload",
      method = {RequestMethod.POST, RequestMethod.PUT})
  void reload(HttpServletResponse response) throws IOException {
    try {
      reloader.reload();
      response.setStatus(HttpServletResponse.SC_OK);
    } catch (ConfigException e) {
      // The old config stays in force (ConfigReloader); say why the new one was refused.
      PlainText.error(
          response,
          HttpServletResponse.SC_INTERNAL_SERVER_ERROR,
          "failed to reload config: " + e.getMessage());
    }
  }

  @GetMapping("/-/healthy")
  void healthy(HttpServletResponse response) throws IOException {
    PlainText.write(response, 200, "Prometheus Server is Healthy.\n");
  }

  @GetMapping("/-/ready")
  void ready(HttpServletResponse response) throws IOException {
    if (lifecycle.isRunning()) {
      PlainText.write(response, 200, "Prometheus Server is Ready.\n");
    } else {
      PlainText.write(response, 503, "Service Unavailable");
    }
  }
}
