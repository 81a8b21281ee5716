package io.tokenflow.core;

import io.tokenflow.core.store.Credential;
import java.net.URI;
import org.jspecify.annotations.Nullable;
import reactor.core.publisher.Mono;

/** The seam between the engine and the wire ({@link TokenEndpointClient}): one token request per subscription. */
interface TokenEndpoint {

    /** Fetches a new credential, renewing {@code current} (its refresh token, if any). */
    Mono<Credential> fetch(@Nullable Credential current);

    URI endpoint();

    String clientId();

    void dispose();
}
