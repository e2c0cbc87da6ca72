package io.promfed.storage.remote;

import io.promfed.model.labels.Labels;

/**
 * A series as one queue sends it: the labels after {@code write_relabel_configs} and the hash that
 * picks its shard, so that its samples stay in order. One object per distinct input series, shared
 * by every sample of it in the queue (no copy of the labels per sample).
 *
 * <p>{@link #labels} and {@link #hash} are immutable. The {@code batch*} fields are scratch space
 * for grouping a batch by series and are only touched by the thread of the series' shard (a
 * reshard starts the new shard threads only after the old ones ended).
 */
final class RemoteSeries {

  final Labels labels;
  final long hash;

  int batchCount;
  int batchStart;

  RemoteSeries(Labels labels, long hash) {
    this.labels = labels;
    this.hash = hash;
  }
}
