package io.promfed.master;

import java.time.Duration;
import org.springframework.boot.context.properties.ConfigurationProperties;
import org.springframework.boot.context.properties.bind.DefaultValue;

/**
 * Finding leaves through Spring Cloud's {@code DiscoveryClient} (in Kubernetes the one of
 * spring-cloud-kubernetes, which lists a Service's ready endpoints; elsewhere e.g. Spring Cloud's
 * simple client from {@code spring.cloud.discovery.client.simple.instances.*}).
 *
 * @param serviceId the leaves' service id (the leaf Service's name in Kubernetes); empty turns this
 *     off, and leaves come from the config file's static_configs / kubernetes_sd_configs only
 * @param job the scrape job of the config file whose targets the instances become, normally the
 *     seed's {@code federate} job (its params, interval and relabel_configs apply to them)
 * @param refreshInterval how often instances are listed again; a Spring Cloud {@code
 *     HeartbeatEvent} (a catalog change) triggers a listing at once
 */
@ConfigurationProperties("master.leaves")
public record LeafDiscoveryProperties(
    @DefaultValue("") String serviceId,
    @DefaultValue("federate") String job,
    @DefaultValue("30s") Duration refreshInterval) {

  public LeafDiscoveryProperties {
    if (refreshInterval.isNegative() || refreshInterval.isZero()) {
      throw new IllegalArgumentException(
          "master.leaves.refresh-interval must be positive, got " + refreshInterval);
    }
  }

  boolean enabled() {
    return !serviceId.isEmpty();
  }
}
