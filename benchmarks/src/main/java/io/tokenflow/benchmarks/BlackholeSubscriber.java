package io.tokenflow.benchmarks;

import org.jspecify.annotations.Nullable;
import org.openjdk.jmh.infra.Blackhole;
import org.reactivestreams.Subscription;
import reactor.core.CoreSubscriber;

/**
 * Subscribes to a {@code Mono} that completes on the subscribing thread and hands its value to a
 * {@link Blackhole}, without allocating: the same instance is reused for every operation of one
 * benchmark thread, so that only the code under test allocates.
 *
 * <p>{@link #run} fails the benchmark when the {@code Mono} did not complete synchronously or
 * signalled an error: a benchmark of the cached path must never measure anything else.
 */
final class BlackholeSubscriber<T> implements CoreSubscriber<T> {

    private final Blackhole blackhole;
    private boolean done;
    private @Nullable Throwable error;

    BlackholeSubscriber(Blackhole blackhole) {
        this.blackhole = blackhole;
    }

    /** Subscribes and checks that the value (or completion) arrived before returning. */
    void run(reactor.core.publisher.Mono<? extends T> mono) {
        done = false;
        mono.subscribe(this);
        if (!done) {
            throw new IllegalStateException("the Mono did not complete on the subscribing thread: not the cached path");
        }
        if (error != null) {
            Throwable e = error;
            error = null;
            throw new IllegalStateException("the Mono failed", e);
        }
    }

    @Override
    public void onSubscribe(Subscription s) {
        s.request(Long.MAX_VALUE);
    }

    @Override
    public void onNext(T value) {
        blackhole.consume(value);
    }

    @Override
    public void onError(Throwable t) {
        error = t;
        done = true;
    }

    @Override
    public void onComplete() {
        done = true;
    }
}
