package io.tokenflow.redis;

import static org.assertj.core.api.Assertions.assertThat;

import io.tokenflow.core.TokenService;
import io.tokenflow.core.WorkloadState.Status;
import io.tokenflow.test.Await;
import io.tokenflow.test.EmbeddedAuthorizationServer;
import io.tokenflow.test.LocalRedisServerExtension;
import io.tokenflow.test.RefreshTokenFamily;
import java.time.Duration;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.junit.jupiter.api.Timeout;
import reactor.core.publisher.Mono;

/**
 * Redis restarted without persistence: the credential is gone. A host that had seen it fails
 * closed (it does not send its own copy of the refresh token: another host may hold a newer one),
 * keeps serving its valid token, and recovers when an operator writes the credential again.
 */
class RedisLostDataTest {

    private static final Duration WAIT = Duration.ofSeconds(10);
    @RegisterExtension
    static final LocalRedisServerExtension REDIS = LocalRedisServerExtension.withoutPersistence();

    @Test
    @Timeout(60)
    void aCredentialLostWithARestartIsReportedNotReplacedAndAnOperatorsNewWriteRecovers() {
        try (Services services = new Services(Services.startServer()); RedisStores stores = new RedisStores(REDIS.server())) {
            EmbeddedAuthorizationServer server = services.server();
            RefreshTokenFamily family = server.startFamily(Services.PUBLIC_CLIENT);
            stores.store("lost").save(Services.seed("at-0", family)).block(WAIT);
            TokenService host = services.publicClient(stores.store("lost"));
            assertThat(host.token().block(WAIT).value()).isEqualTo("at-0");

            REDIS.server().restart();
            assertThat(REDIS.server().hash(Keys.of("tokenflow:", "lost").cred())).as("the record after the restart").isEmpty();
            host.refresh().onErrorResume(e -> Mono.empty()).block(WAIT);
            // Until its connection is back, the host finds redis unreachable; then it finds the record gone.
            Await.until(WAIT, "the host finds the credential gone", () -> host.state().lastFailure()
                    .filter(f -> f.message().contains("the credential disappeared (generation 1 was seen)")).isPresent());

            assertThat(host.state().status()).isEqualTo(Status.DEGRADED);
            assertThat(host.state().lastFailure().orElseThrow().message()).contains("flushed, evicted or restarted without");
            assertThat(server.tokenRequests()).as("requests to the authorization server").isZero();
            assertThat(host.token().block(WAIT).value()).as("the held token is still served").isEqualTo("at-0");
            assertThat(REDIS.server().hash(Keys.of("tokenflow:", "lost").cred())).as("nothing re-seeded from the held copy").isEmpty();

            stores.store("lost").save(Services.seed("at-operator", family)).block(WAIT);
            Await.until(WAIT, "the host adopts the operator's credential",
                    () -> "at-operator".equals(host.token().block(WAIT).value()));
            assertThat(host.state().status()).isEqualTo(Status.RUNNING);
            String rotated = host.refresh().block(WAIT).value();

            assertThat(rotated).isEqualTo(family.currentAccessToken().orElseThrow());
            assertThat(server.rotations()).isEqualTo(1);
            assertThat(server.invalidGrants()).isZero();
        }
    }
}
