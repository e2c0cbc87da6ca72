package io.promfed.tsdb.index;

import java.util.ArrayList;
import java.util.List;

/**
 * Conservative analysis of a matcher's regex source for the two shortcuts Prometheus's {@code
 * FastRegexMatcher} (model/labels/regexp.go) gives postings lookups: a set of literals ({@code
 * a|b|c}, looked up directly instead of scanning every value) and a literal prefix ({@code api_.*},
 * which limits the scan to a sorted range of values).
 *
 * <p>The analysis only ever under-approximates: when in doubt it reports no shortcut. Callers still
 * confirm every candidate with the real matcher, so a shortcut can only narrow the scan, never add
 * a value that does not match. Stateless and thread-safe.
 */
final class RegexShortcuts {

  private static final String META = "\\.+*?()|[]{}^$";

  private RegexShortcuts() {}

  /**
   * The exact set of strings {@code re} (anchored as the matcher anchors it) matches when it is an
   * alternation of literals such as {@code a|b}, {@code (a|b)}, {@code ^a$}, {@code 2\.5|3}; {@code
   * null} otherwise. May contain the empty string ({@code c||d}).
   */
  static List<String> literalSet(String re) {
    String s = stripAnchors(re);
    if (s == null) {
      return null;
    }
    if (s.length() >= 2
        && s.charAt(0) == '('
        && s.charAt(1) != '?'
        && closingParen(s, 0) == s.length() - 1) {
      s = s.substring(1, s.length() - 1);
    }
    List<String> out = new ArrayList<>();
    StringBuilder cur = new StringBuilder();
    for (int i = 0; i < s.length(); i++) {
      char c = s.charAt(i);
      if (c == '|') {
        out.add(cur.toString());
        cur.setLength(0);
      } else if (c == '\\') {
        if (i + 1 >= s.length() || !isEscapablePunct(s.charAt(i + 1))) {
          return null;
        }
        cur.append(s.charAt(++i));
      } else if (META.indexOf(c) >= 0) {
        return null;
      } else {
        cur.append(c);
      }
    }
    out.add(cur.toString());
    return out;
  }

  /**
   * A prefix every string matched by {@code re} starts with; empty when none is known. For example
   * {@code foo.*} → {@code foo}, {@code foob?} → {@code foo}, {@code foo(a|b)} → {@code foo},
   * {@code foo|bar} → empty.
   */
  static String literalPrefix(String re) {
    String s = stripLeadingCaret(re);
    if (hasTopLevelAlternation(s)) {
      return "";
    }
    StringBuilder p = new StringBuilder();
    int lastLen = 0; // length of the last literal unit appended (1, or 2 for a surrogate pair)
    int i = 0;
    while (i < s.length()) {
      char c = s.charAt(i);
      if (c == '\\') {
        if (i + 1 < s.length() && isEscapablePunct(s.charAt(i + 1))) {
          p.append(s.charAt(i + 1));
          lastLen = 1;
          i += 2;
          continue;
        }
        break;
      }
      if (META.indexOf(c) >= 0) {
        // A quantifier that may repeat zero times makes the last literal optional.
        if ((c == '*' || c == '?' || c == '{') && lastLen > 0) {
          p.setLength(p.length() - lastLen);
        }
        return p.toString();
      }
      if (Character.isHighSurrogate(c)
          && i + 1 < s.length()
          && Character.isLowSurrogate(s.charAt(i + 1))) {
        p.append(c).append(s.charAt(i + 1));
        lastLen = 2;
        i += 2;
        continue;
      }
      p.append(c);
      lastLen = 1;
      i++;
    }
    return p.toString();
  }

  private static boolean isEscapablePunct(char c) {
    // RE2 allows escaping any ASCII punctuation as itself; letters and digits are classes or
    // special escapes (\d, \b, \pN, \Q …), which we do not interpret.
    return c < 128 && !Character.isLetterOrDigit(c) && c > ' ';
  }

  private static String stripLeadingCaret(String re) {
    int i = 0;
    while (i < re.length() && re.charAt(i) == '^') {
      i++;
    }
    return re.substring(i);
  }

  /** Drops leading {@code ^} and a trailing unescaped {@code $}; null if other anchors remain. */
  private static String stripAnchors(String re) {
    String s = stripLeadingCaret(re);
    int end = s.length();
    while (end > 0 && s.charAt(end - 1) == '$' && !escaped(s, end - 1)) {
      end--;
    }
    return s.substring(0, end);
  }

  private static boolean escaped(String s, int idx) {
    int n = 0;
    for (int i = idx - 1; i >= 0 && s.charAt(i) == '\\'; i--) {
      n++;
    }
    return (n & 1) == 1;
  }

  /** Index of the ')' closing the '(' at {@code open}, or -1; skips escapes and classes. */
  private static int closingParen(String s, int open) {
    int depth = 0;
    for (int i = open; i < s.length(); i++) {
      char c = s.charAt(i);
      if (c == '\\') {
        i++;
      } else if (c == '[') {
        i = classEnd(s, i);
        if (i < 0) {
          return -1;
        }
      } else if (c == '(') {
        depth++;
      } else if (c == ')') {
        depth--;
        if (depth == 0) {
          return i;
        }
      }
    }
    return -1;
  }

  private static boolean hasTopLevelAlternation(String s) {
    int depth = 0;
    for (int i = 0; i < s.length(); i++) {
      char c = s.charAt(i);
      if (c == '\\') {
        i++;
      } else if (c == '[') {
        i = classEnd(s, i);
        if (i < 0) {
          return true; // unparseable by us: claim the worst
        }
      } else if (c == '(') {
        depth++;
      } else if (c == ')') {
        depth--;
      } else if (c == '|' && depth == 0) {
        return true;
      }
    }
    return false;
  }

  /** Index of the ']' ending the class opened at {@code open}, or -1. */
  private static int classEnd(String s, int open) {
    int i = open + 1;
    if (i < s.length() && s.charAt(i) == '^') {
      i++;
    }
    if (i < s.length() && s.charAt(i) == ']') {
      i++; // a leading ']' is literal
    }
    for (; i < s.length(); i++) {
      char c = s.charAt(i);
      if (c == '\\') {
        i++;
      } else if (c == '[' && i + 1 < s.length() && s.charAt(i + 1) == ':') {
        int close = s.indexOf(":]", i + 2);
        if (close < 0) {
          return -1;
        }
        i = close + 1;
      } else if (c == ']') {
        return i;
      }
    }
    return -1;
  }
}
