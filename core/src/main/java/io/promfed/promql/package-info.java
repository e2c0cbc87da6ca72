/**
 * The PromQL engine: {@link io.promfed.promql.Engine} evaluates instant and range queries against
 * any {@link io.promfed.storage.Queryable} and returns {@link io.promfed.promql.Value}s.
 *
 * <h2>Semantics</h2>
 *
 * We follow Prometheus 3 ({@code promql/engine.go}, {@code functions.go}, {@code quantile.go} of
 * the v3 line) for float samples:
 *
 * <ul>
 *   <li>An instant selector takes the newest sample in {@code (t - lookbackDelta, t]}; a stale
 *       marker ({@link io.promfed.model.value.StaleNaN}) as the newest sample means no value.
 *   <li>A range selector {@code x[d]} takes the samples in {@code (t - d, t]}, skipping stale
 *       markers.
 *   <li>Subqueries evaluate their inner expression at multiples of their step inside {@code (t -
 *       offset - range, t - offset]}.
 *   <li>{@code @ t}, {@code @ start()}, {@code @ end()} pin a selector or subquery to a time; the
 *       engine evaluates step-invariant sub-trees once and repeats the result.
 *   <li>{@code sum}, {@code avg}, {@code *_over_time}, variances and regressions use Kahan
 *       summation, as Prometheus 3 does, so results match in the last bits.
 *   <li>{@code __name__} is dropped where Prometheus drops it without the {@code
 *       promql-delayed-name-removal} feature flag: arithmetic, {@code bool} comparisons, functions
 *       (except {@code last_over_time}/{@code first_over_time}, label and sort functions), unary
 *       minus, aggregations without {@code by (__name__)}.
 * </ul>
 *
 * <p>Differences from Prometheus 2.x (2.42 era): 2.x windows were closed, {@code [t - d, t]}, for
 * both range selectors and the lookback, so a sample exactly at the left edge counted; {@code
 * sum}/{@code avg} were plain sums (no Kahan compensation, {@code avg} incremental); {@code
 * holt_winters} existed instead of {@code double_exponential_smoothing}; ranges could not be given
 * as plain numbers of seconds.
 *
 * <h2>Not supported</h2>
 *
 * Native histograms (the {@code histogram_*} functions except {@code histogram_quantile} and {@code
 * histogram_fraction} over classic buckets return nothing, as they do for float samples in
 * Prometheus), {@code info()}, experimental duration arithmetic, {@code
 * fill()} modifiers, {@code anchored}/{@code smoothed}, and delayed name removal.
 *
 * <h2>Memory</h2>
 *
 * Samples are read through {@link io.promfed.storage.SeriesCursor}s; windows and step vectors are
 * primitive arrays reused across steps, and intermediate results hold one {@code long[]}/{@code
 * double[]} pair per series. The number of samples held at once is checked against {@link
 * io.promfed.promql.EngineOptions#maxSamples()} with Prometheus's accounting.
 */
package io.promfed.promql;
