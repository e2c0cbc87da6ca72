package io.promfed.model.textparse;

import io.promfed.model.exposition.GoFloatFormat;
import io.promfed.model.labels.LabelsBuilder;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;

/** Test fixtures: reading testdata, Go-quoted inputs, entry dumps and golden files. */
final class Fixtures {

  /** Where testdata lives in the source tree, for {@code -Dgolden.update=true}. */
  static final Path SOURCE_TESTDATA =
      Path.of("src/test/resources/io/promfed/model/textparse/testdata");

  private Fixtures() {}

  static byte[] resource(String name) {
    try (InputStream in = Fixtures.class.getResourceAsStream("testdata/" + name)) {
      if (in == null) {
        throw new IllegalArgumentException("no testdata/" + name);
      }
      return in.readAllBytes();
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }

  static String resourceText(String name) {
    return new String(resource(name), StandardCharsets.UTF_8);
  }

  /** Whether golden files should be rewritten rather than compared. */
  static boolean updateGolden() {
    return Boolean.getBoolean("golden.update");
  }

  /** Compares {@code actual} with testdata/{@code name}, or rewrites it under golden.update. */
  static String golden(String name, String actual) {
    if (updateGolden()) {
      try {
        Files.writeString(SOURCE_TESTDATA.resolve(name), actual, StandardCharsets.UTF_8);
      } catch (IOException e) {
        throw new UncheckedIOException(e);
      }
      return actual;
    }
    return resourceText(name);
  }

  /**
   * Unquotes a Go double-quoted literal ({@code "a\n\x00\"b"}) into bytes: the fixture notation for
   * inputs with control characters or invalid UTF-8.
   */
  static byte[] goUnquote(String s) {
    if (s.length() < 2 || s.charAt(0) != '"' || s.charAt(s.length() - 1) != '"') {
      throw new IllegalArgumentException("not a quoted string: " + s);
    }
    ByteArrayOutputStream o = new ByteArrayOutputStream();
    for (int i = 1; i < s.length() - 1; i++) {
      char c = s.charAt(i);
      if (c != '\\') {
        o.writeBytes(String.valueOf(c).getBytes(StandardCharsets.UTF_8));
        continue;
      }
      char d = s.charAt(++i);
      switch (d) {
        case 'n' -> o.write('\n');
        case 't' -> o.write('\t');
        case 'r' -> o.write('\r');
        case '\\' -> o.write('\\');
        case '"' -> o.write('"');
        case 'x' -> {
          o.write(Integer.parseInt(s.substring(i + 1, i + 3), 16));
          i += 2;
        }
        default -> throw new IllegalArgumentException("bad escape \\" + d + " in " + s);
      }
    }
    return o.toByteArray();
  }

  /** Lines of a table file, without blank lines and {@code #} comments. */
  static List<String> tableLines(String name) {
    List<String> out = new ArrayList<>();
    for (String line : resourceText(name).split("\n", -1)) {
      if (!line.isBlank() && !line.startsWith("#")) {
        out.add(line);
      }
    }
    return out;
  }

  /**
   * Every entry of the body, one line each, ending with {@code EOF} or {@code ERROR <message>}: the
   * golden-file notation.
   */
  static String dump(Parser p) {
    StringBuilder sb = new StringBuilder();
    LabelsBuilder lb = new LabelsBuilder();
    try {
      while (true) {
        Parser.Entry e = p.next();
        switch (e) {
          case EOF -> {
            return sb.append("EOF\n").toString();
          }
          case HELP, UNIT ->
              sb.append(e)
                  .append(' ')
                  .append(p.metricFamilyName())
                  .append(' ')
                  .append(quote(p.text()))
                  .append('\n');
          case TYPE ->
              sb.append("TYPE ")
                  .append(p.metricFamilyName())
                  .append(' ')
                  .append(p.type())
                  .append('\n');
          case COMMENT -> sb.append("COMMENT ").append(quote(p.text())).append('\n');
          case SERIES -> {
            lb.reset();
            p.labels(lb);
            sb.append("SERIES ")
                .append(
                    TextBytes.quote(p.buffer(), p.seriesStart(), p.seriesEnd(), Integer.MAX_VALUE))
                .append(" => ")
                .append(lb.build())
                .append(' ')
                .append(value(p.value()));
            if (p.hasTimestamp()) {
              sb.append(" @").append(p.timestampMs());
            }
            sb.append('\n');
          }
        }
      }
    } catch (ParseException ex) {
      return sb.append("ERROR ").append(ex.getMessage()).append('\n').toString();
    }
  }

  static String value(double v) {
    String s = GoFloatFormat.formatG(v);
    return Double.isNaN(v) ? s + "(" + Long.toHexString(Double.doubleToRawLongBits(v)) + ")" : s;
  }

  static String quote(String s) {
    byte[] b = s.getBytes(StandardCharsets.UTF_8);
    return TextBytes.quote(b, 0, b.length, Integer.MAX_VALUE);
  }

  /** The message of the first error parsing {@code input}, or null if it parses. */
  static String firstError(Parser p) {
    try {
      while (p.next() != Parser.Entry.EOF) {
        // keep going
      }
      return null;
    } catch (ParseException e) {
      return e.getMessage();
    }
  }
}
