package io.promfed.storage;

import io.promfed.model.labels.Labels;

/** One series of a {@link SeriesSet}: its labels and a cursor over its samples in time order. */
public interface Series {

  Labels labels();

  /** A fresh cursor over this series' samples within the querier's range. */
  SeriesCursor cursor();

  /**
   * The newest sample within the querier's range: returns its timestamp and puts its value in
   * {@code value[0]}, or returns {@link Long#MIN_VALUE} when the range holds none. /federate needs
   * only this; a store that knows its newest sample answers without decoding the others.
   */
  default long latest(double[] value) {
    SeriesCursor c = cursor();
    long t = Long.MIN_VALUE;
    while (c.next()) {
      t = c.atT();
      value[0] = c.atV();
    }
    return t;
  }
}
