package io.tokenflow.test;

import static io.tokenflow.test.RawTokenClient.form;

import io.tokenflow.test.RawTokenClient.Reply;
import java.util.function.UnaryOperator;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;

/**
 * Base of the server's own tests: before each test an {@link EmbeddedAuthorizationServer} with the
 * confidential client {@value #CLIENT_ID} and the options of {@link #configure}, and a
 * {@link RawTokenClient} for it; closed after the test.
 */
abstract class AgainstEmbeddedServer {

    static final String CLIENT_ID = "demo-client";
    static final String CLIENT_SECRET = "demo-secret";
    static final String CLIENT_CREDENTIALS = form("grant_type", "client_credentials");

    EmbeddedAuthorizationServer server;
    RawTokenClient client;

    /** The options of every test's server besides the demo client; none unless overridden. */
    AuthorizationServerBuilder configure(AuthorizationServerBuilder builder) {
        return builder;
    }

    @BeforeEach
    final void startServer() {
        start(UnaryOperator.identity());
    }

    @AfterEach
    final void closeServer() {
        server.close();
    }

    /** Replaces this test's server by one with {@code options} on top of {@link #configure}'s. */
    final void restart(UnaryOperator<AuthorizationServerBuilder> options) {
        server.close();
        start(options);
    }

    private void start(UnaryOperator<AuthorizationServerBuilder> options) {
        server = options.apply(configure(EmbeddedAuthorizationServer.builder().client(CLIENT_ID, CLIENT_SECRET)))
                .start();
        client = new RawTokenClient(server.tokenEndpoint());
    }

    /** A {@code client_credentials} request of the demo client with {@code client_secret_basic}. */
    final Reply validRequest() {
        return client.postBasic(CLIENT_ID, CLIENT_SECRET, CLIENT_CREDENTIALS);
    }

    /** A {@code refresh_token} request of the demo client with {@code client_secret_basic}. */
    final Reply refresh(String refreshToken) {
        return client.postBasic(CLIENT_ID, CLIENT_SECRET, form("grant_type", "refresh_token", "refresh_token", refreshToken));
    }
}
