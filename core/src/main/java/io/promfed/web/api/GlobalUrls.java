package io.promfed.web.api;

import java.net.URI;
import java.util.List;

/**
 * The targets API's {@code globalUrl} (web/api/v1/api.go {@code getGlobalURL}): a target on
 * localhost is not reachable from elsewhere, so its host is replaced by this server's external
 * host, and when it is this very server (same port) its scheme and port too. Stateless.
 */
final class GlobalUrls {

  /** {@code LocalhostRepresentations}. */
  private static final List<String> LOCALHOST = List.of("127.0.0.1", "localhost", "::1");

  private GlobalUrls() {}

  /**
   * The global URL of {@code u} as a string.
   *
   * @throws IllegalArgumentException when an address does not split into host and port, with Go's
   *     {@code net.SplitHostPort} message
   */
  static String of(URI u, GlobalUrlOptions opts) {
    if (opts == null || u.getRawAuthority() == null) {
      return u.toString();
    }
    String[] hp = sanitizeSplitHostPort(u.getRawAuthority());
    if (!LOCALHOST.contains(hp[0])) {
      return u.toString();
    }
    String ownPort = splitHostPort(opts.listenAddress())[1];
    String scheme = u.getScheme();
    String authority;
    if (hp[1].equals(ownPort)) {
      // Monitoring ourselves: the externally reachable scheme, host and port.
      scheme = opts.scheme();
      authority = opts.host();
    } else {
      String host = sanitizeSplitHostPort(opts.host())[0];
      authority = hp[1].isEmpty() ? host : joinHostPort(host, hp[1]);
    }
    StringBuilder sb = new StringBuilder(scheme).append("://").append(authority);
    if (u.getRawPath() != null) {
      sb.append(u.getRawPath());
    }
    if (u.getRawQuery() != null) {
      sb.append('?').append(u.getRawQuery());
    }
    if (u.getRawFragment() != null) {
      sb.append('#').append(u.getRawFragment());
    }
    return sb.toString();
  }

  /** {@code sanitizeSplitHostPort}: like {@link #splitHostPort}, but a missing port is "". */
  private static String[] sanitizeSplitHostPort(String input) {
    try {
      return splitHostPort(input);
    } catch (IllegalArgumentException e) {
      if (e.getMessage().endsWith("missing port in address")) {
        try {
          return new String[] {splitHostPort(input + ":80")[0], ""};
        } catch (IllegalArgumentException ignored) {
          // fall through to the original error
        }
      }
      throw e;
    }
  }

  /** Go's {@code net.SplitHostPort}: {@code host:port} or {@code [v6host]:port}. */
  static String[] splitHostPort(String hostport) {
    int i = hostport.lastIndexOf(':');
    if (i < 0) {
      throw addrError(hostport, "missing port in address");
    }
    String host;
    if (hostport.startsWith("[")) {
      int end = hostport.indexOf(']');
      if (end < 0) {
        throw addrError(hostport, "missing ']' in address");
      }
      if (end + 1 == hostport.length()) {
        throw addrError(hostport, "missing port in address");
      }
      if (end + 1 != i) {
        throw addrError(
            hostport,
            hostport.charAt(end + 1) == ':'
                ? "too many colons in address"
                : "missing port in address");
      }
      host = hostport.substring(1, end);
    } else {
      host = hostport.substring(0, i);
      if (host.indexOf(':') >= 0) {
        throw addrError(hostport, "too many colons in address");
      }
    }
    return new String[] {host, hostport.substring(i + 1)};
  }

  private static String joinHostPort(String host, String port) {
    return host.indexOf(':') >= 0 ? "[" + host + "]:" + port : host + ":" + port;
  }

  private static IllegalArgumentException addrError(String addr, String why) {
    return new IllegalArgumentException("address " + addr + ": " + why);
  }
}
