package io.tokenflow.spring.boot;

import java.net.URI;
import java.nio.file.Path;
import java.time.Duration;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import org.jspecify.annotations.Nullable;
import org.springframework.boot.context.properties.ConfigurationProperties;

/**
 * The {@code tokenflow.*} properties, bound once at start and validated when the clients are built
 * (a bad value fails the start with a message naming its property). The parameter texts are the
 * descriptions an IDE shows, so they are plain words.
 *
 * @param clients the named clients, tokenflow.clients.NAME.*: each becomes one service of the
 *     TokenServices bean, under that name
 * @param springSecurityRegistrations also run every spring.security.oauth2.client.registration.* whose
 *     authorization-grant-type is client_credentials as a tokenflow client of the same name, with its
 *     provider's issuer-uri or token-uri; a tokenflow.clients entry of that name overrides what it sets
 */
@ConfigurationProperties("tokenflow")
record TokenflowProperties(@Nullable Map<String, Client> clients, boolean springSecurityRegistrations) {

    static final String PREFIX = "tokenflow";

    TokenflowProperties {
        clients = clients == null ? Map.of() : new LinkedHashMap<>(clients);
    }

    /**
     * One client: {@code tokenflow.clients.<name>.*}.
     *
     * @param issuerUri the authorization server by its issuer: the token endpoint comes from its metadata
     *     (RFC 8414, then OpenID Connect discovery), whose issuer must be exactly this; set it or token-uri
     * @param tokenUri the OAuth 2.0 token endpoint: https, or http on a loopback host only
     * @param clientId the client id (required)
     * @param clientSecret the client secret, for client_secret_basic and client_secret_post
     * @param clientAuthenticationMethod how the client authenticates itself (default client_secret_basic);
     *     none is a public client, which needs a credential-file holding its refresh token
     * @param scopes scopes to request (default none)
     * @param hosts the hosts that WebClients built from the context's WebClient.Builder send this client's
     *     token to: exact host names or IP literals, no port; a request to any other host is untouched; a
     *     host belongs to one client only (default none: the token goes nowhere by itself)
     * @param credentialFile a FileCredentialStore file: the credential shared with other processes and kept
     *     across restarts (default: in memory)
     * @param refreshAhead how long before expiry to refresh (default: the smaller of 5 min and half the
     *     token's lifetime)
     * @param retry how transient failures of the token endpoint are retried
     */
    record Client(@Nullable URI issuerUri, @Nullable URI tokenUri, @Nullable String clientId,
                  @Nullable String clientSecret, @Nullable AuthenticationMethod clientAuthenticationMethod,
                  @Nullable List<String> scopes, @Nullable List<String> hosts, @Nullable Path credentialFile,
                  @Nullable Duration refreshAhead, @Nullable Retry retry) {

        /** This client, with every property it leaves unset taken from {@code base}. */
        Client over(Client base) {
            return new Client(issuerUri == null && tokenUri == null ? base.issuerUri : issuerUri,
                    issuerUri == null && tokenUri == null ? base.tokenUri : tokenUri,
                    clientId != null ? clientId : base.clientId,
                    clientSecret != null ? clientSecret : base.clientSecret,
                    clientAuthenticationMethod != null ? clientAuthenticationMethod : base.clientAuthenticationMethod,
                    scopes != null ? scopes : base.scopes,
                    hosts != null ? hosts : base.hosts,
                    credentialFile != null ? credentialFile : base.credentialFile,
                    refreshAhead != null ? refreshAhead : base.refreshAhead,
                    retry != null ? retry : base.retry);
        }

        /** {@code client-secret} is never shown. */
        @Override
        public String toString() {
            return "Client[issuerUri=" + issuerUri + ", tokenUri=" + tokenUri + ", clientId=" + clientId
                    + ", clientSecret=" + (clientSecret == null ? "null" : "(hidden)")
                    + ", clientAuthenticationMethod=" + clientAuthenticationMethod + ", scopes=" + scopes
                    + ", hosts=" + hosts + ", credentialFile=" + credentialFile + ", refreshAhead=" + refreshAhead
                    + ", retry=" + retry + "]";
        }
    }

    /**
     * {@code tokenflow.clients.<name>.retry.*}: each unset value keeps RetryPolicy.defaults()'s.
     *
     * @param maxRetries retries of the short backoff after the first failed attempt (default 5)
     * @param minBackoff first delay of the short backoff (default 5s)
     * @param maxBackoff largest delay of the short backoff (default 2m)
     * @param degradedInterval cadence of attempts while the held token is still valid (default 30s)
     * @param authRetryingInterval cadence of attempts without a valid token (default 10m)
     * @param ceiling how long a streak of transient failures is retried before giving up (default 24h)
     */
    record Retry(@Nullable Integer maxRetries, @Nullable Duration minBackoff, @Nullable Duration maxBackoff,
                 @Nullable Duration degradedInterval, @Nullable Duration authRetryingInterval,
                 @Nullable Duration ceiling) {
    }

    /** {@code client-authentication-method}: the RFC 7591 names, as Spring Security spells them. */
    enum AuthenticationMethod {
        CLIENT_SECRET_BASIC,
        CLIENT_SECRET_POST,
        CLIENT_SECRET_JWT,
        PRIVATE_KEY_JWT,
        TLS_CLIENT_AUTH,
        NONE;

        /** As written in properties: {@code client_secret_basic}. */
        String propertyValue() {
            return name().toLowerCase(Locale.ROOT);
        }
    }
}
