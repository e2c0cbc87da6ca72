package io.promfed.discovery;

import java.util.List;
import java.util.function.Consumer;

/**
 * A source of target groups: Prometheus's {@code discovery.Discoverer} (prometheus/prometheus
 * {@code discovery/discovery.go}), push-based because Java 17 has no cheap goroutines and
 * Kubernetes informers push anyway.
 *
 * <p>Contract, following upstream's {@code Run}:
 *
 * <ul>
 *   <li>{@link #start} returns promptly and delivers updates to the consumer, from any thread, but
 *       never concurrently for one discoverer.
 *   <li>The first update should contain every group known at that time; later updates may contain
 *       only groups that changed. A group replaces the earlier group with the same {@link
 *       TargetGroup#source()}; a group with no targets means that group is gone.
 *   <li>The consumer must not block for long; it should hand the groups to the discovery manager.
 *   <li>After {@link #close} returns, no more updates are delivered. {@code start} is called at
 *       most once.
 * </ul>
 *
 * Implementations must be safe to {@code close} from another thread than the one delivering
 * updates.
 */
public interface Discoverer extends AutoCloseable {

  /** Starts discovery; target group updates go to {@code updates}. */
  void start(Consumer<List<TargetGroup>> updates);

  /** Stops discovery and releases its resources (watches, threads). Idempotent. */
  @Override
  void close();
}
