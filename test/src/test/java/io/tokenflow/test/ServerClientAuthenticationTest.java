package io.tokenflow.test;

import static java.nio.charset.StandardCharsets.UTF_8;
import static io.tokenflow.test.RawTokenClient.form;
import static org.assertj.core.api.Assertions.assertThat;

import io.tokenflow.test.RawTokenClient.Reply;
import java.util.Base64;
import org.junit.jupiter.api.Test;

class ServerClientAuthenticationTest extends AgainstEmbeddedServer {



    @Override
    AuthorizationServerBuilder configure(AuthorizationServerBuilder builder) {
        return builder.client("other client:é", "p@ss:w+rd/%é");
    }

    @Test
    void clientCredentialsWithBasicAuthenticationIssuesABearerToken() {
        Reply reply = validRequest();

        assertThat(reply.status()).isEqualTo(200);
        assertThat(reply.header("Content-Type")).startsWith("application/json");
        assertThat(reply.header("Cache-Control")).isEqualTo("no-store");
        assertThat(reply.field("token_type")).isEqualTo("Bearer");
        assertThat(reply.json().get("expires_in").asLong()).isEqualTo(3600);
        String accessToken = reply.field("access_token");
        assertThat(accessToken).matches("[A-Za-z0-9_-]{43}");
        assertThat(server.isActive(accessToken)).isTrue();
    }

    @Test
    void clientCredentialsWithPostAuthenticationIssuesABearerToken() {
        Reply reply = client.post(form("grant_type", "client_credentials",
                "client_id", "demo-client", "client_secret", "demo-secret"));

        assertThat(reply.status()).isEqualTo(200);
        assertThat(reply.field("token_type")).isEqualTo("Bearer");
        assertThat(server.isActive(reply.field("access_token"))).isTrue();
    }

    @Test
    void clientCredentialsGrantIssuesNoRefreshToken() {
        Reply reply = validRequest();

        assertThat(reply.json().has("refresh_token")).isFalse();
    }

    @Test
    void requestedScopeIsGrantedAndEchoed() {
        Reply reply = client.postBasic("demo-client", "demo-secret",
                form("grant_type", "client_credentials", "scope", "api.read api.write"));

        assertThat(reply.field("scope")).isEqualTo("api.read api.write");
    }

    @Test
    void responseHasNoScopeWhenNoneWasRequested() {
        Reply reply = validRequest();

        assertThat(reply.status()).isEqualTo(200);
        assertThat(reply.json().has("scope")).isFalse();
    }

    @Test
    void everyMintedAccessTokenIsDifferent() {
        String first = validRequest().field("access_token");
        String second = validRequest().field("access_token");

        assertThat(first).isNotEqualTo(second);
    }

    @Test
    void basicCredentialsAreFormUrlDecodedBeforeComparison() {
        Reply reply = client.postBasic("other client:é", "p@ss:w+rd/%é", CLIENT_CREDENTIALS);

        assertThat(reply.status()).isEqualTo(200);
    }

    @Test
    void wrongSecretWithBasicIsInvalidClientWithABasicChallenge() {
        Reply reply = client.postBasic("demo-client", "wrong-secret", CLIENT_CREDENTIALS);

        assertThat(reply.status()).isEqualTo(401);
        assertThat(reply.error()).isEqualTo("invalid_client");
        assertThat(reply.header("WWW-Authenticate")).startsWith("Basic");
    }

    @Test
    void wrongSecretWithPostIsInvalidClient() {
        Reply reply = client.post(form("grant_type", "client_credentials",
                "client_id", "demo-client", "client_secret", "wrong-secret"));

        assertThat(reply.status()).isEqualTo(401);
        assertThat(reply.error()).isEqualTo("invalid_client");
        assertThat(reply.header("WWW-Authenticate")).startsWith("Basic");
    }

    @Test
    void unknownClientIsInvalidClient() {
        Reply reply = client.postBasic("nobody", "demo-secret", CLIENT_CREDENTIALS);

        assertThat(reply.status()).isEqualTo(401);
        assertThat(reply.error()).isEqualTo("invalid_client");
    }

    @Test
    void missingClientAuthenticationIsInvalidClient() {
        Reply reply = client.post(CLIENT_CREDENTIALS);

        assertThat(reply.status()).isEqualTo(401);
        assertThat(reply.error()).isEqualTo("invalid_client");
    }

    @Test
    void basicWithoutFormUrlEncodingDoesNotAuthenticateASecretWithReservedCharacters() {
        byte[] notEncoded = "other client:é:p@ss:w+rd/%é".getBytes(UTF_8);

        String authorization = "Basic " + Base64.getEncoder().encodeToString(notEncoded);

        Reply reply = client.post(authorization, CLIENT_CREDENTIALS);

        assertThat(reply.status()).isEqualTo(401);
    }

    @Test
    void basicAndPostAuthenticationTogetherIsAnInvalidRequest() {
        String bothMethods = form("grant_type", "client_credentials",
                "client_id", "demo-client", "client_secret", "demo-secret");

        Reply reply = client.postBasic("demo-client", "demo-secret", bothMethods);

        assertThat(reply.status()).isEqualTo(400);
        assertThat(reply.error()).isEqualTo("invalid_request");
    }

    @Test
    void malformedBasicCredentialsAreInvalidClient() {
        Reply reply = client.post("Basic !!not-base64!!", CLIENT_CREDENTIALS);

        assertThat(reply.status()).isEqualTo(401);
        assertThat(reply.error()).isEqualTo("invalid_client");
    }

    @Test
    void basicCredentialsOfOneClientWithAnotherClientIdParameterAreInvalidClient() {
        Reply reply = client.postBasic("demo-client", "demo-secret",
                form("grant_type", "client_credentials", "client_id", "other client:é"));

        assertThat(reply.status()).isEqualTo(401);
    }
}
