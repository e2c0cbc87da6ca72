package io.promfed.tsdb;

import io.promfed.model.labels.Labels;
import io.promfed.storage.Appender;
import io.promfed.storage.MetricMetadata;
import io.promfed.storage.StorageException;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * One transaction against a {@link Head} (Prometheus's {@code headAppender}, tsdb/head_append.go).
 * Samples are validated on {@link #append} and buffered in parallel primitive arrays (series,
 * timestamp, value bits: no object per sample); {@link #commit()} writes them under one isolation
 * append id so readers see all or none of them.
 *
 * <p>Not thread-safe: one appender per scrape loop or rule group. After {@link #commit()} or {@link
 * #rollback()} the appender is empty and may be used for a new transaction.
 */
final class HeadAppender implements Appender {

  /** Ids for {@link MemSeries#pendingOwner}; 0 means none, so it is skipped on wrap-around. */
  private static final AtomicInteger NEXT_ID = new AtomicInteger();

  private final Head head;
  private final long minValidTimeMs;

  /** This appender's mark on the series it buffers a sample for; unique among live appenders. */
  private final int id;

  /**
   * The parallel sample arrays of one transaction. Taken from the head's pool at the first append
   * and given back, emptied, on commit or rollback, so a large scrape does not regrow them from
   * scratch every time (Prometheus's head {@code appendPool}).
   */
  static final class Buffers {
    /** Smaller buffers are not worth pooling: allocating them costs less than contention. */
    static final int MIN_POOLED_CAPACITY = 1024;

    MemSeries[] series;
    long[] timestamps;
    long[] valueBits;

    Buffers(int capacity) {
      series = new MemSeries[capacity];
      timestamps = new long[capacity];
      valueBits = new long[capacity];
    }

    int capacity() {
      return series.length;
    }

    void grow() {
      int cap = series.length * 2;
      series = Arrays.copyOf(series, cap);
      timestamps = Arrays.copyOf(timestamps, cap);
      valueBits = Arrays.copyOf(valueBits, cap);
    }
  }

  /** Series whose memory {@link #commit()} reads ahead before writing to them; a power of two. */
  private static final int WARM_BLOCK = 32;

  /** Where {@link #commit()} leaves the sum of its warming reads; never read. */
  @SuppressWarnings("unused")
  private int touchSink;

  private Buffers buf; // null until the first append of a transaction
  private int size;
  private Map<String, MetricMetadata> metadata; // null until used

  HeadAppender(Head head, long minValidTimeMs) {
    this.head = head;
    this.minValidTimeMs = minValidTimeMs;
    int i;
    do {
      i = NEXT_ID.incrementAndGet();
    } while (i == 0);
    this.id = i;
  }

  @Override
  public long append(long ref, Labels labels, long timestampMs, double value)
      throws StorageException {
    if (timestampMs < minValidTimeMs) {
      head.outOfBoundsSamples.increment();
      throw StorageException.OUT_OF_BOUNDS;
    }
    long vBits = Double.doubleToRawLongBits(value); // stale markers keep their payload
    MemSeries s = ref != 0 ? head.seriesByRef(ref) : null;
    boolean pinned = false;
    while (true) {
      if (s == null) {
        if (labels == null) {
          throw StorageException.UNKNOWN_SERIES_REF;
        }
        s = head.getOrCreateAndPin(labels);
        pinned = true;
      }
      synchronized (s) {
        if (s.removed) {
          // Truncated between lookup and lock (never when pinned: GC skips pending series).
          s = null;
          continue;
        }
        int status = s.appendableFor(id, timestampMs, vBits);
        if (status == MemSeries.OK) {
          if (!pinned) {
            s.pendingSamples++;
          }
          s.pendingOwner = id;
          s.pendingT = timestampMs;
          s.pendingVBits = vBits;
        } else {
          if (pinned) {
            s.pendingSamples--;
          }
          if (status == MemSeries.NOOP) {
            return s.ref;
          }
          if (status == MemSeries.OUT_OF_ORDER) {
            head.outOfOrderSamples.increment();
            throw StorageException.OUT_OF_ORDER_SAMPLE;
          }
          head.duplicateSamples.increment();
          throw StorageException.DUPLICATE_SAMPLE_FOR_TIMESTAMP;
        }
      }
      break;
    }
    if (buf == null) {
      buf = head.takeAppendBuffers();
    } else if (size == buf.capacity()) {
      buf.grow();
    }
    buf.series[size] = s;
    buf.timestamps[size] = timestampMs;
    buf.valueBits[size] = vBits;
    size++;
    return s.ref;
  }

  @Override
  public int touch(long ref) {
    MemSeries s = head.seriesByRef(ref);
    return s == null ? 0 : s.touchForAppend();
  }

  /** The series' interned labels, shared with the head (see {@link Head#labelsOf(long)}). */
  @Override
  public Labels labelsOf(long ref) {
    return head.labelsOf(ref);
  }

  @Override
  public void updateMetadata(String metricFamilyName, MetricMetadata md) {
    if (metadata == null) {
      metadata = new LinkedHashMap<>();
    }
    metadata.put(metricFamilyName, md);
  }

  /**
   * Writes the buffered samples. Each is validated again against its series, because another
   * appender may have committed to the same series meanwhile; a sample that no longer fits is
   * dropped and counted, like Prometheus's commit. All written samples carry one append id and
   * become visible to new queriers at once when the id is closed.
   */
  @Override
  public void commit() {
    if (size == 0) {
      applyMetadata();
      reset();
      return;
    }
    long[] idAndWatermark = head.isolation.beginAppend();
    long appendId = idAndWatermark[0];
    long lowWatermark = idAndWatermark[1];
    long minValid = head.truncatedBeforeMs();
    long written = 0;
    try {
      MemSeries[] series = buf.series;
      long[] timestamps = buf.timestamps;
      long[] valueBits = buf.valueBits;
      int touched = 0;
      for (int i = 0; i < size; i++) {
        if ((i & (WARM_BLOCK - 1)) == 0) {
          // A scrape's series have left the CPU caches since its last commit, and every write
          // below takes a monitor, which on x86 is a full fence: their cache misses would come
          // one after another. Plain reads of the next block's series, appenders and chunk ends
          // have no such order, so the CPU fetches those lines in parallel.
          for (int j = i, e = Math.min(size, i + WARM_BLOCK); j < e; j++) {
            touched += series[j].touch();
          }
        }
        MemSeries s = series[i];
        long t = timestamps[i];
        long v = valueBits[i];
        synchronized (s) {
          s.pendingSamples--;
          if (s.pendingOwner == id) {
            s.pendingOwner = 0;
          }
          if (t < minValid) {
            head.outOfBoundsSamples.increment();
            continue;
          }
          switch (s.appendable(t, v)) {
            case MemSeries.OK -> {
              s.write(t, v, appendId, lowWatermark);
              written++;
            }
            case MemSeries.NOOP -> {}
            case MemSeries.OUT_OF_ORDER -> head.outOfOrderSamples.increment();
            default -> head.duplicateSamples.increment();
          }
        }
      }
      applyMetadata();
      touchSink = touched; // keeps the warming reads from being optimised away
    } finally {
      head.isolation.endAppend(appendId);
      head.samplesAppended.add(written);
      reset();
    }
  }

  private void applyMetadata() {
    if (metadata != null) {
      metadata.forEach(head::recordMetadata);
    }
  }

  @Override
  public void rollback() {
    for (int i = 0; i < size; i++) {
      MemSeries s = buf.series[i];
      synchronized (s) {
        s.pendingSamples--;
        if (s.pendingOwner == id) {
          s.pendingOwner = 0;
        }
      }
    }
    reset();
  }

  private void reset() {
    if (buf != null) {
      Arrays.fill(buf.series, 0, size, null); // a pooled buffer must not pin removed series
      head.returnAppendBuffers(buf);
      buf = null;
    }
    size = 0;
    metadata = null;
  }
}
