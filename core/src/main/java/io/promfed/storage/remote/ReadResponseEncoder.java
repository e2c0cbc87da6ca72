package io.promfed.storage.remote;

/**
 * Writes a remote-read {@code prometheus.ReadResponse} of the SAMPLES type:
 *
 * <pre>
 * ReadResponse { repeated QueryResult results = 1; }
 * QueryResult  { repeated TimeSeries timeseries = 1; }
 * </pre>
 *
 * <p>A {@code QueryResult} has exactly the wire layout of a remote-write {@code WriteRequest}
 * (field 1, repeated {@code TimeSeries}), so each result's series are written with a {@link
 * WriteRequestEncoder}: {@link #result()} gives it, {@link #endResult()} appends the finished result.
 * Not thread-safe.
 */
public final class ReadResponseEncoder {

  private final ProtoWriter out = new ProtoWriter();
  private final WriteRequestEncoder result = new WriteRequestEncoder();
  private int results;

  /** An empty response. */
  public ReadResponseEncoder() {}

  /** The encoder of the open result; add its series with startSeries/addSample/endSeries. */
  public WriteRequestEncoder result() {
    return result;
  }

  /** Appends the open result to the response and opens the next one. */
  public ReadResponseEncoder endResult() {
    out.bytes(1, result.buffer(), 0, result.size());
    result.reset();
    results++;
    return this;
  }

  /** Bytes so far, the open result included. */
  public long size() {
    return (long) out.size() + result.size();
  }

  /** Results appended. */
  public int resultCount() {
    return results;
  }

  /** The encoded response (not compressed); open result not included. */
  public byte[] toByteArray() {
    return out.toByteArray();
  }
}
