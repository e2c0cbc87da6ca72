package io.promfed.storage.remote;

/**
 * An exponentially weighted rate of events per second, ticked at a fixed interval: queue_manager.go
 * {@code ewmaRate} with its weight 0.2. The first tick that saw events seeds the rate, so a queue
 * that starts idle does not average its first real rate down from zero.
 *
 * <p>Not thread-safe: the caller counts events elsewhere (a {@code LongAdder}) and ticks from one
 * thread.
 */
final class EwmaRate {

  static final double WEIGHT = 0.2;

  private double rate;
  private boolean initialized;

  /** Folds in {@code events} seen during the last {@code intervalSeconds}. */
  void tick(long events, double intervalSeconds) {
    double instant = events / intervalSeconds;
    if (initialized) {
      rate += WEIGHT * (instant - rate);
    } else if (events > 0) {
      initialized = true;
      rate = instant;
    }
  }

  /** Events per second. */
  double rate() {
    return rate;
  }
}
