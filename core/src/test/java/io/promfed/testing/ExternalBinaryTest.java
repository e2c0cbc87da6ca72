package io.promfed.testing;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.opentest4j.AssertionFailedError;
import org.opentest4j.TestAbortedException;

class ExternalBinaryTest {

  @TempDir Path bin;

  @Test
  void findsAnExecutableOnThePath() throws IOException {
    Path tool = Files.createFile(bin.resolve("sometool"),
        PosixFilePermissions.asFileAttribute(PosixFilePermissions.fromString("rwxr-xr-x")));

    assertThat(ExternalBinary.require("sometool", Map.of("PATH", "/nonexistent:" + bin)))
        .isEqualTo(tool);
  }

  @Test
  void skipsWithAMessageWhenMissingOutsideCi() {
    assertThatThrownBy(() -> ExternalBinary.require("sometool", Map.of("PATH", bin.toString())))
        .isInstanceOf(TestAbortedException.class)
        .hasMessageContaining("'sometool' is not on the PATH")
        .hasMessageContaining("skipping");
  }

  @Test
  void failsWhenMissingUnderCi() {
    assertThatThrownBy(
            () ->
                ExternalBinary.require(
                    "sometool", Map.of("PATH", bin.toString(), "CI", "true")))
        .isInstanceOf(AssertionFailedError.class)
        .hasMessageContaining("CI=true");
  }

  @Test
  void aFileThatIsNotExecutableDoesNotCount() throws IOException {
    Files.createFile(bin.resolve("sometool"));

    assertThatThrownBy(() -> ExternalBinary.require("sometool", Map.of("PATH", bin.toString())))
        .isInstanceOf(TestAbortedException.class);
  }
}
