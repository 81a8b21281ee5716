package io.tokenflow.redis;

import static org.assertj.core.api.Assertions.assertThat;

import io.lettuce.core.RedisClient;
import io.lettuce.core.RedisURI;
import io.lettuce.core.codec.StringCodec;
import io.lettuce.core.pubsub.RedisPubSubAdapter;
import io.lettuce.core.pubsub.StatefulRedisPubSubConnection;
import io.tokenflow.test.LocalRedisServerExtension;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;
import reactor.core.publisher.Mono;
import reactor.core.publisher.Sinks;

/**
 * An operator's write (a save or clear outside a refresh) takes a lease for itself alone: a second
 * write that starts while the first one is finishing takes its own, instead of writing under the
 * first one's lease as it is released ("the refresh lease lapsed before the write").
 */
class OperatorWriteTest {

    private static final Duration WAIT = Duration.ofSeconds(10);
    private static final int ROUNDS = 100;
    @RegisterExtension
    static final LocalRedisServerExtension REDIS = LocalRedisServerExtension.withoutPersistence();

    @Test
    void aWriteStartedAsAnotherFinishesTakesItsOwnLease() throws Exception {
        RedisClient client = RedisStores.client();
        try (RedisStores stores = new RedisStores(REDIS.server())) {
            RedisCredentialStore store = stores.store("operator");
            store.save(StoreContractTest.generation(0)).block(WAIT);
            StatefulRedisPubSubConnection<String, String> events =
                    client.connectPubSubAsync(StringCodec.UTF8, RedisURI.create(REDIS.server().uri())).get();
            List<Throwable> failures = new CopyOnWriteArrayList<>();
            for (int round = 1; round <= ROUNDS; round++) {
                Sinks.Empty<Void> second = Sinks.empty();
                int n = round;
                java.util.concurrent.atomic.AtomicBoolean armed = new java.util.concurrent.atomic.AtomicBoolean(true);
                RedisPubSubAdapter<String, String> startSecond = new RedisPubSubAdapter<>() {
                    @Override
                    public void message(String channel, String message) {
                        if (message.startsWith("saved:") && armed.compareAndSet(true, false)) {
                            // The first write's save just ran; its release is on its way.
                            store.save(StoreContractTest.generation(2 * n + 1))
                                    .doOnError(failures::add)
                                    .doFinally(s -> second.tryEmitEmpty())
                                    .subscribe(ok -> { }, e -> { });
                        }
                    }
                };
                events.addListener(startSecond);
                if (round == 1) {
                    events.sync().subscribe(Keys.of("tokenflow:", "operator").events());
                }
                store.save(StoreContractTest.generation(2 * n)).block(WAIT);
                second.asMono().block(WAIT);
                events.removeListener(startSecond);
                assertThat(failures).as("writes that failed in round %d", round).isEmpty();
            }

            assertThat(store.load().block(WAIT)).isEqualTo(StoreContractTest.generation(2 * ROUNDS + 1));
            events.close();
        } finally {
            client.shutdown();
        }
    }
}
