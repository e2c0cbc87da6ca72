package io.promfed.discovery.kubernetes;

import static org.assertj.core.api.Assertions.assertThat;

import io.fabric8.kubernetes.api.model.Container;
import io.fabric8.kubernetes.api.model.GenericKubernetesResource;
import io.fabric8.kubernetes.api.model.HasMetadata;
import io.fabric8.kubernetes.api.model.KubernetesResource;
import io.fabric8.kubernetes.api.model.PodTemplateSpec;
import io.fabric8.kubernetes.api.model.apps.Deployment;
import io.fabric8.kubernetes.api.model.apps.StatefulSet;
import io.fabric8.kubernetes.client.utils.Serialization;
import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.stream.Stream;
import org.yaml.snakeyaml.Yaml;

/**
 * Every YAML document under {@code k8s/}, parsed into fabric8's typed model (the same {@code
 * KubernetesDeserializer} that {@code kubectl}-like clients use: {@code Deployment}, {@code
 * ClusterRole}, …; kinds without a model class, such as ServiceMonitor and Kustomization, become
 * {@link GenericKubernetesResource}). Read relative to the module directory, where surefire runs.
 */
final class Manifests {

  static final Path K8S = Path.of("..", "k8s");

  /** A parsed document and the file it came from. */
  record Doc(Path file, KubernetesResource object) {
    String kind() {
      return object instanceof HasMetadata h ? h.getKind() : object.getClass().getSimpleName();
    }

    String name() {
      return object instanceof HasMetadata h && h.getMetadata() != null
          ? h.getMetadata().getName()
          : null;
    }

    /** The file relative to {@code k8s/}, with forward slashes. */
    String where() {
      return K8S.relativize(file).toString().replace('\\', '/');
    }

    boolean inBase() {
      return file.startsWith(K8S.resolve("base"));
    }
  }

  /** A Deployment or StatefulSet: what owns pods. */
  record Workload(Doc doc, String kind, String name, String namespace, PodTemplateSpec template) {
    Container container() {
      assertThat(template.getSpec().getContainers()).as("containers of %s", name).hasSize(1);
      return template.getSpec().getContainers().get(0);
    }
  }

  private final List<Doc> docs;

  private Manifests(List<Doc> docs) {
    this.docs = List.copyOf(docs);
  }

  static Manifests load() {
    List<Path> files;
    try (Stream<Path> s = Files.walk(K8S)) {
      files =
          s.filter(p -> p.toString().endsWith(".yaml") || p.toString().endsWith(".yml"))
              .sorted()
              .toList();
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
    assertThat(files).as("YAML files under %s", K8S.toAbsolutePath()).isNotEmpty();
    List<Doc> docs = new ArrayList<>();
    for (Path f : files) {
      try (InputStream in = Files.newInputStream(f)) {
        for (Object o : new Yaml().loadAll(in)) {
          if (o == null) {
            continue; // an empty document, e.g. after a trailing ---
          }
          assertThat(o).as("document in %s", f).isInstanceOf(Map.class);
          KubernetesResource typed = Serialization.unmarshal(Serialization.asJson(o));
          docs.add(new Doc(f, typed));
        }
      } catch (IOException e) {
        throw new UncheckedIOException(e);
      }
    }
    return new Manifests(docs);
  }

  List<Doc> all() {
    return docs;
  }

  /** The typed objects of class {@code type} in {@code k8s/base}. */
  <T extends HasMetadata> List<T> base(Class<T> type) {
    return docs.stream()
        .filter(Doc::inBase)
        .map(Doc::object)
        .filter(type::isInstance)
        .map(type::cast)
        .toList();
  }

  /** The one object of {@code type} named {@code name} in {@code k8s/base}. */
  <T extends HasMetadata> T one(Class<T> type, String name) {
    List<T> found =
        base(type).stream().filter(o -> name.equals(o.getMetadata().getName())).toList();
    assertThat(found).as("%s %s in k8s/base", type.getSimpleName(), name).hasSize(1);
    return found.get(0);
  }

  <T extends HasMetadata> Optional<T> find(Class<T> type, String namespace, String name) {
    return base(type).stream()
        .filter(o -> name.equals(o.getMetadata().getName()))
        .filter(o -> namespace == null || namespace.equals(o.getMetadata().getNamespace()))
        .findFirst();
  }

  /** The generic objects (kinds fabric8 has no class for) of {@code kind}, anywhere. */
  List<Doc> generic(String kind) {
    return docs.stream()
        .filter(d -> d.object() instanceof GenericKubernetesResource g && kind.equals(g.getKind()))
        .toList();
  }

  /** Deployments and StatefulSets of {@code k8s/base}. */
  List<Workload> workloads() {
    List<Workload> out = new ArrayList<>();
    for (Doc d : docs) {
      if (!d.inBase()) {
        continue;
      }
      if (d.object() instanceof Deployment dep) {
        out.add(
            new Workload(
                d,
                "Deployment",
                dep.getMetadata().getName(),
                dep.getMetadata().getNamespace(),
                dep.getSpec().getTemplate()));
      } else if (d.object() instanceof StatefulSet sts) {
        out.add(
            new Workload(
                d,
                "StatefulSet",
                sts.getMetadata().getName(),
                sts.getMetadata().getNamespace(),
                sts.getSpec().getTemplate()));
      }
    }
    return out;
  }

  Workload workload(String name) {
    return workloads().stream()
        .filter(w -> w.name().equals(name))
        .findFirst()
        .orElseThrow(() -> new AssertionError("no workload " + name + " in k8s/base"));
  }
}
