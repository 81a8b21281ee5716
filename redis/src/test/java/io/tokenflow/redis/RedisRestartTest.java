package io.tokenflow.redis;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.tokenflow.core.AccessToken;
import io.tokenflow.core.CredentialBusyException;
import io.tokenflow.core.TokenService;
import io.tokenflow.core.WorkloadState.Status;
import io.tokenflow.core.store.Credential;
import io.tokenflow.core.store.CredentialStore;
import io.tokenflow.test.Await;
import io.tokenflow.test.ChildJvm;
import io.tokenflow.test.EmbeddedAuthorizationServer;
import io.tokenflow.test.LocalRedisServerExtension;
import io.tokenflow.test.RefreshTokenFamily;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Set;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.junit.jupiter.api.Timeout;
import reactor.core.publisher.Mono;
import reactor.core.publisher.Sinks;

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

    /**
     * The server rotated, then Redis went away before the presenter could save: the save is tried
     * again once Redis is back, so the record never keeps offering the used refresh token (which
     * the next host would send: a reuse, the family revoked).
     */
    @Test
    @Timeout(60)
    void aSaveThatFailsAfterTheServerRotatedIsTriedAgainOnceRedisIsBackAndNoRefreshTokenIsSentTwice()
            throws InterruptedException {
        try (Services services = new Services(Services.startServer()); RedisStores stores = new RedisStores(REDIS.server())) {
            EmbeddedAuthorizationServer server = services.server();
            RefreshTokenFamily family = server.startFamily(Services.PUBLIC_CLIENT);
            stores.store("rotated-save").save(Services.seed("at-0", family)).block(WAIT);
            CountDownLatch answered = new CountDownLatch(1);
            Sinks.Empty<Void> go = Sinks.empty();
            TokenService presenter = services.publicClient(new HookedStore(stores.store("rotated-save"),
                    HookedStore.Stop.BEFORE_SAVE, answered::countDown, go.asMono()));
            presenter.token().block(WAIT);
            TokenService next = services.publicClient(stores.store("rotated-save"));
            next.token().block(WAIT);

            Mono<String> refreshing = presenter.refresh().map(AccessToken::value).cache();
            refreshing.subscribe(t -> { }, e -> { });
            assertThat(answered.await(10, TimeUnit.SECONDS)).as("the server answered the refresh token").isTrue();
            REDIS.server().shutDown();
            go.tryEmitEmpty();
            REDIS.server().restart();
            String rotated = refreshing.block(WAIT);
            Await.until(WAIT, "the next host adopts the rotation saved once redis is back",
                    () -> rotated.equals(next.token().map(AccessToken::value).onErrorReturn("").block(WAIT)));
            assertThat(REDIS.server().hash(Keys.of("tokenflow:", "rotated-save").cred())).containsEntry("gen", "2")
                    .containsEntry("claim", "");
            String renewed = next.refresh().map(AccessToken::value).onErrorResume(e -> Mono.just("failed: " + e)).block(WAIT);

            assertThat(renewed).as("the next host renews the saved rotation").isEqualTo(family.currentAccessToken().orElseThrow());
            assertThat(server.reuseDetections()).as("reuse detections").isZero();
            assertThat(server.invalidGrants()).as("invalid_grant answers").isZero();
            assertThat(server.rotations()).isEqualTo(2);
            assertThat(server.presentedRefreshTokens()).as("each refresh token sent once")
                    .containsExactlyElementsOf(family.refreshTokens().subList(0, 2));
            assertThat(REDIS.server().hash(Keys.of("tokenflow:", "rotated-save").cred())).containsEntry("gen", "3");
        }
    }

    /**
     * The save of a rotation never lands (Redis is gone for longer than the save is tried): the
     * release keeps the claim, so that the other hosts wait for orphanTimeout (then take it over,
     * a lost rotation) instead of sending the used refresh token at once.
     */
    @Test
    @Timeout(60)
    void aReleaseAfterARotationThatCouldNotBeSavedKeepsTheClaim() {
        try (Services services = new Services(Services.startServer()); RedisStores stores = new RedisStores(REDIS.server())) {
            RefreshTokenFamily family = services.server().startFamily(Services.PUBLIC_CLIENT);
            Credential seed = Services.seed("at-0", family);
            RedisCredentialStore presenter = stores.store("unsaved");
            presenter.save(seed).block(WAIT);
            CredentialStore.RefreshLease lease = presenter.acquireRefreshLease().block(WAIT);
            lease.beforeRefresh(seed).block(WAIT);
            String owner = REDIS.server().hash(Keys.of("tokenflow:", "unsaved").cred()).get("claim");

            REDIS.server().shutDown();
            Credential rotated = Credential.builder()
                    .accessToken(AccessToken.of("at-1", "Bearer", Instant.now().plus(Duration.ofHours(1)), Set.of()))
                    .refreshToken("rt-1").build();
            assertThatThrownBy(() -> presenter.save(rotated).block(WAIT)).isInstanceOf(CredentialBusyException.class);
            REDIS.server().restart();
            Await.until(WAIT, "the presenter reaches redis again", () -> presenter.load().hasElement().onErrorReturn(false).block(WAIT));
            lease.release().block(WAIT);

            assertThat(REDIS.server().hash(Keys.of("tokenflow:", "unsaved").cred())).as("the record after the release")
                    .containsEntry("gen", "1").containsEntry("claim", owner);
            assertThat(REDIS.server().command("EXISTS", Keys.of("tokenflow:", "unsaved").lease())).as("the lease").isEqualTo(0L);
            RedisCredentialStore other = stores.store("unsaved");
            other.acquireRefreshLease().flatMap(next -> next.beforeRefresh(seed)).block(WAIT);
            assertThat(REDIS.server().hash(Keys.of("tokenflow:", "unsaved").cred()).get("claim"))
                    .as("taken over once orphaned").isNotEqualTo(owner);
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
