package io.tokenflow.redis;

import static org.assertj.core.api.Assertions.assertThat;

import io.tokenflow.core.AccessToken;
import io.tokenflow.core.store.Credential;
import io.tokenflow.test.Await;
import io.tokenflow.test.LocalRedisServerExtension;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;
import reactor.core.Disposable;
import reactor.core.publisher.Mono;

/**
 * The ACL user that docs/operations.md asks for is enough for everything the store does: its
 * keys and channels only, and the commands it and Lettuce's connection handshake send.
 */
class LeastPrivilegeTest {

    private static final Duration WAIT = Duration.ofSeconds(10);
    /** The rule of docs/operations.md, "What Redis must be configured with". */
    static final String ACL = "~tokenflow:* &tokenflow:* +@read +@write +eval +evalsha +publish +subscribe +ping +time";

    @RegisterExtension
    static final LocalRedisServerExtension REDIS = LocalRedisServerExtension.withoutPersistence();

    @BeforeAll
    static void start() {
        List<String> rule = new ArrayList<>(List.of("ACL", "SETUSER", "tokenflow", "on", ">test-password"));
        rule.addAll(List.of(ACL.split(" ")));
        REDIS.server().command(rule.toArray(String[]::new));
    }

    @Test
    void theDocumentedAclUserCanRefreshSaveClearAndWatch() {
        try (RedisStores stores = new RedisStores(REDIS.server())) {
            String uri = "redis://tokenflow:test-password@127.0.0.1:" + REDIS.server().port();
            RedisCredentialStore store = stores.track(stores.bare(uri).name("acl").keyring(
                    Map.of("k1", RedisStores.key(1)), "k1").pollInterval(RedisStores.POLL).build());
            RedisCredentialStore other = stores.track(stores.bare(uri).name("acl").keyring(
                    Map.of("k1", RedisStores.key(1)), "k1").build());
            Credential first = StoreContractTest.generation(1);

            store.save(first).block(WAIT);
            Mono<Void> refresh = store.acquireRefreshLease().flatMap(lease -> store.load()
                    .flatMap(lease::beforeRefresh)
                    .then(store.save(StoreContractTest.generation(2)))
                    .then(Mono.defer(lease::release)));
            refresh.block(WAIT);
            Credential seen = store.changes()
                    .filter(c -> c.accessToken().map(AccessToken::value).filter("at-3"::equals).isPresent())
                    .next()
                    .doOnSubscribe(s -> Mono.delay(Duration.ofMillis(300)).then(other.save(StoreContractTest.generation(3))).subscribe())
                    .block(WAIT);
            other.clear().block(WAIT);

            assertThat(seen).isEqualTo(StoreContractTest.generation(3));
            assertThat(store.load().block(WAIT)).as("after the clear").isNull();
            assertThat((List<?>) REDIS.server().command("ACL", "LOG")).as("ACL refusals of the documented user")
                    .noneMatch(entry -> ((List<?>) entry).contains("tokenflow"));
        }
    }
    /**
     * A user whose ACL lacks the channels ({@code &tokenflow:*}) cannot subscribe: the store keeps
     * polling, and each refused subscription's connection is closed, not left open per attempt.
     */
    @Test
    void aRefusedSubscriptionClosesItsConnection() {
        REDIS.server().command("ACL", "SETUSER", "nochannel", "on", ">test-password", "resetchannels", "~tokenflow:*", "+@read",
                "+@write", "+eval", "+evalsha", "+publish", "+subscribe", "+ping", "+time");
        REDIS.server().command("ACL", "LOG", "RESET");
        try (RedisStores stores = new RedisStores(REDIS.server())) {
            String uri = "redis://nochannel:test-password@127.0.0.1:" + REDIS.server().port();
            RedisCredentialStore store = stores.track(stores.bare(uri).name("no-channel").plaintext()
                    .pollInterval(Duration.ofMillis(50)).build());
            Disposable watching = store.changes().subscribe();
            try {
                Await.until(WAIT, "ten subscriptions refused", () -> refusedSubscriptions() >= 10);

                assertThat(connectionsOf("nochannel")).as("connections open for the store (commands, at most one "
                        + "subscription being tried)").isBetween(1L, 2L);
            } finally {
                watching.dispose();
            }
        }
    }

    private static long refusedSubscriptions() {
        List<?> log = (List<?>) REDIS.server().command("ACL", "LOG");
        long refused = 0;
        for (Object entry : log) {
            List<?> fields = (List<?>) entry;
            if ("channel".equals(fields.get(fields.indexOf("reason") + 1))) {
                refused += (Long) fields.get(fields.indexOf("count") + 1);
            }
        }
        return refused;
    }

    private static long connectionsOf(String user) {
        String clients = (String) REDIS.server().command("CLIENT", "LIST");
        return clients.lines().filter(line -> line.contains(" user=" + user + " ")).count();
    }
}
