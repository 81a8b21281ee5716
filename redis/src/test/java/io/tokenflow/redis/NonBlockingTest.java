package io.tokenflow.redis;

import static org.assertj.core.api.Assertions.assertThat;

import io.lettuce.core.RedisClient;
import io.lettuce.core.RedisURI;
import io.lettuce.core.codec.StringCodec;
import io.tokenflow.core.AccessToken;
import io.tokenflow.core.TokenService;
import io.tokenflow.core.store.Credential;
import io.tokenflow.core.store.CredentialStore;
import io.tokenflow.test.LocalRedisServerExtension;
import io.tokenflow.test.RefreshTokenFamily;
import java.time.Duration;
import java.util.concurrent.Callable;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;
import reactor.blockhound.BlockingOperationError;
import reactor.core.publisher.Mono;
import reactor.core.scheduler.Schedulers;
import reactor.test.StepVerifier;

/**
 * BlockHound watches this module's tests, with one allowance (Netty 4.2's allocator, see
 * {@link NettyAllocatorBlockHoundIntegration}): every store operation of a store that has never
 * connected, started on a non-blocking thread and continued on Lettuce's event loops, and a whole
 * refresh through a {@link TokenService}, complete without a blocking call.
 */
class NonBlockingTest {

    private static final Duration WAIT = Duration.ofSeconds(10);
    @RegisterExtension
    static final LocalRedisServerExtension REDIS = LocalRedisServerExtension.withoutPersistence();

    @Test
    void aBlockingCallOnALettuceEventLoopIsCaught() throws Exception {
        RedisClient client = RedisStores.client();
        try {
            var connection = client.connectAsync(StringCodec.UTF8, RedisURI.create(REDIS.server().uri())).get();
            StepVerifier.create(connection.reactive().ping().doOnNext(pong -> sleep()))
                    .expectError(BlockingOperationError.class)
                    .verify(WAIT);
            connection.close();
        } finally {
            client.shutdown();
        }
    }

    @Test
    void everyOperationOfANewStoreRunsWithoutBlockingFromItsFirstConnect() {
        try (RedisStores stores = new RedisStores(REDIS.server())) {
            RedisCredentialStore store = stores.store("non-blocking");
            RedisCredentialStore other = stores.store("non-blocking");
            Credential first = StoreContractTest.generation(1);

            Mono<Credential> steps = onParallel(store::acquireRefreshLease)
                    .flatMap(lease -> store.load().then(lease.beforeRefresh(first)).then(store.save(first)).then(lease.release()))
                    .then(onParallel(() -> store.save(StoreContractTest.generation(2))))
                    .then(onParallel(() -> store.changes()
                            .filter(c -> c.accessToken().map(AccessToken::value).filter("at-3"::equals).isPresent())
                            .next()
                            .doOnSubscribe(s -> Mono.delay(Duration.ofMillis(200))
                                    .then(other.save(StoreContractTest.generation(3))).subscribe())))
                    .flatMap(change -> onParallel(store::clear).then(onParallel(store::load)).defaultIfEmpty(change));

            StepVerifier.create(steps)
                    .assertNext(last -> assertThat(last).as("the change seen, then an empty store").isEqualTo(StoreContractTest.generation(3)))
                    .expectComplete()
                    .verify(WAIT);
        }
    }

    @Test
    void aWholeRefreshThroughATokenServiceRunsWithoutBlocking() {
        try (Services services = new Services(Services.startServer()); RedisStores stores = new RedisStores(REDIS.server())) {
            RefreshTokenFamily family = services.server().startFamily(Services.PUBLIC_CLIENT);
            stores.store("service").save(Services.seed("at-0", family)).block(WAIT);
            CredentialStore store = stores.store("service");
            TokenService service = services.publicClient(store);

            StepVerifier.create(onParallel(service::token).then(onParallel(service::refresh)).map(AccessToken::value))
                    .assertNext(value -> assertThat(value).isEqualTo(family.currentAccessToken().orElseThrow()))
                    .expectComplete()
                    .verify(WAIT);
        }
    }

    private static <T> Mono<T> onParallel(Callable<Mono<T>> operation) {
        return Mono.defer(() -> {
            try {
                return operation.call();
            } catch (Exception e) {
                return Mono.error(e);
            }
        }).subscribeOn(Schedulers.parallel());
    }

    private static void sleep() {
        try {
            Thread.sleep(1);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }
}
