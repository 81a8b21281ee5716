package io.tokenflow.core;

import io.tokenflow.core.TokenEvent.RequestFinished;
import io.tokenflow.core.TokenEvent.RequestStarted;
import io.tokenflow.core.store.Credential;
import java.net.URI;
import java.time.Duration;
import java.time.Instant;
import java.util.Optional;
import java.util.OptionalInt;
import java.util.concurrent.TimeUnit;
import java.util.function.Supplier;
import org.jspecify.annotations.Nullable;
import reactor.core.publisher.Mono;
import reactor.core.scheduler.Scheduler;

/**
 * The wire as the engine sees it: every token request of {@code wire} also published as a
 * {@link RequestStarted} and a {@link RequestFinished} on the service's {@link EventFeed}, timed
 * on the service's clock, each failure with its remediation hint. A request cancelled (the service
 * stopping) does not finish. Only the refresh path goes through here; the hot path of
 * {@code token()} never does.
 */
final class ObservedEndpoint implements TokenEndpoint {

    /** The status of every token: {@link AnswerParser} takes a token from a 200 answer only. */
    private static final OptionalInt TOKEN_STATUS = OptionalInt.of(200);

    private final TokenEndpoint wire;
    private final EventFeed events;
    private final Scheduler clock;
    private final Remediation remediation;

    /** @param remediation attaches the hint to each failure, so that its event and the service's state carry the same one */
    ObservedEndpoint(TokenEndpoint wire, EventFeed events, Scheduler clock, Remediation remediation) {
        this.wire = wire;
        this.events = events;
        this.clock = clock;
        this.remediation = remediation;
    }

    @Override
    public Mono<Credential> fetch(@Nullable Credential current) {
        return observed(wire.grantType(current), () -> wire.fetch(current));
    }

    @Override
    public Mono<Credential> fetchWithOwnGrant(Credential current) {
        return observed(wire.ownGrantType(), () -> wire.fetchWithOwnGrant(current));
    }

    @Override
    public String grantType(@Nullable Credential current) {
        return wire.grantType(current);
    }

    @Override
    public String ownGrantType() {
        return wire.ownGrantType();
    }

    @Override
    public boolean hasOwnGrant() {
        return wire.hasOwnGrant();
    }

    @Override
    public URI endpoint() {
        return wire.endpoint();
    }

    @Override
    public String clientId() {
        return wire.clientId();
    }

    @Override
    public void dispose() {
        wire.dispose();
    }

    private Mono<Credential> observed(String grant, Supplier<Mono<Credential>> request) {
        return Mono.defer(() -> {
            long start = clock.now(TimeUnit.NANOSECONDS);
            events.publish(new RequestStarted(instant(start), grant));
            return request.get()
                    .onErrorMap(TokenEndpointException.class, e -> e.failure().remediation().isPresent() ? e
                            : e.remediated(remediation.attachTo(e.failure())))
                    .doOnSuccess(credential -> finished(grant, start, null))
                    .doOnError(error -> finished(grant, start, error));
        });
    }

    private void finished(String grant, long start, @Nullable Throwable error) {
        long end = clock.now(TimeUnit.NANOSECONDS);
        Optional<TokenFailure> failure = error == null ? Optional.empty() : Optional.of(failureOf(error));
        OptionalInt status = failure.map(TokenFailure::httpStatus).orElse(TOKEN_STATUS);
        events.publish(new RequestFinished(instant(end), grant, status, Duration.ofNanos(Math.max(0, end - start)), failure));
    }

    /** The wire fails only with {@link TokenEndpointException}; anything else is named by its type, never its message. */
    private static TokenFailure failureOf(Throwable error) {
        if (error instanceof TokenEndpointException te) {
            return te.failure();
        }
        return TokenFailure.noAnswer(RefreshJob.isTransient(error) ? FailureKind.TRANSIENT : FailureKind.PERMANENT,
                "the token request failed: " + error.getClass().getName());
    }

    private static Instant instant(long epochNanos) {
        return Instant.ofEpochSecond(0, epochNanos);
    }
}
