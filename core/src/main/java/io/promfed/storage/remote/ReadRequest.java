package io.promfed.storage.remote;

import io.promfed.model.labels.Matcher;
import java.util.ArrayList;
import java.util.List;
import java.util.Objects;

/**
 * A remote-read 1.0 {@code prometheus.ReadRequest} and its protobuf wire format, encoded and
 * decoded by hand (prometheus/prometheus {@code prompb/remote.proto} and {@code prompb/types.proto};
 * the protocol is described in Prometheus's docs, "Remote storage integrations", and the remote
 * read meets streaming design).
 *
 * <pre>
 * ReadRequest  { repeated Query queries = 1; repeated ResponseType accepted_response_types = 2; }
 * Query        { int64 start_timestamp_ms = 1; int64 end_timestamp_ms = 2;
 *                repeated LabelMatcher matchers = 3; ReadHints hints = 4; }
 * LabelMatcher { Type type = 1; string name = 2; string value = 3; }   // EQ NEQ RE NRE
 * ReadHints    { int64 step_ms = 1; string func = 2; int64 start_ms = 3; int64 end_ms = 4;
 *                repeated string grouping = 5; bool by = 6; int64 range_ms = 7; }
 * </pre>
 *
 * <p>A request is a handful of bytes, so it is plain records. Immutable.
 *
 * @param queries the queries; the response has one result per query, in order
 * @param acceptedResponseTypes the response types the client accepts, in preference order, as
 *     their wire numbers ({@link #SAMPLES}, {@link #STREAMED_XOR_CHUNKS}; unknown numbers are kept,
 *     as proto3 keeps unknown enum values); empty means {@link #SAMPLES}
 */
public record ReadRequest(List<Query> queries, List<Integer> acceptedResponseTypes) {

  /** Response type: one protobuf {@code ReadResponse} of raw samples, Snappy-compressed. */
  public static final int SAMPLES = 0;

  /** Response type: a stream of framed {@code ChunkedReadResponse}s of XOR chunks. */
  public static final int STREAMED_XOR_CHUNKS = 1;

  public ReadRequest {
    queries = List.copyOf(queries);
    acceptedResponseTypes = List.copyOf(acceptedResponseTypes);
  }

  /**
   * One query: series matching all matchers, samples in {@code [start, end]}.
   *
   * @param hints what the query is for, or {@code null} (Prometheus sends them; servers may use
   *     them, e.g. {@code func = "series"} asks for labels only)
   */
  public record Query(
      long startTimestampMs, long endTimestampMs, List<Matcher> matchers, ReadHints hints) {

    public Query {
      matchers = List.copyOf(matchers);
    }
  }

  /**
   * Prometheus's {@code ReadHints}: the PromQL context of a query. {@code func} {@code "series"}
   * means only the series' labels are needed (the series and labels APIs).
   */
  public record ReadHints(
      long stepMs,
      String func,
      long startMs,
      long endMs,
      List<String> grouping,
      boolean by,
      long rangeMs) {

    public ReadHints {
      Objects.requireNonNull(func, "func");
      grouping = List.copyOf(grouping);
    }

    /** Hints asking for labels only, Prometheus's {@code Func: "series"}. */
    public static ReadHints seriesOnly(long startMs, long endMs) {
      return new ReadHints(0, "series", startMs, endMs, List.of(), false, 0);
    }
  }

  /** The protobuf encoding (not compressed). */
  public byte[] encode() {
    ProtoWriter w = new ProtoWriter();
    for (Query q : queries) {
      ProtoWriter qw =
          new ProtoWriter().int64(1, q.startTimestampMs()).int64(2, q.endTimestampMs());
      for (Matcher m : q.matchers()) {
        qw.message(
            3,
            new ProtoWriter()
                .int64(1, m.type().ordinal()) // EQ, NEQ, RE, NRE: the order of Matcher.Type
                .string(2, m.name())
                .string(3, m.value()));
      }
      ReadHints h = q.hints();
      if (h != null) {
        ProtoWriter hw =
            new ProtoWriter()
                .int64(1, h.stepMs())
                .string(2, h.func())
                .int64(3, h.startMs())
                .int64(4, h.endMs());
        for (String g : h.grouping()) {
          byte[] b = g.getBytes(java.nio.charset.StandardCharsets.UTF_8);
          hw.bytes(5, b, 0, b.length);
        }
        hw.bool(6, h.by()).int64(7, h.rangeMs());
        qw.message(4, hw);
      }
      w.message(1, qw);
    }
    int[] types = new int[acceptedResponseTypes.size()];
    for (int i = 0; i < types.length; i++) {
      types[i] = acceptedResponseTypes.get(i);
    }
    w.packed(2, types);
    return w.toByteArray();
  }

