package io.tokenflow.test;

import static io.tokenflow.test.RawTokenClient.form;
import static org.assertj.core.api.Assertions.assertThat;

import io.tokenflow.test.EmbeddedAuthorizationServer.Fault;
import io.tokenflow.test.RawTokenClient.Reply;
import java.time.Duration;
import java.time.Instant;
import org.junit.jupiter.api.Test;

/** Families as a test sees them, the counters, the grace period and the grant options. */
class RefreshTokenFamilyTest extends AgainstEmbeddedServer {

    private final TestScheduler time = TestScheduler.manualClock(Instant.parse("2026-01-01T00:00:00Z"));
    @Override
    AuthorizationServerBuilder configure(AuthorizationServerBuilder builder) {
        return builder.clock(time.clock());
    }

    @Test
    void aFamilyKnowsItsCurrentRefreshAndAccessTokenAsItRotates() {
        RefreshTokenFamily family = server.startFamily("demo-client");
        String first = family.currentRefreshToken();
        assertThat(family.currentAccessToken()).isEmpty();

        Reply reply = refresh(first);

        assertThat(family.currentRefreshToken()).isEqualTo(reply.field("refresh_token")).isNotEqualTo(first);
        assertThat(family.currentAccessToken()).hasValue(reply.field("access_token"));
        assertThat(family.refreshTokens()).containsExactly(first, reply.field("refresh_token"));
        assertThat(family.clientId()).isEqualTo("demo-client");
        assertThat(family.isRevoked()).isFalse();
        assertThat(family.toString()).doesNotContain(first);
    }

    @Test
    void countersFollowRotationsInvalidGrantsAndReuseDetections() {
        RefreshTokenFamily family = server.startFamily("demo-client");
        String first = family.currentRefreshToken();
        String second = refresh(first).field("refresh_token");

        refresh("never-issued");
        refresh(first);

        assertThat(server.rotations()).isEqualTo(1);
        assertThat(server.invalidGrants()).isEqualTo(2);
        assertThat(server.reuseDetections()).isEqualTo(1);
        assertThat(server.presentedRefreshTokens()).containsExactly(first, "never-issued", first);
        assertThat(family.isRevoked()).isTrue();
        assertThat(refresh(second).error()).isEqualTo("invalid_grant");
    }

    @Test
    void answersOfAFaultAreNotCountedAsGrants() {
        String first = server.issueRefreshToken("demo-client");
        server.fault(Fault.INVALID_GRANT);

        refresh(first);

        assertThat(server.invalidGrants()).isZero();
        assertThat(server.presentedRefreshTokens()).isEmpty();
        assertThat(server.tokenRequests()).isEqualTo(1);
    }

    @Test
    void resetCountersClearsEveryCounterButKeepsTheTokens() {
        RefreshTokenFamily family = server.startFamily("demo-client");
        refresh(family.currentRefreshToken());
        refresh("never-issued");

        server.resetCounters();

        assertThat(server.tokenRequests()).isZero();
        assertThat(server.rotations()).isZero();
        assertThat(server.invalidGrants()).isZero();
        assertThat(server.presentedRefreshTokens()).isEmpty();
        assertThat(refresh(family.currentRefreshToken()).status()).isEqualTo(200);
    }

    @Test
    void withinTheGracePeriodThePreviousRefreshTokenIsAnsweredLikeARotation() {
        restart(b -> b.reuseGracePeriod(Duration.ofSeconds(30)));
        RefreshTokenFamily family = server.startFamily("demo-client");
        String first = family.currentRefreshToken();
        refresh(first);
        time.advanceClock(Duration.ofSeconds(29));

        Reply again = refresh(first);

        assertThat(again.status()).isEqualTo(200);
        assertThat(family.currentRefreshToken()).isEqualTo(again.field("refresh_token"));
        assertThat(family.isRevoked()).isFalse();
        assertThat(server.graceReuses()).isEqualTo(1);
        assertThat(server.rotations()).isEqualTo(2);
        assertThat(server.reuseDetections()).isZero();
    }

    @Test
    void afterTheGracePeriodAReuseRevokesTheFamily() {
        restart(b -> b.reuseGracePeriod(Duration.ofSeconds(30)));
        RefreshTokenFamily family = server.startFamily("demo-client");
        String first = family.currentRefreshToken();
        refresh(first);
        time.advanceClock(Duration.ofSeconds(30));

        Reply again = refresh(first);

        assertThat(again.error()).isEqualTo("invalid_grant");
        assertThat(family.isRevoked()).isTrue();
        assertThat(server.reuseDetections()).isEqualTo(1);
    }

    @Test
    void theGracePeriodCoversOnlyTheTokenRotatedLast() {
        restart(b -> b.reuseGracePeriod(Duration.ofSeconds(30)));
        RefreshTokenFamily family = server.startFamily("demo-client");
        String first = family.currentRefreshToken();
        String second = refresh(first).field("refresh_token");
        refresh(second);

        Reply older = refresh(first);

        assertThat(older.error()).isEqualTo("invalid_grant");
        assertThat(family.isRevoked()).isTrue();
    }

    @Test
    void clientCredentialsCanAlsoIssueARefreshTokenThatStartsAFamily() {
        restart(b -> b.refreshTokensForClientCredentials(true));

        Reply granted = validRequest();
        Reply refreshed = refresh(granted.field("refresh_token"));

        assertThat(granted.field("refresh_token")).matches("[A-Za-z0-9_-]{43}");
        assertThat(refreshed.status()).isEqualTo(200);
        assertThat(refresh(granted.field("refresh_token")).error()).as("rotated, then reused").isEqualTo("invalid_grant");
        assertThat(server.isActive(granted.field("access_token"))).as("revoked with its family").isFalse();
    }

    @Test
    void aClientRefusedTheRefreshGrantGetsUnauthorizedClient() {
        restart(b -> b.refuseRefreshTokenGrant("demo-client"));
        String refreshToken = server.issueRefreshToken("demo-client");

        Reply reply = refresh(refreshToken);

        assertThat(reply.status()).isEqualTo(400);
        assertThat(reply.error()).isEqualTo("unauthorized_client");
        assertThat(validRequest().status())
                .as("its other grant still works").isEqualTo(200);
    }

    @Test
    void aPublicClientRefreshesWithItsIdAlone() {
        restart(b -> b.publicClient("cli"));
        RefreshTokenFamily family = server.startFamily("cli");

        Reply reply = client.post(form("grant_type", "refresh_token", "client_id", "cli",
                "refresh_token", family.currentRefreshToken()));

        assertThat(reply.status()).isEqualTo(200);
        assertThat(family.currentAccessToken()).hasValue(reply.field("access_token"));
    }

    @Test
    void aPublicClientMayNotUseClientCredentials() {
        restart(b -> b.publicClient("cli"));

        Reply reply = client.post(form("grant_type", "client_credentials", "client_id", "cli"));

        assertThat(reply.error()).isEqualTo("unauthorized_client");
    }

    @Test
    void aPublicClientThatSendsASecretIsInvalidClient() {
        restart(b -> b.publicClient("cli"));

        Reply post = client.post(form("grant_type", "refresh_token", "client_id", "cli", "client_secret", "x",
                "refresh_token", server.issueRefreshToken("cli")));
        Reply basic = client.postBasic("cli", "x", form("grant_type", "refresh_token",
                "refresh_token", server.issueRefreshToken("cli")));

        assertThat(post.status()).isEqualTo(401);
        assertThat(basic.status()).isEqualTo(401);
    }
}
