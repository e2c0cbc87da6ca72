package io.promfed.discovery.kubernetes;

import io.fabric8.kubernetes.api.model.GenericKubernetesResource;
import io.fabric8.kubernetes.api.model.HasMetadata;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.fabric8.kubernetes.client.dsl.base.CustomResourceDefinitionContext;
import io.fabric8.kubernetes.client.server.mock.KubernetesMockServer;
import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.util.List;

/** Loads test fixtures into fabric8's mock API server, as {@code kubectl apply -f} would. */
final class MockCluster {

  static final String TESTDATA = "/io/promfed/discovery/kubernetes/testdata/";

  static final CustomResourceDefinitionContext SERVICE_MONITOR_CRD =
      new CustomResourceDefinitionContext.Builder()
          .withGroup("monitoring.coreos.com")
          .withVersion("v1")
          .withKind("ServiceMonitor")
          .withPlural("servicemonitors")
          .withScope("Namespaced")
          .build();

  private MockCluster() {}

  /** Makes the CRUD dispatcher serve ServiceMonitors. */
  static void installServiceMonitorCrd(KubernetesMockServer server) {
    server.expectCustomResource(SERVICE_MONITOR_CRD);
  }

  /** The objects of a multi-document YAML fixture under {@code testdata/}. */
  static List<HasMetadata> load(KubernetesClient client, String fixture) {
    try (InputStream in = MockCluster.class.getResourceAsStream(TESTDATA + fixture)) {
      if (in == null) {
        throw new IllegalArgumentException("no fixture " + fixture);
      }
      return client.load(in).items();
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }

  /** Creates every object of the fixtures; objects without a namespace go to "default". */
  static void apply(KubernetesClient client, String... fixtures) {
    for (String fixture : fixtures) {
      for (HasMetadata obj : load(client, fixture)) {
        create(client, obj);
      }
    }
  }

  static void create(KubernetesClient client, HasMetadata obj) {
    if ("Namespace".equals(obj.getKind())) {
      client.resource(obj).create();
      return;
    }
    String ns = obj.getMetadata().getNamespace();
    if (ns == null) {
      ns = "default";
      obj.getMetadata().setNamespace(ns);
    }
    if (obj instanceof GenericKubernetesResource g && "ServiceMonitor".equals(g.getKind())) {
      client
          .genericKubernetesResources(ServiceMonitorWatcher.SERVICE_MONITORS)
          .inNamespace(ns)
          .resource(g)
          .create();
    } else {
      client.resource(obj).inNamespace(ns).create();
    }
  }
}
