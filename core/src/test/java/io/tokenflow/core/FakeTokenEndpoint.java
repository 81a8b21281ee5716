package io.tokenflow.core;

import io.tokenflow.core.store.Credential;
import java.net.URI;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.Set;
import java.util.concurrent.ConcurrentLinkedDeque;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.function.Function;
import org.jspecify.annotations.Nullable;
import reactor.core.publisher.Mono;
import reactor.core.scheduler.Scheduler;

/**
 * A recording fake of the wire for engine tests on virtual time: answers from a script (then a
 * fallback), counts requests, records when they were made and which refresh token each sent.
 * Tokens are {@code at-N}; refresh tokens {@code rt-N} (rotated on every success).
 */
final class FakeTokenEndpoint implements TokenEndpoint {

    static final URI ENDPOINT = URI.create("https://idp.test/oauth2/token");
    static final String CLIENT_ID = "fake-client";

    private final Scheduler clock;
    private final ConcurrentLinkedDeque<Function<@Nullable Credential, Mono<Credential>>> script = new ConcurrentLinkedDeque<>();
    private volatile Function<@Nullable Credential, Mono<Credential>> fallback;
    private final AtomicInteger requests = new AtomicInteger();
    private final AtomicInteger serial = new AtomicInteger();
    private final List<Instant> requestTimes = Collections.synchronizedList(new ArrayList<>());
    private final List<String> refreshTokensSent = Collections.synchronizedList(new ArrayList<>());

    FakeTokenEndpoint(Scheduler clock, Duration lifetime) {
        this.clock = clock;
        this.fallback = ok(lifetime);
    }

    /** Answers the next requests with these, in order, then with the fallback. */
    @SafeVarargs
    final FakeTokenEndpoint then(Function<@Nullable Credential, Mono<Credential>>... answers) {
        script.addAll(List.of(answers));
        return this;
    }

    /** Answers every request not scripted with this. */
    FakeTokenEndpoint always(Function<@Nullable Credential, Mono<Credential>> answer) {
        script.clear();
        fallback = answer;
        return this;
    }

    int requests() {
        return requests.get();
    }

    List<Instant> requestTimes() {
        synchronized (requestTimes) {
            return List.copyOf(requestTimes);
        }
    }

    List<String> refreshTokensSent() {
        synchronized (refreshTokensSent) {
            return List.copyOf(refreshTokensSent);
        }
    }

    @Override
    public Mono<Credential> fetch(@Nullable Credential current) {
        return Mono.defer(() -> {
            requests.incrementAndGet();
            requestTimes.add(now());
            if (current != null && current.refreshToken().isPresent()) {
                refreshTokensSent.add(current.refreshToken().get());
            }
            Function<@Nullable Credential, Mono<Credential>> answer = script.poll();
            return (answer != null ? answer : fallback).apply(current);
        });
    }

    /** Counted like any request; answered like one for a credential without a refresh token. */
    @Override
    public Mono<Credential> fetchWithOwnGrant(Credential current) {
        return fetch(current.toBuilder().refreshToken(null).build());
    }

    Function<@Nullable Credential, Mono<Credential>> ok(Duration lifetime) {
        return current -> Mono.fromSupplier(() -> credential(lifetime));
    }

    Function<@Nullable Credential, Mono<Credential>> okWithoutExpiry() {
        return current -> Mono.fromSupplier(() -> credential(null));
    }

    /** Answers after {@code delay} on the fake's clock. */
    Function<@Nullable Credential, Mono<Credential>> after(Duration delay, Function<@Nullable Credential, Mono<Credential>> answer) {
        return current -> Mono.delay(delay, clock).then(answer.apply(current));
    }

    static Function<@Nullable Credential, Mono<Credential>> fail(TokenFailure failure) {
        return current -> Mono.error(TokenEndpointException.of(failure, ENDPOINT, CLIENT_ID, null));
    }

    static Function<@Nullable Credential, Mono<Credential>> unavailable503() {
        return fail(TokenFailure.answer(FailureKind.TRANSIENT, 503, null, null, "HTTP 503 without an OAuth error"));
    }

    static Function<@Nullable Credential, Mono<Credential>> rateLimited(Duration retryAfter) {
        return fail(TokenFailure.answer(FailureKind.TRANSIENT, 429, null, retryAfter, "HTTP 429"));
    }

    static Function<@Nullable Credential, Mono<Credential>> permanent(String oauthError) {
        return fail(TokenFailure.answer(FailureKind.PERMANENT, 400, oauthError, null, "HTTP 400 " + oauthError));
    }

    private Credential credential(@Nullable Duration lifetime) {
        int n = serial.incrementAndGet();
        Instant now = now();
        return Credential.builder()
                .accessToken(AccessToken.of("at-" + n, "Bearer", lifetime == null ? null : now.plus(lifetime), Set.of()))
                .refreshToken("rt-" + n)
                .issuedAt(now)
                .build();
    }

    private Instant now() {
        return Instant.ofEpochMilli(clock.now(TimeUnit.MILLISECONDS));
    }

    @Override
    public URI endpoint() {
        return ENDPOINT;
    }

    @Override
    public String clientId() {
        return CLIENT_ID;
    }

    /** As the confidential client of {@link Services#on}: it has {@code client_credentials}. */
    @Override
    public boolean hasOwnGrant() {
        return true;
    }

    @Override
    public void dispose() {
    }
}
