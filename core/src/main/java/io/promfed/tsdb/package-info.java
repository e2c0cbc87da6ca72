/**
 * The in-memory time-series store, after Prometheus's {@code tsdb} package: {@link
 * io.promfed.tsdb.Head} implements {@link io.promfed.storage.Appendable} and {@link
 * io.promfed.storage.Queryable} with striped series maps, Gorilla XOR chunks ({@code .chunkenc}),
 * an inverted index ({@code .index}), interned label strings, isolation between commits and
 * queries, and retention by explicit truncation.
 */
package io.promfed.tsdb;
