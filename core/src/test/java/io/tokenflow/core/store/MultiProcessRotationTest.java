package io.tokenflow.core.store;

import static org.assertj.core.api.Assertions.assertThat;

import io.tokenflow.test.EmbeddedAuthorizationServer;
import io.tokenflow.test.RefreshTokenFamily;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Separate JVMs, each with its own TokenService on one credential file, against an authorization
 * server that rotates the refresh token on every use and takes the reuse of an old one as theft
 * (the whole family revoked). The children have tokenflow-test on their class path too (the test
 * class path), though only this JVM runs the server.
 *
 * <p>Each round, every process is told to {@code refresh()} at the same moment. The one that takes
 * the refresh lease first reloads the file, refreshes and saves; the others wait for the lease,
 * reload, find a newer token than theirs and adopt it. The children watch the file only every 10
 * minutes, so the lease alone brings the winner's token to the losers: a process that adopted the
 * new token through the watch before its own refresh() would (rightly) rotate once more.
 */
class MultiProcessRotationTest {

    private static final Logger log = LoggerFactory.getLogger(MultiProcessRotationTest.class);

    private static final String CLIENT_ID = "multi-process";
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
        try (EmbeddedAuthorizationServer server = EmbeddedAuthorizationServer.builder().publicClient(CLIENT_ID).start()) {
            RefreshTokenFamily family = server.startFamily(CLIENT_ID);
            FileCredentialStore.at(file)
                    .save(TestCredentials.withRefresh("at-0", family.currentRefreshToken(),
                            Instant.now().plus(Duration.ofHours(1))))
                    .block(Duration.ofSeconds(5));
            List<ChildJvm> children = new ArrayList<>();
            try {
                for (int i = 0; i < PROCESSES; i++) {
                    children.add(ChildJvm.start("service-" + i, "token-service", file.toString(),
                            server.tokenEndpoint().toString(), CLIENT_ID));
                }
                for (ChildJvm child : children) {
                    assertThat(child.expect("ready", START)).as("started from the file").isEqualTo("at-0");
                }
                assertThat(server.tokenRequests()).as("a valid token in the file needs no request").isZero();
                long roundsStarted = System.nanoTime();

                for (int round = 1; round <= ROUNDS; round++) {
                    children.forEach(child -> child.send("refresh"));
                    List<String> tokens = children.stream().map(child -> child.expect("token", ANSWER)).toList();

                    assertThat(server.tokenRequests()).as("token requests after round %d", round).isEqualTo(round);
                    assertThat(tokens).as("tokens after round %d", round)
                            .containsOnly(family.currentAccessToken().orElseThrow());
                }
                Duration rounds = Duration.ofNanos(System.nanoTime() - roundsStarted);

                assertThat(server.invalidGrants()).as("invalid_grant answers").isZero();
                assertThat(server.rotations()).isEqualTo(ROUNDS);
                assertThat(server.presentedRefreshTokens()).as("each refresh token presented once, in order")
                        .containsExactlyElementsOf(family.refreshTokens().subList(0, ROUNDS));
                assertThat(server.reuseDetections()).isZero();
                children.forEach(child -> child.send("token"));
                assertThat(children.stream().map(child -> child.expect("token", ANSWER)).toList())
                        .as("every process ends with the same current token")
                        .containsOnly(family.currentAccessToken().orElseThrow());
                Credential stored = FileCredentialStore.at(file).load().block(Duration.ofSeconds(5));
                assertThat(stored.accessToken().orElseThrow().value()).isEqualTo(family.currentAccessToken().orElseThrow());
                assertThat(stored.refreshToken()).hasValue(family.currentRefreshToken());

                children.forEach(child -> child.send("quit"));
                for (ChildJvm child : children) {
                    assertThat(child.exitsWithin(ANSWER)).as("child exits on quit").isTrue();
                }
                log.info("{} processes, {} rounds: {} token requests, {} rotations, {} invalid_grant; rounds took {} ms, "
                                + "whole test {} ms", PROCESSES, ROUNDS, server.tokenRequests(), server.rotations(), server.invalidGrants(),
                        rounds.toMillis(), Duration.ofNanos(System.nanoTime() - started).toMillis());
            } finally {
                children.forEach(ChildJvm::close);
            }
        }
    }
}
