package io.tokenflow.core.store;

import io.tokenflow.core.AccessToken;
import java.time.Duration;
import java.time.Instant;
import java.util.Set;

/** Credentials for store tests; token values say which generation they are. */
final class TestCredentials {

    private TestCredentials() {
    }

    /** Access token {@code at-<n>} valid for an hour from now, refresh token {@code rt-<n>}. */
    static Credential generation(int n) {
        return withRefresh("at-" + n, "rt-" + n, Instant.now().plus(Duration.ofHours(1)));
    }

    static Credential withRefresh(String access, String refresh, Instant expiresAt) {
        return Credential.builder()
                .accessToken(AccessToken.of(access, "Bearer", expiresAt, Set.of("api.read")))
                .refreshToken(refresh)
                .build();
    }

    static Credential accessOnly(String access) {
        return Credential.builder()
                .accessToken(AccessToken.of(access, "Bearer", Instant.now().plus(Duration.ofHours(1)), Set.of()))
                .build();
    }
}
