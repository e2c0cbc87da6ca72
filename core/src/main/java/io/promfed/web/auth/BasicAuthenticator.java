package io.promfed.web.auth;

import at.favre.lib.crypto.bcrypt.BCrypt;
import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.Base64;
import java.util.HexFormat;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;

/**
 * Checks an {@code Authorization: Basic} header against the bcrypt hashes of a web config's {@code
 * basic_auth_users}, as exporter-toolkit's handler does: an unknown user is checked against a
 * dummy hash so that the time taken does not tell which users exist, and verdicts are cached by a
 * digest of (user, hash, password), because bcrypt is deliberately slow and a scraper sends the
 * same credentials every few seconds. Thread-safe.
 */
public final class BasicAuthenticator {

  /** What Go's net/http answers, with {@code WWW-Authenticate: Basic}. */
  public static final String CHALLENGE = "Basic";

  private static final String DUMMY_HASH =
      "$2y$10$QOauhQNbBCuQDKes6eFzPeMqBSjb7Mr5DUmpZ/VcEd00UAV/LDeSi";
  private static final int MAX_CACHED = 100;

  private final Map<String, String> users;
  private final Map<String, Boolean> verdicts = new ConcurrentHashMap<>();

  /** @param users user name to bcrypt hash; empty lets every request in */
  public BasicAuthenticator(Map<String, String> users) {
    this.users = Map.copyOf(users);
  }

  public boolean enabled() {
    return !users.isEmpty();
  }

  /** {@link #allows}, but false rather than true when no users are configured. */
  public boolean allowsIfEnabled(String authorization) {
    return enabled() && allows(authorization);
  }

  /** Whether the request with this {@code Authorization} header (null when absent) may proceed. */
  public boolean allows(String authorization) {
    if (users.isEmpty()) {
      return true;
    }
    if (authorization == null || !authorization.regionMatches(true, 0, "Basic ", 0, 6)) {
      return false;
    }
    String decoded;
    try {
      decoded =
          new String(
              Base64.getDecoder().decode(authorization.substring(6).trim()), StandardCharsets.UTF_8);
    } catch (IllegalArgumentException e) {
      return false;
    }
    int colon = decoded.indexOf(':');
    if (colon < 0) {
      return false;
    }
    String user = decoded.substring(0, colon);
    String password = decoded.substring(colon + 1);
    String hash = users.get(user);
    boolean known = hash != null;
    if (!known) {
      hash = DUMMY_HASH;
    }
    String key = digest(user, hash, password);
    Boolean ok = verdicts.get(key);
    if (ok == null) {
      ok = BCrypt.verifyer().verify(password.getBytes(StandardCharsets.UTF_8), hash.getBytes(StandardCharsets.UTF_8)).verified;
      if (verdicts.size() >= MAX_CACHED) {
        verdicts.clear(); // bounded: a client cycling passwords cannot grow it
      }
      verdicts.put(key, ok);
    }
    return ok && known;
  }

  private static String digest(String user, String hash, String password) {
    try {
      MessageDigest sha = MessageDigest.getInstance("SHA-256");
      for (String part : new String[] {user, hash, password}) {
        sha.update(part.getBytes(StandardCharsets.UTF_8));
        sha.update((byte) 0);
      }
      return HexFormat.of().formatHex(sha.digest());
    } catch (NoSuchAlgorithmException e) {
      throw new IllegalStateException("SHA-256 is always available", e);
    }
  }
}
