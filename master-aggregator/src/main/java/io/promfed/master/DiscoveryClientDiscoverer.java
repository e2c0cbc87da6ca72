package io.promfed.master;

import io.promfed.discovery.Discoverer;
import io.promfed.discovery.TargetGroup;
import io.promfed.model.labels.Labels;
import io.promfed.model.labels.LabelsBuilder;
import io.promfed.model.relabel.Names;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.ScheduledFuture;
import java.util.concurrent.TimeUnit;
import java.util.function.Consumer;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.springframework.cloud.client.ServiceInstance;
import org.springframework.cloud.client.discovery.DiscoveryClient;

/**
 * The instances of one service in Spring Cloud's {@link DiscoveryClient}, as one target group: an
 * instance's {@code host:port} is the target's {@code __address__}, and what the client knows of
 * it becomes {@code __meta_discovery_client_*} labels for relabel_configs (service_id,
 * instance_id, secure, and metadata_&lt;key&gt; with the key sanitized as Prometheus's service
 * discovery does). Listed on a schedule and whenever {@link #refresh()} is called; a failing
 * listing is logged and keeps the last known targets, as Prometheus's discoverers do.
 */
final class DiscoveryClientDiscoverer implements Discoverer {

  static final String META_PREFIX = "__meta_discovery_client_";
  private static final Logger LOG = LoggerFactory.getLogger(DiscoveryClientDiscoverer.class);

  private final DiscoveryClient client;
  private final String serviceId;
  private final ScheduledExecutorService scheduler;
  private final Duration refreshInterval;

  private Consumer<List<TargetGroup>> updates;
  private ScheduledFuture<?> schedule;
  private List<Labels> last;
  private volatile boolean closed;

  DiscoveryClientDiscoverer(
      DiscoveryClient client,
      String serviceId,
      ScheduledExecutorService scheduler,
      Duration refreshInterval) {
    this.client = client;
    this.serviceId = serviceId;
    this.scheduler = scheduler;
    this.refreshInterval = refreshInterval;
  }

  @Override
  public synchronized void start(Consumer<List<TargetGroup>> updates) {
    this.updates = updates;
    long everyMs = refreshInterval.toMillis();
    schedule = scheduler.scheduleWithFixedDelay(this::refresh, 0, everyMs, TimeUnit.MILLISECONDS);
  }

  /** Lists the instances now and publishes them if they changed. */
  synchronized void refresh() {
    if (closed || updates == null) {
      return;
    }
    List<Labels> targets;
    try {
      targets = targetsOf(client.getInstances(serviceId));
    } catch (RuntimeException e) {
      LOG.warn(
          "listing instances of service {} with {} failed, keeping the last {} targets: {}",
          serviceId,
          client.description(),
          last == null ? 0 : last.size(),
          e.toString());
      return;
    }
    if (!targets.equals(last)) {
      last = targets;
      updates.accept(List.of(new TargetGroup(source(), targets, Labels.EMPTY)));
    }
  }

  private String source() {
    return "discovery-client/" + serviceId;
  }

  static List<Labels> targetsOf(List<ServiceInstance> instances) {
    List<Labels> targets = new ArrayList<>(instances.size());
    for (ServiceInstance i : instances) {
      LabelsBuilder b = new LabelsBuilder();
      b.set(TargetGroup.ADDRESS_LABEL, i.getHost() + ":" + i.getPort());
      b.set(META_PREFIX + "service_id", i.getServiceId());
      if (i.getInstanceId() != null) {
        b.set(META_PREFIX + "instance_id", i.getInstanceId());
      }
      b.set(META_PREFIX + "secure", Boolean.toString(i.isSecure()));
      Map<String, String> metadata = i.getMetadata();
      if (metadata != null) {
        metadata.forEach(
            (k, v) -> b.set(META_PREFIX + "metadata_" + Names.sanitizeLabelName(k), v));
      }
      targets.add(b.build());
    }
    // Clients list in no fixed order; sorted, an unchanged set is recognised and not re-published.
    targets.sort(Comparator.comparing(Labels::toString));
    return targets;
  }

  @Override
  public synchronized void close() {
    closed = true;
    if (schedule != null) {
      schedule.cancel(false);
    }
  }
}
