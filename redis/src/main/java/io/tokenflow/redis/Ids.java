package io.tokenflow.redis;

import java.security.NoSuchAlgorithmException;
import java.security.SecureRandom;
import java.util.HexFormat;
import java.util.concurrent.atomic.AtomicLong;
import org.jspecify.annotations.Nullable;
import reactor.core.publisher.Mono;
import reactor.core.scheduler.Schedulers;

/**
 * Random values of one store: GCM nonces, record epochs, lease owner tokens. They come from a
 * {@code DRBG} generator seeded once on {@code boundedElastic} ({@link #ready()}): seeding may
 * read the OS entropy source, a blocking file read; later draws are computation only, so they run
 * on an event loop (a default {@code SecureRandom} or {@code UUID.randomUUID()} would read
 * {@code /dev/urandom} there). An owner token is this store's random 128-bit id and a counter,
 * so taking a lease draws nothing.
 */
final class Ids {

    private volatile @Nullable SecureRandom random;
    private volatile @Nullable String instance;
    private final AtomicLong leases = new AtomicLong();
    private final Mono<Void> ready = Mono.fromRunnable(this::seed).subscribeOn(Schedulers.boundedElastic()).then().cache();

    /** Completes once the generator is seeded (at most once per store; cached). */
    Mono<Void> ready() {
        return random != null ? Mono.empty() : ready;
    }

    private synchronized void seed() {
        if (random != null) {
            return;
        }
        try {
            SecureRandom drbg = SecureRandom.getInstance("DRBG");
            byte[] id = new byte[16];
            drbg.nextBytes(id);
            instance = HexFormat.of().formatHex(id);
            random = drbg;
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException("DRBG SecureRandom is required (JDK 9+)", e);
        }
    }

    /** A new owner token for one lease: {@code <store id>:<n>}. After {@link #ready()}. */
    String nextOwner() {
        return seeded(instance) + ":" + leases.incrementAndGet();
    }

    /** A new record epoch: 64 random bits in hex. After {@link #ready()}. */
    String newEpoch() {
        byte[] epoch = new byte[8];
        seeded(random).nextBytes(epoch);
        return HexFormat.of().formatHex(epoch);
    }

    /** Fills {@code bytes} with random bits. After {@link #ready()}. */
    void nextBytes(byte[] bytes) {
        seeded(random).nextBytes(bytes);
    }

    private static <T> T seeded(@Nullable T value) {
        if (value == null) {
            throw new IllegalStateException("the store's random generator is used before it was seeded");
        }
        return value;
    }
}
