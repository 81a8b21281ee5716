package io.tokenflow.core;

import java.time.Duration;
import org.jspecify.annotations.Nullable;
import reactor.core.CoreSubscriber;
import reactor.core.publisher.Mono;
import reactor.core.scheduler.Schedulers;

/**
 * What callers get when they must wait for a token (a refresh in flight, the first fetch): the
 * same as {@code source}, but {@link #block()} on a non-blocking thread (an event loop, a
 * {@code parallel} worker) fails at once with advice instead of Reactor's bare
 * "block() ... not supported". While a token is held, {@code token()} hands out a completed
 * {@code Mono} that {@code block()} returns at once anywhere, which is why such code seems to work
 * until a cold start or a refresh: this says what to do instead.
 */
final class WaitingToken extends Mono<AccessToken> {

    private final Mono<AccessToken> source;
    private final ServiceLog service;

    /** @param service the service's log, whose {@link ServiceLog#name()} names it in the message */
    WaitingToken(Mono<AccessToken> source, ServiceLog service) {
        this.source = source;
        this.service = service;
    }

    @Override
    public void subscribe(CoreSubscriber<? super AccessToken> actual) {
        source.subscribe(actual);
    }

    @Override
    public @Nullable AccessToken block() {
        refuseOnNonBlockingThread();
        return super.block();
    }

    @Override
    public @Nullable AccessToken block(Duration timeout) {
        refuseOnNonBlockingThread();
        return super.block(timeout);
    }

    private void refuseOnNonBlockingThread() {
        if (Schedulers.isInNonBlockingThread()) {
            throw new IllegalStateException("block() on a token of " + service.name() + " on thread " + Thread.currentThread().getName()
                    + ", which must not block: no token could be handed out at once (one is being fetched), so block() would "
                    + "wait for the token endpoint on that thread. Chain the call instead (token().flatMap(token -> ...)), "
                    + "let TokenExchangeFilter or ReactorNettyTokens add the token, or block only on a thread that may wait "
                    + "(main, Schedulers.boundedElastic()). It seemed to work before only because a held token is handed "
                    + "out without waiting.");
        }
    }
}
