package io.promfed.model.relabel;

import com.google.re2j.Matcher;
import com.google.re2j.Pattern;
import com.google.re2j.PatternSyntaxException;
import java.util.Map;

/**
 * A relabeling regex: the user's source text plus the RE2 pattern compiled fully anchored as {@code
 * ^(?s:re)$}, like {@code relabel.NewRegexp} in prometheus/prometheus {@code
 * model/relabel/relabel.go}. RE2/J gives Go's syntax, error messages and linear-time matching.
 *
 * <p>{@link #DEFAULT} ({@code (.*)}) is a singleton and {@link #isDefault()} tests identity,
 * because Prometheus compares the regex <em>pointer</em> with the default one: the replace fast
 * path and the {@code keepequal}/{@code dropequal} validation treat an explicitly written {@code
 * regex: (.*)} as non-default. {@link #equals} compares the source text.
 *
 * <p>Also hosts Go's {@code Regexp.Expand} template language, written by hand because {@code
 * java.util.regex}/RE2/J replacement syntax differs ({@code $1x} is group "1x" in Go, a missing
 * group expands to "" instead of throwing, {@code $$} is a literal dollar). Immutable and
 * thread-safe.
 */
public final class Regexp {

  /** The default relabel regex {@code (.*)}; compare with {@link #isDefault()}. */
  public static final Regexp DEFAULT = new Regexp("(.*)", Pattern.compile("^(?s:(.*))$"));

  private final String source;
  private final Pattern pattern;
  private final Map<String, Integer> namedGroups;

  private Regexp(String source, Pattern pattern) {
    this.source = source;
    this.pattern = pattern;
    this.namedGroups = pattern.namedGroups();
  }

  /**
   * Compiles {@code source} anchored as {@code ^(?s:source)$}. A new instance is returned even for
   * {@code "(.*)"}, as Prometheus does.
   *
   * @throws PatternSyntaxException with Go's message, e.g. {@code error parsing regexp: missing
   *     closing ): `^(?s:abc(def)$`}
   */
  public static Regexp compile(String source) {
    return new Regexp(source, Pattern.compile("^(?s:" + source + ")$"));
  }

  /** The regex as written by the user, without the anchors. */
  public String source() {
    return source;
  }

  /** The compiled, anchored pattern. */
  public Pattern pattern() {
    return pattern;
  }

  /** True only for the {@link #DEFAULT} instance (identity, as Prometheus compares pointers). */
  public boolean isDefault() {
    return this == DEFAULT;
  }

  /** Whether the whole of {@code s} matches (the pattern is anchored). */
  public boolean matches(String s) {
    return pattern.matches(s);
  }

  /**
   * Matches {@code s} and returns the matcher positioned on the match, or {@code null} when it does
   * not match: Go's {@code FindStringSubmatchIndex}.
   */
  public Matcher match(String s) {
    Matcher m = pattern.matcher(s);
    return m.find() ? m : null;
  }

  /**
   * Go's {@code Regexp.ExpandString(nil, template, src, match)}. A reference is {@code $name} or
   * {@code ${name}}, where a name is the longest run of letters, digits and underscores (so {@code
   * $1x} means group "1x"). An all-ASCII-digit name without leading zeros is a group number. An
   * unknown or non-participating group expands to "". {@code $$} is a literal {@code $}. A
   * malformed reference ({@code $}, {@code $&#123;&#125;}, {@code $&#123;1}) keeps the {@code $} as
   * text. Returns {@code template} itself when it holds no {@code $}.
   *
   * @param match a successful match of this regexp on {@code src}
   */
  public String expand(String template, String src, Matcher match) {
    int dollar = template.indexOf('$');
    if (dollar < 0) {
      return template;
    }
    StringBuilder dst = new StringBuilder(template.length() + src.length());
    int i = 0; // start of the unconsumed template
    while (dollar >= 0) {
      dst.append(template, i, dollar);
      i = dollar + 1;
      if (i < template.length() && template.charAt(i) == '$') {
        dst.append('$'); // "$$" is a literal '$'
        i++;
      } else {
        int end = appendReference(dst, template, i, src, match);
        if (end < 0) {
          dst.append('$'); // malformed: the '$' is text, scanning resumes right after it
        } else {
          i = end;
        }
      }
      dollar = template.indexOf('$', i);
    }
    return dst.append(template, i, template.length()).toString();
  }

  /**
   * Go's {@code extract} plus the group lookup of {@code Regexp.expand}: parses the reference that
   * starts at {@code from} (just after a '$'), appends the group's text and returns the index after
   * the reference, or returns -1 and appends nothing when the reference is malformed.
   */
  private int appendReference(
      StringBuilder dst, String template, int from, String src, Matcher match) {
    int n = template.length();
    if (from >= n) {
      return -1;
    }
    boolean brace = template.charAt(from) == '{';
    int start = brace ? from + 1 : from;
    int end = start;
    while (end < n) {
      int cp = template.codePointAt(end);
      if (!Character.isLetter(cp) && !Character.isDigit(cp) && cp != '_') {
        break;
      }
      end += Character.charCount(cp);
    }
    if (end == start) {
      return -1; // empty name
    }
    String name = template.substring(start, end);
    if (brace) {
      if (end >= n || template.charAt(end) != '}') {
        return -1; // missing closing brace
      }
      end++;
    }
    int group = groupNumber(name);
    if (group < 0) {
      Integer g = namedGroups.get(name);
      group = g == null ? -1 : g;
    }
    if (group >= 0 && group <= match.groupCount()) {
      int s = match.start(group);
      if (s >= 0) {
        dst.append(src, s, match.end(group));
      }
    }
    return end;
  }

  /** Go's rule: ASCII digits only, no leading zero, below 1e8; otherwise -1 (a name). */
  private static int groupNumber(String name) {
    int num = 0;
    for (int i = 0; i < name.length(); i++) {
      char c = name.charAt(i);
      if (c < '0' || c > '9' || num >= 100_000_000) {
        return -1;
      }
      num = num * 10 + (c - '0');
    }
    if (name.charAt(0) == '0' && name.length() > 1) {
      return -1;
    }
    return num;
  }

  @Override
  public boolean equals(Object o) {
    return o instanceof Regexp other && source.equals(other.source);
  }

  @Override
  public int hashCode() {
    return source.hashCode();
  }

  /** The source text, as {@code relabel.Regexp.String()} returns it. */
  @Override
  public String toString() {
    return source;
  }
}