  /**
   * Decodes {@code buf[off, off + len)}. Accepts {@code accepted_response_types} packed (what
   * proto3 encoders write) and unpacked (what parsers must also accept).
   *
   * @throws DecodeException on malformed protobuf, an unknown matcher type or a matcher regex that
   *     does not compile
   */
  public static ReadRequest decode(byte[] buf, int off, int len) throws DecodeException {
    if (off < 0 || len < 0 || off > buf.length - len) {
      throw new IndexOutOfBoundsException("range [" + off + ", " + (off + len) + ") of " + buf.length);
    }
    ProtoReader r = new ProtoReader(buf, off);
    int end = off + len;
    List<Query> queries = new ArrayList<>();
    List<Integer> types = new ArrayList<>();
    while (r.pos < end) {
      int at = r.pos;
      int tag = r.tag(end);
      int field = tag >>> 3;
      int wire = tag & 7;
      if (field == 1) {
        r.expectWire(at, "ReadRequest.queries", wire, ProtoReader.WIRE_LEN);
        int qEnd = r.lengthEnd(end);
        queries.add(query(r, qEnd));
      } else if (field == 2 && wire == ProtoReader.WIRE_LEN) {
        int pEnd = r.lengthEnd(end);
        while (r.pos < pEnd) {
          types.add((int) r.varint(pEnd));
        }
      } else if (field == 2) {
        r.expectWire(at, "ReadRequest.accepted_response_types", wire, ProtoReader.WIRE_VARINT);
        types.add((int) r.varint(end));
      } else {
        r.skip(at, field, wire, end);
      }
    }
    return new ReadRequest(queries, types);
  }

  private static Query query(ProtoReader r, int end) throws DecodeException {
    long start = 0;
    long stop = 0;
    List<Matcher> matchers = new ArrayList<>();
    ReadHints hints = null;
    while (r.pos < end) {
      int at = r.pos;
      int tag = r.tag(end);
      int field = tag >>> 3;
      int wire = tag & 7;
      switch (field) {
        case 1 -> {
          r.expectWire(at, "Query.start_timestamp_ms", wire, ProtoReader.WIRE_VARINT);
          start = r.varint(end);
        }
        case 2 -> {
          r.expectWire(at, "Query.end_timestamp_ms", wire, ProtoReader.WIRE_VARINT);
          stop = r.varint(end);
        }
        case 3 -> {
          r.expectWire(at, "Query.matchers", wire, ProtoReader.WIRE_LEN);
          matchers.add(matcher(r, r.lengthEnd(end), at));
        }
        case 4 -> {
          r.expectWire(at, "Query.hints", wire, ProtoReader.WIRE_LEN);
          hints = hints(r, r.lengthEnd(end));
        }
        default -> r.skip(at, field, wire, end);
      }
    }
    return new Query(start, stop, matchers, hints);
  }

  private static Matcher matcher(ProtoReader r, int end, int at) throws DecodeException {
    long type = 0;
    String name = "";
    String value = "";
    while (r.pos < end) {
      int tagAt = r.pos;
      int tag = r.tag(end);
      int field = tag >>> 3;
      int wire = tag & 7;
      switch (field) {
        case 1 -> {
          r.expectWire(tagAt, "LabelMatcher.type", wire, ProtoReader.WIRE_VARINT);
          type = r.varint(end);
        }
        case 2 -> {
          r.expectWire(tagAt, "LabelMatcher.name", wire, ProtoReader.WIRE_LEN);
          name = r.string(end, "LabelMatcher.name");
        }
        case 3 -> {
          r.expectWire(tagAt, "LabelMatcher.value", wire, ProtoReader.WIRE_LEN);
          value = r.string(end, "LabelMatcher.value");
        }
        default -> r.skip(tagAt, field, wire, end);
      }
    }
    Matcher.Type[] types = Matcher.Type.values();
    if (type < 0 || type >= types.length) {
      throw r.error(at, "invalid matcher type " + type);
    }
    try {
      return Matcher.of(types[(int) type], name, value);
    } catch (IllegalArgumentException e) {
      throw r.error(at, "matcher on " + name + ": " + e.getMessage());
    }
  }

  private static ReadHints hints(ProtoReader r, int end) throws DecodeException {
    long step = 0;
    String func = "";
    long start = 0;
    long stop = 0;
    List<String> grouping = new ArrayList<>();
    boolean by = false;
    long range = 0;
    while (r.pos < end) {
      int at = r.pos;
      int tag = r.tag(end);
      int field = tag >>> 3;
      int wire = tag & 7;
      int want = field == 2 || field == 5 ? ProtoReader.WIRE_LEN : ProtoReader.WIRE_VARINT;
      if (field >= 1 && field <= 7) {
        r.expectWire(at, "ReadHints field " + field, wire, want);
      }
      switch (field) {
        case 1 -> step = r.varint(end);
        case 2 -> func = r.string(end, "ReadHints.func");
        case 3 -> start = r.varint(end);
        case 4 -> stop = r.varint(end);
        case 5 -> grouping.add(r.string(end, "ReadHints.grouping"));
        case 6 -> by = r.varint(end) != 0;
        case 7 -> range = r.varint(end);
        default -> r.skip(at, field, wire, end);
      }
    }
    return new ReadHints(step, func, start, stop, grouping, by, range);
  }
}
