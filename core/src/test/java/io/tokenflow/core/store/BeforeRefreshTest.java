package io.tokenflow.core.store;

import static org.assertj.core.api.Assertions.assertThat;

import io.tokenflow.core.CredentialBusyException;
import io.tokenflow.core.RetryPolicy;
import io.tokenflow.core.TokenService;
import io.tokenflow.core.WorkloadState.Status;
import io.tokenflow.test.Await;
import io.tokenflow.test.EmbeddedAuthorizationServer;
import io.tokenflow.test.RefreshTokenFamily;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.atomic.AtomicReference;
import java.util.function.Function;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import reactor.core.publisher.Flux;
import reactor.core.publisher.Mono;

/**
 * {@code RefreshLease.beforeRefresh(presenting)}: the engine calls it right before it presents a
 * refresh token to the token endpoint, and only then, so that a shared store can claim the
 * credential's generation there (tokenflow-redis). A refusal from it means nothing is sent.
 */
class BeforeRefreshTest {

    private static final Duration WAIT = Duration.ofSeconds(10);
    private static final String PUBLIC_CLIENT = "before-refresh-public";
    private static final String CONFIDENTIAL = "before-refresh-confidential";

    private final EmbeddedAuthorizationServer server = EmbeddedAuthorizationServer.builder()
            .publicClient(PUBLIC_CLIENT)
            .client(CONFIDENTIAL, "secret")
            .start();
    private final List<TokenService> services = new ArrayList<>();

    @AfterEach
    void tearDown() {
        services.forEach(TokenService::dispose);
        server.close();
    }

    @Test
    void theLeaseIsAskedRightBeforeTheRefreshTokenIsSentWithTheCredentialThatIsSent() {
        RefreshTokenFamily family = server.startFamily(PUBLIC_CLIENT);
        RecordingStore store = new RecordingStore(expired(family.currentRefreshToken()), lease -> Mono.empty());
        store.beforeSend = () -> server.tokenRequests();

        TokenService service = publicClient(store);
        String token = service.token().block(WAIT).value();

        assertThat(store.presented).as("refresh tokens the lease was told of").containsExactly(family.refreshTokens().get(0));
        assertThat(store.requestsWhenAsked).as("token requests made when the lease was asked").containsExactly(0);
        assertThat(server.presentedRefreshTokens()).containsExactly(family.refreshTokens().get(0));
        assertThat(token).isEqualTo(family.currentAccessToken().orElseThrow());
    }

    @Test
    void aRefusalFromTheLeaseSendsNothing() {
        RefreshTokenFamily family = server.startFamily(PUBLIC_CLIENT);
        RecordingStore store = new RecordingStore(expired(family.currentRefreshToken()),
                presenting -> Mono.error(CredentialBusyException.unavailable("recording store", "another host is presenting it")));

        TokenService service = publicClient(store);
        Await.until(WAIT, "the refresh fails", () -> service.state().status() == Status.AUTH_RETRYING);

        assertThat(store.presented).hasSize(1);
        assertThat(server.tokenRequests()).as("token requests").isZero();
        assertThat(service.state().lastFailure().orElseThrow().message()).contains("another host is presenting it");
    }

    @Test
    void aClientCredentialsRequestPresentsNoRefreshTokenSoTheLeaseIsNotAsked() {
        RecordingStore store = new RecordingStore(null, presenting -> Mono.error(new AssertionError("asked")));

        TokenService service = TokenService.builder()
                .tokenEndpoint(server.tokenEndpoint())
                .clientCredentials(CONFIDENTIAL, "secret")
                .credentialStore(store)
                .build();
        services.add(service);
        service.token().block(WAIT);

        assertThat(store.presented).isEmpty();
        assertThat(server.tokenRequests()).isEqualTo(1);
    }

    @Test
    void aTokenAdoptedFromTheStoreAsksNothing() {
        Credential valid = TestCredentials.generation(1);
        RecordingStore store = new RecordingStore(valid, presenting -> Mono.error(new AssertionError("asked")));

        TokenService service = publicClient(store);

        assertThat(service.token().block(WAIT).value()).isEqualTo("at-1");
        assertThat(store.presented).isEmpty();
        assertThat(server.tokenRequests()).isZero();
    }

    @Test
    void aRefreshTokenFoundAfterInvalidGrantIsAnnouncedBeforeItIsSentToo() {
        // The first is refused; meanwhile another process stored the second.
        String second = server.issueRefreshToken(PUBLIC_CLIENT);
        RecordingStore store = new RecordingStore(expired("rt-unknown-to-the-server"), presenting -> Mono.empty());
        store.afterFirstLoad = expired(second);

        TokenService service = publicClient(store);
        service.token().block(WAIT);

        assertThat(store.presented).containsExactly("rt-unknown-to-the-server", second);
        assertThat(server.presentedRefreshTokens()).containsExactly("rt-unknown-to-the-server", second);
    }

    private TokenService publicClient(CredentialStore store) {
        TokenService service = TokenService.builder()
                .tokenEndpoint(server.tokenEndpoint())
                .clientId(PUBLIC_CLIENT)
                .credentialStore(store)
                .retryPolicy(RetryPolicy.defaults().withMaxRetries(0))
                .build();
        services.add(service);
        return service;
    }

    private static Credential expired(String refreshToken) {
        return TestCredentials.withRefresh("at-old", refreshToken, Instant.now().minus(Duration.ofHours(1)));
    }

    /**
     * An in-memory store whose lease records what it is told before each refresh and answers as
     * {@code answer} says; {@code afterFirstLoad} replaces the credential once it was loaded twice
     * (the cycle's read and its read under the lease), as another process's write would.
     */
    private static final class RecordingStore implements CredentialStore {
        final List<String> presented = new CopyOnWriteArrayList<>();
        final List<Integer> requestsWhenAsked = new CopyOnWriteArrayList<>();
        final AtomicReference<Credential> current;
        final Function<Credential, Mono<Void>> answer;
        volatile java.util.function.IntSupplier beforeSend = () -> -1;
        volatile Credential afterFirstLoad;
        private int loads;

        RecordingStore(Credential initial, Function<Credential, Mono<Void>> answer) {
            this.current = new AtomicReference<>(initial);
            this.answer = answer;
        }

        @Override
        public Mono<Credential> load() {
            return Mono.fromSupplier(() -> {
                synchronized (this) {
                    loads++;
                    if (loads == 3 && afterFirstLoad != null) {
                        current.set(afterFirstLoad);
                    }
                }
                return current.get();
            });
        }

        @Override
        public Mono<Void> save(Credential credential) {
            return Mono.fromRunnable(() -> current.set(credential));
        }

        @Override
        public Mono<Void> clear() {
            return Mono.fromRunnable(() -> current.set(null));
        }

        @Override
        public Flux<Credential> changes() {
            return Flux.never();
        }

        @Override
        public Mono<RefreshLease> acquireRefreshLease() {
            return Mono.just(new RefreshLease() {
                @Override
                public Mono<Void> release() {
                    return Mono.empty();
                }

                @Override
                public Mono<Void> beforeRefresh(Credential presenting) {
                    return Mono.defer(() -> {
                        presented.add(presenting.refreshToken().orElse("none"));
                        requestsWhenAsked.add(beforeSend.getAsInt());
                        return answer.apply(presenting);
                    });
                }
            });
        }

        @Override
        public String describe() {
            return "recording store";
        }
    }
}
