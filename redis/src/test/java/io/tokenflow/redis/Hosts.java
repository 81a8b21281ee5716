package io.tokenflow.redis;

import static org.assertj.core.api.Assertions.assertThat;

import io.tokenflow.core.AccessToken;
import io.tokenflow.core.store.Credential;
import io.tokenflow.test.ChildJvm;
import io.tokenflow.test.EmbeddedAuthorizationServer;
import io.tokenflow.test.LocalRedisServer;
import io.tokenflow.test.RefreshTokenFamily;
import io.tokenflow.test.RequestHold;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Set;

/**
 * Hosts of one service as child JVMs ({@link RedisChild}), each with its own Redis connection, all
 * on one credential that the test seeds as an operator would (a save from this JVM): access token
 * {@code at-0}, valid for an hour, and the first refresh token of a family of the reuse-detecting
 * {@link EmbeddedAuthorizationServer}. Closing kills every child left.
 */
final class Hosts implements AutoCloseable {

    static final String CLIENT_ID = "many-hosts";
    static final Duration START = Duration.ofSeconds(60);
    static final Duration ANSWER = Duration.ofSeconds(40);

    private final LocalRedisServer redis;
    private final EmbeddedAuthorizationServer server;
    private final String name;
    private final RedisStores operator;
    private final List<ChildJvm> children = new ArrayList<>();
    final RefreshTokenFamily family;

    Hosts(LocalRedisServer redis, EmbeddedAuthorizationServer server, String name) {
        this(redis, server, name, Duration.ofHours(1));
    }

    /** @param seedLifetime how long the seeded {@code at-0} is valid */
    Hosts(LocalRedisServer redis, EmbeddedAuthorizationServer server, String name, Duration seedLifetime) {
        this.redis = redis;
        this.server = server;
        this.name = name;
        this.operator = new RedisStores(redis);
        this.family = server.startFamily(CLIENT_ID);
        Credential seed = Credential.builder()
                .accessToken(AccessToken.of("at-0", "Bearer", Instant.now().plus(seedLifetime), Set.of()))
                .refreshToken(family.currentRefreshToken())
                .build();
        operator.store(name).save(seed).block(RedisStores.WAIT);
    }

    /** Starts {@code count} hosts without hook and waits until each serves {@code at-0}. */
    List<ChildJvm> start(int count, Duration orphanTimeout) {
        List<ChildJvm> started = new ArrayList<>();
        for (int i = 0; i < count; i++) {
            started.add(launch("host-" + children.size(), orphanTimeout, "none"));
        }
        ready(started.toArray(ChildJvm[]::new));
        return started;
    }

    /** Starts {@code count} hosts without hook and waits until each serves a token (whichever). */
    List<ChildJvm> startServingAny(int count, Duration orphanTimeout) {
        List<ChildJvm> started = new ArrayList<>();
        for (int i = 0; i < count; i++) {
            started.add(launch("host-" + children.size(), orphanTimeout, "none"));
        }
        started.forEach(child -> child.expect("ready", START));
        return started;
    }

    /** Starts one host with {@code hook} (see {@link RedisChild}); {@link #ready} waits for it. */
    ChildJvm launchHooked(String id, Duration orphanTimeout, String hook) {
        return launch(id, orphanTimeout, hook);
    }

    /** Waits until each of {@code started} serves {@code at-0}. */
    static void ready(ChildJvm... started) {
        for (ChildJvm child : started) {
            assertThat(child.expect("ready", START)).as("%s starts from the stored token", child).isEqualTo("at-0");
        }
    }

    private ChildJvm launch(String id, Duration orphanTimeout, String hook) {
        ChildJvm child = ChildJvm.start(RedisChild.class, id, List.of(), redis.uri(), name, server.tokenEndpoint().toString(),
                CLIENT_ID, Long.toString(orphanTimeout.toMillis()), hook);
        children.add(child);
        return child;
    }

    /** Sends {@code refresh} and waits for {@code called}: every thread of the host has joined its refresh. */
    static void refresh(ChildJvm child) {
        child.send("refresh");
        child.expect("called", ANSWER);
    }

    /**
     * Forced rounds {@code from} to {@code to}: every host is told to refresh at once; the one
     * refresh that reaches the server is held until every thread of every host has joined its
     * host's refresh (so that no thread comes late and refreshes a second time). After each round
     * the server has seen one request more and every host holds the family's current token.
     */
    void forcedRounds(EmbeddedAuthorizationServer on, List<ChildJvm> hosts, int from, int to) {
        for (int round = from; round <= to; round++) {
            RequestHold hold = on.holdBeforeRotate();
            hosts.forEach(child -> child.send("refresh"));
            hosts.forEach(child -> child.expect("called", ANSWER));
            hold.awaitHeld(ANSWER);
            hold.release();
            List<String> tokens = hosts.stream().map(child -> child.expect("token", ANSWER)).toList();

            assertThat(on.tokenRequests()).as("token requests after round %d", round).isEqualTo(round);
            assertThat(tokens).as("tokens after round %d", round).containsOnly(current());
        }
    }

    /** The access token the family holds now (what every host must end on). */
    String current() {
        return family.currentAccessToken().orElseThrow();
    }

    Keys keys() {
        return Keys.of("tokenflow:", name);
    }

    /** What the hosts logged: their output without the answer lines (which carry tokens to the test on purpose). */
    String logs() {
        StringBuilder all = new StringBuilder();
        children.forEach(c -> all.append("---- ").append(c).append('\n').append(c.output().lines()
                .filter(line -> !line.startsWith(ChildJvm.PROTOCOL)).collect(java.util.stream.Collectors.joining("\n"))).append('\n'));
        return all.toString();
    }

    @Override
    public void close() {
        children.forEach(ChildJvm::close);
        operator.close();
    }
}
