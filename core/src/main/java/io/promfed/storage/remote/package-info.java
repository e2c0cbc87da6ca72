/**
 * Prometheus remote write 1.0 (prometheus/docs docs/specs/prw/remote_write_spec.md) and remote
 * read 1.0 (SAMPLES responses), both ends of each, after Prometheus's storage/remote package.
 *
 * <ul>
 *   <li>Wire format: {@link io.promfed.storage.remote.SnappyBlock} (Snappy block format, decoded
 *       size checked before allocation), {@link io.promfed.storage.remote.WriteRequestEncoder} and
 *       the streaming {@link io.promfed.storage.remote.WriteRequestDecoder} (protobuf by hand, no
 *       object per sample, stale-marker bits preserved), {@link
 *       io.promfed.storage.remote.DecodeException} for bad input.
 *   <li>Receiver: {@link io.promfed.storage.remote.RemoteWriteHandler}, framework-free; one
 *       appender transaction per request, write_handler.go's status codes.
 *   <li>Sender: {@link io.promfed.storage.remote.RemoteStorage} runs one {@link
 *       io.promfed.storage.remote.QueueManager} per {@code remote_write} entry and restarts only
 *       changed ones on reload (write.go); {@link io.promfed.storage.remote.RemoteWriteAppendable}
 *       wraps the head and forwards every committed sample to them; the queues add external
 *       labels, relabel, shard (resharding as the rates require), batch, send and retry like
 *       queue_manager.go without ever blocking the commit.
 *   <li>Remote read: {@link io.promfed.storage.remote.ReadRequest}, {@link
 *       io.promfed.storage.remote.ReadResponseEncoder} and {@link
 *       io.promfed.storage.remote.ReadResponseDecoder} (a QueryResult is laid out like a
 *       WriteRequest, so the write codec does the bulk); {@link
 *       io.promfed.storage.remote.RemoteReadHandler} serves a store like read_handler.go; {@link
 *       io.promfed.storage.remote.RemoteReadQueryable} reads one endpoint with read.go's filters;
 *       {@link io.promfed.storage.remote.RemoteReadFanout} merges the local store with every
 *       endpoint, failures becoming query warnings.
 * </ul>
 */
package io.promfed.storage.remote;
