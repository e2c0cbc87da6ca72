package io.promfed.web.api;

import java.net.InetAddress;
import java.net.UnknownHostException;

/**
 * How the targets API turns a localhost scrape URL into one that works from elsewhere (Prometheus's
 * {@code GlobalURLOptions}, derived from {@code --web.listen-address} and {@code
 * --web.external-url}).
 *
 * @param listenAddress the address this server listens on, {@code host:port} or {@code :port}
 * @param host the externally reachable {@code host[:port]} of this server
 * @param scheme the externally reachable scheme of this server, {@code http} or {@code https}
 */
public record GlobalUrlOptions(String listenAddress, String host, String scheme) {

  /**
   * Prometheus's defaults for a server listening on {@code port}: the external URL is {@code
   * http://<hostname>:<port>/}, the hostname being {@code $HOSTNAME} (a pod's name in Kubernetes)
   * or else the local host's name.
   */
  public static GlobalUrlOptions defaults(int port) {
    return new GlobalUrlOptions(":" + port, localHostname() + ":" + port, "http");
  }

  static String localHostname() {
    String env = System.getenv("HOSTNAME");
    if (env != null && !env.isEmpty()) {
      return env;
    }
    try {
      return InetAddress.getLocalHost().getHostName();
    } catch (UnknownHostException e) {
      return "localhost";
    }
  }
}
