package io.tokenflow.redis;

import static org.assertj.core.api.Assertions.assertThat;

import io.lettuce.core.RedisClient;
import io.lettuce.core.RedisURI;
import io.lettuce.core.api.StatefulRedisConnection;
import io.lettuce.core.api.reactive.RedisReactiveCommands;
import io.lettuce.core.codec.StringCodec;
import io.tokenflow.test.LocalRedisServer;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * The scripts on a real redis-server, by direct EVAL: the exact answers that the two invariants
 * rest on. I1: a refresh token is sent at most once, by the owner of the claim on its generation
 * (CLAIM). I2: what that send brings back is stored if and only if the generation is still the
 * claimed one and the claim is the presenter's, lease or not (SAVE).
 */
class ScriptInvariantsTest {

    private static final Duration WAIT = Duration.ofSeconds(5);
    private static final String TTL = "3000";
    private static final String ORPHAN = "5000";
    private static final Keys KEYS = Keys.of("tokenflow:", "scripts");
    private static final String EPOCH = "e1";

    private static LocalRedisServer server;
    private static RedisClient client;
    private static StatefulRedisConnection<String, String> connection;
    private static RedisReactiveCommands<String, String> redis;

    @BeforeAll
    static void start() throws Exception {
        server = LocalRedisServer.start();
        client = RedisStores.client();
        connection = client.connectAsync(StringCodec.UTF8, RedisURI.create(server.uri())).get();
        redis = connection.reactive();
    }

    @AfterAll
    static void stop() {
        connection.close();
        client.shutdown();
        server.close();
    }

    @BeforeEach
    void empty() {
        server.command("FLUSHALL");
    }

    private static List<Object> acquire(String owner) {
        return Scripts.ACQUIRE.multi(redis, new String[] {KEYS.cred(), KEYS.lease(), KEYS.fence()}, owner, TTL, ORPHAN).block(WAIT);
    }

    private static long renew(String owner) {
        return Scripts.RENEW.integer(redis, new String[] {KEYS.lease()}, owner, TTL).block(WAIT);
    }

    private static List<Object> claim(String owner, long fence, long gen) {
        return Scripts.CLAIM.multi(redis, new String[] {KEYS.cred(), KEYS.lease()}, owner, Long.toString(fence), Long.toString(gen),
                ORPHAN, EPOCH, KEYS.events()).block(WAIT);
    }

    private static List<Object> save(String mode, String owner, long gen, boolean refreshToken) {
        return save(mode, owner, gen, refreshToken, 1);
    }

    private static List<Object> save(String mode, String owner, long gen, boolean refreshToken, long fence) {
        return Scripts.SAVE.multi(redis, new String[] {KEYS.cred(), KEYS.lease()}, mode, owner, Long.toString(gen), EPOCH,
                "blob-" + gen, "k1", refreshToken ? "1" : "0", "", Long.toString(fence), "test", KEYS.events(), EPOCH).block(WAIT);
    }

    private static long release(String owner) {
        return Scripts.RELEASE.integer(redis, new String[] {KEYS.lease(), KEYS.cred()}, owner, KEYS.events()).block(WAIT);
    }

    /** The first lease holder saves generation 1 on its claim and lets go. */
    private static void firstGeneration() {
        assertThat(acquire("a")).element(0).isEqualTo(1L);
        claim("a", 1, 0);
        save("claim", "a", 0, true);
        release("a");
    }

    @Test
    void theLeaseGoesToOneOwnerAtATimeAndOnlyItsOwnerRenewsIt() {
        assertThat(acquire("a")).containsExactly(1L, 0L, -1L, -1L);
        List<Object> lost = acquire("b");
        assertThat(lost.get(0)).isEqualTo(0L);
        assertThat((Long) lost.get(1)).isBetween(1L, 3000L);

        assertThat(renew("a")).isEqualTo(1);
        assertThat(renew("b")).isZero();
        assertThat(release("b")).as("a non-owner's release").isZero();
        assertThat(release("a")).isEqualTo(1);
        assertThat(acquire("b")).element(0).as("the next fence").isEqualTo(2L);
    }

    @Test
    void aClaimIsRefusedWithoutTheLease() {
        acquire("a");

        assertThat(claim("b", 1, 0)).containsExactly(-3L, 0L);
    }

    @Test
    void aClaimIsRefusedOnceTheGenerationMovedOn() {
        firstGeneration();
        acquire("b");

        assertThat(claim("b", 2, 0)).as("claiming generation 0 after 1 was saved").containsExactly(-2L, 1L);
        assertThat(claim("b", 2, 1)).containsExactly(1L, 1L, 0L, 0L);
    }

    @Test
    void aLiveClaimHoldsTheLeaseBackAndRefusesAnotherClaim() {
        acquire("a");
        assertThat(claim("a", 1, 0)).element(0).isEqualTo(1L);
        server.command("DEL", KEYS.lease());

        List<Object> waiting = acquire("b");
        assertThat(waiting.get(0)).as("no lease while a's claim is live").isEqualTo(0L);
        assertThat((Long) waiting.get(3)).as("the claim's age").isBetween(0L, 5000L);

        server.command("SET", KEYS.lease(), "b");
        List<Object> refused = claim("b", 2, 0);
        assertThat(refused.subList(0, 2)).containsExactly(-4L, 1L);
    }

