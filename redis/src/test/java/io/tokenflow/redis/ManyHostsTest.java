package io.tokenflow.redis;

import static org.assertj.core.api.Assertions.assertThat;

import io.tokenflow.test.Await;
import io.tokenflow.test.ChildJvm;
import io.tokenflow.test.EmbeddedAuthorizationServer;
import io.tokenflow.test.LocalRedisServer;
import io.tokenflow.test.LocalRedisServerExtension;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Set;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.junit.jupiter.api.Timeout;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Four hosts (child JVMs) of eight threads each on one credential in Redis, against an
 * authorization server that rotates the refresh token on every use and, with no grace period,
 * takes any reuse as theft and revokes the whole family. The hosts meet only through Redis.
 */
class ManyHostsTest {

    private static final Logger log = LoggerFactory.getLogger(ManyHostsTest.class);
    private static final int HOSTS = 4;
    private static final int ROUNDS = 25;
    /** The soak's length: {@code -Dtokenflow.redis.soak=120s} (the {@code soak} profile) for a longer one. */
    private static final Duration SOAK = Duration.parse("PT" + System.getProperty("tokenflow.redis.soak", "20s"));

    @RegisterExtension
    static final LocalRedisServerExtension REDIS = LocalRedisServerExtension.withoutPersistence();

    @Test
    @Timeout(240)
    void fourHostsOfEightThreadsRotateOncePerForcedRoundAndNeverSendARefreshTokenTwice() {
        try (EmbeddedAuthorizationServer server = EmbeddedAuthorizationServer.builder().publicClient(Hosts.CLIENT_ID).start();
             LocalRedisServer.Monitor monitor = REDIS.server().monitor();
             Hosts hosts = new Hosts(REDIS.server(), server, "rounds")) {
            List<ChildJvm> children = hosts.start(HOSTS, RedisStores.ORPHAN_TIMEOUT);
            assertThat(server.tokenRequests()).as("a valid stored token needs no request").isZero();
            Set<String> accessTokens = new LinkedHashSet<>(List.of("at-0"));
            long started = System.nanoTime();

            for (int round = 1; round <= ROUNDS; round++) {
                hosts.forcedRounds(server, children, round, round);
                accessTokens.add(hosts.current());
            }
            Duration rounds = Duration.ofNanos(System.nanoTime() - started);

            assertThat(server.invalidGrants()).as("invalid_grant answers").isZero();
            assertThat(server.reuseDetections()).as("reuse detections").isZero();
            assertThat(server.rotations()).isEqualTo(ROUNDS);
            assertThat(server.presentedRefreshTokens()).as("each refresh token sent once, in order")
                    .containsExactlyElementsOf(hosts.family.refreshTokens().subList(0, ROUNDS));
            children.forEach(child -> child.send("token"));
            assertThat(children.stream().map(child -> child.expect("token", Hosts.ANSWER)).toList())
                    .as("every host ends on the same current token").containsOnly(hosts.current());
            assertThat(REDIS.server().hash(hosts.keys().cred())).containsEntry("gen", Integer.toString(ROUNDS + 1));

            List<String> secrets = new ArrayList<>(accessTokens);
            secrets.addAll(hosts.family.refreshTokens());
            List<String> seen = monitor.lines();
            assertThat(seen).as("MONITOR saw the scripts run").anyMatch(line -> line.contains("\"EVALSHA\""));
            assertThat(seen).as("MONITOR saw sealed blobs").anyMatch(line -> line.contains("\"k1."));
            assertThat(seen).as("MONITOR lines that show a token").noneMatch(line -> secrets.stream().anyMatch(line::contains));
            String logs = hosts.logs();
            assertThat(secrets).as("tokens in the hosts' logs").noneMatch(logs::contains);
            log.info("{} hosts x {} threads, {} rounds: {} token requests, {} rotations, {} invalid_grant, {} reuse "
                            + "detections; rounds took {} ms; MONITOR scanned {} lines for {} tokens",
                    HOSTS, RedisChild.THREADS, ROUNDS, server.tokenRequests(), server.rotations(), server.invalidGrants(),
                    server.reuseDetections(), rounds.toMillis(), seen.size(), secrets.size());
        }
    }

    @Test
    @Timeout(300)
    void fourHostsServingShortLivedTokensRefreshAheadOneAtATimeWithoutAReuse() {
        try (EmbeddedAuthorizationServer server = EmbeddedAuthorizationServer.builder().publicClient(Hosts.CLIENT_ID)
                .tokenLifetime(Duration.ofSeconds(5)).start();
             Hosts hosts = new Hosts(REDIS.server(), server, "soak", Duration.ofSeconds(8))) {
            List<ChildJvm> children = hosts.startServingAny(HOSTS, RedisStores.ORPHAN_TIMEOUT);

            children.forEach(child -> child.send("soak " + SOAK.toMillis()));
            List<String> soaked = children.stream().map(child -> child.expect("soaked", SOAK.plus(Hosts.ANSWER))).toList();

            assertThat(soaked).as("calls, errors, tokens seen per host").allSatisfy(s -> assertThat(s.split(" ")[1]).isEqualTo("0"));
            assertThat(server.invalidGrants()).as("invalid_grant answers").isZero();
            assertThat(server.reuseDetections()).as("reuse detections").isZero();
            assertThat(server.presentedRefreshTokens()).as("refresh tokens sent").doesNotHaveDuplicates()
                    .hasSize(server.rotations());
            assertThat(server.rotations()).as("rotations in %s of 5 s tokens", SOAK).isGreaterThanOrEqualTo(3);
            Await.until(Hosts.ANSWER, "every host on the family's current token", () -> {
                children.forEach(child -> child.send("token"));
                return children.stream().map(child -> child.expect("token", Hosts.ANSWER)).allMatch(hosts.current()::equals);
            });
            log.info("soak of {} with 5 s tokens, {} hosts x {} threads: {} rotations, {} invalid_grant, {} reuse detections; "
                    + "per host calls/errors/tokens: {}", SOAK, HOSTS, RedisChild.THREADS, server.rotations(),
                    server.invalidGrants(), server.reuseDetections(), soaked);
        }
    }
}
