package io.tokenflow.core;

import static org.assertj.core.api.Assertions.assertThat;

import io.tokenflow.core.store.Credential;
import java.net.URI;
import java.time.Duration;
import java.time.Instant;
import java.util.Optional;
import java.util.Set;
import org.junit.jupiter.api.Test;

/** Tokens and secrets never appear in toString() or exception messages. */
class SecretsInTextTest {

    private static final String ACCESS = "eyJhbGciOiJSUzI1NiJ9.access-token-value";
    private static final String REFRESH = "refresh-token-value-0123456789";

    @Test
    void anAccessTokenDoesNotPrintItsValue() {
        AccessToken token = AccessToken.of(ACCESS, "Bearer", Instant.parse("2026-11-24T12:00:00Z"), Set.of("api.read"));

        assertThat(token.toString()).doesNotContain(ACCESS).contains("Bearer", "2026-11-24T12:00:00Z", "api.read");
        assertThat(token.value()).isEqualTo(ACCESS);
    }

    @Test
    void aCredentialPrintsNeitherToken() {
        Credential credential = Credential.builder()
                .accessToken(AccessToken.of(ACCESS, "Bearer", null, Set.of()))
                .refreshToken(REFRESH)
                .clientId("client")
                .build();

        assertThat(credential.toString()).doesNotContain(ACCESS).doesNotContain(REFRESH).contains("present");
    }

    @Test
    void exceptionsNameTheirSourceButNoSecret() {
        URI endpoint = URI.create("https://idp.example/oauth2/token");
        TokenFailure failure = TokenFailure.answer(FailureKind.PERMANENT, 400, "invalid_grant", null, "HTTP 400 invalid_grant");
        TokenEndpointException endpointException = TokenEndpointException.of(failure, endpoint, "client-7", null);
        WorkloadState state = new WorkloadState(WorkloadState.Status.UNAUTHENTICATED, Instant.EPOCH, Optional.empty(),
                Optional.of(failure), Optional.empty(), 1);
        TokenUnavailableException unavailable = TokenUnavailableException.of(state, Duration.ofSeconds(5), endpoint, "client-7",
                endpointException);

        for (Exception e : new Exception[] {endpointException, unavailable}) {
            assertThat(e.getMessage()).contains("https://idp.example/oauth2/token", "client-7", "invalid_grant")
                    .doesNotContain(ACCESS).doesNotContain(REFRESH);
        }
        assertThat(unavailable.getMessage()).contains("UNAUTHENTICATED", "next attempt in 5s").doesNotContain("PT5S");
    }

    @Test
    void aSharedUnavailableExceptionCannotAccumulateSuppressedExceptions() {
        WorkloadState state = new WorkloadState(WorkloadState.Status.AUTH_RETRYING, Instant.EPOCH, Optional.empty(),
                Optional.empty(), Optional.empty(), 0);
        TokenUnavailableException e = TokenUnavailableException.of(state, null, null, null, null);

        for (int i = 0; i < 1000; i++) {
            e.addSuppressed(new RuntimeException("#block terminated with an error"));
        }

        assertThat(e.getSuppressed()).isEmpty();
        assertThat(e.getStackTrace()).isEmpty();
    }

    @Test
    void failureMessagesDropControlCharactersAndAreCapped() {
        TokenFailure failure = TokenFailure.answer(FailureKind.TRANSIENT, 500, null, null, "line1\nline2\r" + "x".repeat(1000));

        assertThat(failure.message()).doesNotContain("\n", "\r").hasSizeLessThan(310);
    }
}
