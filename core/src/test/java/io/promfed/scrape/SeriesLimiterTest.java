package io.promfed.scrape;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.promfed.model.labels.Labels;
import org.junit.jupiter.api.Test;

class SeriesLimiterTest {

  static Labels series(int i) {
    return Labels.of("__name__", "m", "i", Integer.toString(i));
  }

  @Test
  void admitsUpToTheLimitThenOnlyKnownSeriesUntilTheWindowEnds() {
    SeriesLimiter l = new SeriesLimiter(2);
    l.startScrape(0);
    assertThat(l.admit(series(1))).isTrue();
    assertThat(l.admit(series(2))).isTrue();
    assertThat(l.admit(series(3))).isFalse();
    assertThat(l.admit(series(1))).isTrue();
    assertThat(l.currentSeries()).isEqualTo(2);

    l.startScrape(SeriesLimiter.WINDOW_MS - 1);
    assertThat(l.generation()).isZero();
    assertThat(l.admit(series(3))).isFalse();

    l.startScrape(SeriesLimiter.WINDOW_MS);
    assertThat(l.generation()).isEqualTo(1);
    assertThat(l.currentSeries()).isZero();
    assertThat(l.admit(series(3))).isTrue();
    assertThat(l.maxSeries()).isEqualTo(2);
  }

  @Test
  void aLimitMustBePositive() {
    assertThatThrownBy(() -> new SeriesLimiter(0)).hasMessageContaining("must be positive, got 0");
  }
}
