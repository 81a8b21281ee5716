package io.tokenflow.core;

import com.nimbusds.jose.JOSEException;
import com.nimbusds.oauth2.sdk.AuthorizationGrant;
import com.nimbusds.oauth2.sdk.Scope;
import com.nimbusds.oauth2.sdk.TokenRequest;
import com.nimbusds.oauth2.sdk.http.HTTPRequest;
import java.net.URI;
import java.time.Instant;
import java.util.List;

/**
 * Builds token requests with Nimbus ({@code TokenRequest -> HTTPRequest}): the grant, the client
 * authentication, the scope and the extra parameters. Nimbus' blocking {@code send()} is never
 * used; {@link TokenPost} sends what this builds. Stateless: a service holds nothing of it.
 */
final class TokenRequests {

    private TokenRequests() {
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
    static HTTPRequest build(EndpointSettings settings, AuthorizationGrant grant, List<URI> resources, Instant now) {
        ClientAuth auth = settings.clientAuth();
        try {
            TokenRequest.Builder builder = auth.request(settings.requestUri(), grant, now);
            if (!settings.scopes().isEmpty()) {
                // Made per request, not kept: an idle service holds only its settings' scopes.
                builder.scope(new Scope(settings.scopes().toArray(String[]::new)));
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
