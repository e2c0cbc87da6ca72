package io.promfed.storage.remote;

import io.promfed.model.labels.Labels;
import io.promfed.storage.Appendable;
import io.promfed.storage.Appender;
import io.promfed.storage.MetricMetadata;
import io.promfed.storage.StorageException;
import java.util.Arrays;
import java.util.Objects;
import java.util.concurrent.atomic.LongAdder;

/**
 * Local storage that also feeds remote write: a decorator of an {@link Appendable} (the head) whose
 * appenders remember each sample the local appender accepted and, after the local {@link
 * Appender#commit()} returns, hand them to every queue of a {@link RemoteStorage}: Prometheus's
 * fanout storage (storage/fanout.go) of local and remote. Wire scraping, rule evaluation and the
 * remote-write receiver to this instead of the head, and every sample they store is also sent. A rollback, a sample the
 * local store rejected, or a failed local commit sends nothing. This plays the part of Prometheus's
 * WAL watcher (storage/remote/watcher.go), which sends only what was committed.
 *
 * <p>An append may carry only a cached series reference ({@code labels == null}); the labels are
 * then found from an earlier append that returned that reference (kept in a bounded map, see {@link
 * SeriesRefLabels}). A reference never seen with labels, or forgotten, cannot be forwarded and is
 * counted in {@link #samplesWithoutLabels()}.
 *
 * <p>A limit of forwarding at commit rather than from storage: a sample accepted by {@link
 * Appender#append} but discarded by the local commit (another appender wrote the same series in
 * between) is still sent, and the receiver rejects it alone (400, other samples kept).
 *
 * <p>Thread-safe: each appender is used by one thread, as {@link Appender} requires; any number of
 * appenders may commit concurrently. The queues' {@code append} never blocks on the network.
 */
public final class RemoteWriteAppendable implements Appendable {

  /** References remembered per generation, to resolve appends that carry only a ref. */
  static final int REF_LABELS_GENERATION_SIZE = 1 << 20;

  private final Appendable local;
  private final RemoteStorage remote;
  private final LongAdder samplesWithoutLabels = new LongAdder();
  private final SeriesRefLabels refLabels = new SeriesRefLabels(REF_LABELS_GENERATION_SIZE);

  /**
   * @param local the store that samples are appended to first
   * @param remote the queues that receive each committed sample (those running at commit time)
   */
  public RemoteWriteAppendable(Appendable local, RemoteStorage remote) {
    this.local = Objects.requireNonNull(local, "local");
    this.remote = Objects.requireNonNull(remote, "remote");
  }

  /**
   * An appender of the local store; it buffers samples for remote write only when a queue runs as
   * it is created (an appender lives for one scrape, so a new queue misses at most one).
   */
  @Override
  public Appender appender() {
    Appender appender = local.appender();
    return remote.hasQueues() ? new ForwardingAppender(appender) : appender;
  }

  /** The queues this appendable feeds. */
  public RemoteStorage remoteStorage() {
    return remote;
  }

  /**
   * Samples stored locally but not forwarded: appended with a reference whose labels were never
   * seen (or were forgotten) and without labels.
   */
  public long samplesWithoutLabels() {
    return samplesWithoutLabels.sum();
  }

  /** Buffers accepted samples in parallel arrays (no object per sample) until commit. */
  private final class ForwardingAppender implements Appender {

    private final Appender delegate;
    private Labels[] labels = new Labels[64];
    private long[] timestamps = new long[64];
    private long[] valueBits = new long[64];
    private int size;

    ForwardingAppender(Appender delegate) {
      this.delegate = delegate;
    }

    @Override
    public long append(long ref, Labels lset, long timestampMs, double value)
        throws StorageException {
      long out = delegate.append(ref, lset, timestampMs, value);
      if (lset == null) {
        lset = refLabels.get(out);
        if (lset == null) {
          samplesWithoutLabels.increment();
          return out;
        }
      } else if (out != ref) {
        // A new or re-resolved reference: the caller may pass only the ref from now on.
        refLabels.put(out, lset);
      }
      if (size == labels.length) {
        labels = Arrays.copyOf(labels, size * 2);
        timestamps = Arrays.copyOf(timestamps, size * 2);
        valueBits = Arrays.copyOf(valueBits, size * 2);
      }
      labels[size] = lset;
      timestamps[size] = timestampMs;
      valueBits[size] = Double.doubleToRawLongBits(value);
      size++;
      return out;
    }

    @Override
    public Labels labelsOf(long ref) {
      return delegate.labelsOf(ref);
    }

    @Override
    public int touch(long ref) {
      return delegate.touch(ref);
    }

    @Override
    public void updateMetadata(String metricFamilyName, MetricMetadata metadata) {
      // Remote write 1.0 carries no metadata (the spec reserves field 3); store it locally only.
      delegate.updateMetadata(metricFamilyName, metadata);
    }

    @Override
    public void commit() {
      try {
        delegate.commit();
        remote.append(labels, timestamps, valueBits, size);
      } finally {
        reset();
      }
    }

    @Override
    public void rollback() {
      try {
        delegate.rollback();
      } finally {
        reset();
      }
    }

    private void reset() {
      Arrays.fill(labels, 0, size, null);
      size = 0;
    }
  }
}
