package io.promfed.web.auth;

import static org.assertj.core.api.Assertions.assertThat;

import at.favre.lib.crypto.bcrypt.BCrypt;
import java.nio.charset.StandardCharsets;
import java.util.Base64;
import java.util.Map;
import org.junit.jupiter.api.Test;

class BasicAuthenticatorTest {

  static final String HASH = BCrypt.withDefaults().hashToString(4, "s3cret".toCharArray());

  static String basic(String userAndPassword) {
    return "Basic "
        + Base64.getEncoder().encodeToString(userAndPassword.getBytes(StandardCharsets.UTF_8));
  }

  @Test
  void withoutUsersEveryoneIsIn() {
    BasicAuthenticator auth = new BasicAuthenticator(Map.of());
    assertThat(auth.enabled()).isFalse();
    assertThat(auth.allows(null)).isTrue();
  }

  @Test
  void checksUserAndPassword() {
    BasicAuthenticator auth = new BasicAuthenticator(Map.of("alice", HASH));
    assertThat(auth.allows(basic("alice:s3cret"))).isTrue();
    assertThat(auth.allows(basic("alice:s3cret"))).isTrue(); // from the cache
    assertThat(auth.allows(basic("alice:wrong"))).isFalse();
    assertThat(auth.allows(basic("mallory:s3cret"))).isFalse();
    assertThat(auth.allows("basic " + basic("alice:s3cret").substring(6))).isTrue();
    assertThat(auth.allows(null)).isFalse();
    assertThat(auth.allows("Bearer abc")).isFalse();
    assertThat(auth.allows("Basic !!!not-base64")).isFalse();
    assertThat(auth.allows(basic("no-colon"))).isFalse();
  }

  @Test
  void passwordsMayContainColons() {
    String hash = BCrypt.withDefaults().hashToString(4, "a:b".toCharArray());
    assertThat(new BasicAuthenticator(Map.of("u", hash)).allows(basic("u:a:b"))).isTrue();
  }

  @Test
  void manyDifferentPasswordsDoNotGrowTheCacheWithoutBound() {
    BasicAuthenticator auth = new BasicAuthenticator(Map.of("alice", HASH));
    for (int i = 0; i < 250; i++) {
      assertThat(auth.allows(basic("alice:guess" + i))).isFalse();
    }
    assertThat(auth.allows(basic("alice:s3cret"))).isTrue();
  }
}
