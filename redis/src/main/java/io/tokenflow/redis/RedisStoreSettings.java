package io.tokenflow.redis;

import java.time.Duration;
import java.util.Map;
import java.util.Objects;
import java.util.regex.Pattern;
import javax.crypto.SecretKey;
import org.jspecify.annotations.Nullable;

/**
 * Everything a {@link RedisCredentialStore} is built from, validated as it is set. The builder
 * replaces it through {@code withX}; {@link #validated()} checks what only the whole can tell
 * (a name, and encryption chosen one way or the other).
 *
 * @param name the credential's name, part of every key ({@code [A-Za-z0-9._-]{1,64}}); empty until set
 * @param keyPrefix what every key starts with (default {@code tokenflow:})
 * @param leaseTtl how long a refresh lease lives in Redis without renewal; renewed every third of it
 * @param orphanTimeout how old a claim must be before another holder may take it over; at least twice {@code leaseTtl}
 * @param writeLockWait the longest wait for the lease (a refresh, a save, a clear)
 * @param pollInterval how often {@code changes()} reads the generation besides pub/sub
 * @param commandTimeout the longest wait for one Redis command
 * @param keys the keyring, by key id; null for plaintext or not chosen yet
 * @param activeKeyId the key new saves encrypt with; null without a keyring
 * @param plaintext whether {@code plaintext()} was chosen
 */
