package io.promfed.tsdb;

import io.promfed.tsdb.chunkenc.ChunkFiles;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;

/**
 * Moves closed chunks from the head's memory to its {@link ChunkFiles} during one truncation, which
 * visits every series anyway: each series' packed chunks are gathered into a batch under its lock,
 * the batch is written with no lock held but the truncation's own, and then each series swaps the
 * chunks written for their entries on disk, under its lock again. Until that swap readers use the
 * copies in memory, so a chunk is never unreadable; if the write fails, the chunks simply stay in
 * memory until the next truncation tries again.
 *
 * <p>Used by one thread, inside {@link Head#truncate}, whose lock guarantees that nothing drops a
 * series' chunks between the gathering and the swap.
 */
final class ClosedChunkMover {

  private static final System.Logger LOG = System.getLogger(ClosedChunkMover.class.getName());

  private final ChunkFiles files;
  private final int maxChunkBytes;
  private final ChunkFiles.Batch batch = new ChunkFiles.Batch();
  private final List<MemSeries> gathered = new ArrayList<>();
  private int[] counts = new int[64];
  private int[] firsts = new int[64];
  private long chunksMoved;
  private long heapBytesFreed;
  private IOException failure;

  ClosedChunkMover(ChunkFiles files) {
    this.files = files;
    this.maxChunkBytes = files.maxChunkBytes();
  }

  /** Gathers the closed chunks {@code s} holds in memory; its monitor must be held. */
  void gather(MemSeries s) {
    int first = batch.chunks();
    int n = s.gatherForDisk(batch, maxChunkBytes);
    if (n == 0) {
      return;
    }
    int i = gathered.size();
    if (i == counts.length) {
      counts = Arrays.copyOf(counts, i * 2);
      firsts = Arrays.copyOf(firsts, i * 2);
    }
    gathered.add(s);
    counts[i] = n;
    firsts[i] = first;
  }

  /** Writes the batch once it is large; call with no series lock held. */
  void writeIfFull() {
    if (batch.size() >= ChunkFiles.BATCH_BYTES) {
      write();
    }
  }

  /** Writes what was gathered and swaps it in; call with no series lock held. */
  void write() {
    if (batch.chunks() == 0) {
      return;
    }
    try {
      files.write(batch);
      for (int i = 0; i < gathered.size(); i++) {
        MemSeries s = gathered.get(i);
        synchronized (s) {
          heapBytesFreed += s.movedToDisk(counts[i], batch, firsts[i]);
        }
      }
      chunksMoved += batch.chunks();
    } catch (IOException e) {
      failure = e; // reported once per truncation, in finish()
    } finally {
      batch.clear();
      gathered.clear();
    }
  }

  /** Heap bytes the series' closed chunks took less after moving out (as {@code ramBytesUsed}). */
  long heapBytesFreed() {
    return heapBytesFreed;
  }

  /** Writes the rest, then deletes the files that only held chunks before {@code mintMs}. */
  long finish(long mintMs) {
    write();
    try {
      files.removeBefore(mintMs);
    } catch (UncheckedIOException e) {
      // The next truncation tries again; meanwhile the files only take disk space.
      LOG.log(
          System.Logger.Level.WARNING,
          "could not delete old chunk files: {0}",
          e.getCause().toString());
    }
    if (failure != null) {
      LOG.log(
          System.Logger.Level.WARNING,
          "could not write closed chunks to {0}; they stay in memory until the next try: {1}",
          files.dir(),
          failure.toString());
    }
    return chunksMoved;
  }
}
