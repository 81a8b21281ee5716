package io.tokenflow.core;

import java.time.Duration;

/**
 * How rejections of the held token by resource servers may drive refreshes. The first rejection
 * of a token refreshes at once (it may have been revoked). A token fetched because of a
 * rejection is not refreshed for another rejection within a pause: {@link #FIRST_PAUSE}, doubling
 * with each rejection-driven refresh while the rejections go on, up to {@link #MAX_PAUSE}; after
 * {@link #QUIET} without any rejection the pauses start over. So a resource server that rejects
 * every token (wrong audience or scope) costs one token request per pause, not one per call.
 * Immutable; pure.
 *
 * @param streak rejection-driven refreshes in a row (0: none yet)
 * @param pausedUntil epoch ms before which a rejection refreshes nothing
 * @param lastRejectionAt epoch ms of the last rejection, paused or not
 * @param warned whether the current pause has been reported
 */
record Rejections(int streak, long pausedUntil, long lastRejectionAt, boolean warned) {

    static final Duration FIRST_PAUSE = Duration.ofSeconds(30);
    static final Duration MAX_PAUSE = Duration.ofMinutes(10);
    /** A spell this long without a rejection starts the pauses over. */
    static final Duration QUIET = Duration.ofMinutes(10);

    static final Rejections NONE = new Rejections(0, Long.MIN_VALUE, Long.MIN_VALUE, false);

    /** Whether a rejection at {@code now} must not refresh. */
    boolean paused(long now) {
        return now < pausedUntil;
    }

    /** After a rejection at {@code now} that starts a refresh: the next, longer pause begins. */
    Rejections refreshing(long now) {
        boolean quiet = streak == 0 || now - lastRejectionAt >= QUIET.toMillis();
        int next = quiet ? 1 : streak + 1;
        long pause = FIRST_PAUSE.toMillis() << Math.min(next - 1, 20);
        return new Rejections(next, now + Math.min(pause, MAX_PAUSE.toMillis()), now, false);
    }

    /** After a rejection at {@code now} within the pause, reported once. */
    Rejections pausedRejection(long now) {
        return new Rejections(streak, pausedUntil, now, true);
    }
}