record RedisStoreSettings(String name, String keyPrefix, Duration leaseTtl, Duration orphanTimeout, Duration writeLockWait,
                          Duration pollInterval, Duration commandTimeout, @Nullable Map<String, SecretKey> keys,
                          @Nullable String activeKeyId, boolean plaintext) {

    static final Pattern NAME = Pattern.compile("[A-Za-z0-9._-]{1,64}");
    static final Pattern KEY_ID = NAME;
    private static final Pattern PREFIX = Pattern.compile("[A-Za-z0-9._:-]{0,64}");

    static final Duration DEFAULT_LEASE_TTL = Duration.ofSeconds(30);
    static final Duration DEFAULT_ORPHAN_TIMEOUT = Duration.ofMinutes(2);
    static final Duration DEFAULT_WRITE_LOCK_WAIT = Duration.ofSeconds(35);
    static final Duration DEFAULT_POLL_INTERVAL = Duration.ofSeconds(2);
    static final Duration DEFAULT_COMMAND_TIMEOUT = Duration.ofSeconds(2);

    RedisStoreSettings {
        Objects.requireNonNull(name, "name");
        Objects.requireNonNull(keyPrefix, "keyPrefix");
        positive(leaseTtl, "leaseTtl", Duration.ofMillis(300));
        positive(orphanTimeout, "orphanTimeout", Duration.ofMillis(300));
        Objects.requireNonNull(writeLockWait, "writeLockWait");
        if (writeLockWait.isNegative()) {
            throw new IllegalArgumentException("writeLockWait must not be negative, was " + writeLockWait);
        }
        positive(pollInterval, "pollInterval", Duration.ofMillis(10));
        positive(commandTimeout, "commandTimeout", Duration.ofMillis(10));
        if (!name.isEmpty() && !NAME.matcher(name).matches()) {
            throw new IllegalArgumentException("name must match [A-Za-z0-9._-]{1,64}, was '" + name + "'");
        }
        if (!PREFIX.matcher(keyPrefix).matches()) {
            throw new IllegalArgumentException("keyPrefix must match [A-Za-z0-9._:-]{0,64}, was '" + keyPrefix + "'");
        }
        if (keys != null) {
            keys = Map.copyOf(keys);
        }
    }

    static RedisStoreSettings defaults() {
        return new RedisStoreSettings("", "tokenflow:", DEFAULT_LEASE_TTL, DEFAULT_ORPHAN_TIMEOUT, DEFAULT_WRITE_LOCK_WAIT,
                DEFAULT_POLL_INTERVAL, DEFAULT_COMMAND_TIMEOUT, null, null, false);
    }

    private static void positive(Duration value, String what, Duration least) {
        Objects.requireNonNull(value, what);
        if (value.compareTo(least) < 0) {
            throw new IllegalArgumentException(what + " must be at least " + least.toMillis() + " ms, was " + value);
        }
    }

    RedisStoreSettings withName(String name) {
        Objects.requireNonNull(name, "name");
        if (!NAME.matcher(name).matches()) {
            throw new IllegalArgumentException("name must match [A-Za-z0-9._-]{1,64}, was '" + name + "'");
        }
        return new RedisStoreSettings(name, keyPrefix, leaseTtl, orphanTimeout, writeLockWait, pollInterval, commandTimeout,
                keys, activeKeyId, plaintext);
    }

    RedisStoreSettings withKeyPrefix(String keyPrefix) {
        return new RedisStoreSettings(name, keyPrefix, leaseTtl, orphanTimeout, writeLockWait, pollInterval, commandTimeout,
                keys, activeKeyId, plaintext);
    }

    RedisStoreSettings withLeaseTtl(Duration leaseTtl) {
        return new RedisStoreSettings(name, keyPrefix, leaseTtl, orphanTimeout, writeLockWait, pollInterval, commandTimeout,
                keys, activeKeyId, plaintext);
    }

    RedisStoreSettings withOrphanTimeout(Duration orphanTimeout) {
        return new RedisStoreSettings(name, keyPrefix, leaseTtl, orphanTimeout, writeLockWait, pollInterval, commandTimeout,
                keys, activeKeyId, plaintext);
    }

    RedisStoreSettings withWriteLockWait(Duration writeLockWait) {
        return new RedisStoreSettings(name, keyPrefix, leaseTtl, orphanTimeout, writeLockWait, pollInterval, commandTimeout,
                keys, activeKeyId, plaintext);
    }

    RedisStoreSettings withPollInterval(Duration pollInterval) {
        return new RedisStoreSettings(name, keyPrefix, leaseTtl, orphanTimeout, writeLockWait, pollInterval, commandTimeout,
                keys, activeKeyId, plaintext);
    }

    RedisStoreSettings withCommandTimeout(Duration commandTimeout) {
        return new RedisStoreSettings(name, keyPrefix, leaseTtl, orphanTimeout, writeLockWait, pollInterval, commandTimeout,
                keys, activeKeyId, plaintext);
    }

    /** AES-256 keys by id (each {@code [A-Za-z0-9._-]{1,64}}, a name, not a secret); {@code activeKeyId} among them. */
    RedisStoreSettings withKeyring(Map<String, SecretKey> keys, String activeKeyId) {
        Objects.requireNonNull(keys, "keys");
        Objects.requireNonNull(activeKeyId, "activeKeyId");
        if (keys.isEmpty()) {
            throw new IllegalArgumentException("the keyring is empty");
        }
        keys.forEach((id, key) -> {
            if (!KEY_ID.matcher(id).matches()) {
                throw new IllegalArgumentException("key id must match [A-Za-z0-9._-]{1,64}, was '" + id + "'");
            }
            Objects.requireNonNull(key, "key " + id);
            byte[] encoded = key.getEncoded();
            if (!"AES".equalsIgnoreCase(key.getAlgorithm()) || encoded == null || encoded.length != 32) {
                throw new IllegalArgumentException("key " + id + " must be a 256-bit AES key (algorithm " + key.getAlgorithm()
                        + ", " + (encoded == null ? "no encoding" : encoded.length * 8 + " bits") + ")");
            }
        });
        if (!keys.containsKey(activeKeyId)) {
            throw new IllegalArgumentException("the active key id '" + activeKeyId + "' is not in the keyring " + keys.keySet());
        }
        return new RedisStoreSettings(name, keyPrefix, leaseTtl, orphanTimeout, writeLockWait, pollInterval, commandTimeout,
                keys, activeKeyId, false);
    }

    RedisStoreSettings withPlaintext() {
        return new RedisStoreSettings(name, keyPrefix, leaseTtl, orphanTimeout, writeLockWait, pollInterval, commandTimeout,
                null, null, true);
    }

    /**
     * This, when it can be built.
     *
     * @throws IllegalStateException without a name, without a keyring or {@code plaintext()}, or
     *     with timings that do not fit (an orphan timeout under twice the lease, a command timeout
     *     longer than a third of the lease, which is the renewal period)
     */
    RedisStoreSettings validated() {
        if (name.isEmpty()) {
            throw new IllegalStateException("RedisCredentialStore needs a name(..): the credential's name in Redis");
        }
        if (keys == null && !plaintext) {
            throw new IllegalStateException("RedisCredentialStore needs keyring(keys, activeKeyId) to encrypt the credential "
                    + "at rest, or plaintext() to store it unencrypted on purpose");
        }
        if (orphanTimeout.compareTo(leaseTtl.multipliedBy(2)) < 0) {
            throw new IllegalStateException("orphanTimeout (" + orphanTimeout + ") must be at least twice leaseTtl (" + leaseTtl
                    + "): a claim must outlive a whole token request (leaseTtl covers one, at least 1.5 times the request "
                    + "cut) and the retried save of its answer, or another host takes it over and sends a used refresh token");
        }
        if (commandTimeout.multipliedBy(3).compareTo(leaseTtl) > 0) {
            throw new IllegalStateException("commandTimeout (" + commandTimeout + ") must be at most a third of leaseTtl ("
                    + leaseTtl + "), the renewal period");
        }
        return this;
    }

    @Override
    public String toString() {
        return "RedisStoreSettings[name=" + name + ", keyPrefix=" + keyPrefix + ", leaseTtl=" + leaseTtl + ", orphanTimeout="
                + orphanTimeout + ", writeLockWait=" + writeLockWait + ", pollInterval=" + pollInterval + ", commandTimeout="
                + commandTimeout + ", " + (plaintext ? "plaintext" : keys == null ? "no encryption chosen"
                : "keyring " + keys.keySet() + " active " + activeKeyId) + "]";
    }
}
