package io.promfed.storage.remote;

/**
 * Streams a remote-read {@code prometheus.ReadResponse} of the SAMPLES type (layout in {@link
 * ReadResponseEncoder}) into a {@link Visitor}: each result is announced, then its series and
 * samples are visited exactly as {@link WriteRequestDecoder} visits a write request, whose layout a
 * {@code QueryResult} shares. Unknown fields are skipped. Not thread-safe; reusable.
 */
public final class ReadResponseDecoder {

  /** Receives a decoded response in wire order. */
  public interface Visitor extends WriteRequestDecoder.Visitor {

    /** A new query result; {@code index} counts from 0. Its series follow. */
    void result(int index) throws DecodeException;
  }

  private final WriteRequestDecoder series = new WriteRequestDecoder();

  /** A decoder; keep one per thread. */
  public ReadResponseDecoder() {}

  /**
   * Decodes {@code buf[off, off + len)}.
   *
   * @return the number of results
   * @throws DecodeException on malformed input; offsets inside a result are relative to it
   */
  public int decode(byte[] buf, int off, int len, Visitor visitor) throws DecodeException {
    if (off < 0 || len < 0 || off > buf.length - len) {
      throw new IndexOutOfBoundsException("range [" + off + ", " + (off + len) + ") of " + buf.length);
    }
    ProtoReader r = new ProtoReader(buf, off);
    int end = off + len;
    int results = 0;
    while (r.pos < end) {
      int at = r.pos;
      int tag = r.tag(end);
      int field = tag >>> 3;
      int wire = tag & 7;
      if (field == 1) {
        r.expectWire(at, "ReadResponse.results", wire, ProtoReader.WIRE_LEN);
        int resultEnd = r.lengthEnd(end);
        visitor.result(results++);
        series.decode(buf, r.pos, resultEnd - r.pos, visitor);
        r.pos = resultEnd;
      } else {
        r.skip(at, field, wire, end);
      }
    }
    return results;
  }
}
