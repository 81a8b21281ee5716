package io.tokenflow.redis;

import static org.assertj.core.api.Assertions.assertThat;

import io.tokenflow.core.CredentialBusyException;
import io.tokenflow.core.TokenService;
import io.tokenflow.core.WorkloadState.Status;
import io.tokenflow.test.Await;
import io.tokenflow.test.EmbeddedAuthorizationServer;
import io.tokenflow.test.LocalRedisServerExtension;
import io.tokenflow.test.RefreshTokenFamily;
import io.tokenflow.test.RequestHold;
import java.time.Duration;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicReference;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.junit.jupiter.api.Timeout;
import reactor.core.publisher.Mono;
import reactor.core.publisher.Sinks;

/**
 * Redis stalls ({@code CLIENT PAUSE}) for longer than the lease: commands time out on the hosts
 * but still run on the server once it resumes. A host never sends a refresh token on a claim it
 * did not see granted; one that sent before the stall keeps its token, and its save, run late,
 * is the one the others adopt.
 */
class RedisStallTest {

    private static final Duration WAIT = Duration.ofSeconds(10);
    private static final String PAUSE = "5000";
    @RegisterExtension
    static final LocalRedisServerExtension REDIS = LocalRedisServerExtension.withoutPersistence();

    @BeforeEach
    void empty() {
        REDIS.server().command("CLIENT", "UNPAUSE");
        REDIS.server().command("FLUSHALL");
    }

    @Test
    @Timeout(60)
    void aStallAtTheClaimSendsNothingAndLeavesNoClaimBehind() throws InterruptedException {
        try (Services services = new Services(Services.startServer()); RedisStores stores = new RedisStores(REDIS.server())) {
            EmbeddedAuthorizationServer server = services.server();
            RefreshTokenFamily family = server.startFamily(Services.PUBLIC_CLIENT);
            stores.store("stall-claim").save(Services.seed("at-0", family)).block(WAIT);
            CountDownLatch atTheClaim = new CountDownLatch(1);
            Sinks.Empty<Void> go = Sinks.empty();
            TokenService stalled = services.publicClient(new HookedStore(stores.store("stall-claim"), HookedStore.Stop.BEFORE_CLAIM,
                    atTheClaim::countDown, go.asMono()));
            TokenService other = services.publicClient(stores.store("stall-claim"));
            stalled.token().block(WAIT);
            other.token().block(WAIT);

            Mono<?> refreshing = stalled.refresh().onErrorResume(e -> Mono.empty()).cache();
            refreshing.subscribe();
            assertThat(atTheClaim.await(10, TimeUnit.SECONDS)).as("the refresh reaches its claim").isTrue();
            REDIS.server().command("CLIENT", "PAUSE", PAUSE, "WRITE");
            go.tryEmitEmpty();
            refreshing.block(WAIT);

            assertThat(stalled.state().status()).isEqualTo(Status.DEGRADED);
            assertThat(stalled.state().lastFailure().orElseThrow().message()).contains("claim");
            assertThat(server.tokenRequests()).as("refresh tokens sent on an unanswered claim").isZero();
            assertThat(stalled.token().block(WAIT).value()).isEqualTo("at-0");
            assertThat(other.token().block(WAIT).value()).isEqualTo("at-0");

            REDIS.server().command("CLIENT", "UNPAUSE");
            Await.until(WAIT, "the late claim and the release behind it ran",
                    () -> "".equals(REDIS.server().hash(Keys.of("tokenflow:", "stall-claim").cred()).get("claim")));
            String rotated = other.refresh().block(WAIT).value();
            Await.until(WAIT, "the stalled host adopts the new token", () -> rotated.equals(stalled.token().block(WAIT).value()));

            assertThat(server.rotations()).isEqualTo(1);
            assertThat(server.invalidGrants()).isZero();
            assertThat(server.reuseDetections()).isZero();
        }
    }

