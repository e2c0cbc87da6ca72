package io.promfed.config;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class TlsContextsTest {

  @TempDir Path dir;

  @Test
  void nothingToDoMeansTheJdkDefaults() {
    assertThat(TlsContexts.create(TlsConfig.DEFAULT)).isNull();
    assertThat(TlsContexts.create(new TlsConfig("", "", "", "leaf.example", false))).isNull();
    assertThat(TlsContexts.create(new TlsConfig("", "", "", "", true))).isNotNull();
  }

  @Test
  void problemsNameTheFile() throws Exception {
    Path missing = dir.resolve("nope.crt");
    assertThatThrownBy(() -> TlsContexts.create(new TlsConfig(missing.toString(), "", "", "", false)))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessageContaining("tls_config: cannot read " + missing);
    Path empty = Files.writeString(dir.resolve("empty.crt"), "");
    assertThatThrownBy(() -> TlsContexts.create(new TlsConfig(empty.toString(), "", "", "", false)))
        .hasMessageContaining("no certificate found in " + empty);
  }
}
