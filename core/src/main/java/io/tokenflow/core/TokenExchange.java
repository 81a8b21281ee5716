package io.tokenflow.core;

import java.net.URI;
import java.util.Objects;
import java.util.function.Supplier;
import org.jspecify.annotations.Nullable;
import reactor.core.publisher.Mono;

/**
 * What an RFC 8693 token exchange asks for: the subject token to exchange, and optionally the
 * audience, the resource and the token type wanted. Immutable: each {@code withX} returns a copy.
 * Given to {@link TokenService.Builder#tokenExchange(TokenExchange)}.
 *
 * <pre>{@code
 * TokenService workload = ...;                      // e.g. the cluster's identity
 * TokenService api = TokenService.builder()
 *     .tokenEndpoint(URI.create("https://sts.example/oauth2/token"))
 *     .clientCredentials("exchanger", secret)
 *     .tokenExchange(TokenExchange.subject(workload).withAudience("orders-api"))
 *     .build();
 * }</pre>
 */
public final class TokenExchange {

    /** RFC 8693 §3: the subject token is an OAuth 2.0 access token. */
    static final String ACCESS_TOKEN_TYPE = "urn:ietf:params:oauth:token-type:access_token";

    private final @Nullable TokenService subjectService;
    private final Supplier<Mono<String>> subjectToken;
    private final String subjectTokenType;
    private final @Nullable String audience;
    private final @Nullable URI resource;
    private final @Nullable String requestedTokenType;

    private TokenExchange(@Nullable TokenService subjectService, Supplier<Mono<String>> subjectToken, String subjectTokenType,
                          @Nullable String audience, @Nullable URI resource, @Nullable String requestedTokenType) {
        this.subjectService = subjectService;
        this.subjectToken = subjectToken;
        this.subjectTokenType = subjectTokenType;
        this.audience = audience;
        this.resource = resource;
        this.requestedTokenType = requestedTokenType;
    }

    /**
     * Chains services: the subject token is {@code other}'s current access token (type
     * {@code urn:ietf:params:oauth:token-type:access_token}), asked for with {@code other.token()}
     * for each exchange. When {@code other} adopts a new token, the exchanged token is renewed at
     * once. While {@code other} has no token, the exchange fails transiently (this service retries,
     * and renews as soon as {@code other} has one again). {@code other} must be built first, so
     * chains cannot form a cycle.
     */
    public static TokenExchange subject(TokenService other) {
        Objects.requireNonNull(other, "other");
        return new TokenExchange(other, () -> other.token().map(AccessToken::value), ACCESS_TOKEN_TYPE, null, null, null);
    }

    /**
     * The subject token comes from {@code token}, asked for once per exchange (e.g. a Kubernetes
     * service-account token read from its file, a CI job's OIDC token). The supplier is called on
     * the service's threads: it must not block (read files on {@code Schedulers.boundedElastic()}).
     * A supplier that fails or completes empty makes a transient failure.
     *
     * @param tokenType the RFC 8693 §3 type URI, e.g. {@code urn:ietf:params:oauth:token-type:jwt}
     */
    public static TokenExchange subject(Supplier<Mono<String>> token, String tokenType) {
        Objects.requireNonNull(token, "token");
        return new TokenExchange(null, token, requireUri("tokenType", tokenType), null, null, null);
    }

    /** The logical name of the target service ({@code audience}, RFC 8693 §2.1). */
    public TokenExchange withAudience(String audience) {
        return new TokenExchange(subjectService, subjectToken, subjectTokenType, EndpointSettings.requireText("audience", audience),
                resource, requestedTokenType);
    }

    /** The target resource's absolute URI ({@code resource}, RFC 8693 §2.1, RFC 8707). */
    public TokenExchange withResource(URI resource) {
        Objects.requireNonNull(resource, "resource");
        if (!resource.isAbsolute() || resource.getFragment() != null) {
            throw new IllegalArgumentException("resource must be an absolute URI without fragment, was " + resource);
        }
        return new TokenExchange(subjectService, subjectToken, subjectTokenType, audience, resource, requestedTokenType);
    }

    /** The type of token wanted ({@code requested_token_type}), e.g. {@code urn:ietf:params:oauth:token-type:access_token}. */
    public TokenExchange withRequestedTokenType(String tokenType) {
        return new TokenExchange(subjectService, subjectToken, subjectTokenType, audience, resource,
                requireUri("requestedTokenType", tokenType));
    }

    /** The chained service, when the subject is one. */
    @Nullable TokenService subjectService() {
        return subjectService;
    }

    /** The subject token for one exchange; lazy. */
    Mono<String> subjectToken() {
        return Mono.defer(subjectToken);
    }

    String subjectTokenType() {
        return subjectTokenType;
    }

    @Nullable String audience() {
        return audience;
    }

    @Nullable URI resource() {
        return resource;
    }

    @Nullable String requestedTokenType() {
        return requestedTokenType;
    }

    private static String requireUri(String what, String value) {
        EndpointSettings.requireText(what, value);
        try {
            if (URI.create(value).getScheme() == null) {
                throw new IllegalArgumentException(what + " must be an absolute URI, was " + value);
            }
        } catch (IllegalArgumentException e) {
            throw new IllegalArgumentException(what + " must be an absolute URI, was " + value, e);
        }
        return value;
    }

    @Override
    public String toString() {
        return "TokenExchange[subject=" + (subjectService != null ? subjectService.toString() : subjectTokenType)
                + (audience == null ? "" : ", audience=" + audience)
                + (resource == null ? "" : ", resource=" + resource)
                + (requestedTokenType == null ? "" : ", requested=" + requestedTokenType) + "]";
    }
}
