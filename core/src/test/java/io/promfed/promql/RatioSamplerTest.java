package io.promfed.promql;

import static org.assertj.core.api.Assertions.assertThat;

import io.promfed.model.labels.Labels;
import java.nio.charset.StandardCharsets;
import org.junit.jupiter.api.Test;

class RatioSamplerTest {

  @Test
  void xxh64ReferenceVectors() {
    assertThat(RatioSampler.xxh64(new byte[0])).isEqualTo(0xef46db3751d8e999L);
    assertThat(RatioSampler.xxh64(bytes("a"))).isEqualTo(0xd24ec4f1a98c6e5bL);
    assertThat(RatioSampler.xxh64(bytes("abc"))).isEqualTo(0x44bc2cf5ad770999L);
    assertThat(RatioSampler.xxh64(bytes("Nobody inspects the spammish repetition")))
        .isEqualTo(0xfbcea83c8a378bf1L);
  }

  @Test
  void hashesTheStringlabelsEncoding() {
    // {a="b"} is encoded as 0x01 'a' 0x01 'b'.
    assertThat(RatioSampler.hash(Labels.of("a", "b")))
        .isEqualTo(RatioSampler.xxh64(new byte[] {1, 'a', 1, 'b'}));
    // Long values get a 4-byte length.
    String v = "x".repeat(300);
    byte[] enc = new byte[1 + 1 + 4 + 300];
    enc[0] = 1;
    enc[1] = 'n';
    enc[2] = (byte) 255;
    enc[3] = (byte) 300;
    enc[4] = (byte) (300 >> 8);
    enc[5] = 0;
    for (int i = 0; i < 300; i++) {
      enc[6 + i] = 'x';
    }
    assertThat(RatioSampler.hash(Labels.of("n", v))).isEqualTo(RatioSampler.xxh64(enc));
  }

  @Test
  void offsetsAreComplementary() {
    Labels l = Labels.of("__name__", "up", "job", "x");
    double o = RatioSampler.sampleOffset(l);
    assertThat(o).isBetween(0.0, 1.0);
    for (double r = 0.05; r < 1; r += 0.05) {
      assertThat(RatioSampler.add(r, o) ^ RatioSampler.add(-(1 - r), o)).isTrue();
    }
    assertThat(RatioSampler.unsignedToDouble(-1L)).isEqualTo(1.8446744073709552E19);
  }

  private static byte[] bytes(String s) {
    return s.getBytes(StandardCharsets.UTF_8);
  }
}
