package io.promfed.demo.accesslog;

/**
 * One queued access log line, still unformatted: formatting happens on the writer thread so the
 * request thread only allocates this record.
 *
 * @param epochMillis when the request was logged, like the time Go's logger reads in {@code
 *     Println}
 * @param remoteAddr the peer's IP address, as the servlet container reports it
 * @param remotePort the peer's TCP port
 * @param outcome success or failure of the request
 * @param site the source position the line names
 */
record AccessLogEntry(
    long epochMillis, String remoteAddr, int remotePort, Outcome outcome, CallSite site) {}
