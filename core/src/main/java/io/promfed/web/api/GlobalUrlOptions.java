package io.promfed.web.api;

/**
 * How the targets API turns a localhost scrape URL into one that works from elsewhere
 * (Prometheus's {@code GlobalURLOptions}, derived from {@code --web.listen-address} and {@code
 * --web.external-url}).
 *
 * @param listenAddress the address this server listens on, {@code host:port} or {@code :port}
 * @param host the externally reachable {@code host[:port]} of this server
 * @param scheme the externally reachable scheme of this server, {@code http} or {@code https}
 */
public record GlobalUrlOptions(String listenAddress, String host, String scheme) {}
