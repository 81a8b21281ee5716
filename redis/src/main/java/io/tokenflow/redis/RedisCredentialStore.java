package io.tokenflow.redis;

import io.lettuce.core.RedisClient;
import io.lettuce.core.RedisURI;
import io.tokenflow.core.store.Credential;
import io.tokenflow.core.store.CredentialStore;
import java.time.Duration;
import java.util.Map;
import java.util.Objects;
import javax.crypto.SecretKey;
import reactor.core.publisher.Flux;
import reactor.core.publisher.Mono;
import reactor.core.publisher.Sinks;
import reactor.core.scheduler.Schedulers;

/**
 * One credential shared by many hosts, kept in Redis: the hosts of a service that share one client
 * registration with a rotating refresh token refresh it one at a time, and none ever sends a
 * refresh token that another already used (which an authorization server with reuse detection
 * answers by revoking the whole family, logging every host out).
 *
 * <pre>{@code
 * RedisCredentialStore store = RedisCredentialStore.builder(redisClient, RedisURI.create("rediss://redis.internal:6379"))
 *     .name("billing-api")
 *     .keyring(Map.of("k1", key), "k1")
 *     .build();
 * }</pre>
 *
 * <p><b>Protocol.</b> A refresh takes the lease (a key with a TTL, renewed while held), reads the
 * record and, right before the refresh token is sent ({@code RefreshLease.beforeRefresh}), claims
 * the record's generation: granted only to the lease holder, only while the record still holds
 * that refresh token, and only if no other claim on it is younger than {@code orphanTimeout}. The
 * new credential is saved on the claim (the generation moves on), accepted even if the lease lapsed
 * meanwhile. A host paused past its lease finds its claim refused and sends nothing; one that dies
 * after claiming holds the others back for {@code orphanTimeout}, then one takes the claim over.
 * Every write is a Lua script checked against the generation; nothing relies on the hosts' clocks.
 *
 * <p><b>At rest</b> the credential (the public JSON format, extensions kept) is sealed with
 * AES-256-GCM under the keyring's active key, with the key prefix, name, record epoch and generation
 * as associated data; any key of the keyring opens it, so keys rotate by adding a new active one.
 * {@link Builder#plaintext()} stores it unencrypted and must be chosen on purpose.
 *
 * <p><b>Redis down.</b> Held tokens are served; a refresh token is never sent without its claim, so
 * no host refreshes a shared rotating refresh token on its own; a grant without one
 * (client_credentials) renews locally. A record that disappeared (flushed, restarted without
 * persistence) or went back to an older generation is refused until someone writes the credential
 * again. See docs/operations.md for what Redis must be configured with.
 *
 * <p><b>Keys</b> ({@code {name}} is a hash tag, so they work on Redis Cluster):
 * {@code <prefix>{<name>}:cred} (a hash, never with a TTL), {@code :lease}, {@code :fence} and the
 * channel {@code :events}. {@code build()} does no I/O: the store connects on first use with
 * {@code connectAsync}/{@code connectPubSubAsync} on the given client, which it never shuts down;
 * {@link #close()} closes the store's two connections. Thread-safe. Operations complete on Lettuce's
 * threads and never block.
 */
public final class RedisCredentialStore implements CredentialStore, AutoCloseable {

    private final String describe;
    private final Connections connections;
    private final Records records;
    private final Leases leases;
    private final Writes writes;
    private final ChangeWatch watch;
    private final Sinks.Empty<Void> closed = Sinks.empty();

