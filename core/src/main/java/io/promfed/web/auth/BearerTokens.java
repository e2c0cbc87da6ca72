package io.promfed.web.auth;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.MessageDigest;
import java.util.ArrayList;
import java.util.List;

/**
 * Bearer tokens accepted next to the web config's basic auth users ({@code --web.bearer-tokens-file},
 * one token per line, {@code #} comments), for clients that only speak {@code Authorization:
 * Bearer}, as Prometheus's own scrape and remote-write clients do with {@code bearer_token_file}.
 * Exporter-toolkit's web config has no such key, so the file stays separate and that format
 * unchanged. Tokens are compared in constant time. Thread-safe, immutable.
 */
public final class BearerTokens {

  public static final BearerTokens NONE = new BearerTokens(List.of());

  private final List<byte[]> tokens;

  private BearerTokens(List<byte[]> tokens) {
    this.tokens = tokens;
  }

  /** Reads the tokens; an unreadable or empty file is an error naming it. */
  public static BearerTokens load(Path file) throws IOException {
    List<byte[]> tokens = new ArrayList<>();
    for (String line : Files.readAllLines(file, StandardCharsets.UTF_8)) {
      String t = line.strip();
      if (!t.isEmpty() && !t.startsWith("#")) {
        tokens.add(t.getBytes(StandardCharsets.UTF_8));
      }
    }
    if (tokens.isEmpty()) {
      throw new IOException(file + ": no bearer token in the file");
    }
    return new BearerTokens(List.copyOf(tokens));
  }

  public boolean enabled() {
    return !tokens.isEmpty();
  }

  /** Whether {@code authorization} is {@code Bearer <one of the tokens>}. */
  public boolean allows(String authorization) {
    if (authorization == null || !authorization.regionMatches(true, 0, "Bearer ", 0, 7)) {
      return false;
    }
    byte[] given = authorization.substring(7).strip().getBytes(StandardCharsets.UTF_8);
    boolean ok = false;
    for (byte[] t : tokens) {
      ok |= MessageDigest.isEqual(t, given); // no early exit: the time says nothing
    }
    return ok;
  }
}
