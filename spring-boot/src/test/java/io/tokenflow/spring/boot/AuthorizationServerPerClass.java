package io.tokenflow.spring.boot;

import io.tokenflow.test.EmbeddedAuthorizationServer;
import org.junit.jupiter.api.extension.AfterAllCallback;
import org.junit.jupiter.api.extension.BeforeAllCallback;
import org.junit.jupiter.api.extension.ExtensionContext;

/** {@link Runners#server()} for the tests of one class: started before the first, closed after the last. */
final class AuthorizationServerPerClass implements BeforeAllCallback, AfterAllCallback {

    private volatile EmbeddedAuthorizationServer server;

    /** The running server; only between the class's first and last test. */
    EmbeddedAuthorizationServer get() {
        return server;
    }

    @Override
    public void beforeAll(ExtensionContext context) {
        server = Runners.server();
    }

    @Override
    public void afterAll(ExtensionContext context) {
        server.close();
    }
}
