package io.tokenflow.redis;

import static org.assertj.core.api.Assertions.assertThat;

import io.tokenflow.test.Await;
import io.tokenflow.test.ChildJvm;
import io.tokenflow.test.EmbeddedAuthorizationServer;
import io.tokenflow.test.LocalRedisServerExtension;
import io.tokenflow.test.RequestHold;
import java.time.Duration;
import java.util.List;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.junit.jupiter.api.Timeout;

/**
 * The lease holder dies or stands still in the middle of a refresh (real signals to real child
 * JVMs), against the reuse-detecting server without grace period: whatever happens, no refresh
 * token is sent twice.
 */
class HolderFailureTest {

    @RegisterExtension
    static final LocalRedisServerExtension REDIS = LocalRedisServerExtension.withoutPersistence();
    private EmbeddedAuthorizationServer server;

    @AfterEach
    void closeServer() {
        if (server != null) {
            server.close();
        }
    }

    private EmbeddedAuthorizationServer server() {
        server = EmbeddedAuthorizationServer.builder().publicClient(Hosts.CLIENT_ID).start();
        return server;
    }

    private void sentOnceAndRotatedOnce(Hosts hosts) {
        assertThat(server.invalidGrants()).as("invalid_grant answers").isZero();
        assertThat(server.reuseDetections()).as("reuse detections").isZero();
        assertThat(server.rotations()).as("rotations").isEqualTo(1);
        assertThat(server.presentedRefreshTokens()).as("refresh tokens sent")
                .containsExactly(hosts.family.refreshTokens().get(0));
    }

    private static void leaseLapses(Hosts hosts) {
        Await.until(Duration.ofSeconds(20), "the stopped holder's lease lapses in redis",
                () -> Long.valueOf(0).equals(REDIS.server().command("EXISTS", hosts.keys().lease())));
    }

    @Test
    @Timeout(120)
    void aHolderKilledBeforeTheServerRotatesIsTakenOverOnceItsClaimIsOrphaned() {
        try (Hosts hosts = new Hosts(REDIS.server(), server(), "killed")) {
            List<ChildJvm> both = hosts.start(2, RedisStores.ORPHAN_TIMEOUT);
            ChildJvm holder = both.get(0);
            ChildJvm next = both.get(1);
            RequestHold hold = server.holdBeforeRotate();

            Hosts.refresh(holder);
            hold.awaitHeld(Hosts.ANSWER);
            holder.kill();
            Await.until(Hosts.ANSWER, "the server drops the dead holder's request unprocessed", hold::isAborted);
            String deadFence = REDIS.server().hash(hosts.keys().cred()).get("claim_fence");
            assertThat(deadFence).as("the dead holder's claim").isNotEmpty();

            Hosts.refresh(next);
            assertThat(next.expect("token", Hosts.ANSWER)).isEqualTo(hosts.current());

            sentOnceAndRotatedOnce(hosts);
            assertThat(next.output()).contains("took over the claim on generation 1 from fence " + deadFence + " (");
        }
    }

    /**
     * Design note case 5, the documented loss: the server rotated, the holder died before it could
     * save. The next host takes the orphaned claim over, presents the only refresh token the store
     * has, and the server refuses it once; the host says why and stops (no retry storm).
     */
    @Test
    @Timeout(120)
    void aHolderKilledAfterTheServerRotatedLosesThatRotationOnceAndTheNextHostSaysWhyAndStops() {
        try (Hosts hosts = new Hosts(REDIS.server(), server(), "killed-after-rotate")) {
            List<ChildJvm> both = hosts.start(2, RedisStores.ORPHAN_TIMEOUT);
            ChildJvm holder = both.get(0);
            ChildJvm next = both.get(1);
            RequestHold hold = server.holdAfterRotate();

            Hosts.refresh(holder);
            hold.awaitHeld(Hosts.ANSWER);
            holder.kill();
            Await.until(Hosts.ANSWER, "the dead holder's answer is lost", hold::isAborted);
            assertThat(server.rotations()).as("the server rotated for the dead holder").isEqualTo(1);

            Hosts.refresh(next);
            assertThat(next.expect("error", Hosts.ANSWER)).contains("invalid_grant");
            next.send("token");
            assertThat(next.expect("error", Hosts.ANSWER)).as("hot callers fail from the cached failure").isNotEmpty();

            assertThat(server.invalidGrants()).as("invalid_grant answers").isEqualTo(1);
            assertThat(server.tokenRequests()).as("the dead holder's request and the one refused: no retry").isEqualTo(2);
            assertThat(next.output()).contains("took over the claim on generation 1", "a lost rotation");
        }
    }

    @Test
    @Timeout(120)
    void aHolderStoppedPastItsLeaseBeforeItsClaimNeverSendsItsRefreshToken() {
        try (Hosts hosts = new Hosts(REDIS.server(), server(), "stopped-before-claim")) {
            ChildJvm holder = hosts.launchHooked("holder", RedisStores.ORPHAN_TIMEOUT, "pause-before-claim");
            ChildJvm next = hosts.launchHooked("next", RedisStores.ORPHAN_TIMEOUT, "none");
            Hosts.ready(holder, next);

            Hosts.refresh(holder);
            holder.expect("claiming", Hosts.ANSWER);
            holder.pause();
            holder.send("go");
            leaseLapses(hosts);
            Hosts.refresh(next);
            String rotated = next.expect("token", Hosts.ANSWER);
            holder.resume();

            assertThat(holder.expect("token", Hosts.ANSWER)).as("the stopped holder adopts the new token").isEqualTo(rotated);
            assertThat(rotated).isEqualTo(hosts.current());
            sentOnceAndRotatedOnce(hosts);
        }
    }

    @Test
    @Timeout(120)
    void aHolderStoppedAfterItsClaimIsWaitedForAndItsSaveAdoptedThoughItsLeaseLapsed() {
        Duration longOrphanTimeout = Duration.ofSeconds(60);
        try (Hosts hosts = new Hosts(REDIS.server(), server(), "stopped-after-claim")) {
            ChildJvm holder = hosts.launchHooked("holder", longOrphanTimeout, "pause-after-claim");
            ChildJvm next = hosts.launchHooked("next", longOrphanTimeout, "none");
            Hosts.ready(holder, next);

            Hosts.refresh(holder);
            holder.expect("claimed", Hosts.ANSWER);
            holder.pause();
            holder.send("go");
            leaseLapses(hosts);
            Hosts.refresh(next);
            assertThat(server.tokenRequests()).as("requests while the claimer stands still").isZero();
            holder.resume();

            String rotated = holder.expect("token", Hosts.ANSWER);
            assertThat(next.expect("token", Hosts.ANSWER)).as("the other host adopts the claimer's save").isEqualTo(rotated);
            assertThat(rotated).isEqualTo(hosts.current());
            sentOnceAndRotatedOnce(hosts);
        }
    }
}
