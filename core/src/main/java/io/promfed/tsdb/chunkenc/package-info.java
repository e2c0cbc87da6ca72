/**
 * Sample encodings (Prometheus's {@code tsdb/chunkenc}): {@link io.promfed.tsdb.chunkenc.XorChunk}
 * with its appender and cursor, the Gorilla delta-of-delta and XOR float encoding with Prometheus's
 * millisecond bucket widths, {@link io.promfed.tsdb.chunkenc.PackedChunks}, a series' closed
 * chunks back to back in one array (or indexed there and stored in {@link
 * io.promfed.tsdb.chunkenc.ChunkFiles}, the head's chunk files on disk).
 */
package io.promfed.tsdb.chunkenc;
