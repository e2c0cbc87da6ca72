/**
 * Kubernetes service discovery and ServiceMonitor support, on the fabric8 client.
 *
 * <p>{@link io.promfed.discovery.kubernetes.KubernetesDiscovery} builds the discoverer of one
 * {@code kubernetes_sd_configs} entry: {@link io.promfed.discovery.kubernetes.PodDiscoverer},
 * {@link io.promfed.discovery.kubernetes.ServiceDiscoverer}, {@link
 * io.promfed.discovery.kubernetes.EndpointsDiscoverer}, {@link
 * io.promfed.discovery.kubernetes.EndpointSliceDiscoverer} or {@link
 * io.promfed.discovery.kubernetes.NodeDiscoverer}, which mirror prometheus/prometheus {@code
 * discovery/kubernetes/{pod,service,endpoints,endpointslice,node}.go} label for label and are
 * driven by shared informers (list + watch), never by polling.
 *
 * <p>{@link io.promfed.discovery.kubernetes.ServiceMonitorWatcher} watches prometheus-operator
 * ServiceMonitors and emits the scrape configs that {@link
 * io.promfed.discovery.kubernetes.ServiceMonitorCompiler} compiles them into, with the operator's
 * relabeling ({@code pkg/prometheus/promcfg.go}); {@link io.promfed.discovery.kubernetes.Sharding}
 * adds the operator's hashmod sharding to any scrape config.
 *
 * <p>Depends on {@code io.promfed.discovery}, {@code io.promfed.config}, {@code io.promfed.model}
 * and the fabric8 client API; never on Spring.
 */
package io.promfed.discovery.kubernetes;
