package io.promfed.storage;

import io.promfed.model.labels.Labels;

/** One series of a {@link SeriesSet}: its labels and a cursor over its samples in time order. */
public interface Series {

  Labels labels();

  /** A fresh cursor over this series' samples within the querier's range. */
  SeriesCursor cursor();
}
