package io.tokenflow.test;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatIllegalArgumentException;

import com.fasterxml.jackson.databind.JsonNode;
import io.netty.handler.codec.http.HttpMethod;
import io.tokenflow.test.EmbeddedAuthorizationServer.Discovery;
import io.tokenflow.test.RawTokenClient.Reply;
import java.net.URI;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;

class DiscoveryTest extends AgainstEmbeddedServer {

    @Override
    AuthorizationServerBuilder configure(AuthorizationServerBuilder builder) {
        return builder.issuerPath("/realms/main");
    }

    private Reply get(String path) {
        return client.send(HttpMethod.GET, Loopback.url(server.port(), path), null, null, "");
    }

    private Reply rfc8414() {
        return get("/.well-known/oauth-authorization-server/realms/main");
    }

    private Reply oidc() {
        return get("/realms/main/.well-known/openid-configuration");
    }

    @Test
    void theIssuerAndTheTokenEndpointCarryTheIssuerPath() {
        assertThat(server.issuer()).isEqualTo(URI.create("http://127.0.0.1:" + server.port() + "/realms/main"));
        assertThat(server.tokenEndpoint()).isEqualTo(URI.create(server.issuer() + "/oauth2/token"));
        assertThat(validRequest().status()).isEqualTo(200);
    }

    @Test
    void bothDocumentsDescribeTheServer() {
        for (Reply reply : List.of(rfc8414(), oidc())) {
            assertThat(reply.status()).isEqualTo(200);
            assertThat(reply.header("Content-Type")).startsWith("application/json");
            JsonNode metadata = reply.json();
            assertThat(metadata.get("issuer").asText()).isEqualTo(server.issuer().toString());
            assertThat(metadata.get("token_endpoint").asText()).isEqualTo(server.tokenEndpoint().toString());
            assertThat(texts(metadata.get("token_endpoint_auth_methods_supported")))
                    .containsExactly("client_secret_basic", "client_secret_post");
            assertThat(texts(metadata.get("grant_types_supported"))).containsExactly("client_credentials", "refresh_token");
        }
        assertThat(server.metadataRequests()).isEqualTo(2);
        assertThat(server.tokenRequests()).isZero();
    }

    @Test
    void withoutAnIssuerPathTheDocumentsAreAtTheRoot() {
        try (EmbeddedAuthorizationServer root = EmbeddedAuthorizationServer.builder().start()) {
            RawTokenClient rootClient = new RawTokenClient(root.tokenEndpoint());
            Reply rfc8414 = rootClient.send(HttpMethod.GET,
                    Loopback.url(root.port(), "/.well-known/oauth-authorization-server"), null, null, "");
            Reply oidc = rootClient.send(HttpMethod.GET,
                    Loopback.url(root.port(), "/.well-known/openid-configuration"), null, null, "");

            assertThat(root.issuer()).isEqualTo(URI.create("http://127.0.0.1:" + root.port()));
            assertThat(rfc8414.json().get("issuer").asText()).isEqualTo(root.issuer().toString());
            assertThat(oidc.json().get("token_endpoint").asText()).isEqualTo(root.tokenEndpoint().toString());
        }
    }

    @Test
    void publicClientsAddTheAuthenticationMethodNone() {
        try (EmbeddedAuthorizationServer withPublic = EmbeddedAuthorizationServer.builder().publicClient("cli").start()) {
            Reply reply = new RawTokenClient(withPublic.tokenEndpoint()).send(HttpMethod.GET,
                    Loopback.url(withPublic.port(), "/.well-known/openid-configuration"), null, null, "");

            assertThat(texts(reply.json().get("token_endpoint_auth_methods_supported"))).contains("none");
        }
    }

    @Test
    void aWrongIssuerIsOneAPrefixComparisonWouldAccept() {
        server.discovery(Discovery.WRONG_ISSUER);

        for (Reply reply : List.of(rfc8414(), oidc())) {
            String issuer = reply.json().get("issuer").asText();
            assertThat(issuer).isNotEqualTo(server.issuer().toString()).startsWith(server.issuer().toString());
            assertThat(reply.json().get("token_endpoint").asText()).isEqualTo(server.tokenEndpoint().toString());
        }
    }

    @Test
    void rfc8414NotFoundLeavesOnlyTheOidcDocument() {
        server.discovery(Discovery.RFC_8414_NOT_FOUND);

        assertThat(rfc8414().status()).isEqualTo(404);
        assertThat(oidc().json().get("issuer").asText()).isEqualTo(server.issuer().toString());
    }

    @Test
    void rfc8414MethodNotAllowedLeavesOnlyTheOidcDocument() {
        server.discovery(Discovery.RFC_8414_METHOD_NOT_ALLOWED);

        assertThat(rfc8414().status()).isEqualTo(405);
        assertThat(oidc().status()).isEqualTo(200);
    }

    @Test
    void discoveryOffAnswers404OnBothPathsAndCanBeTurnedBackOn() {
        server.discovery(Discovery.OFF);

        assertThat(rfc8414().status()).isEqualTo(404);
        assertThat(oidc().status()).isEqualTo(404);

        server.discovery(Discovery.SERVED);
        assertThat(rfc8414().status()).isEqualTo(200);
    }

    @Test
    void otherMethodsOnAMetadataPathAnswer405() {
        Reply post = client.send(HttpMethod.POST,
                Loopback.url(server.port(), "/realms/main/.well-known/openid-configuration"), null, null, "");

        assertThat(post.status()).isEqualTo(405);
        assertThat(post.header("Allow")).isEqualTo("GET");
        assertThat(server.metadataRequests()).isZero();
    }

    @Test
    void metadataPathsOfAnotherIssuerAreNotServed() {
        assertThat(get("/.well-known/oauth-authorization-server").status()).isEqualTo(404);
        assertThat(get("/.well-known/openid-configuration").status()).isEqualTo(404);
    }

    @Test
    void malformedIssuerPathsAreRejected() {
        AuthorizationServerBuilder builder = EmbeddedAuthorizationServer.builder();

        for (String bad : List.of("realms", "/realms/", "/realms?x", "/realms#x", "/rea lms")) {
            assertThatIllegalArgumentException().as(bad).isThrownBy(() -> builder.issuerPath(bad));
        }
    }

    private static List<String> texts(JsonNode array) {
        List<String> texts = new ArrayList<>();
        array.forEach(node -> texts.add(node.asText()));
        return texts;
    }
}
