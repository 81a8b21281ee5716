package io.tokenflow.redis;

import static org.assertj.core.api.Assertions.assertThat;

import io.tokenflow.core.AccessToken;
import io.tokenflow.core.TokenService;
import io.tokenflow.core.WorkloadState.Status;
import io.tokenflow.core.store.Credential;
import io.tokenflow.test.LocalRedisServerExtension;
import java.time.Duration;
import java.time.Instant;
import java.util.Set;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.extension.RegisterExtension;

/**
 * A confidential client whose stored refresh token is refused falls back to its own grant
 * (client_credentials): the store is cleared and the fresh credential saved under the same lease,
 * on the cleared record, not on the claim the refused refresh token was sent on.
 */
class OwnGrantFallbackTest {

    private static final Duration WAIT = Duration.ofSeconds(10);
    @RegisterExtension
    static final LocalRedisServerExtension REDIS = LocalRedisServerExtension.withoutPersistence();

    @Test
    @Timeout(60)
    void aRefusedRefreshTokenIsReplacedByTheOwnGrantsCredentialWhichAnotherStoreLoads() {
        try (Services services = new Services(Services.startServer()); RedisStores stores = new RedisStores(REDIS.server())) {
            stores.store("own-grant").save(Credential.builder()
                    .accessToken(AccessToken.of("at-0", "Bearer", Instant.now().plus(Duration.ofHours(1)), Set.of()))
                    .refreshToken("rt-the-server-never-issued").build()).block(WAIT);
            TokenService host = services.confidential(stores.store("own-grant"));
            host.token().block(WAIT);

            String fresh = host.refresh().block(WAIT).value();

            assertThat(host.state().status()).isEqualTo(Status.RUNNING);
            assertThat(services.server().isActive(fresh)).as("issued by client_credentials").isTrue();
            Credential stored = stores.store("own-grant").load().blockOptional(WAIT).orElse(null);
            assertThat(stored).as("the credential another store loads").isNotNull();
            assertThat(stored.accessToken().map(AccessToken::value)).contains(fresh);
            assertThat(stored.refreshToken()).as("the refused refresh token is gone").isEmpty();
            assertThat(REDIS.server().hash(Keys.of("tokenflow:", "own-grant").cred())).containsEntry("claim", "")
                    .containsEntry("has_rt", "0");
        }
    }
}
