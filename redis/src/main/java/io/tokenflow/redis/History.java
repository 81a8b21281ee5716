package io.tokenflow.redis;

import java.util.concurrent.atomic.AtomicReference;
import org.jspecify.annotations.Nullable;

/**
 * What one store has seen of its record: the newest generation of the newest epoch, from its reads
 * and its own writes. From it follow the record's disappearance (flushed, evicted, restarted
 * without persistence), an older generation resurfacing in the same epoch (a failover, a restore:
 * its refresh token may be used up), and whether the record is news to the change watch.
 */
final class History {

    /** A point of the record's history; {@code hadRefreshToken} of the record seen there. */
    record Seen(String epoch, long gen, boolean hadRefreshToken) {
    }

    private final AtomicReference<@Nullable Seen> seen = new AtomicReference<>();

    /** Takes {@code record} in; returns whether it is newer than what was seen (another epoch, or a higher generation). */
    boolean observe(StoredRecord record) {
        String epoch = record.epoch();
        if (epoch == null) {
            return false;
        }
        return wrote(epoch, record.gen(), record.hasRefreshToken());
    }

    /** This store wrote generation {@code gen} of {@code epoch}; returns whether that was news. */
    boolean wrote(String epoch, long gen, boolean hadRefreshToken) {
        Seen now = new Seen(epoch, gen, hadRefreshToken);
        Seen before = seen.getAndUpdate(s -> s == null || !s.epoch().equals(epoch) || s.gen() < gen ? now : s);
        return before == null || !before.epoch().equals(epoch) || before.gen() < gen;
    }

    /** The newest point seen; null before the first. */
    @Nullable Seen last() {
        return seen.get();
    }

    /** Whether {@code record} is gone although a record was seen before. */
    boolean disappeared(StoredRecord record) {
        return record.absent() && seen.get() != null;
    }

    /** Whether {@code record} is an older generation of the epoch seen last. */
    boolean wentBack(StoredRecord record) {
        Seen s = seen.get();
        return s != null && record.epoch() != null && s.epoch().equals(record.epoch()) && record.gen() < s.gen();
    }

    /** Whether the newest record seen held a refresh token: one shared by every host, never to be renewed locally. */
    boolean sharesRefreshToken() {
        Seen s = seen.get();
        return s != null && s.hadRefreshToken();
    }
}
