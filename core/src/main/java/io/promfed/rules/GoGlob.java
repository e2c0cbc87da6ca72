package io.promfed.rules;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.stream.Stream;

/**
 * Go's {@code path/filepath.Glob} and {@code filepath.Match} for Unix paths, which Prometheus
 * applies to each {@code rule_files} entry (cmd/prometheus/main.go, the "rules" reloader). Syntax:
 * {@code *} (any run of non-{@code /} characters), {@code ?} (one non-{@code /} character), {@code
 * [abc]}, {@code [a-z]}, {@code [^a-z]} and {@code \} escapes. Java's {@code PathMatcher} "glob:"
 * syntax differs ({@code {a,b}}, {@code **}, {@code [!a]}), hence this class. Stateless and
 * thread-safe.
 */
final class GoGlob {

  /** Go's {@code filepath.ErrBadPattern}. */
  static final class BadPatternException extends Exception {
    private static final long serialVersionUID = 1L;

    BadPatternException() {
      super("syntax error in pattern", null, false, false);
    }
  }

  private GoGlob() {}

  /**
   * The files matching {@code pattern}, like Go's {@code filepath.Glob}: in lexical order within
   * each directory; a pattern without metacharacters yields itself when the file exists and nothing
   * otherwise (so a missing rule file is not an error in Prometheus either). I/O errors while
   * listing a directory are ignored, as Go does.
   */
  static List<String> glob(String pattern) throws BadPatternException {
    match(pattern, ""); // Go 1.22+: reject a malformed pattern even when nothing is listed
    List<String> out = new ArrayList<>();
    if (!hasMeta(pattern)) {
      if (Files.exists(Path.of(pattern), LinkOption.NOFOLLOW_LINKS)) {
        out.add(pattern);
      }
      return out;
    }
    int slash = pattern.lastIndexOf('/');
    String dir = slash < 0 ? "" : pattern.substring(0, slash + 1);
    String file = pattern.substring(slash + 1);
    dir = cleanGlobPath(dir);
    if (!hasMeta(dir)) {
      globDir(dir, file, out);
      return out;
    }
    if (dir.equals(pattern)) {
      throw new BadPatternException(); // Go: prevents infinite recursion
    }
    for (String d : glob(dir)) {
      globDir(d, file, out);
    }
    return out;
  }

  private static String cleanGlobPath(String dir) {
    if (dir.isEmpty()) {
      return ".";
    }
    if (dir.equals("/")) {
      return dir;
    }
    return dir.substring(0, dir.length() - 1); // drop the trailing separator
  }

  private static void globDir(String dir, String pattern, List<String> out)
      throws BadPatternException {
    Path d = Path.of(dir);
    if (!Files.isDirectory(d)) {
      return;
    }
    List<String> names = new ArrayList<>();
    try (Stream<Path> s = Files.list(d)) {
      s.forEach(p -> names.add(p.getFileName().toString()));
    } catch (IOException | java.io.UncheckedIOException e) {
      return;
    }
    names.sort(null); // Go sorts names byte-wise; String order equals it for BMP-only names
    for (String n : names) {
      if (match(pattern, n)) {
        out.add(join(dir, n));
      }
    }
  }

  /**
   * Go's {@code filepath.Join}: joins and cleans, so {@code ./rules} + {@code a.yml} is {@code
   * rules/a.yml}.
   */
  private static String join(String dir, String name) {
    return clean(dir + "/" + name);
  }

  /** Go's {@code filepath.Clean} for Unix paths (Rob Pike's lexical rules). */
  static String clean(String path) {
    if (path.isEmpty()) {
      return ".";
    }
    boolean rooted = path.charAt(0) == '/';
    List<String> parts = new ArrayList<>();
    for (String e : path.split("/", -1)) {
      if (e.isEmpty() || e.equals(".")) {
        continue;
      }
      if (e.equals("..")) {
        if (!parts.isEmpty() && !parts.get(parts.size() - 1).equals("..")) {
          parts.remove(parts.size() - 1);
        } else if (!rooted) {
          parts.add(e);
        }
        continue;
      }
      parts.add(e);
    }
    String joined = String.join("/", parts);
    if (rooted) {
      return "/" + joined;
    }
    return joined.isEmpty() ? "." : joined;
  }

  static boolean hasMeta(String path) {
    for (int i = 0; i < path.length(); i++) {
      char c = path.charAt(i);
      if (c == '*' || c == '?' || c == '[' || c == '\\') {
        return true;
      }
    }
    return false;
  }

