package io.tokenflow.redis;

import static org.assertj.core.api.Assertions.assertThat;

import io.tokenflow.core.TokenService;
import io.tokenflow.core.WorkloadState.Status;
import io.tokenflow.test.Await;
import io.tokenflow.test.ChildJvm;
import io.tokenflow.test.EmbeddedAuthorizationServer;
import io.tokenflow.test.LocalRedisServerExtension;
import io.tokenflow.test.RefreshTokenFamily;
import java.time.Duration;
import java.util.List;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.junit.jupiter.api.Timeout;

/**
 * Redis stops and comes back, with persistence (an append-only file fsynced on every write): while
 * it is gone, hosts serve what they hold and send no shared refresh token, a grant without one
 * renews locally; once it is back, Lettuce reconnects and re-subscribes by itself and the
 * generation, the fence and the hosts carry on.
 */
class RedisRestartTest {

    private static final Duration WAIT = Duration.ofSeconds(10);
    @RegisterExtension
    static final LocalRedisServerExtension REDIS = LocalRedisServerExtension.withAppendOnlyFile();

    @BeforeEach
    void running() {
        if (!REDIS.server().isRunning()) {
            REDIS.server().restart();
        }
        REDIS.server().command("FLUSHALL");
    }

    @Test
    @Timeout(60)
    void whileRedisIsDownAHostServesItsTokenSendsNoRefreshTokenAndRefreshesOnceItIsBack() {
        try (Services services = new Services(Services.startServer()); RedisStores stores = new RedisStores(REDIS.server())) {
            EmbeddedAuthorizationServer server = services.server();
            RefreshTokenFamily family = server.startFamily(Services.PUBLIC_CLIENT);
            stores.store("down").save(Services.seed("at-0", family)).block(WAIT);
            TokenService host = services.publicClient(stores.store("down"));
            assertThat(host.token().block(WAIT).value()).isEqualTo("at-0");

            REDIS.server().shutDown();
            host.refresh().onErrorResume(e -> reactor.core.publisher.Mono.empty()).block(WAIT);

            assertThat(host.state().status()).isEqualTo(Status.DEGRADED);
            assertThat(host.state().lastFailure().orElseThrow().message()).contains("redis is unreachable");
            assertThat(host.token().block(WAIT).value()).as("served while redis is down").isEqualTo("at-0");
            assertThat(server.tokenRequests()).as("requests while redis is down").isZero();

            REDIS.server().restart();
            Await.until(WAIT, "the next attempt refreshes", () -> host.state().status() == Status.RUNNING);
            assertThat(host.token().block(WAIT).value()).isEqualTo(family.currentAccessToken().orElseThrow());
            assertThat(server.rotations()).isEqualTo(1);
            assertThat(server.invalidGrants()).isZero();
        }
    }

    @Test
    @Timeout(60)
    void whileRedisIsDownAClientCredentialsHostRenewsItsOwnToken() {
        try (Services services = new Services(Services.startServer()); RedisStores stores = new RedisStores(REDIS.server())) {
            EmbeddedAuthorizationServer server = services.server();
            TokenService host = services.confidential(stores.store("cache"));
            String first = host.token().block(WAIT).value();

            REDIS.server().shutDown();
            String renewed = host.refresh().block(WAIT).value();

            assertThat(renewed).isNotEqualTo(first);
            assertThat(server.isActive(renewed)).isTrue();
            assertThat(server.tokenRequests()).isEqualTo(2);
            assertThat(host.state().status()).isEqualTo(Status.RUNNING);
        }
    }

    @Test
    @Timeout(180)
    void hostsCarryOnAcrossARestartWithTheGenerationAndFenceKept() {
        try (EmbeddedAuthorizationServer server = EmbeddedAuthorizationServer.builder().publicClient(Hosts.CLIENT_ID).start();
             Hosts hosts = new Hosts(REDIS.server(), server, "restart")) {
            List<ChildJvm> children = hosts.start(3, RedisStores.ORPHAN_TIMEOUT);
            hosts.forcedRounds(server, children, 1, 5);
            long fenceBefore = Long.parseLong(REDIS.server().hash(hosts.keys().cred()).get("fence_hw"));

            REDIS.server().restart();
            assertThat(REDIS.server().hash(hosts.keys().cred())).as("kept by the append-only file").containsEntry("gen", "6");
            Await.until(Duration.ofSeconds(20), "every host subscribed again",
                    () -> List.of(hosts.keys().events(), 3L).equals(REDIS.server().command("PUBSUB", "NUMSUB", hosts.keys().events())));
            hosts.forcedRounds(server, children, 6, 10);

            assertThat(REDIS.server().hash(hosts.keys().cred())).containsEntry("gen", "11");
            assertThat(Long.parseLong(REDIS.server().hash(hosts.keys().cred()).get("fence_hw"))).isGreaterThan(fenceBefore);
            assertThat(server.rotations()).isEqualTo(10);
            assertThat(server.invalidGrants()).isZero();
            assertThat(server.reuseDetections()).isZero();
            assertThat(server.presentedRefreshTokens()).containsExactlyElementsOf(hosts.family.refreshTokens().subList(0, 10));
        }
    }
}
