package io.promfed.storage.remote;

import io.promfed.model.labels.Labels;

/**
 * A series as one queue sends it: the labels after {@code write_relabel_configs} and the shard it
 * always goes to, so that its samples stay in order. One object per distinct input series, shared
 * by every sample of it in the queue (no copy of the labels per sample).
 *
 * <p>{@link #labels} and {@link #shard} are immutable. The {@code batch*} fields are scratch space
 * for grouping a batch by series and are only touched by the thread of {@link #shard}.
 */
final class RemoteSeries {

  final Labels labels;
  final int shard;

  int batchCount;
  int batchStart;

  RemoteSeries(Labels labels, int shard) {
    this.labels = labels;
    this.shard = shard;
  }
}
