package io.tokenflow.core;

import com.nimbusds.jose.JOSEException;
import com.nimbusds.oauth2.sdk.AuthorizationGrant;
import com.nimbusds.oauth2.sdk.ClientCredentialsGrant;
import com.nimbusds.oauth2.sdk.RefreshTokenGrant;
import com.nimbusds.oauth2.sdk.Scope;
import com.nimbusds.oauth2.sdk.TokenRequest;
import com.nimbusds.oauth2.sdk.http.HTTPRequest;
import com.nimbusds.oauth2.sdk.token.RefreshToken;
import java.time.Instant;
import org.jspecify.annotations.Nullable;

/**
 * Builds token requests with Nimbus ({@code TokenRequest -> HTTPRequest}): the grant, the client
 * authentication, the scope and the extra parameters. Nimbus' blocking {@code send()} is never
 * used; {@link TokenPost} sends what this builds. Stateless: a service holds nothing of it.
 */
final class TokenRequests {

    private TokenRequests() {
    }

    /**
     * One request: the refresh_token grant when {@code refreshToken} is given, else client_credentials.
     * Signing ({@code private_key_jwt}) draws on {@code SecureRandom}: call it where blocking is allowed
     * when {@link ClientAuth#signs()}.
     *
     * @param now the service's clock, for anything time-stamped in the request
     * @throws TokenEndpointException (permanent, {@link FailureOrigin#CLIENT_KEY}) when the client assertion cannot be signed
     */
    static HTTPRequest build(EndpointSettings settings, @Nullable String refreshToken, Instant now) {
        AuthorizationGrant grant = refreshToken == null
                ? new ClientCredentialsGrant()
                : new RefreshTokenGrant(new RefreshToken(refreshToken));
        ClientAuth auth = settings.clientAuth();
        try {
            TokenRequest.Builder builder = auth.request(settings.uri(), grant, now);
            if (!settings.scopes().isEmpty()) {
                // Made per request, not kept: an idle service holds only its settings' scopes.
                builder.scope(new Scope(settings.scopes().toArray(String[]::new)));
            }
            settings.parameters().forEach(builder::customParameter);
            return builder.build().toHTTPRequest();
        } catch (JOSEException e) {
            throw TokenEndpointException.of(TokenFailure.of(FailureOrigin.CLIENT_KEY, FailureKind.PERMANENT,
                    "cannot sign the private_key_jwt client assertion: " + Redactor.safeMessage(e)),
                    settings.uri(), auth.clientId(), null);
        }
    }
}
