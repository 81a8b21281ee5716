package io.tokenflow.core;

import static org.assertj.core.api.Assertions.assertThat;

import io.tokenflow.core.store.Credential;
import java.io.PrintWriter;
import java.io.StringWriter;
import java.net.URI;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.atomic.AtomicReference;
import reactor.core.publisher.Mono;
import reactor.core.scheduler.Scheduler;
import reactor.netty.http.client.HttpClient;
import reactor.test.StepVerifier;

/**
 * Builds {@link TokenEndpointClient}s from {@link EndpointSettings}, as {@code TokenService.Builder.build()}
 * does, with short test timeouts, and disposes them. Holds the secrets the tests look for in messages.
 */
final class TokenEndpointClientFixture implements AutoCloseable {

    static final String CLIENT_ID = "classify-client";
    static final String CLIENT_SECRET = "cs-7Hq2-secret-Zx9w";
    static final String REFRESH_TOKEN = "rt-5f1c2d9e-old-refresh";
    static final String ACCESS_TOKEN = "at-91b7e3-access-value";
    static final String NEW_REFRESH_TOKEN = "rt-a07d44b2-new-refresh";

    /** Every secret a message must never contain. */
    static final List<String> SECRETS = List.of(CLIENT_SECRET, REFRESH_TOKEN, ACCESS_TOKEN, NEW_REFRESH_TOKEN);

    /** Longer than any fetch can take (twice the response timeout), so a fetch always ends inside it. */
    private static final Duration WAIT = Duration.ofSeconds(20);

    private final List<TokenEndpointClient> clients = new ArrayList<>();

    Options to(URI endpoint) {
        return new Options(endpoint);
    }

    Options to(String endpoint) {
        return to(URI.create(endpoint));
    }

    @Override
    public void close() {
        clients.forEach(TokenEndpointClient::dispose);
        clients.clear();
    }

    /** A credential holding only {@link #REFRESH_TOKEN}, so that a fetch uses the refresh_token grant. */
    static Credential refreshable() {
        return Credential.builder().refreshToken(REFRESH_TOKEN).build();
    }

    /** Waits (bounded) for the fetch to fail and returns its {@link TokenEndpointException}. */
    static TokenEndpointException failureOf(Mono<Credential> fetch) {
        AtomicReference<Throwable> error = new AtomicReference<>();
        StepVerifier.create(fetch).consumeErrorWith(error::set).verify(WAIT);
        assertThat(error.get()).isInstanceOf(TokenEndpointException.class);
        return (TokenEndpointException) error.get();
    }

    /** Waits (bounded) for the fetch to succeed and returns the credential. */
    static Credential successOf(Mono<Credential> fetch) {
        AtomicReference<Credential> credential = new AtomicReference<>();
        StepVerifier.create(fetch).consumeNextWith(credential::set).expectComplete().verify(WAIT);
        return credential.get();
    }

    /**
     * Asserts that no secret appears in the exception's message, its {@code toString}, its
     * failure's message and {@code toString}, nor anywhere in its printed stack trace (causes
     * included), in any letter case.
     */
    static void assertNoSecrets(TokenEndpointException e) {
        StringWriter trace = new StringWriter();
        e.printStackTrace(new PrintWriter(trace));
        List<String> texts = List.of(String.valueOf(e.getMessage()), e.toString(), e.failure().message(),
                e.failure().toString(), trace.toString());
        for (String text : texts) {
            for (String secret : SECRETS) {
                // In any case: a decoder may upper-case what it quotes.
                assertThat(text).as("a message or trace of %s", e.failure()).doesNotContainIgnoringCase(secret);
            }
        }
    }

    /** The settings that reach the client from {@code TokenService.Builder}, with test defaults. */
    final class Options {
        // Generous timeouts: the build machine is shared, and no test waits for them to pass.
        private EndpointSettings settings;

        private Options(URI endpoint) {
            this.settings = EndpointSettings.of(endpoint, new ClientAuth.SecretPost(CLIENT_ID, CLIENT_SECRET))
                    .withConnectTimeout(Duration.ofSeconds(5))
                    .withResponseTimeout(Duration.ofSeconds(5));
        }

        Options auth(ClientAuth auth) {
            settings = settings.withAuth(auth);
            return this;
        }

        Options scopes(String... scopes) {
            settings = settings.withScopes(scopes);
            return this;
        }

        Options parameters(Map<String, String> parameters) {
            parameters.forEach((name, value) -> settings = settings.withParameter(name, value));
            return this;
        }

        Options classifier(ErrorClassifier classifier) {
            settings = settings.withClassifier(classifier);
            return this;
        }

        Options maxResponseBytes(int maxResponseBytes) {
            settings = settings.withMaxResponseBytes(maxResponseBytes);
            return this;
        }

        Options responseTimeout(Duration responseTimeout) {
            settings = settings.withResponseTimeout(responseTimeout);
            return this;
        }

        Options clock(Scheduler clock) {
            settings = settings.withClock(clock);
            return this;
        }

        Options httpClient(HttpClient base) {
            settings = settings.withHttpClient(base);
            return this;
        }

        TokenEndpointClient build() {
            TokenEndpointClient client = new TokenEndpointClient(settings.validated());
            clients.add(client);
            return client;
        }
    }
}
