package io.promfed.model.relabel;

import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;

/**
 * Reads the {@code *.go.tsv} fixtures produced by running real Go: tab-separated rows whose string
 * columns are Go-quoted ({@code strconv.Quote}); lines starting with {@code #} are comments.
 */
public final class GoTestData {

  private GoTestData() {}

  /** The rows of a classpath resource, each split on tabs, with quoted columns unquoted. */
  public static List<String[]> rows(Class<?> anchor, String resource) {
    try (InputStream in = anchor.getResourceAsStream(resource)) {
      if (in == null) {
        throw new IllegalArgumentException("missing test resource " + resource);
      }
      String text = new String(in.readAllBytes(), StandardCharsets.UTF_8);
      List<String[]> rows = new ArrayList<>();
      for (String line : text.split("\n")) {
        if (line.isEmpty() || line.startsWith("#")) {
          continue;
        }
        String[] cols = line.split("\t", -1);
        for (int i = 0; i < cols.length; i++) {
          if (cols[i].startsWith("\"")) {
            cols[i] = unquote(cols[i]);
          }
        }
        rows.add(cols);
      }
      return rows;
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }

  /** Go's {@code strconv.Unquote} for double-quoted strings. */
  public static String unquote(String q) {
    if (q.length() < 2 || q.charAt(0) != '"' || q.charAt(q.length() - 1) != '"') {
      throw new IllegalArgumentException("not a Go-quoted string: " + q);
    }
    StringBuilder sb = new StringBuilder();
    for (int i = 1; i < q.length() - 1; i++) {
      char c = q.charAt(i);
      if (c != '\\') {
        sb.append(c);
        continue;
      }
      char e = q.charAt(++i);
      switch (e) {
        case 'a' -> sb.append('\u0007');
        case 'b' -> sb.append('\b');
        case 'f' -> sb.append('\f');
        case 'n' -> sb.append('\n');
        case 'r' -> sb.append('\r');
        case 't' -> sb.append('\t');
        case 'v' -> sb.append('\u000b');
        case '\\' -> sb.append('\\');
        case '"' -> sb.append('"');
        case 'x' -> {
          sb.append((char) Integer.parseInt(q.substring(i + 1, i + 3), 16));
          i += 2;
        }
        case 'u' -> {
          sb.append((char) Integer.parseInt(q.substring(i + 1, i + 5), 16));
          i += 4;
        }
        case 'U' -> {
          sb.appendCodePoint(Integer.parseInt(q.substring(i + 1, i + 9), 16));
          i += 8;
        }
        default -> throw new IllegalArgumentException("unsupported escape \\" + e + " in " + q);
      }
    }
    return sb.toString();
  }
}
