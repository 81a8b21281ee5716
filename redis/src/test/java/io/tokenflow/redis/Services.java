package io.tokenflow.redis;

import io.tokenflow.core.AccessToken;
import io.tokenflow.core.RetryPolicy;
import io.tokenflow.core.TokenService;
import io.tokenflow.core.store.Credential;
import io.tokenflow.core.store.CredentialStore;
import io.tokenflow.test.EmbeddedAuthorizationServer;
import io.tokenflow.test.RefreshTokenFamily;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Set;

/**
 * Token services of this JVM on Redis stores, each playing one host: a public client (the
 * refresh_token grant) or a confidential one (client_credentials), single attempts (no short
 * retry) and a 1 s degraded cadence, so that a failed refresh shows at once. Disposed by {@link #close()}.
 */
final class Services implements AutoCloseable {

    static final String PUBLIC_CLIENT = "hosts-public";
    static final String CONFIDENTIAL = "hosts-confidential";
    static final String SECRET = "hosts-secret";
    static final RetryPolicy ONE_ATTEMPT = RetryPolicy.defaults().withMaxRetries(0).withDegradedRetryInterval(Duration.ofSeconds(1));

    private final EmbeddedAuthorizationServer server;
    private final List<TokenService> services = new ArrayList<>();

    Services(EmbeddedAuthorizationServer server) {
        this.server = server;
    }

    /** The server these services talk to. */
    EmbeddedAuthorizationServer server() {
        return server;
    }

    static EmbeddedAuthorizationServer startServer() {
        return EmbeddedAuthorizationServer.builder().publicClient(PUBLIC_CLIENT).client(CONFIDENTIAL, SECRET).start();
    }

    /** What an operator writes after a login: {@code access} valid for an hour and the family's current refresh token. */
    static Credential seed(String access, RefreshTokenFamily family) {
        return Credential.builder()
                .accessToken(AccessToken.of(access, "Bearer", Instant.now().plus(Duration.ofHours(1)), Set.of()))
                .refreshToken(family.currentRefreshToken())
                .build();
    }

    TokenService publicClient(CredentialStore store) {
        return track(TokenService.builder().tokenEndpoint(server.tokenEndpoint()).clientId(PUBLIC_CLIENT)
                .credentialStore(store).retryPolicy(ONE_ATTEMPT).build());
    }

    TokenService confidential(CredentialStore store) {
        return track(TokenService.builder().tokenEndpoint(server.tokenEndpoint()).clientCredentials(CONFIDENTIAL, SECRET)
                .credentialStore(store).retryPolicy(ONE_ATTEMPT).build());
    }

    private TokenService track(TokenService service) {
        services.add(service);
        return service;
    }

    @Override
    public void close() {
        services.forEach(TokenService::dispose);
        server.close();
    }
}
