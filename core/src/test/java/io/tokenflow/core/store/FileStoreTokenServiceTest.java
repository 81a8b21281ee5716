package io.tokenflow.core.store;

import static org.assertj.core.api.Assertions.assertThat;

import io.tokenflow.core.AccessToken;
import io.tokenflow.core.TokenService;
import io.tokenflow.core.WorkloadState.Status;
import io.tokenflow.test.Await;
import io.tokenflow.test.EmbeddedAuthorizationServer;
import io.tokenflow.test.RefreshTokenFamily;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import reactor.core.publisher.Mono;
import reactor.util.function.Tuple2;

/** A TokenService on a FileCredentialStore, against an authorization server on loopback that rotates refresh tokens. */
class FileStoreTokenServiceTest {

    private static final Duration WAIT = Duration.ofSeconds(10);
    /** Long enough that only the refresh lease (not the watch) brings another writer's token in. */
    private static final Duration NO_WATCH = Duration.ofMinutes(10);

    private static final String CLIENT_ID = "file-store-test";

    private final EmbeddedAuthorizationServer server =
            EmbeddedAuthorizationServer.builder().publicClient(CLIENT_ID).start();
    /** The grant the credential file starts with. */
    private final RefreshTokenFamily family = server.startFamily(CLIENT_ID);
    private final List<TokenService> services = new ArrayList<>();

    @TempDir
    Path dir;

    @AfterEach
    void tearDown() {
        services.forEach(TokenService::dispose);
        server.close();
    }

    private Path file() {
        return dir.resolve("token.json");
    }

    private TokenService service(Duration pollInterval) {
        TokenService service = TokenService.builder()
                .tokenEndpoint(server.tokenEndpoint())
                .clientId(CLIENT_ID)
                .credentialStore(FileCredentialStore.at(file()).withPollInterval(pollInterval))
                .build();
        services.add(service);
        return service;
    }

    /** Another process or an operator writing the file. */
    private void writeExternally(Credential credential) {
        FileCredentialStore.at(file()).save(credential).block(WAIT);
    }

    private static Credential valid(String access, String refresh) {
        return TestCredentials.withRefresh(access, refresh, Instant.now().plus(Duration.ofHours(1)));
    }

    private static Credential expired(String access, String refresh) {
        return TestCredentials.withRefresh(access, refresh, Instant.now().minus(Duration.ofMinutes(1)));
    }

    private static String value(Mono<AccessToken> token) {
        return token.block(WAIT).value();
    }

    @Test
    void aValidStoredTokenIsUsedWithoutARequest() {
        writeExternally(valid("at-0", family.currentRefreshToken()));

        TokenService service = service(NO_WATCH);

        assertThat(value(service.token())).isEqualTo("at-0");
        assertThat(server.tokenRequests()).isZero();
    }

    @Test
    void aRefreshedCredentialIsSavedWhileTheServiceHoldsTheLease() {
        writeExternally(expired("at-0", family.currentRefreshToken()));

        TokenService service = service(NO_WATCH);

        assertThat(value(service.token())).isEqualTo(family.currentAccessToken().orElseThrow());
        Credential saved = FileCredentialStore.at(file()).load().block(WAIT);
        assertThat(saved.accessToken().orElseThrow().value()).isEqualTo(family.currentAccessToken().orElseThrow());
        assertThat(saved.refreshToken()).hasValue(family.currentRefreshToken());
        assertThat(saved.refreshTokenRotatedAt()).isPresent();
        assertThat(server.tokenRequests()).isEqualTo(1);
    }

    @Test
    void anExternalWriteIsAdoptedWithinOnePollInterval() {
        Duration poll = Duration.ofSeconds(1);
        writeExternally(valid("at-0", family.currentRefreshToken()));
        TokenService service = service(poll);
        assertThat(value(service.token())).isEqualTo("at-0");

        writeExternally(valid("operator-1", "operator-rt-1"));
        // One poll interval, plus a little for a busy machine to schedule the read.
        Duration took = Await.until(poll.plusMillis(500), "the service hands out the token written to the file",
                () -> value(service.token()).equals("operator-1"));

        assertThat(took).isLessThanOrEqualTo(poll.plusMillis(500));
        assertThat(server.tokenRequests()).isZero();
    }

    @Test
    void aRejectedTokenReloadsTheStoreBeforeAnyRequest() {
        writeExternally(valid("at-0", family.currentRefreshToken()));
        TokenService service = service(NO_WATCH);
        AccessToken held = service.token().block(WAIT);
        writeExternally(valid("other-process-1", "other-process-rt-1"));

        AccessToken healed = service.tokenRejected(held).block(WAIT);

        assertThat(healed.value()).isEqualTo("other-process-1");
        assertThat(server.tokenRequests()).isZero();
    }

