package io.tokenflow.redis;

import io.lettuce.core.ClientOptions;
import io.lettuce.core.RedisClient;
import io.lettuce.core.RedisURI;
import io.lettuce.core.TimeoutOptions;
import io.tokenflow.test.LocalRedisServer;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import javax.crypto.SecretKey;
import javax.crypto.spec.SecretKeySpec;

/**
 * Stores on one {@link LocalRedisServer} for tests, with the fast timings of this module's tests
 * (lease 3 s, orphan timeout 6 s, poll 100 ms, command timeout 1 s) and a test keyring; each store
 * on its own {@link RedisClient} configured as the docs ask (REJECT_COMMANDS), as separate hosts
 * would be. {@link #close()} closes them all.
 */
final class RedisStores implements AutoCloseable {

    static final Duration LEASE_TTL = Duration.ofSeconds(3);
    static final Duration ORPHAN_TIMEOUT = Duration.ofSeconds(6);
    static final Duration POLL = Duration.ofMillis(100);
    static final Duration COMMAND_TIMEOUT = Duration.ofSeconds(1);
    static final Duration WAIT = Duration.ofSeconds(10);

    private final LocalRedisServer server;
    private final List<RedisClient> clients = new ArrayList<>();
    private final List<RedisCredentialStore> stores = new ArrayList<>();

    RedisStores(LocalRedisServer server) {
        this.server = server;
    }

    /** A 256-bit AES test key whose bytes all say {@code seed}. */
    static SecretKey key(int seed) {
        byte[] bytes = new byte[32];
        Arrays.fill(bytes, (byte) seed);
        return new SecretKeySpec(bytes, "AES");
    }

    /** A key from a 32-character text (for child JVMs, which get it as an argument). */
    static SecretKey key(String text) {
        return new SecretKeySpec(text.getBytes(StandardCharsets.US_ASCII), "AES");
    }

    /** A client as a host would have it: REJECT_COMMANDS, command timeouts on. */
    static RedisClient client() {
        RedisClient client = RedisClient.create();
        client.setOptions(ClientOptions.builder()
                .disconnectedBehavior(ClientOptions.DisconnectedBehavior.REJECT_COMMANDS)
                .timeoutOptions(TimeoutOptions.enabled(COMMAND_TIMEOUT))
                .build());
        return client;
    }

    /** A builder on a new client (closed with the others) and {@code uri}, nothing else set. */
    RedisCredentialStore.Builder bare(String uri) {
        RedisClient client = client();
        clients.add(client);
        return RedisCredentialStore.builder(client, RedisURI.create(uri));
    }

    /** A builder on a new client, fast timings, encrypted with key 1 as {@code k1}. */
    RedisCredentialStore.Builder builder(String name) {
        RedisClient client = client();
        clients.add(client);
        return RedisCredentialStore.builder(client, RedisURI.create(server.uri()))
                .name(name)
                .keyring(Map.of("k1", key(1)), "k1")
                .leaseTtl(LEASE_TTL)
                .orphanTimeout(ORPHAN_TIMEOUT)
                .pollInterval(POLL)
                .commandTimeout(COMMAND_TIMEOUT);
    }

    RedisCredentialStore store(String name) {
        return track(builder(name).build());
    }

    RedisCredentialStore track(RedisCredentialStore store) {
        stores.add(store);
        return store;
    }

    @Override
    public void close() {
        stores.forEach(RedisCredentialStore::close);
        clients.forEach(c -> c.shutdown(Duration.ZERO, Duration.ofSeconds(2)));
    }
}
