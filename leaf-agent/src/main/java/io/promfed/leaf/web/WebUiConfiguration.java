package io.promfed.leaf.web;

import java.time.Duration;
import org.springframework.context.annotation.Configuration;
import org.springframework.http.CacheControl;
import org.springframework.web.servlet.config.annotation.ResourceHandlerRegistry;
import org.springframework.web.servlet.config.annotation.ViewControllerRegistry;
import org.springframework.web.servlet.config.annotation.WebMvcConfigurer;

/**
 * The built-in UI from core's resources ({@code META-INF/resources/ui}): {@code /graph}, {@code /targets}, {@code /overview}
 * and {@code /status} (with {@code /} redirecting to {@code /graph}, as Prometheus's own UI does),
 * its scripts under {@code /ui/**} and uPlot under {@code /webjars/**}. Every other path ({@code
 * /federate}, {@code /api/v1/*}, {@code /-/*}, {@code /metrics}, {@code /health/*}) keeps its
 * controller: these are distinct paths, and view controllers only answer their own.
 *
 * <p>Caching: a WebJar's path holds its version, so its files never change under a URL and are
 * cached for a year as immutable. Our pages and scripts keep stable URLs, so the browser must
 * revalidate them on each use ({@code no-cache}); an unchanged file costs a 304 on its
 * Last-Modified, and a new release is picked up at once.
 */
@Configuration(proxyBeanMethods = false)
class WebUiConfiguration implements WebMvcConfigurer {

  static final String[] PAGES = {"graph", "targets", "overview", "status"};

  @Override
  public void addViewControllers(ViewControllerRegistry registry) {
    registry.addRedirectViewController("/", "/graph");
    for (String page : PAGES) {
      registry.addViewController("/" + page).setViewName("forward:/ui/" + page + ".html");
    }
  }

  @Override
  public void addResourceHandlers(ResourceHandlerRegistry registry) {
    registry
        .addResourceHandler("/ui/**")
        .addResourceLocations("classpath:/META-INF/resources/ui/")
        .setCacheControl(CacheControl.noCache());
    // Registered here, Boot's own /webjars/** handler (without these headers) stands aside.
    registry
        .addResourceHandler("/webjars/**")
        .addResourceLocations("classpath:/META-INF/resources/webjars/")
        .setCacheControl(CacheControl.maxAge(Duration.ofDays(365)).cachePublic().immutable());
  }
}
