package io.tokenflow.core;

import static org.assertj.core.api.Assertions.assertThat;

import io.tokenflow.core.WorkloadState.Status;
import io.tokenflow.core.store.Credential;
import io.tokenflow.core.store.CredentialStore;
import io.tokenflow.core.store.InMemoryCredentialStore;
import io.tokenflow.test.EmbeddedAuthorizationServer;
import java.time.Duration;
import java.util.List;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import reactor.core.publisher.Flux;
import reactor.core.publisher.Mono;
import reactor.core.scheduler.Schedulers;
import reactor.test.StepVerifier;

/**
 * Services sharing one {@link InMemoryCredentialStore} take turns with its lease: a rotating
 * refresh token is presented once, against a server that revokes the family on any reuse.
 */
class SharedMemoryStoreTest {

    private static final Duration WAIT = Duration.ofSeconds(10);
    private final EmbeddedAuthorizationServer idp = EmbeddedAuthorizationServer.builder().publicClient("shared-client").start();

    @AfterEach
    void stop() {
        idp.close();
    }

    @Test
    void twoServicesOnOneStoreRefreshingAtOnceNeverPresentARefreshTokenTwice() {
        InMemoryCredentialStore store = InMemoryCredentialStore.of(Credential.builder()
                .refreshToken(idp.issueRefreshToken("shared-client")).build());
        TokenService a = service(store);
        TokenService b = service(store);
        try {
            for (int round = 0; round < 100; round++) {
                List<String> tokens = Flux.merge(
                                Mono.defer(a::refresh).subscribeOn(Schedulers.parallel()),
                                Mono.defer(b::refresh).subscribeOn(Schedulers.parallel()))
                        .map(AccessToken::value).collectList().block(WAIT);
                assertThat(tokens).as("round %d", round).hasSize(2);
            }
            assertThat(idp.reuseDetections()).as("reuse detections").isZero();
            assertThat(idp.invalidGrants()).as("invalid_grant answers").isZero();
            assertThat(idp.presentedRefreshTokens()).as("each refresh token presented once").doesNotHaveDuplicates();
            assertThat(a.state().status()).isEqualTo(Status.RUNNING);
            assertThat(b.state().status()).isEqualTo(Status.RUNNING);
        } finally {
            a.dispose();
            b.dispose();
        }
    }

    @Test
    void aWaiterThatGivesUpLeavesTheQueueAndTheNextOneGetsTheLease() {
        InMemoryCredentialStore store = InMemoryCredentialStore.empty();
        CredentialStore.RefreshLease held = store.acquireRefreshLease().block(WAIT);

        StepVerifier.create(store.acquireRefreshLease()).expectSubscription().thenCancel().verify(WAIT);
        Mono<CredentialStore.RefreshLease> next = store.acquireRefreshLease();
        StepVerifier.create(next).expectSubscription().then(() -> held.release().block(WAIT))
                .assertNext(lease -> assertThat(lease).isNotNull()).verifyComplete();
    }

    private TokenService service(InMemoryCredentialStore store) {
        return TokenService.builder().tokenEndpoint(idp.tokenEndpoint()).clientId("shared-client").credentialStore(store).build();
    }
}