  /** Go's {@code filepath.Match}: whether {@code name} matches the whole {@code pattern}. */
  static boolean match(String pattern, String name) throws BadPatternException {
    String p = pattern;
    String n = name;
    outer:
    while (!p.isEmpty()) {
      boolean star = false;
      while (!p.isEmpty() && p.charAt(0) == '*') {
        p = p.substring(1);
        star = true;
      }
      int chunkEnd = scanChunkEnd(p);
      String chunk = p.substring(0, chunkEnd);
      p = p.substring(chunkEnd);
      if (star && chunk.isEmpty()) {
        return n.indexOf('/') < 0; // trailing * matches the rest unless it holds a separator
      }
      String rest = matchChunk(chunk, n);
      if (rest != null && (rest.isEmpty() || !p.isEmpty())) {
        n = rest;
        continue;
      }
      if (star) {
        // Look for a match skipping i+1 bytes; cannot skip a separator.
        for (int i = 0; i < n.length() && n.charAt(i) != '/'; i++) {
          rest = matchChunk(chunk, n.substring(i + 1));
          if (rest != null) {
            if (p.isEmpty() && !rest.isEmpty()) {
              continue; // the last chunk must match the whole remainder
            }
            n = rest;
            continue outer;
          }
        }
      }
      // Report a syntax error in the rest of the pattern even though this name does not match.
      while (!p.isEmpty()) {
        while (!p.isEmpty() && p.charAt(0) == '*') {
          p = p.substring(1);
        }
        int end = scanChunkEnd(p);
        matchChunk(p.substring(0, end), "");
        p = p.substring(end);
      }
      return false;
    }
    return n.isEmpty();
  }

  /** The end of the next chunk: up to the next unescaped {@code *} outside brackets. */
  private static int scanChunkEnd(String p) {
    boolean inRange = false;
    for (int i = 0; i < p.length(); i++) {
      switch (p.charAt(i)) {
        case '\\' -> {
          if (i + 1 < p.length()) {
            i++;
          }
        }
        case '[' -> inRange = true;
        case ']' -> inRange = false;
        case '*' -> {
          if (!inRange) {
            return i;
          }
        }
        default -> {}
      }
    }
    return p.length();
  }

  /**
   * Matches {@code chunk} (no {@code *}) against a prefix of {@code s}; the rest of {@code s}, or
   * null when it does not match. Like Go, keeps checking the chunk's syntax after a mismatch.
   */
  private static String matchChunk(String chunk, String s) throws BadPatternException {
    boolean failed = false;
    int si = 0;
    int ci = 0;
    while (ci < chunk.length()) {
      if (!failed && si >= s.length()) {
        failed = true;
      }
      char c = chunk.charAt(ci);
      if (c == '[') {
        int r = 0;
        if (!failed) {
          r = s.codePointAt(si);
          si += Character.charCount(r);
        }
        ci++;
        boolean negated = ci < chunk.length() && chunk.charAt(ci) == '^';
        if (negated) {
          ci++;
        }
        boolean matched = false;
        int nrange = 0;
        while (true) {
          if (ci < chunk.length() && chunk.charAt(ci) == ']' && nrange > 0) {
            ci++;
            break;
          }
          int[] lo = getEsc(chunk, ci);
          ci = lo[1];
          int hi = lo[0];
          if (ci < chunk.length() && chunk.charAt(ci) == '-') {
            int[] h = getEsc(chunk, ci + 1);
            hi = h[0];
            ci = h[1];
          }
          if (lo[0] <= r && r <= hi) {
            matched = true;
          }
          nrange++;
        }
        if (matched == negated) {
          failed = true;
        }
      } else if (c == '?') {
        if (!failed) {
          if (s.charAt(si) == '/') {
            failed = true;
          }
          si += Character.charCount(s.codePointAt(si));
        }
        ci++;
      } else {
        if (c == '\\') {
          ci++;
          if (ci >= chunk.length()) {
            throw new BadPatternException();
          }
          c = chunk.charAt(ci);
        }
        if (!failed) {
          if (c != s.charAt(si)) {
            failed = true;
          }
          si++;
        }
        ci++;
      }
    }
    return failed ? null : s.substring(si);
  }

  /** One possibly escaped character of a bracket range: {code point, next index}. */
  private static int[] getEsc(String chunk, int i) throws BadPatternException {
    if (i >= chunk.length() || chunk.charAt(i) == '-' || chunk.charAt(i) == ']') {
      throw new BadPatternException();
    }
    if (chunk.charAt(i) == '\\') {
      i++;
      if (i >= chunk.length()) {
        throw new BadPatternException();
      }
    }
    int r = chunk.codePointAt(i);
    i += Character.charCount(r);
    if (i >= chunk.length()) {
      throw new BadPatternException(); // an unterminated range
    }
    return new int[] {r, i};
  }
}
