package io.tokenflow.test;

import java.time.Duration;
import java.util.concurrent.atomic.AtomicReference;
import reactor.core.publisher.Mono;
import reactor.core.publisher.Sinks;

/**
 * One token request an {@link EmbeddedAuthorizationServer} keeps waiting until the test lets it go:
 * {@link EmbeddedAuthorizationServer#holdNextRequest()}, {@link
 * EmbeddedAuthorizationServer#holdBeforeRotate()} or {@link EmbeddedAuthorizationServer#holdAfterRotate()}.
 * Each hold catches one request, the first to reach it after it was made.
 *
 * <pre>{@code
 * RequestHold hold = server.holdBeforeRotate();
 * // ... a client sends its refresh request
 * hold.awaitHeld(Duration.ofSeconds(5));   // the request is in, nothing rotated yet
 * // ... kill the client, or let another one race it
 * hold.release();
 * }</pre>
 *
 * <p>The wait is a Reactor sink, not a thread: any number of requests may be held at once and the
 * server's event loops keep serving. If the held request's connection closes before
 * {@link #release()} (its client gave up or died), the request is {@linkplain #isAborted() aborted}:
 * nothing more is done with it (before a rotation: nothing rotates; after one: the answer is lost).
 * Closing the server aborts held requests too.
 *
 * <p>Thread-safe. {@link #awaitHeld(Duration)} blocks the calling thread; every other method is
 * non-blocking.
 */
public final class RequestHold {

    private enum State { WAITING, HELD, RELEASED, ABORTED }

    private final String point;
    private final AtomicReference<State> state = new AtomicReference<>(State.WAITING);
    private final Sinks.Empty<Void> reached = Sinks.empty();
    private final Sinks.Empty<Void> released = Sinks.empty();

    RequestHold(String point) {
        this.point = point;
    }

    /**
     * Waits until a request has reached this hold (it may have been released since), at most
     * {@code within}. Blocks the calling thread: call it from a test thread, never from an event
     * loop or another non-blocking thread.
     *
     * @throws AssertionError if no request reached the hold within {@code within}
     */
    public void awaitHeld(Duration within) {
        try {
            reached.asMono().block(within);
        } catch (IllegalStateException timeout) {
            throw new AssertionError("no token request reached the hold " + point + " within " + within, timeout);
        }
    }

    /** True while a request waits at this hold: it has reached it, and is neither released nor aborted. */
    public boolean isHeld() {
        return state.get() == State.HELD;
    }

    /**
     * Lets the held request go on; if none has reached the hold yet, the first to reach it passes
     * without waiting. Idempotent; does nothing once the request is aborted.
     */
    public void release() {
        if (state.getAndUpdate(s -> s == State.ABORTED ? s : State.RELEASED) != State.ABORTED) {
            released.tryEmitEmpty();
        }
    }

    /** True if the held request's connection closed before {@link #release()}: it was dropped. */
    public boolean isAborted() {
        return state.get() == State.ABORTED;
    }

    /**
     * Holds one request: emits true once released, false if {@code closed} (the request's
     * connection closing) completes first, or nothing if cancelled (the request is aborted then too).
     */
    Mono<Boolean> hold(Mono<Void> closed) {
        return Mono.defer(() -> {
            state.compareAndSet(State.WAITING, State.HELD);
            reached.tryEmitEmpty();
            return Mono.firstWithSignal(released.asMono().thenReturn(true), closed.thenReturn(false));
        }).doOnNext(release -> {
            if (!release) {
                abort();
            }
        }).doOnCancel(this::abort);
    }

    private void abort() {
        state.compareAndSet(State.HELD, State.ABORTED);
    }

    /** Where it holds, and its state. */
    @Override
    public String toString() {
        return "RequestHold[" + point + ", " + state.get() + "]";
    }
}
