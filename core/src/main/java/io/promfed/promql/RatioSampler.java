package io.promfed.promql;

import io.promfed.model.labels.Labels;
import java.nio.charset.StandardCharsets;

/**
 * The deterministic sampling of {@code limit_ratio} ({@code HashRatioSampler} in engine.go): a
 * series is kept when its offset, {@code hash(labels) / MaxUint64}, falls below the ratio (or at
 * or above {@code 1 + ratio} for a negative ratio). The hash is Prometheus's {@code Labels.Hash}
 * of its default {@code stringlabels} build: XXH64 (seed 0) over the label names and values, each
 * prefixed by its length (one byte, or 0xFF and three little-endian bytes). Matching it keeps the
 * same series selected as in Prometheus. Stateless.
 */
final class RatioSampler {

  private static final long P1 = 0x9E3779B185EBCA87L;
  private static final long P2 = 0xC2B2AE3D27D4EB4FL;
  private static final long P3 = 0x165667B19E3779F9L;
  private static final long P4 = 0x85EBCA77C2B2AE63L;
  private static final long P5 = 0x27D4EB2F165667C5L;

  private RatioSampler() {}

  /**
   * Whether a series with this {@link #sampleOffset} is in the {@code ratioLimit} sample ({@code
   * AddRatioSampleWithOffset}).
   */
  static boolean add(double ratioLimit, double offset) {
    return (ratioLimit >= 0 && offset < ratioLimit)
        || (ratioLimit < 0 && offset >= 1.0 + ratioLimit);
  }

  static double sampleOffset(Labels labels) {
    return unsignedToDouble(hash(labels)) / unsignedToDouble(-1L);
  }

  /** Go's {@code float64(uint64)}: round to nearest. */
  static double unsignedToDouble(long x) {
    if (x >= 0) {
      return x;
    }
    // Halve keeping the lowest bit as a sticky bit, so the rounding is right.
    return ((double) ((x >>> 1) | (x & 1))) * 2.0;
  }

  /** Prometheus's {@code Labels.Hash()} (stringlabels). */
  static long hash(Labels labels) {
    byte[][] parts = new byte[labels.size() * 2][];
    int n = 0;
    for (int i = 0; i < labels.size(); i++) {
      parts[2 * i] = labels.name(i).getBytes(StandardCharsets.UTF_8);
      parts[2 * i + 1] = labels.value(i).getBytes(StandardCharsets.UTF_8);
    }
    for (byte[] p : parts) {
      n += (p.length < 255 ? 1 : 4) + p.length;
    }
    byte[] data = new byte[n];
    int o = 0;
    for (byte[] p : parts) {
      if (p.length < 255) {
        data[o++] = (byte) p.length;
      } else {
        data[o++] = (byte) 255;
        data[o++] = (byte) p.length;
        data[o++] = (byte) (p.length >> 8);
        data[o++] = (byte) (p.length >> 16);
      }
      System.arraycopy(p, 0, data, o, p.length);
      o += p.length;
    }
    return xxh64(data);
  }

  /** XXH64 with seed 0 ({@code cespare/xxhash.Sum64}). */
  static long xxh64(byte[] b) {
    int len = b.length;
    int p = 0;
    long h;
    if (len >= 32) {
      long v1 = P1 + P2;
      long v2 = P2;
      long v3 = 0;
      long v4 = -P1;
      while (len - p >= 32) {
        v1 = round(v1, readLong(b, p));
        v2 = round(v2, readLong(b, p + 8));
        v3 = round(v3, readLong(b, p + 16));
        v4 = round(v4, readLong(b, p + 24));
        p += 32;
      }
      h = Long.rotateLeft(v1, 1) + Long.rotateLeft(v2, 7) + Long.rotateLeft(v3, 12)
          + Long.rotateLeft(v4, 18);
      h = mergeRound(h, v1);
      h = mergeRound(h, v2);
      h = mergeRound(h, v3);
      h = mergeRound(h, v4);
    } else {
      h = P5;
    }
    h += len;
    while (len - p >= 8) {
      h ^= round(0, readLong(b, p));
      h = Long.rotateLeft(h, 27) * P1 + P4;
      p += 8;
    }
    if (len - p >= 4) {
      h ^= (readInt(b, p) & 0xFFFFFFFFL) * P1;
      h = Long.rotateLeft(h, 23) * P2 + P3;
      p += 4;
    }
    while (p < len) {
      h ^= (b[p] & 0xFFL) * P5;
      h = Long.rotateLeft(h, 11) * P1;
      p++;
    }
    h ^= h >>> 33;
    h *= P2;
    h ^= h >>> 29;
    h *= P3;
    h ^= h >>> 32;
    return h;
  }

  private static long round(long acc, long input) {
    acc += input * P2;
    acc = Long.rotateLeft(acc, 31);
    return acc * P1;
  }

  private static long mergeRound(long acc, long val) {
    acc ^= round(0, val);
    return acc * P1 + P4;
  }

  private static long readLong(byte[] b, int i) {
    return (b[i] & 0xFFL)
        | (b[i + 1] & 0xFFL) << 8
        | (b[i + 2] & 0xFFL) << 16
        | (b[i + 3] & 0xFFL) << 24
        | (b[i + 4] & 0xFFL) << 32
        | (b[i + 5] & 0xFFL) << 40
        | (b[i + 6] & 0xFFL) << 48
        | (b[i + 7] & 0xFFL) << 56;
  }

  private static int readInt(byte[] b, int i) {
    return (b[i] & 0xFF) | (b[i + 1] & 0xFF) << 8 | (b[i + 2] & 0xFF) << 16 | (b[i + 3] & 0xFF) << 24;
  }
}
