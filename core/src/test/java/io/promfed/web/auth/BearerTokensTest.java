package io.promfed.web.auth;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class BearerTokensTest {

  @TempDir Path dir;

  @Test
  void acceptsListedTokensOnly() throws Exception {
    Path f = Files.writeString(dir.resolve("tokens"), "# grafana\nabc123\n\n  def456  \n");
    BearerTokens t = BearerTokens.load(f);
    assertThat(t.enabled()).isTrue();
    assertThat(t.allows("Bearer abc123")).isTrue();
    assertThat(t.allows("bearer def456")).isTrue();
    assertThat(t.allows("Bearer abc12")).isFalse();
    assertThat(t.allows("Bearer # grafana")).isFalse();
    assertThat(t.allows("Basic abc123")).isFalse();
    assertThat(t.allows(null)).isFalse();
    assertThat(BearerTokens.NONE.allows("Bearer abc123")).isFalse();
  }

  @Test
  void aFileWithoutTokensIsAnError() throws Exception {
    Path f = Files.writeString(dir.resolve("tokens"), "# nothing\n");
    assertThatThrownBy(() -> BearerTokens.load(f))
        .isInstanceOf(IOException.class)
        .hasMessage(f + ": no bearer token in the file");
  }
}
