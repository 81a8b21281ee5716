package io.tokenflow.core;

import static org.assertj.core.api.Assertions.assertThat;

import io.tokenflow.core.store.Credential;
import io.tokenflow.core.store.CredentialStore;
import io.tokenflow.core.store.InMemoryCredentialStore;
import java.time.Duration;
import org.junit.jupiter.api.Test;
import reactor.blockhound.BlockingOperationError;
import reactor.core.publisher.Flux;
import reactor.core.publisher.Mono;
import reactor.core.scheduler.Schedulers;
import reactor.test.StepVerifier;

/** Proves BlockHound is really installed in this JVM: a blocking call reached through the library on a Reactor thread is caught. */
class BlockHoundTest {

    @Test
    void aBlockingCallOnAReactorThreadIsDetected() {
        StepVerifier.create(Mono.delay(Duration.ofMillis(1), Schedulers.parallel()).doOnNext(tick -> sleep()))
                .expectError(BlockingOperationError.class)
                .verify(Duration.ofSeconds(5));
    }

    @Test
    void aStoreThatBlocksInsideARefreshIsCaught() {
        CredentialStore blocking = new CredentialStore() {
            private final InMemoryCredentialStore delegate = InMemoryCredentialStore.empty();

            @Override
            public Mono<Credential> load() {
                return Mono.delay(Duration.ofMillis(1), Schedulers.parallel()).then(Mono.fromRunnable(BlockHoundTest::sleep));
            }

            @Override
            public Mono<Void> save(Credential credential) {
                return delegate.save(credential);
            }

            @Override
            public Mono<Void> clear() {
                return delegate.clear();
            }

            @Override
            public Flux<Credential> changes() {
                return Flux.never();
            }

            @Override
            public Mono<RefreshLease> acquireRefreshLease() {
                return delegate.acquireRefreshLease();
            }

            @Override
            public String describe() {
                return "a store that blocks";
            }
        };
        FakeTokenEndpoint fake = new FakeTokenEndpoint(Schedulers.parallel(), Duration.ofHours(1));
        TokenService service = Services.on(fake, Schedulers.parallel()).credentialStore(blocking).build();
        try {
            StepVerifier.create(service.token())
                    .expectErrorSatisfies(e -> assertThat(e).isInstanceOf(TokenUnavailableException.class)
                            .rootCause().isInstanceOf(BlockingOperationError.class))
                    .verify(Duration.ofSeconds(5));
            assertThat(fake.requests()).isZero();
        } finally {
            service.dispose();
        }
    }

    private static void sleep() {
        try {
            Thread.sleep(1);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }
}