    @Test
    @Timeout(60)
    void aStallPastTheLeaseWhileTheRequestIsOutKeepsTheRotationAndItsLateSaveReachesTheOthers() {
        try (Services services = new Services(Services.startServer()); RedisStores stores = new RedisStores(REDIS.server())) {
            EmbeddedAuthorizationServer server = services.server();
            RefreshTokenFamily family = server.startFamily(Services.PUBLIC_CLIENT);
            stores.store("stall-send").save(Services.seed("at-0", family)).block(WAIT);
            TokenService sender = services.publicClient(stores.store("stall-send"));
            TokenService other = services.publicClient(stores.store("stall-send"));
            sender.token().block(WAIT);
            other.token().block(WAIT);
            RequestHold hold = server.holdBeforeRotate();

            Mono<String> refreshing = sender.refresh().map(t -> t.value()).cache();
            refreshing.subscribe(t -> { }, e -> { });
            hold.awaitHeld(WAIT);
            REDIS.server().command("CLIENT", "PAUSE", PAUSE, "ALL");
            hold.release();
            String rotated = refreshing.block(WAIT);

            assertThat(rotated).isEqualTo(family.currentAccessToken().orElseThrow());
            assertThat(sender.state().status()).as("the new token is used though its save timed out").isEqualTo(Status.RUNNING);
            assertThat(other.token().block(WAIT).value()).as("the other host during the stall").isEqualTo("at-0");

            REDIS.server().command("CLIENT", "UNPAUSE");
            Await.until(WAIT, "the other host adopts the save that ran after the stall",
                    () -> rotated.equals(other.token().block(WAIT).value()));
            assertThat(REDIS.server().hash(Keys.of("tokenflow:", "stall-send").cred())).containsEntry("gen", "2").containsEntry("claim", "");
            assertThat(server.rotations()).isEqualTo(1);
            assertThat(server.invalidGrants()).isZero();
            assertThat(server.reuseDetections()).isZero();
        }
    }
    /** A script running past the busy threshold makes Redis answer {@code -BUSY}: a pause, not a broken setup. */
    @Test
    @Timeout(60)
    void aServerBusyWithALongScriptIsUnreachableForAWhileNotBroken() throws InterruptedException {
        try (Services services = new Services(Services.startServer()); RedisStores stores = new RedisStores(REDIS.server())) {
            RefreshTokenFamily family = services.server().startFamily(Services.PUBLIC_CLIENT);
            RedisCredentialStore store = stores.store("busy");
            store.save(Services.seed("at-0", family)).block(WAIT);
            store.load().block(WAIT);
            REDIS.server().command("CONFIG", "SET", "busy-reply-threshold", "100");
            Thread busy = new Thread(() -> {
                try {
                    REDIS.server().command("EVAL", "while true do end", "0");
                } catch (RuntimeException killedOrTimedOut) {
                    // SCRIPT KILL ends it with an error reply.
                }
            });
            busy.start();
            AtomicReference<Throwable> failure = new AtomicReference<>();
            try {
                Await.until(WAIT, "redis answers BUSY", () -> store.load().then(Mono.just(false))
                        .onErrorResume(e -> Mono.fromRunnable(() -> failure.set(e)).thenReturn(true)).block(WAIT));
            } finally {
                Await.until(WAIT, "the script is killed", () -> {
                    try {
                        REDIS.server().command("SCRIPT", "KILL");
                        return true;
                    } catch (IllegalStateException notYetRunning) {
                        return notYetRunning.getMessage().contains("NOTBUSY");
                    }
                });
                busy.join(10_000);
                REDIS.server().command("CONFIG", "SET", "busy-reply-threshold", "5000");
            }

            assertThat(failure.get()).isInstanceOf(CredentialBusyException.class)
                    .hasMessageContaining("redis is unreachable or too slow").hasMessageContaining("BUSY");
            assertThat(store.load().block(WAIT).refreshToken()).as("read again once the script is gone")
                    .contains(family.currentRefreshToken());
        }
    }
}
