package io.promfed.master;

import io.promfed.discovery.Discoverer;
import io.promfed.discovery.DiscoveryManager;
import java.util.List;
import java.util.concurrent.ScheduledExecutorService;
import org.springframework.cloud.client.discovery.DiscoveryClient;
import org.springframework.cloud.client.discovery.event.HeartbeatEvent;
import org.springframework.context.event.EventListener;

/**
 * Adds the leaves that Spring Cloud's {@link DiscoveryClient} knows to one job of the config file
 * ({@code master.leaves.*}), next to whatever static_configs or kubernetes_sd_configs the job has.
 * spring-cloud-kubernetes publishes a {@link HeartbeatEvent} when the cluster's endpoints change
 * (with its catalog watcher on), so a new leaf pod becomes a target without waiting for the next
 * scheduled listing.
 */
final class LeafDiscovery implements DiscoveryManager.JobDiscoverers {

  private final DiscoveryClient client;
  private final LeafDiscoveryProperties props;
  private final ScheduledExecutorService scheduler;
  private volatile DiscoveryClientDiscoverer current;

  LeafDiscovery(
      DiscoveryClient client, LeafDiscoveryProperties props, ScheduledExecutorService scheduler) {
    this.client = client;
    this.props = props;
    this.scheduler = scheduler;
  }

  @Override
  public List<Discoverer> forJob(String jobName) {
    if (!props.enabled() || !props.job().equals(jobName)) {
      return List.of();
    }
    DiscoveryClientDiscoverer d =
        new DiscoveryClientDiscoverer(client, props.serviceId(), scheduler, props.refreshInterval());
    current = d;
    return List.of(d);
  }

  @EventListener
  void onHeartbeat(HeartbeatEvent event) {
    DiscoveryClientDiscoverer d = current;
    if (d != null) {
      scheduler.execute(d::refresh);
    }
  }
}