    @Test
    void unauthenticatedIsLiftedByAnExternalWriteOfAFreshCredential() {
        server.revokeAll();
        writeExternally(expired("at-0", family.currentRefreshToken()));
        TokenService service = service(Duration.ofMillis(100));
        Await.until(WAIT, "UNAUTHENTICATED after invalid_grant", () -> service.state().status() == Status.UNAUTHENTICATED);

        writeExternally(valid("after-login", "after-login-rt"));

        Await.until(WAIT, "RUNNING again", () -> service.state().status() == Status.RUNNING);
        assertThat(value(service.token())).isEqualTo("after-login");
        assertThat(server.tokenRequests()).as("only the refused one").isEqualTo(1);
    }

    @Test
    void unauthenticatedIsLiftedByAnExternalWriteOfANewRefreshToken() {
        String revoked = family.currentRefreshToken();
        server.revokeAll();
        writeExternally(expired("at-0", revoked));
        TokenService service = service(Duration.ofMillis(100));
        Await.until(WAIT, "UNAUTHENTICATED after invalid_grant", () -> service.state().status() == Status.UNAUTHENTICATED);
        RefreshTokenFamily afterLogin = server.startFamily(CLIENT_ID);

        writeExternally(expired("stale-access", afterLogin.currentRefreshToken()));

        Await.until(WAIT, "RUNNING again", () -> service.state().status() == Status.RUNNING);
        assertThat(value(service.token())).isEqualTo(afterLogin.currentAccessToken().orElseThrow());
        assertThat(server.presentedRefreshTokens()).containsExactly(revoked, afterLogin.refreshTokens().get(0));
    }

    @Test
    void aCorruptFileFailsClosedUntilAnOperatorWritesAValidOne() throws Exception {
        Files.writeString(file(), "{\"version\": 1, \"access_token\": ");
        TokenService service = service(Duration.ofMillis(100));

        Await.until(WAIT, "UNAUTHENTICATED on a corrupt file", () -> service.state().status() == Status.UNAUTHENTICATED);
        assertThat(service.state().lastFailure().orElseThrow().message()).contains(file().toString(), "ends early");
        assertThat(Files.readString(file())).isEqualTo("{\"version\": 1, \"access_token\": ");

        Files.writeString(file(), "{\"version\": 1, \"access_token\": \"repaired\", \"refresh_token\": \""
                + family.currentRefreshToken() + "\"}");

        Await.until(WAIT, "RUNNING with the repaired file", () -> service.state().status() == Status.RUNNING);
        assertThat(value(service.token())).isEqualTo("repaired");
        assertThat(server.tokenRequests()).isZero();
    }

    @Test
    void twoServicesOnOneFileInOneJvmRefreshOnceAndShareTheToken() {
        writeExternally(valid("at-0", family.currentRefreshToken()));
        TokenService one = service(NO_WATCH);
        TokenService other = service(NO_WATCH);
        value(one.token());
        value(other.token());

        for (int round = 1; round <= 20; round++) {
            Tuple2<AccessToken, AccessToken> both = Mono.zip(one.refresh(), other.refresh()).block(WAIT);

            assertThat(both.getT1()).as("round %d", round).isEqualTo(both.getT2());
            assertThat(both.getT1().value()).isEqualTo(family.currentAccessToken().orElseThrow());
            assertThat(server.tokenRequests()).as("one request per round").isEqualTo(round);
        }
        assertThat(server.invalidGrants()).isZero();
    }

    /**
     * A job waiting for the lease while the watch adopts the winner's token must not request one
     * more once it has the lease (it would reload, find the token it now holds, and fetch): that
     * would be a needless rotation.
     */
    @Test
    void aServiceThatAdoptedTheWinnersTokenWhileWaitingForTheLeaseDoesNotRequestAnother() {
        writeExternally(valid("at-0", family.currentRefreshToken()));
        TokenService service = service(Duration.ofMillis(50));
        value(service.token());
        FileCredentialStore winner = FileCredentialStore.at(file());
        CredentialStore.RefreshLease lease = winner.acquireRefreshLease().block(WAIT);

        Mono<AccessToken> refresh = service.refresh();                    // waits for the lease the winner holds
        String winnersRefreshToken = server.issueRefreshToken(CLIENT_ID); // as if the winner had rotated
        winner.save(valid("winner-1", winnersRefreshToken)).block(WAIT);
        Await.until(WAIT, "the watch brings the winner's token in", () -> value(service.token()).equals("winner-1"));
        lease.release().block(WAIT);

        assertThat(refresh.block(WAIT).value()).isEqualTo("winner-1");
        assertThat(server.tokenRequests()).as("the winner's token is fresh: no request").isZero();
    }
}
