package io.promfed.leaf.web;

import io.promfed.config.ConfigException;
import io.promfed.config.WebConfig;
import io.promfed.config.WebConfigLoader;
import io.promfed.web.auth.BearerTokens;
import io.promfed.web.auth.WebConfigFilter;
import java.io.IOException;
import java.nio.file.Path;
import org.springframework.beans.factory.annotation.Value;
import org.springframework.boot.web.servlet.FilterRegistrationBean;
import org.springframework.context.annotation.Bean;
import org.springframework.context.annotation.Configuration;
import org.springframework.core.Ordered;

/**
 * Prometheus's {@code --web.config.file} (basic auth users and response headers here; TLS in
 * {@link WebTlsEnvironment}) and {@code --web.bearer-tokens-file}: every endpoint, /federate, the
 * API, remote write and the UI alike, sits behind them.
 */
@Configuration(proxyBeanMethods = false)
class WebConfigConfiguration {

  @Bean
  WebConfig webConfig(@Value("${web.config.file:}") String file) throws ConfigException {
    return file.isEmpty() ? WebConfig.NONE : WebConfigLoader.load(Path.of(file));
  }

  @Bean
  FilterRegistrationBean<WebConfigFilter> webConfigFilter(
      WebConfig webConfig, @Value("${web.bearer-tokens-file:}") String bearerTokensFile)
      throws IOException {
    BearerTokens bearer =
        bearerTokensFile.isEmpty() ? BearerTokens.NONE : BearerTokens.load(Path.of(bearerTokensFile));
    FilterRegistrationBean<WebConfigFilter> bean =
        new FilterRegistrationBean<>(new WebConfigFilter(webConfig, bearer));
    bean.setOrder(Ordered.HIGHEST_PRECEDENCE); // before anything that reads or writes a body
    return bean;
  }
}
