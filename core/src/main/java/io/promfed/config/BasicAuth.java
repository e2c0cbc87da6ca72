package io.promfed.config;

import java.util.Objects;

/**
 * HTTP basic authentication, the {@code basic_auth} block of prometheus/common {@code
 * config/http_config.go} ({@code username}, {@code password}, {@code password_file}). Absent values
 * are "". Immutable; {@link #toString()} hides the password as Prometheus's {@code Secret} does.
 *
 * @param username the user name
 * @param password the password, or ""
 * @param passwordFile a file holding the password, read at request time, or ""
 */
public record BasicAuth(String username, String password, String passwordFile) {

  public BasicAuth {
    Objects.requireNonNull(username, "username");
    Objects.requireNonNull(password, "password");
    Objects.requireNonNull(passwordFile, "passwordFile");
    if (!password.isEmpty() && !passwordFile.isEmpty()) {
      throw new IllegalArgumentException(
          "at most one of basic_auth password, password_file & password_ref must be configured");
    }
  }

  @Override
  public String toString() {
    return "BasicAuth[username="
        + username
        + ", password="
        + (password.isEmpty() ? "" : "<secret>")
        + ", passwordFile="
        + passwordFile
        + "]";
  }
}