    private RedisCredentialStore(RedisClient client, RedisURI uri, RedisStoreSettings settings) {
        Keys keys = Keys.of(settings.keyPrefix(), settings.name());
        this.describe = describe(uri, settings.name());
        Ids ids = new Ids();
        this.connections = new Connections(client, uri, keys.events(), settings.commandTimeout(), ids);
        History history = new History();
        BlobCipher cipher = BlobCipher.of(settings, ids);
        this.records = new Records(connections, keys, cipher, history, describe, settings.commandTimeout());
        StoreContext context = new StoreContext(settings, keys, connections, ids, cipher, history, records, describe,
                writer(), Schedulers.parallel());
        this.leases = new Leases(context);
        this.writes = new Writes(context, leases);
        this.watch = new ChangeWatch(context, closed.asMono());
    }

    /**
     * Starts a store on {@code client} (owned by the caller: the store never shuts it down) and
     * {@code uri} ({@code redis://} or {@code rediss://}; its credentials, if any, never appear in
     * {@link #describe()}). Configure the client with {@code ClientOptions.disconnectedBehavior(REJECT_COMMANDS)}.
     */
    public static Builder builder(RedisClient client, RedisURI uri) {
        return new Builder(Objects.requireNonNull(client, "client"), Objects.requireNonNull(uri, "uri"));
    }

    /**
     * The stored credential; empty when none is stored. Errors: {@code IllegalStateException}
     * naming the store and generation when the record cannot be opened (a wrong key, altered or
     * copied) or read; {@link io.tokenflow.core.CredentialBusyException} when the record
     * disappeared or went back to an older generation, or when Redis is unreachable and the
     * credential seen last has a refresh token (without one the store is a cache: empty).
     */
    @Override
    public Mono<Credential> load() {
        return records.load();
    }

    /**
     * Writes {@code credential} as the next generation: under this store's refresh lease when it
     * holds one (on its claim after a refresh), else under a lease it takes for the write (an
     * operator's write, e.g. after a new login). Errors: {@link io.tokenflow.core.CredentialDowngradeException}
     * when the stored credential has a refresh token and {@code credential} has none;
     * {@link io.tokenflow.core.CredentialBusyException} when the lease cannot be had within
     * {@code writeLockWait}, the generation moved on, or Redis is unreachable;
     * {@code IllegalArgumentException} for a credential without an access token. Nothing is
     * written on error.
     */
    @Override
    public Mono<Void> save(Credential credential) {
        Objects.requireNonNull(credential, "credential");
        return writes.save(credential);
    }

    /** Empties the record (a new generation, and a new epoch: the record's history starts again); under the lease, as {@link #save}. */
    @Override
    public Mono<Void> clear() {
        return writes.clear();
    }

    /**
     * Credentials written by other hosts (or another store instance), on each {@code saved} message
     * and on a poll every {@code pollInterval}; this store's own writes are not reported. Hot; never
     * errors; ends with {@link #close()}.
     */
    @Override
    public Flux<Credential> changes() {
        return watch.changes();
    }

    /**
     * Completes once this store holds the credential's refresh lease in Redis (waiting at most
     * {@code writeLockWait}, then {@link io.tokenflow.core.CredentialBusyException}). While Redis is
     * unreachable it completes with a lease under which no refresh token may be sent.
     */
    @Override
    public Mono<RefreshLease> acquireRefreshLease() {
        return leases.forRefresh();
    }

    /** {@code redis redis://host:port/{name}} (or {@code rediss://}); never a password. */
    @Override
    public String describe() {
        return describe;
    }

    /** Closes the store's connections and ends {@link #changes()}; the {@code RedisClient} stays open. Idempotent. */
    @Override
    public void close() {
        closed.tryEmitEmpty();
        connections.close();
    }

    @Override
    public String toString() {
        return "RedisCredentialStore[" + describe + "]";
    }

    private static String describe(RedisURI uri, String name) {
        String where;
        if (uri.getHost() != null) {
            where = (uri.isSsl() ? "rediss://" : "redis://") + uri.getHost() + ":" + uri.getPort();
        } else if (uri.getSocket() != null) {
            where = "redis-socket://" + uri.getSocket();
        } else {
            where = "redis-sentinel://" + uri.getSentinelMasterId();
        }
        return "redis " + where + (uri.getDatabase() != 0 ? "/" + uri.getDatabase() : "") + "/{" + name + "}";
    }

