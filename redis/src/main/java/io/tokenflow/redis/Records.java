package io.tokenflow.redis;

import io.tokenflow.core.AccessToken;
import io.tokenflow.core.CredentialBusyException;
import io.tokenflow.core.store.Credential;
import java.time.Duration;
import java.util.Set;
import java.util.concurrent.atomic.AtomicBoolean;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import reactor.core.publisher.Mono;

/**
 * Reading the credential: one {@code HGETALL}, the blob opened and parsed (the public credential
 * format), every read taken into the {@link History}. A record that disappeared, or one that went
 * back to an older generation, is refused (transient: held tokens are served, and no refresh token
 * is sent until someone writes the credential again).
 */
final class Records {

    private static final Logger log = LoggerFactory.getLogger(RedisCredentialStore.class);

    static {
        // Jackson builds its deserializers under a lock on first use: once here, where the store is
        // built, rather than on an event loop where two first reads would park on it.
        Credential.fromJson(Credential.builder().accessToken(AccessToken.of("warm-up", "Bearer", null, Set.of())).build().toJson());
    }

    private final Connections connections;
    private final Keys keys;
    private final BlobCipher cipher;
    private final History history;
    private final String describe;
    private final Duration commandTimeout;
    private final AtomicBoolean reportedLoss = new AtomicBoolean();

    Records(Connections connections, Keys keys, BlobCipher cipher, History history, String describe, Duration commandTimeout) {
        this.connections = connections;
        this.keys = keys;
        this.cipher = cipher;
        this.history = history;
        this.describe = describe;
        this.commandTimeout = commandTimeout;
    }

    /** The record as it is now (never empty: {@link StoredRecord#ABSENT} without one); not yet taken into the history. */
    Mono<StoredRecord> read() {
        return connections.redis()
                .flatMap(redis -> redis.hgetall(keys.cred()).collectList())
                .timeout(commandTimeout)
                .map(StoredRecord::of);
    }

    /**
     * {@link io.tokenflow.core.store.CredentialStore#load()}: the stored credential, empty when none
     * is stored. While Redis is unreachable: an error if the credential seen last shares a refresh
     * token (the engine then serves its held token and sends nothing); otherwise empty, so that a
     * grant without refresh token (client_credentials) renews locally, the store being its cache.
     */
    Mono<Credential> load() {
        return read()
                .onErrorResume(Failures::unreachable, e -> history.sharesRefreshToken()
                        ? Mono.error(Failures.unreachable(describe, "read the credential", e)) : Mono.empty())
                .flatMap(record -> {
                    refuseLost(record);
                    history.observe(record);
                    return Mono.justOrEmpty(record.holdsCredential() ? decode(record) : null);
                });
    }

    /**
     * Throws when {@code record} is gone although one was seen, or is older than one seen: its
     * refresh token must not be sent (another host may hold a newer generation, or it is used up).
     */
    void refuseLost(StoredRecord record) {
        History.Seen seen = history.last();
        if (seen == null) {
            return;
        }
        String why = null;
        if (history.disappeared(record)) {
            why = "the credential disappeared (generation " + seen.gen() + " was seen): flushed, evicted or restarted "
                    + "without persistence? Write it again; until then held tokens are served and no refresh token is sent";
        } else if (history.wentBack(record)) {
            why = "the credential went back from generation " + seen.gen() + " to " + record.gen() + " (an older copy: "
                    + "failover or restore): its refresh token may be used up and is not sent; clear and write it again";
        }
        if (why != null) {
            if (reportedLoss.compareAndSet(false, true)) {
                log.error("{}: {}", describe, why);
            }
            throw CredentialBusyException.unavailable(describe, why);
        } else {
            reportedLoss.set(false);
        }
    }

    /**
     * The credential of {@code record}, which holds one.
     *
     * @throws IllegalStateException naming the store and generation when it cannot be opened or parsed
     */
    Credential decode(StoredRecord record) {
        String where = describe + " (generation " + record.gen() + ")";
        byte[] json = cipher.open(record.blob(), record.keyId(), keys.aad(java.util.Objects.requireNonNull(record.epoch()),
                record.gen()), where);
        try {
            return Credential.fromJson(json);
        } catch (IllegalArgumentException e) {
            throw new IllegalStateException("the credential in " + where + " cannot be read: " + e.getMessage(), null);
        }
    }
}
