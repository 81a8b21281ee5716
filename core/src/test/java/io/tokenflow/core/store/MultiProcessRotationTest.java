package io.tokenflow.core.store;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.stream.IntStream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Separate JVMs, each with its own TokenService on one credential file, against a token endpoint
 * that rotates the refresh token on every use and answers {@code invalid_grant} to any old one.
 *
 * <p>Each round, every process is told to {@code refresh()} at the same moment. The one that takes
 * the refresh lease first reloads the file, refreshes and saves; the others wait for the lease,
 * reload, find a newer token than theirs and adopt it. The children watch the file only every 10
 * minutes, so the lease alone brings the winner's token to the losers: a process that adopted the
 * new token through the watch before its own refresh() would (rightly) rotate once more.
 */
class MultiProcessRotationTest {

    private static final Logger log = LoggerFactory.getLogger(MultiProcessRotationTest.class);

    private static final int PROCESSES = 4;
    private static final int ROUNDS = 25;
    private static final Duration START = Duration.ofSeconds(40);
    private static final Duration ANSWER = Duration.ofSeconds(20);

    @TempDir
    Path dir;

    @Test
    @Timeout(120)
    void processesSharingOneFileRefreshOncePerRoundAndNeverReplayARotatedRefreshToken() {
        Path file = dir.resolve("token.json");
        long started = System.nanoTime();
        try (RotatingTokenServer server = RotatingTokenServer.start(Duration.ofHours(1))) {
            FileCredentialStore.at(file)
                    .save(TestCredentials.withRefresh("at-0", "rt-0", Instant.now().plus(Duration.ofHours(1))))
                    .block(Duration.ofSeconds(5));
            List<ChildJvm> children = new ArrayList<>();
            try {
                for (int i = 0; i < PROCESSES; i++) {
                    children.add(ChildJvm.start("service-" + i, "token-service", file.toString(), server.tokenEndpoint().toString()));
                }
                for (ChildJvm child : children) {
                    assertThat(child.expect("ready", START)).as("started from the file").isEqualTo("at-0");
                }
                assertThat(server.requests()).as("a valid token in the file needs no request").isZero();
                long roundsStarted = System.nanoTime();

                for (int round = 1; round <= ROUNDS; round++) {
                    children.forEach(child -> child.send("refresh"));
                    List<String> tokens = children.stream().map(child -> child.expect("token", ANSWER)).toList();

                    assertThat(server.requests()).as("token requests after round %d", round).isEqualTo(round);
                    assertThat(tokens).as("tokens after round %d", round).containsOnly(server.currentAccessToken());
                }
                Duration rounds = Duration.ofNanos(System.nanoTime() - roundsStarted);

                assertThat(server.invalidGrants()).as("invalid_grant answers").isZero();
                assertThat(server.rotations()).isEqualTo(ROUNDS);
                assertThat(server.presented()).as("each refresh token presented once, in order")
                        .containsExactlyElementsOf(IntStream.range(0, ROUNDS).mapToObj(n -> "rt-" + n).toList());
                children.forEach(child -> child.send("token"));
                assertThat(children.stream().map(child -> child.expect("token", ANSWER)).toList())
                        .as("every process ends with the same current token")
                        .containsOnly(server.currentAccessToken());
                Credential stored = FileCredentialStore.at(file).load().block(Duration.ofSeconds(5));
                assertThat(stored.accessToken().orElseThrow().value()).isEqualTo(server.currentAccessToken());
                assertThat(stored.refreshToken()).hasValue(server.currentRefreshToken());

                children.forEach(child -> child.send("quit"));
                for (ChildJvm child : children) {
                    assertThat(child.exitsWithin(ANSWER)).as("child exits on quit").isTrue();
                }
                log.info("{} processes, {} rounds: {} token requests, {} rotations, {} invalid_grant; rounds took {} ms, "
                                + "whole test {} ms", PROCESSES, ROUNDS, server.requests(), server.rotations(), server.invalidGrants(),
                        rounds.toMillis(), Duration.ofNanos(System.nanoTime() - started).toMillis());
            } finally {
                children.forEach(ChildJvm::close);
            }
        }
    }
}
