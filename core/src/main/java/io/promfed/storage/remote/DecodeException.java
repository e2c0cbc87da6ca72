package io.promfed.storage.remote;

/**
 * A remote-write body that cannot be decoded: corrupt or oversized Snappy data, or malformed
 * protobuf. The message names the layer, the byte offset and the problem, for example {@code
 * protobuf: offset 17: truncated varint}; the receiver answers it with HTTP 400. Immutable.
 */
public final class DecodeException extends Exception {

  private final long offset;

  /**
   * @param layer {@code "snappy"} or {@code "protobuf"}
   * @param offset the byte offset of the problem in that layer's input, or -1 when it concerns the
   *     input as a whole
   * @param problem what is wrong, without the offset
   */
  public DecodeException(String layer, long offset, String problem) {
    super(offset < 0 ? layer + ": " + problem : layer + ": offset " + offset + ": " + problem);
    this.offset = offset;
  }

  /** The byte offset of the problem in the failing layer's input, or -1. */
  public long offset() {
    return offset;
  }
}
