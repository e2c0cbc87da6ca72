/**
 * Sample encodings (Prometheus's {@code tsdb/chunkenc}): {@link io.promfed.tsdb.chunkenc.XorChunk}
 * with its appender and cursor, the Gorilla delta-of-delta and XOR float encoding with Prometheus's
 * millisecond bucket widths, and {@link io.promfed.tsdb.chunkenc.PackedChunks}, a series' closed
 * chunks back to back in one array.
 */
package io.promfed.tsdb.chunkenc;
