package io.promfed.web.api;

import java.time.Instant;

/**
 * What {@code /api/v1/status/runtimeinfo} reports, member for member Prometheus's {@code
 * RuntimeInfo}. The Go runtime members carry their JVM counterparts so that tools reading them find
 * numbers of the same meaning.
 *
 * @param startTime when the server started
 * @param cwd the working directory
 * @param hostname the host's name
 * @param serverTime the time of this report
 * @param reloadConfigSuccess whether the last configuration reload succeeded
 * @param lastConfigTime when a configuration was last loaded successfully; null if never
 * @param corruptionCount WAL corruptions found (always 0: the head has no WAL yet)
 * @param goroutineCount live threads
 * @param gomaxprocs processors available to the JVM
 * @param gomemlimit the heap limit in bytes ({@code -Xmx})
 * @param gogc Go's GC target; empty here
 * @param godebug Go's debug settings; empty here
 * @param storageRetention how long samples are kept, as Prometheus prints it ({@code 15d})
 */
public record RuntimeInfo(
    Instant startTime,
    String cwd,
    String hostname,
    Instant serverTime,
    boolean reloadConfigSuccess,
    Instant lastConfigTime,
    long corruptionCount,
    int goroutineCount,
    int gomaxprocs,
    long gomemlimit,
    String gogc,
    String godebug,
    String storageRetention) {}