    /** Names this process in the records it writes: the host name from the environment and the process id. */
    private static String writer() {
        String host = System.getenv("HOSTNAME");
        return (host == null || host.isBlank() ? "host" : host) + "/" + ProcessHandle.current().pid();
    }

    /**
     * Builds a {@link RedisCredentialStore}. A name and one of {@link #keyring} or
     * {@link #plaintext()} are required. Not thread-safe; {@link #build()} may be called again.
     */
    public static final class Builder {
        private final RedisClient client;
        private final RedisURI uri;
        private RedisStoreSettings settings = RedisStoreSettings.defaults();

        private Builder(RedisClient client, RedisURI uri) {
            this.client = client;
            this.uri = uri;
        }

        /** The credential's name, part of every key ({@code [A-Za-z0-9._-]{1,64}}, not a secret). Required. */
        public Builder name(String name) {
            settings = settings.withName(name);
            return this;
        }

        /** What every key starts with (default {@code tokenflow:}; {@code [A-Za-z0-9._:-]{0,64}}). */
        public Builder keyPrefix(String keyPrefix) {
            settings = settings.withKeyPrefix(keyPrefix);
            return this;
        }

        /**
         * Encrypts the credential at rest with AES-256-GCM: new saves use {@code activeKeyId}, any
         * key of {@code keys} opens what is stored (add a new active key to rotate, drop an old one
         * once nothing stored uses it). Key ids are names, not secrets ({@code [A-Za-z0-9._-]{1,64}}).
         *
         * @throws IllegalArgumentException for an empty keyring, a key that is not 256-bit AES, or an
         *     active key id not in it
         */
        public Builder keyring(Map<String, SecretKey> keys, String activeKeyId) {
            settings = settings.withKeyring(keys, activeKeyId);
            return this;
        }

        /**
         * Stores the credential unencrypted (for development): tokens are then readable in Redis,
         * its persistence files, replicas, backups and {@code MONITOR}. Replaces a keyring.
         */
        public Builder plaintext() {
            settings = settings.withPlaintext();
            return this;
        }

        /** How long the refresh lease lives without renewal (default 30 s; renewed every third of it). */
        public Builder leaseTtl(Duration leaseTtl) {
            settings = settings.withLeaseTtl(leaseTtl);
            return this;
        }

        /**
         * How old a claim must be before another host takes it over (default 2 min; longer than the
         * lease): the wait after a host died between its claim and its save, and the bound on the one
         * remaining risk, a host paused between its claim and sending for longer than this.
         */
        public Builder orphanTimeout(Duration orphanTimeout) {
            settings = settings.withOrphanTimeout(orphanTimeout);
            return this;
        }

        /** The longest wait for the lease, for a refresh, a save or a clear (default 35 s); then {@code CredentialBusyException}. */
        public Builder writeLockWait(Duration writeLockWait) {
            settings = settings.withWriteLockWait(writeLockWait);
            return this;
        }

        /** How often {@code changes()} reads the record besides pub/sub messages (default 2 s; at least 10 ms). */
        public Builder pollInterval(Duration pollInterval) {
            settings = settings.withPollInterval(pollInterval);
            return this;
        }

        /** The longest wait for one Redis command (default 2 s; at most a third of the lease TTL). */
        public Builder commandTimeout(Duration commandTimeout) {
            settings = settings.withCommandTimeout(commandTimeout);
            return this;
        }

        /**
         * The store; no I/O (it connects on first use).
         *
         * @throws IllegalStateException without a name, without {@link #keyring} or {@link #plaintext()},
         *     or with an orphan timeout not longer than the lease or a command timeout over a third of it
         */
        public RedisCredentialStore build() {
            return new RedisCredentialStore(client, uri, settings.validated());
        }
    }
}
