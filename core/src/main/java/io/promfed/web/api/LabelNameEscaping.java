package io.promfed.web.api;

import java.io.ByteArrayOutputStream;
import java.nio.charset.StandardCharsets;

/**
 * Prometheus's value-encoding escaping of names (prometheus/common model/metric.go {@code
 * UnescapeName} with {@code ValueEncodingEscaping}), which clients such as Grafana use to put any
 * UTF-8 label name into a URL path: a {@code U__} prefix, {@code __} for {@code _}, and {@code
 * _<hex code point>_} for anything else. Stateless.
 */
final class LabelNameEscaping {

  private LabelNameEscaping() {}

  /**
   * Decodes {@code name}; returns it unchanged when it lacks the {@code U__} prefix or is not
   * validly escaped (an unterminated or over-long escape, a non-hex digit, an invalid code point),
   * as upstream does.
   */
  static String unescape(String name) {
    if (!name.startsWith("U__")) {
      return name;
    }
    byte[] b = name.substring(3).getBytes(StandardCharsets.UTF_8);
    ByteArrayOutputStream out = new ByteArrayOutputStream(b.length);
    top:
    for (int i = 0; i < b.length; i++) {
      if (b[i] != '_') {
        out.write(b[i]);
        continue;
      }
      i++;
      if (i >= b.length) {
        return name;
      }
      if (b[i] == '_') {
        out.write('_');
        continue;
      }
      int cp = 0;
      // Upstream allows six characters including the closing underscore: five hex digits.
      for (int j = 0; i < b.length; j++) {
        if (j >= 6) {
          return name;
        }
        if (b[i] == '_') {
          if (cp > Character.MAX_CODE_POINT
              || (cp >= Character.MIN_SURROGATE && cp <= Character.MAX_SURROGATE)) {
            return name;
          }
          byte[] enc = new String(Character.toChars(cp)).getBytes(StandardCharsets.UTF_8);
          out.write(enc, 0, enc.length);
          continue top;
        }
        int d = Character.digit((char) (b[i] & 0xff), 16);
        if (d < 0 || b[i] < 0) {
          return name;
        }
        cp = cp * 16 + d;
        i++;
      }
      return name; // no closing underscore
    }
    return out.toString(StandardCharsets.UTF_8);
  }
}
