package io.tokenflow.test;

import java.time.Duration;
import java.util.Objects;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.locks.LockSupport;
import java.util.function.BooleanSupplier;
import reactor.core.scheduler.Schedulers;

/**
 * Bounded waits for a condition that becomes true on another thread: every wait ends, and one that
 * times out fails with a message saying what did not happen. For what a test can subscribe to (a
 * {@code Mono}, a replaying {@code Flux}), prefer {@code block(Duration)} or {@code StepVerifier};
 * this is for state that can only be looked at.
 *
 * <pre>{@code
 * Await.until("the service is RUNNING", () -> service.state().status() == Status.RUNNING);
 * }</pre>
 *
 * <p>The condition is evaluated on the calling thread, first at once and then every
 * {@value #POLL_MILLIS} ms (parking the thread in between), so it may block. Call from a thread
 * that may block (a test thread), never from an event loop or another non-blocking thread.
 */
public final class Await {

    /** The wait of {@link #until(String, BooleanSupplier)}: 10 s, long enough for a busy CI machine. */
    public static final Duration DEFAULT_TIMEOUT = Duration.ofSeconds(10);

    /** How often the condition is looked at (resolution: ms). */
    public static final long POLL_MILLIS = 5;

    private Await() {
    }

    /**
     * {@link #until(Duration, String, BooleanSupplier)} within {@link #DEFAULT_TIMEOUT}.
     *
     * @throws AssertionError if {@code condition} does not hold within 10 s
     */
    public static Duration until(String what, BooleanSupplier condition) {
        return until(DEFAULT_TIMEOUT, what, condition);
    }

    /**
     * Waits until {@code condition} holds, at most {@code within}.
     *
     * @param what what the condition means, for the failure message
     * @return how long it took (zero if it held at once)
     * @throws AssertionError naming {@code what} if it does not hold within {@code within}; an
     *     exception the condition throws is passed on at once
     * @throws IllegalStateException if called on a non-blocking thread (an event loop, a
     *     {@code Schedulers.parallel()} worker)
     */
    public static Duration until(Duration within, String what, BooleanSupplier condition) {
        Objects.requireNonNull(within, "within");
        Objects.requireNonNull(what, "what");
        if (Schedulers.isInNonBlockingThread()) {
            throw new IllegalStateException("Await.until blocks; it was called on the non-blocking thread "
                    + Thread.currentThread().getName());
        }
        if (condition.getAsBoolean()) {
            return Duration.ZERO;
        }
        long start = System.nanoTime();
        long deadline = start + within.toNanos();
        while (!condition.getAsBoolean()) {
            if (System.nanoTime() - deadline > 0) {
                throw new AssertionError("not within " + within + ": " + what);
            }
            LockSupport.parkNanos(TimeUnit.MILLISECONDS.toNanos(POLL_MILLIS));
        }
        return Duration.ofNanos(System.nanoTime() - start);
    }
}
