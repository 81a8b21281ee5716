package io.tokenflow.core;

import io.tokenflow.core.store.Credential;
import java.net.URI;
import org.jspecify.annotations.Nullable;
import reactor.core.publisher.Mono;

/** The seam between the engine and the wire: one token request per subscription. */
interface TokenEndpoint {

    /** Fetches a new credential, renewing {@code current} (its refresh token, if any). */
    Mono<Credential> fetch(@Nullable Credential current);

    URI endpoint();

    String clientId();

    void dispose();

    static TokenEndpoint of(TokenEndpointClient client) {
        return new TokenEndpoint() {
            @Override
            public Mono<Credential> fetch(@Nullable Credential current) {
                return client.fetch(current);
            }

            @Override
            public URI endpoint() {
                return client.endpoint();
            }

            @Override
            public String clientId() {
                return client.clientId();
            }

            @Override
            public void dispose() {
                client.dispose();
            }
        };
    }
}
