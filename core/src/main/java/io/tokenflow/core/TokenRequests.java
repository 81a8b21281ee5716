package io.tokenflow.core;

import com.nimbusds.jose.JOSEException;
import com.nimbusds.oauth2.sdk.AuthorizationGrant;
import com.nimbusds.oauth2.sdk.Scope;
import com.nimbusds.oauth2.sdk.TokenRequest;
import com.nimbusds.oauth2.sdk.http.HTTPRequest;
import java.net.URI;
import java.time.Instant;
import java.util.List;
import org.jspecify.annotations.Nullable;

/**
 * Builds token requests with Nimbus ({@code TokenRequest -> HTTPRequest}): the grant, the client
 * authentication, the scope and the extra parameters. Nimbus' blocking {@code send()} is never
 * used; {@link TokenPost} sends what this builds. Immutable.
 */
final class TokenRequests {

    private final EndpointSettings settings;
    private final @Nullable Scope scope;

    TokenRequests(EndpointSettings settings) {
        this.settings = settings;
        this.scope = settings.scopes().isEmpty() ? null : new Scope(settings.scopes().toArray(String[]::new));
    }

    /** The scope requested, or {@code null} for none. */
    @Nullable Scope scope() {
        return scope;
    }

    /**
     * One request with {@code grant}, sent to {@link EndpointSettings#requestUri()}. Signing a client
     * assertion draws on {@code SecureRandom}: call it where blocking is allowed when
     * {@link ClientAuth#signs()}.
     *
     * @param resources RFC 8707 {@code resource} parameters, none when empty
     * @param now the service's clock, for anything time-stamped in the request
     * @throws TokenEndpointException (permanent, {@link FailureOrigin#CLIENT_KEY}) when the client assertion cannot be signed
     */
    HTTPRequest build(AuthorizationGrant grant, List<URI> resources, Instant now) {
        ClientAuth auth = settings.clientAuth();
        try {
            TokenRequest.Builder builder = auth.request(settings.requestUri(), grant, now);
            if (scope != null) {
                builder.scope(scope);
            }
            if (!resources.isEmpty()) {
                builder.resources(resources.toArray(URI[]::new));
            }
            settings.parameters().forEach(builder::customParameter);
            return builder.build().toHTTPRequest();
        } catch (JOSEException e) {
            throw TokenEndpointException.of(TokenFailure.of(FailureOrigin.CLIENT_KEY, FailureKind.PERMANENT,
                    "cannot sign the " + auth.method() + " client assertion: " + Redactor.safeMessage(e)),
                    settings.uri(), auth.clientId(), null);
        }
    }
}
