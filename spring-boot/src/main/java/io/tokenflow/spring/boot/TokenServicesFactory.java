package io.tokenflow.spring.boot;

import io.tokenflow.core.RetryPolicy;
import io.tokenflow.core.TokenService;
import io.tokenflow.core.TokenServices;
import io.tokenflow.core.store.FileCredentialStore;
import io.tokenflow.spring.boot.TokenflowProperties.AuthenticationMethod;
import io.tokenflow.spring.boot.TokenflowProperties.Client;
import io.tokenflow.spring.boot.TokenflowProperties.Retry;
import java.time.Duration;
import java.util.concurrent.atomic.AtomicReference;
import java.util.function.Function;
import java.util.function.Supplier;
import org.jspecify.annotations.Nullable;

/**
 * Builds the {@link TokenServices} of the declared clients, naming the property behind every refusal:
 * each builder call is made under the name of the property it comes from.
 */
final class TokenServicesFactory {

    private TokenServicesFactory() {
    }

    /**
     * Configures every client, then starts them all (their first token requests begin now).
     *
     * @throws TokenflowPropertyException naming the first property that cannot work
     */
    static TokenServices build(TokenflowClients clients) {
        TokenServices.Builder builder = TokenServices.builder();
        AtomicReference<ClientDeclaration> configuring = new AtomicReference<>();
        clients.asMap().forEach((name, declaration) -> builder.client(name, c -> {
            configuring.set(declaration);
            configure(c, declaration);
        }));
        try {
            return builder.build();
        } catch (IllegalArgumentException e) {
            // Every setter's argument was checked under its property above; what build() still refuses is
            // the endpoint (scheme, host, user info) of the client whose recipe it was checking.
            ClientDeclaration refused = configuring.get();
            if (refused == null) {
                throw e;
            }
            String property = refused.property(refused.client().issuerUri() != null ? "issuer-uri" : "token-uri");
            throw TokenflowPropertyException.refused(property, e.getCause() instanceof RuntimeException cause ? cause : e);
        }
    }

    private static void configure(TokenService.Builder c, ClientDeclaration d) {
        Client client = d.client();
        endpoint(c, d);
        String clientId = client.clientId();
        if (clientId == null || clientId.isBlank()) {
            throw TokenflowPropertyException.missing(d.property("client-id"), "every client needs its client id");
        }
        AuthenticationMethod method = client.clientAuthenticationMethod() != null
                ? client.clientAuthenticationMethod() : AuthenticationMethod.CLIENT_SECRET_BASIC;
        authentication(c, d, clientId, method);
        if (client.scopes() != null) {
            apply(d.property("scopes"), () -> c.scopes(client.scopes().toArray(String[]::new)));
        }
        if (client.credentialFile() != null) {
            apply(d.property("credential-file"), () -> c.credentialStore(FileCredentialStore.at(client.credentialFile())));
        }
        if (client.refreshAhead() != null) {
            apply(d.property("refresh-ahead"), () -> c.refreshAhead(client.refreshAhead()));
        }
        if (client.retry() != null) {
            c.retryPolicy(retryPolicy(d, client.retry()));
        }
    }

    private static void endpoint(TokenService.Builder c, ClientDeclaration d) {
        Client client = d.client();
        if (client.issuerUri() != null && client.tokenUri() != null) {
            throw TokenflowPropertyException.invalid(d.property("token-uri"),
                    "set either issuer-uri or token-uri, not both (" + d.property("issuer-uri") + " is set too)");
        }
        if (client.issuerUri() != null) {
            apply(d.property("issuer-uri"), () -> c.issuer(client.issuerUri()));
        } else if (client.tokenUri() != null) {
            apply(d.property("token-uri"), () -> c.tokenEndpoint(client.tokenUri()));
        } else {
            throw TokenflowPropertyException.missing(d.property("issuer-uri"),
                    "set issuer-uri (the server's metadata names its token endpoint) or token-uri");
        }
    }

    private static void authentication(TokenService.Builder c, ClientDeclaration d, String clientId,
                                       AuthenticationMethod method) {
        String secret = d.client().clientSecret();
        switch (method) {
            case CLIENT_SECRET_BASIC, CLIENT_SECRET_POST -> {
                if (secret == null || secret.isBlank()) {
                    throw TokenflowPropertyException.missing(d.property("client-secret"),
                            method.propertyValue() + " needs the client secret");
                }
                c.clientCredentials(clientId, secret);
                if (method == AuthenticationMethod.CLIENT_SECRET_POST) {
                    c.clientSecretPost();
                }
            }
            case NONE -> {
                if (secret != null) {
                    throw TokenflowPropertyException.invalid(d.property("client-secret"),
                            "set, but client-authentication-method is none (a public client has no secret)");
                }
                if (d.client().credentialFile() == null) {
                    throw TokenflowPropertyException.missing(d.property("credential-file"),
                            "a public client (client-authentication-method none) renews the refresh token kept in it");
                }
                c.clientId(clientId);
            }
            default -> throw TokenflowPropertyException.invalid(d.property("client-authentication-method"),
                    method.propertyValue() + " needs a key or certificate, which properties do not configure yet; "
                            + "use client_secret_basic, client_secret_post or none, or declare your own TokenServices bean");
        }
    }

    private static RetryPolicy retryPolicy(ClientDeclaration d, Retry retry) {
        RetryPolicy policy = RetryPolicy.defaults();
        policy = with(policy, d, "retry.max-retries", retry.maxRetries(), policy::withMaxRetries);
        policy = backoffs(policy, d, retry.minBackoff(), retry.maxBackoff());
        policy = with(policy, d, "retry.degraded-interval", retry.degradedInterval(), policy::withDegradedRetryInterval);
        policy = with(policy, d, "retry.auth-retrying-interval", retry.authRetryingInterval(), policy::withAuthRetryingInterval);
        return with(policy, d, "retry.ceiling", retry.ceiling(), policy::withCeiling);
    }

    /** Sets the two backoffs in the order that never has the minimum above the maximum on the way. */
    private static RetryPolicy backoffs(RetryPolicy policy, ClientDeclaration d, @Nullable Duration min,
                                        @Nullable Duration max) {
        if (min != null && max != null && max.compareTo(min) < 0) {
            throw TokenflowPropertyException.invalid(d.property("retry.min-backoff"),
                    min + " is longer than " + d.property("retry.max-backoff") + " (" + max + ")");
        }
        if (max != null && max.compareTo(policy.maxBackoff()) > 0) {
            RetryPolicy widened = with(policy, d, "retry.max-backoff", max, policy::withMaxBackoff);
            return with(widened, d, "retry.min-backoff", min, widened::withMinBackoff);
        }
        RetryPolicy narrowed = with(policy, d, "retry.min-backoff", min, policy::withMinBackoff);
        return with(narrowed, d, "retry.max-backoff", max, narrowed::withMaxBackoff);
    }

    private static <T> RetryPolicy with(RetryPolicy policy, ClientDeclaration d, String key, @Nullable T value,
                                        Function<T, RetryPolicy> setter) {
        return value == null ? policy : apply(d.property(key), () -> setter.apply(value));
    }

    /** Runs one builder call; a refusal of its argument becomes the refusal of {@code property}. */
    private static <T> T apply(String property, Supplier<T> call) {
        try {
            return call.get();
        } catch (IllegalArgumentException | IllegalStateException | NullPointerException e) {
            throw TokenflowPropertyException.refused(property, e);
        }
    }
}
