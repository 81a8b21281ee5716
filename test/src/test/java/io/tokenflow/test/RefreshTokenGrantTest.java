package io.tokenflow.test;

import static io.tokenflow.test.RawTokenClient.form;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatIllegalArgumentException;

import io.tokenflow.test.RawTokenClient.Reply;
import org.junit.jupiter.api.Test;

class RefreshTokenGrantTest extends AgainstEmbeddedServer {

    @Override
    AuthorizationServerBuilder configure(AuthorizationServerBuilder builder) {
        return builder.client("other-client", "other-secret");
    }

    @Test
    void outOfBandRefreshTokenIsRedeemedForAnAccessToken() {
        String refreshToken = server.issueRefreshToken("demo-client");

        Reply reply = refresh(refreshToken);

        assertThat(reply.status()).isEqualTo(200);
        assertThat(reply.header("Cache-Control")).isEqualTo("no-store");
        assertThat(reply.field("token_type")).isEqualTo("Bearer");
        assertThat(server.isActive(reply.field("access_token"))).isTrue();
    }

    @Test
    void refreshWithRotationIssuesANewRefreshTokenThatWorks() {
        String first = server.issueRefreshToken("demo-client");

        String second = refresh(first).field("refresh_token");
        Reply third = refresh(second);

        assertThat(second).matches("[A-Za-z0-9_-]{43}").isNotEqualTo(first);
        assertThat(third.status()).isEqualTo(200);
        assertThat(third.field("refresh_token")).isNotIn(first, second);
    }

    @Test
    void reusedRefreshTokenIsRejectedAndRevokesTheFamily() {
        String used = server.issueRefreshToken("demo-client");
        Reply rotated = refresh(used);
        String successor = rotated.field("refresh_token");
        String accessToken = rotated.field("access_token");

        Reply reuse = refresh(used);

        assertThat(reuse.status()).isEqualTo(400);
        assertThat(reuse.error()).isEqualTo("invalid_grant");
        assertThat(refresh(successor).error()).isEqualTo("invalid_grant");
        assertThat(server.isActive(accessToken)).isFalse();
    }

    @Test
    void reuseRevokesOnlyItsOwnFamily() {
        String used = server.issueRefreshToken("demo-client");
        String otherFamily = server.issueRefreshToken("demo-client");
        refresh(used);

        refresh(used);

        assertThat(refresh(otherFamily).status()).isEqualTo(200);
    }

    @Test
    void withoutRotationARefreshTokenStaysValidAndNoNewOneIsIssued() {
        restart(b -> b.rotateRefreshTokens(false));
        String refreshToken = server.issueRefreshToken("demo-client");

        Reply first = refresh(refreshToken);
        Reply second = refresh(refreshToken);

        assertThat(first.status()).isEqualTo(200);
        assertThat(first.json().has("refresh_token")).isFalse();
        assertThat(second.status()).isEqualTo(200);
    }

    @Test
    void unknownRefreshTokenIsAnInvalidGrant() {
        Reply reply = refresh("never-issued");

        assertThat(reply.status()).isEqualTo(400);
        assertThat(reply.error()).isEqualTo("invalid_grant");
    }

    @Test
    void refreshTokenOfAnotherClientIsAnInvalidGrant() {
        String othersToken = server.issueRefreshToken("other-client");

        Reply reply = refresh(othersToken);

        assertThat(reply.error()).isEqualTo("invalid_grant");
    }

    @Test
    void refreshGrantWithoutRefreshTokenIsAnInvalidRequest() {
        Reply reply =
                client.postBasic("demo-client", "demo-secret", form("grant_type", "refresh_token"));

        assertThat(reply.status()).isEqualTo(400);
        assertThat(reply.error()).isEqualTo("invalid_request");
    }

    @Test
    void refreshKeepsTheScopeOfTheRefreshTokenWhenNoneIsRequested() {
        String refreshToken = server.issueRefreshToken("demo-client");
        Reply scoped = client.postBasic("demo-client", "demo-secret",
                form("grant_type", "refresh_token", "refresh_token", refreshToken, "scope", "api.read"));

        Reply unscoped = refresh(scoped.field("refresh_token"));

        assertThat(scoped.field("scope")).isEqualTo("api.read");
        assertThat(unscoped.field("scope")).isEqualTo("api.read");
    }

    @Test
    void issueRefreshTokenRejectsAnUnknownClient() {
        assertThatIllegalArgumentException().isThrownBy(() -> server.issueRefreshToken("nobody"));
    }
}
