package io.promfed.model.relabel;

/**
 * Prometheus's legacy name rules as small predicates: label names {@code [a-zA-Z_][a-zA-Z0-9_]*},
 * metric names {@code [a-zA-Z_:][a-zA-Z0-9_:]*} (prometheus/common {@code model/metric.go}, {@code
 * model/labels.go}, "legacy" validation). Hand-written loops, no regex, so they are cheap enough
 * for per-series checks. Lives here rather than in {@code model.labels} so that the label set types
 * stay free of naming policy. Stateless and thread-safe.
 */
public final class Names {

  private Names() {}

  /** True when {@code name} is a valid (legacy) label name: {@code [a-zA-Z_][a-zA-Z0-9_]*}. */
  public static boolean isValidLabelName(String name) {
    if (name == null || name.isEmpty()) {
      return false;
    }
    for (int i = 0, n = name.length(); i < n; i++) {
      char c = name.charAt(i);
      boolean ok =
          (c >= 'a' && c <= 'z')
              || (c >= 'A' && c <= 'Z')
              || c == '_'
              || (i > 0 && c >= '0' && c <= '9');
      if (!ok) {
        return false;
      }
    }
    return true;
  }

  /** True when {@code name} is a valid (legacy) metric name: {@code [a-zA-Z_:][a-zA-Z0-9_:]*}. */
  public static boolean isValidMetricName(String name) {
    if (name == null || name.isEmpty()) {
      return false;
    }
    for (int i = 0, n = name.length(); i < n; i++) {
      char c = name.charAt(i);
      boolean ok =
          (c >= 'a' && c <= 'z')
              || (c >= 'A' && c <= 'Z')
              || c == '_'
              || c == ':'
              || (i > 0 && c >= '0' && c <= '9');
      if (!ok) {
        return false;
      }
    }
    return true;
  }

  /**
   * True when {@code value} is a valid label value. Prometheus requires valid UTF-8 ({@code
   * model.LabelValue.IsValid}); the Java equivalent is a string without unpaired surrogates, which
   * is the only way a decoded string can fail to round-trip to UTF-8.
   */
  public static boolean isValidLabelValue(String value) {
    for (int i = 0, n = value.length(); i < n; i++) {
      char c = value.charAt(i);
      if (Character.isHighSurrogate(c)) {
        if (i + 1 >= n || !Character.isLowSurrogate(value.charAt(i + 1))) {
          return false;
        }
        i++;
      } else if (Character.isLowSurrogate(c)) {
        return false;
      }
    }
    return true;
  }

  /**
   * {@code strutil.SanitizeLabelName}, as service discovery uses it for meta label names built
   * from user keys (Kubernetes labels, annotations, metadata): every character outside {@code
   * [a-zA-Z0-9_]} becomes {@code _}, one per code point as Go's regexp replaces per rune.
   */
  public static String sanitizeLabelName(String name) {
    StringBuilder sb = null;
    for (int i = 0; i < name.length(); ) {
      int cp = name.codePointAt(i);
      int n = Character.charCount(cp);
      boolean ok =
          (cp >= 'a' && cp <= 'z')
              || (cp >= 'A' && cp <= 'Z')
              || (cp >= '0' && cp <= '9')
              || cp == '_';
      if (!ok && sb == null) {
        sb = new StringBuilder(name.length()).append(name, 0, i);
      }
      if (sb != null) {
        if (ok) {
          sb.appendCodePoint(cp);
        } else {
          sb.append('_');
        }
      }
      i += n;
    }
    return sb == null ? name : sb.toString();
  }
}
