package io.promfed.storage;

/** A cursor over series. {@link #at()} is valid until the next {@link #next()}. */
public interface SeriesSet {

  boolean next();

  Series at();

  SeriesSet EMPTY =
      new SeriesSet() {
        @Override
        public boolean next() {
          return false;
        }

        @Override
        public Series at() {
          throw new IllegalStateException("empty series set");
        }
      };
}
