package io.promfed.discovery.kubernetes;

import io.fabric8.kubernetes.api.model.HasMetadata;
import io.fabric8.kubernetes.api.model.KubernetesResourceList;
import io.fabric8.kubernetes.client.dsl.FilterWatchListDeletable;
import io.fabric8.kubernetes.client.dsl.Resource;

/**
 * Applies a Kubernetes field selector string ({@code spec.nodeName=n1,status.phase!=Failed}), as
 * Prometheus passes {@code selectors[].field} verbatim in {@code ListOptions.FieldSelector}.
 * fabric8 takes field selectors as terms, so the string is split into {@code =}, {@code ==} and
 * {@code !=} terms; a backslash escapes {@code ,}, {@code =} and {@code \} as in {@code
 * k8s.io/apimachinery/pkg/fields}. Stateless.
 */
final class FieldSelectors {

  private FieldSelectors() {}

  static <T extends HasMetadata, L extends KubernetesResourceList<T>, R extends Resource<T>>
      FilterWatchListDeletable<T, L, R> apply(FilterWatchListDeletable<T, L, R> op, String field) {
    FilterWatchListDeletable<T, L, R> out = op;
    for (String term : split(field, ',')) {
      if (term.isBlank()) {
        continue;
      }
      int ne = indexOfUnescaped(term, "!=");
      if (ne >= 0) {
        out = out.withoutField(unescape(term.substring(0, ne)), unescape(term.substring(ne + 2)));
        continue;
      }
      int eq = indexOfUnescaped(term, "==");
      int len = 2;
      if (eq < 0) {
        eq = indexOfUnescaped(term, "=");
        len = 1;
      }
      if (eq < 0) {
        throw new IllegalArgumentException(
            "invalid field selector " + field + ": term " + term + " has no operator");
      }
      out = out.withField(unescape(term.substring(0, eq)), unescape(term.substring(eq + len)));
    }
    return out;
  }

  private static java.util.List<String> split(String s, char sep) {
    java.util.List<String> parts = new java.util.ArrayList<>();
    StringBuilder cur = new StringBuilder();
    for (int i = 0; i < s.length(); i++) {
      char c = s.charAt(i);
      if (c == '\\' && i + 1 < s.length()) {
        cur.append(c).append(s.charAt(++i));
      } else if (c == sep) {
        parts.add(cur.toString().trim());
        cur.setLength(0);
      } else {
        cur.append(c);
      }
    }
    parts.add(cur.toString().trim());
    return parts;
  }

  private static int indexOfUnescaped(String s, String op) {
    for (int i = 0; i + op.length() <= s.length(); i++) {
      if (s.charAt(i) == '\\') {
        i++;
        continue;
      }
      if (s.startsWith(op, i)) {
        return i;
      }
    }
    return -1;
  }

  private static String unescape(String s) {
    if (s.indexOf('\\') < 0) {
      return s.trim();
    }
    StringBuilder sb = new StringBuilder();
    for (int i = 0; i < s.length(); i++) {
      char c = s.charAt(i);
      if (c == '\\' && i + 1 < s.length()) {
        c = s.charAt(++i);
      }
      sb.append(c);
    }
    return sb.toString().trim();
  }
}
