package io.tokenflow.core;

import io.tokenflow.core.TokenEvent.RequestFinished;
import io.tokenflow.core.TokenEvent.RequestStarted;
import io.tokenflow.core.store.Credential;
import java.time.Duration;
import java.time.Instant;
import java.util.Optional;
import java.util.OptionalInt;
import java.util.concurrent.TimeUnit;
import java.util.function.Supplier;
import java.util.function.UnaryOperator;
import org.jspecify.annotations.Nullable;
import reactor.core.publisher.Mono;
import reactor.core.scheduler.Scheduler;

/**
 * Every token request as events: a {@link RequestStarted} and a {@link RequestFinished} on the
 * service's {@link EventFeed}, timed on the service's clock, each failure with its remediation
 * hint. A request cancelled (the service stopping) does not finish. The refresh cycle sends its
 * requests through here; the hot path of {@code token()} never does. Stateless.
 */
final class RequestEvents {

    /** The status of every token: {@link AnswerParser} takes a token from a 200 answer only. */
    private static final OptionalInt TOKEN_STATUS = OptionalInt.of(200);

    private RequestEvents() {
    }

    /**
     * {@code request}, published as it starts and finishes.
     *
     * @param grant the request's {@code grant_type}
     * @param remediated the failure with its hint attached, so that its event and the service's state carry the same one
     */
    static Mono<Credential> observed(EventFeed events, Scheduler clock, String grant, Supplier<Mono<Credential>> request,
                                     UnaryOperator<TokenEndpointException> remediated) {
        return Mono.defer(() -> {
            long start = clock.now(TimeUnit.NANOSECONDS);
            events.publish(new RequestStarted(instant(start), grant));
            return request.get()
                    .onErrorMap(TokenEndpointException.class, remediated)
                    .doOnSuccess(credential -> finished(events, clock, grant, start, null))
                    .doOnError(error -> finished(events, clock, grant, start, error));
        });
    }

    private static void finished(EventFeed events, Scheduler clock, String grant, long start, @Nullable Throwable error) {
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
