package io.tokenflow.core.store;

import java.time.Duration;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.locks.LockSupport;
import java.util.function.BooleanSupplier;

/** Polls a condition until it holds or a deadline passes: a bounded wait without a fixed sleep. */
final class Eventually {

    private Eventually() {
    }

    /**
     * Returns how long it took for {@code condition} to hold; fails with {@code what} after {@code within}.
     * Call from a test thread only (it parks between looks).
     */
    static Duration await(Duration within, String what, BooleanSupplier condition) {
        long start = System.nanoTime();
        long deadline = start + within.toNanos();
        while (!condition.getAsBoolean()) {
            if (System.nanoTime() - deadline > 0) {
                throw new AssertionError("not within " + within + ": " + what);
            }
            LockSupport.parkNanos(TimeUnit.MILLISECONDS.toNanos(5));
        }
        return Duration.ofNanos(System.nanoTime() - start);
    }
}