    @Test
    void aClaimOlderThanTheOrphanTimeoutByRedisTimeIsTakenOverWithBothFencesKnown() {
        acquire("a");
        claim("a", 1, 0);
        server.command("DEL", KEYS.lease());
        ageClaimBy(6_000);

        assertThat(acquire("b")).element(0).as("an orphaned claim does not hold the lease back").isEqualTo(2L);
        List<Object> takenOver = claim("b", 2, 0);
        assertThat(takenOver.subList(0, 3)).as("granted, generation 0, the orphan's fence").containsExactly(1L, 0L, 1L);
        assertThat((Long) takenOver.get(3)).isGreaterThanOrEqualTo(6_000L);
        assertThat(save("claim", "a", 0, true)).as("the orphan's late save").containsExactly(-6L, 0L);
        assertThat(save("claim", "b", 0, true)).containsExactly(1L, 1L);
    }

    @Test
    void thePresentersSaveIsAcceptedOnItsClaimEvenAfterItsLeaseLapsed() {
        acquire("a");
        claim("a", 1, 0);
        server.command("DEL", KEYS.lease());
        acquire("b");

        assertThat(save("claim", "a", 0, true)).containsExactly(1L, 1L);
        assertThat(server.hash(KEYS.cred())).containsEntry("gen", "1").containsEntry("claim", "").containsEntry("fence_hw", "1");
    }

    @Test
    void aSaveOnAStaleGenerationIsRefused() {
        firstGeneration();
        acquire("b");

        assertThat(save("lease", "b", 0, true)).containsExactly(-2L, 1L);
        assertThat(save("lease", "b", 1, true)).containsExactly(1L, 2L);
    }

    @Test
    void aSaveOnSomeoneElsesClaimIsRefused() {
        acquire("a");
        claim("a", 1, 0);

        assertThat(save("claim", "b", 0, true)).containsExactly(-6L, 0L);
    }

    @Test
    void aSaveWithoutTheLeaseAndWithoutAClaimIsRefused() {
        firstGeneration();

        assertThat(save("lease", "z", 1, true)).containsExactly(-3L, 1L);
    }

    @Test
    void aSaveWithoutARefreshTokenOverOneWithIsRefusedUnlessCleared() {
        firstGeneration();
        acquire("b");

        assertThat(save("lease", "b", 1, false)).containsExactly(-5L, 1L);
        assertThat(save("clear", "b", 1, false)).containsExactly(1L, 2L);
        assertThat(save("lease", "b", 2, false)).containsExactly(1L, 3L);
    }

    @Test
    void aReleaseAfterTheLeaseLapsedDropsNothingOfTheNextHolder() {
        acquire("a");
        server.command("DEL", KEYS.lease());
        acquire("b");

        assertThat(release("a")).isZero();
        assertThat(server.command("GET", KEYS.lease())).isEqualTo("b");
    }

    @Test
    void aReleaseDropsTheOwnersUnsavedClaim() {
        acquire("a");
        claim("a", 1, 0);

        assertThat(release("a")).as("lease and claim").isEqualTo(3);
        assertThat(server.hash(KEYS.cred())).containsEntry("claim", "");
        assertThat(acquire("b")).element(0).isEqualTo(2L);
    }

    @Test
    void theFenceStaysAboveEveryFenceThatWroteWhenItsCounterIsLost() {
        acquire("a");
        acquire("a2");
        release("a");
        assertThat(acquire("c")).element(0).isEqualTo(2L);
        claim("c", 2, 0);
        save("claim", "c", 0, true, 2);
        release("c");
        server.command("DEL", KEYS.fence());

        assertThat(acquire("d")).element(0).as("above fence_hw 2").isEqualTo(3L);
    }

    @Test
    void aScriptUnknownToTheServerIsSentWhole() {
        acquire("a");
        server.command("SCRIPT", "FLUSH");

        assertThat(server.command("SCRIPT", "EXISTS", Scripts.RENEW.sha())).isEqualTo(List.of(0L));
        assertThat(renew("a")).isEqualTo(1);
        assertThat(server.command("SCRIPT", "EXISTS", Scripts.RENEW.sha())).isEqualTo(List.of(1L));
    }

    @Test
    void theRecordNeverGetsATimeToLive() {
        firstGeneration();

        assertThat(server.command("PTTL", KEYS.cred())).isEqualTo(-1L);
        assertThat(server.hash(KEYS.cred())).containsAllEntriesOf(Map.of("v", "1", "epoch", EPOCH, "has_rt", "1", "kid", "k1"));
    }

    /** Moves the claim's Redis time back by {@code millis}, as the passing of that much time would. */
    private static void ageClaimBy(long millis) {
        long at = Long.parseLong(server.hash(KEYS.cred()).get("claim_at_ms"));
        server.command("HSET", KEYS.cred(), "claim_at_ms", Long.toString(at - millis));
    }
}
